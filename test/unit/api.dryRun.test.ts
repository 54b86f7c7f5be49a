/**
 * The dry-run calls through `app.inject()`: the real dry run (element adapters, diff) against real providers on
 * loopback, over in-memory instance services (only the workflow's pollPosition answer is faked). What they answer,
 * the same 400s as POST /instances and PATCH, OAuth2 elements, credentials masked, the time limit, local filtering.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApi } from '../../api/app';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startSageCrmSimulator, SAGECRM_DEFAULT_PASSWORD, SAGECRM_DEFAULT_USERNAME, type SageCrmSimulator } from '../fakes/sagecrm';
import { fakeApiServices, type FakeApiServices } from '../fakes/apiServices';

process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';

const SECRETS = { userSecret: 'dry-user-secret', organizationSecret: 'dry-org-secret' };
const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;
const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const API_KEY = 'k3y-never-shown';

type Json = Record<string, any>;

function httpBody(baseUrl: string, resource: Json = {}, configuration: Json = {}): Json {
  return {
    element: { key: 'http' },
    name: 'dry',
    configuration: {
      'base.url': baseUrl,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.notification.callback.url': 'http://127.0.0.1:9/never-called',
      'event.poller.refresh_interval': 10,
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?api_key=${API_KEY}&updatedSince=\${gmtDate:${FORMAT}}`,
          idField: 'id',
          pageSize: 2,
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
          ...resource,
        },
      },
      ...configuration,
    },
  };
}

describe('dry-run calls', () => {
  let app: FastifyInstance;
  let services: FakeApiServices;
  let provider: HttpProvider;

  before(async () => {
    provider = await startHttpProvider();
  });
  after(() => provider.close());
  beforeEach(async () => {
    services = fakeApiServices();
    app = await buildApi({ services, secrets: SECRETS });
    provider.setLatency(0);
  });
  afterEach(() => app.close());

  const call = async (method: InjectOptions['method'], path: string, payload?: unknown) => {
    const headers: Record<string, string> = { authorization: AUTH, ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}) };
    const res = await app.inject({ method, url: `/elements/api-v2${path}`, payload: payload as InjectOptions['payload'], headers });
    return { status: res.statusCode, body: res.body ? res.json() : undefined, text: res.body };
  };

  test('a new instance: every page read once through the element, events and decisions, nothing created; credentials masked', async () => {
    const [a, b, c] = [provider.create('A'), provider.create('B'), provider.create('C')];
    const before = provider.requests.length;
    const res = await call('POST', '/instances/dry-run', httpBody(provider.url));
    assert.equal(res.status, 200, res.text);
    const contacts = res.body.resources.contacts;
    assert.equal(res.body.complete, true);
    assert.equal(contacts.complete, true);
    assert.equal(contacts.records, 3);
    assert.deepEqual(contacts.events.map((e: Json) => [e.eventType, e.objectId]), [['CREATED', a.id], ['CREATED', b.id], ['CREATED', c.id]]);
    assert.deepEqual(contacts.events[0].record, a);
    assert.equal(contacts.events[0].date, String(a.updatedAt).replace(/\.\d+Z$/, 'Z'));
    assert.deepEqual(contacts.decisions.map((d: Json) => `${d.objectId}:${d.decision}:${d.reason}`), [`${a.id}:reported:created`, `${b.id}:reported:created`, `${c.id}:reported:created`]);
    assert.deepEqual(contacts.reasons, { created: 3 });
    // Pages of two: page 1, then page 2 (one record, the last).
    assert.deepEqual(contacts.requests.map((r: Json) => [r.method, r.status]), [['GET', 200], ['GET', 200]]);
    assert.ok(contacts.requests.every((r: Json) => r.url.includes('api_key=***') && !r.url.includes(API_KEY)), JSON.stringify(contacts.requests));
    assert.ok(!res.text.includes(API_KEY), 'the key appears nowhere in the answer');
    assert.equal(provider.requests.length - before, 2);
    // The window: one refresh interval (10 min) back from the poll start.
    assert.equal(Date.parse(res.body.pollStart) - Date.parse(contacts.since), 10 * 60_000);
    assert.deepEqual(services.instances.created, [], 'no instance was created');
  });

  test('the same 400s as POST /instances, naming the same fields', async () => {
    const bodies: [string, unknown][] = [
      ['no base.url', httpBody('')],
      ['a page size out of range', httpBody(provider.url, { pageSize: 0 })],
      ['a bad placeholder', httpBody(provider.url, { url: '/contacts?since=${nope}' })],
      ['an unknown element', { element: { key: 'nope' }, configuration: {} }],
      ['events on without resources', httpBody(provider.url, {}, { 'event.poller.configuration': {} })],
      ['not an object', '"text"'],
    ];
    for (const [name, body] of bodies) {
      const created = await call('POST', '/instances', body);
      const tried = await call('POST', '/instances/dry-run', body);
      assert.equal(created.status, 400, name);
      assert.equal(tried.status, 400, name);
      assert.deepEqual(tried.body.issues, created.body.issues, name);
      assert.equal(tried.body.message, created.body.message, name);
    }
    const limit = await call('POST', '/instances/dry-run?timeLimit=61', httpBody(provider.url));
    assert.equal(limit.status, 400);
    assert.equal(limit.body.issues[0].path, 'query.timeLimit');
  });

  test('OAuth2 elements: a new instance needs a token its configuration holds; an authorization code is refused by name', async () => {
    const maximizer = (configuration: Json = {}) => ({
      element: { key: 'maximizer' },
      providerData: { code: 'one-time-code' },
      configuration: { 'oauth.api.key': 'id', 'oauth.api.secret': 'secret', 'oauth.callback.url': 'https://app.example/cb', 'base.url': 'http://127.0.0.1:9', ...configuration },
    });
    const noToken = await call('POST', '/instances/dry-run', maximizer());
    assert.equal(noToken.status, 400);
    assert.equal(noToken.body.issues[0].path, "configuration['maximizer.token']");
    assert.match(noToken.body.issues[0].message, /authorization code is good for one exchange/);
    const sage = await call('POST', '/instances/dry-run', {
      element: { key: 'sageone' },
      providerData: { code: 'one-time-code' },
      configuration: { 'oauth.api.key': 'id', 'oauth.api.secret': 'secret', 'oauth.callback.url': 'https://app.example/cb', 'base.url': 'http://127.0.0.1:9' },
    });
    assert.equal(sage.status, 400);
    assert.equal(sage.body.issues[0].path, 'providerData.code');
  });

  test('an instance from its checkpoint: its boundary set skips what was reported; an unknown resource or a bad change is a 400', async () => {
    const created = await call('POST', '/instances', httpBody(provider.url, { url: '/contacts' }));
    assert.equal(created.status, 200, created.text);
    const id = created.body.id as number;
    const x = provider.create('X');
    const xMs = Date.parse(String(x.updatedAt));
    services.positions.set(id, { resources: { contacts: { checkpointMs: xMs - 1, boundary: [`${x.id}@${xMs}`] } }, enabledAtMs: 0 });
    const res = await call('POST', `/instances/${id}/events/dry-run`, { resources: ['contacts'] });
    assert.equal(res.status, 200, res.text);
    const { decisions, since } = res.body.resources.contacts;
    assert.equal(Date.parse(since), xMs - 1);
    const mine = decisions.find((d: Json) => d.objectId === x.id);
    assert.deepEqual([mine.decision, mine.reason], ['skipped', 'already-reported']);
    assert.ok(decisions.filter((d: Json) => d.objectId !== x.id).every((d: Json) => d.reason === 'not-changed'), 'older contacts came back (no since in the URL) and are not changed');

    const unknown = await call('POST', `/instances/${id}/events/dry-run`, { resources: ['contacts', 'leads'] });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.issues.map((i: Json) => i.path), ['resources[1]']);
    const badChange = await call('POST', `/instances/${id}/events/dry-run`, { change: { configuration: { 'base.url': null } } });
    const badPatch = await call('PATCH', `/instances/${id}`, { configuration: { 'base.url': null } });
    assert.equal(badChange.status, 400);
    assert.deepEqual(badChange.body.issues, badPatch.body.issues);
    const strange = await call('POST', `/instances/${id}/events/dry-run`, { resource: ['contacts'] });
    assert.equal(strange.status, 400);
    const missing = await call('POST', '/instances/999999/events/dry-run');
    assert.equal(missing.status, 404, missing.text);
    assert.equal(services.instances.configured.length, 0, 'a change tried is not saved');
  });

  test('a change tried before saving it: the dry run reads with the changed configuration', async () => {
    const created = await call('POST', '/instances', httpBody(provider.url));
    const id = created.body.id as number;
    const res = await call('POST', `/instances/${id}/events/dry-run`, { change: { configuration: { 'base.url': 'http://127.0.0.1:9' } } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.resources.contacts.error, /127\.0\.0\.1:9/);
    assert.ok(res.body.resources.contacts.requests[0].url.startsWith('http://127.0.0.1:9/contacts'));
  });

  test('the time limit: a slow provider gives complete: false with what was read, the cut request listed', async () => {
    const slow = await startHttpProvider();
    try {
      for (let i = 0; i < 20; i++) slow.create(`slow ${i}`);
      slow.setLatency(300);
      const res = await call('POST', '/instances/dry-run?timeLimit=2', httpBody(slow.url, { pageSize: 1 }));
      assert.equal(res.status, 200, res.text);
      const contacts = res.body.resources.contacts;
      assert.equal(res.body.complete, false);
      assert.equal(contacts.complete, false);
      assert.equal(contacts.error, undefined, 'cut short, not failed');
      assert.ok(contacts.records >= 1 && contacts.records < 20, `${contacts.records} records read`);
      assert.equal(contacts.events.length, contacts.records);
      assert.equal(contacts.requests.filter((r: Json) => r.status === 200).length, contacts.records, 'a page of one per answered request');
    } finally {
      await slow.close();
    }
  });

  test('problem records are described: which record, and what is wrong with it', async () => {
    const odd = await startHttpProvider();
    try {
      const now = new Date().toISOString();
      odd.insertRaw({ name: 'no id', createdAt: now, updatedAt: now });
      odd.insertRaw({ id: 'bad', name: 'bad date', createdAt: now, updatedAt: 'last tuesday' });
      const res = await call('POST', '/instances/dry-run', httpBody(odd.url));
      assert.equal(res.status, 200, res.text);
      const contacts = res.body.resources.contacts;
      assert.equal(contacts.problems, 2);
      assert.deepEqual(contacts.problemDetails.map((p: Json) => [p.objectId, p.kind]), [['', 'missingId'], ['bad', 'badDate']]);
      assert.match(contacts.problemDetails[1].detail, /updatedAt "last tuesday" does not parse/);
      assert.deepEqual(contacts.events.map((e: Json) => [e.eventType, e.objectId]), [['UPDATED', ''], ['UPDATED', 'bad']], 'reported once, as UPDATED');
    } finally {
      await odd.close();
    }
  });

  test('a provider failure is the resource’s error, as in a poll; the answer is still a 200', async () => {
    provider.failNext(1, 500);
    const res = await call('POST', '/instances/dry-run', httpBody(provider.url));
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.resources.contacts.error, /provider answered 500/);
    assert.equal(res.body.resources.contacts.requests[0].status, 500);
    assert.equal(res.body.complete, true);
  });
});

describe('dry run of a vendor element: records its where conditions drop are decided filtered', () => {
  let sim: SageCrmSimulator;
  let app: FastifyInstance;
  before(async () => {
    sim = await startSageCrmSimulator();
    app = await buildApi({ services: fakeApiServices(), secrets: SECRETS });
  });
  after(async () => {
    await app.close();
    await sim.close();
  });

  test("a condition SData cannot express (not like) is evaluated by Pollster: what it drops is 'filtered', naming the condition", async () => {
    const kept = sim.create('Company', { Comp_Name: 'Acme' });
    const dropped = sim.create('Company', { Comp_Name: 'Test account' });
    const body = {
      element: { key: 'sagecrm' },
      name: 'filtered',
      configuration: {
        username: SAGECRM_DEFAULT_USERNAME,
        password: SAGECRM_DEFAULT_PASSWORD,
        'base.url': sim.url,
        'event.notification.enabled': true,
        'event.notification.callback.url': 'http://127.0.0.1:9/never',
        'event.poller.refresh_interval': 60,
        'event.poller.configuration': {
          accounts: { url: "/hubs/crm/accounts?where=Comp_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}' and Comp_Name not like 'Test%'", idField: 'key', datesConfiguration: { updatedDateField: 'Comp_UpdatedDate', createdDateField: 'Comp_CreatedDate' } },
        },
      },
    };
    const res = await app.inject({ method: 'POST', url: '/elements/api-v2/instances/dry-run', payload: body, headers: { authorization: AUTH } });
    assert.equal(res.statusCode, 200, res.body);
    const accounts = res.json().resources.accounts;
    assert.deepEqual(accounts.events.map((e: Json) => e.objectId), [String(kept.$key)]);
    const filtered = accounts.decisions.find((d: Json) => d.objectId === String(dropped.$key));
    assert.deepEqual([filtered.decision, filtered.reason], ['skipped', 'filtered']);
    assert.match(filtered.detail, /Comp_Name NOT LIKE 'Test%'/);
    assert.equal(accounts.records, 1, 'a poll counts the records left after local filtering');
    assert.ok(sim.requests.every((r) => r.method === 'GET'));
  });
});
