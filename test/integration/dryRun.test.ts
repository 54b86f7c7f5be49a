/**
 * Dry runs, the explain calls and DELETED events from a flag, end to end on a real Temporal dev server: API → worker →
 * element adapter → vendor simulator → receiver.
 *
 * - A dry run of each element against its simulator sends nothing (the receiver sees no request), only reads at the
 *   provider (no token exchange or refresh either), starts no workflow and moves no checkpoint; the next real poll
 *   then reports what it predicted.
 * - Every skip reason, produced by real polls and named by a dry run of the instance; the explain calls.
 * - A deletion flag on the http element: each deletion delivered once; a record that merely vanished reports nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import { instanceIdFor } from '../../api/instances/identity';
import { validateInstanceBody } from '../../api/instances/validate';
import { pollNow, pollPosition } from '../../contract/messages';
import { elementsSignature } from '../../core/signature';
import type { Clock, LoggedRequest } from '../fakes/vendorKit';
import { startSageCrmSimulator, SAGECRM_DEFAULT_PASSWORD, SAGECRM_DEFAULT_USERNAME } from '../fakes/sagecrm';
import { startConnectWiseSimulator, CONNECTWISE_DEFAULT_CLIENT_ID, CONNECTWISE_DEFAULT_COMPANY, CONNECTWISE_DEFAULT_PRIVATE_KEY, CONNECTWISE_DEFAULT_PUBLIC_KEY } from '../fakes/connectwise';
import { startSageAccountingSimulator, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET } from '../fakes/sageone';
import { startMaximizerSimulator, MAXIMIZER_DEFAULT_CLIENT_ID, MAXIMIZER_DEFAULT_CLIENT_SECRET, MAXIMIZER_DEFAULT_PAT } from '../fakes/maximizer';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';

type Json = Record<string, any>;
const CE_DATE = "${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}";
const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const SIGNING_KEY = 'dry-run-signing-key';

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A change stamped on a whole second at least 1 s ahead, as the vendors' second-precision `>` queries need (see elements.test.ts). */
function stamper() {
  let last = 0;
  return <T>(clock: Clock, change: () => T): T => {
    const at = Math.max(Math.ceil((Date.now() + 1000) / 1000) * 1000, last + 1000);
    last = at;
    clock.setNow(at);
    try {
      return change();
    } finally {
      clock.useRealTime();
    }
  };
}

/** A provider's requests are reads only: GETs, and Maximizer's Read (every Octopus call is a POST). */
const onlyReads = (requests: LoggedRequest[]): boolean => requests.every((r) => r.method === 'GET' || (r.method === 'POST' && r.path.endsWith('/Read')));

describe('dry runs, explain and deletion flags end to end', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let receiver: Receiver;
  const stamp = stamper();
  const closers: (() => Promise<void>)[] = [];

  const eventsOf = (id: number) => receiver.received.filter((r) => r.body.message.instanceId === id).flatMap((r) => r.body.message.events);
  const position = (id: number) => api.client.workflow.getHandle(`instance-${id}`).query(pollPosition);
  const poller = async (id: number): Promise<Json> => (await api.request('GET', `/instances/${id}/poller`)).body;

  async function create(body: Json): Promise<number> {
    const res = await api.request('POST', '/instances', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as number;
  }

  /** Polls now and waits until that poll is over (its count went up). */
  async function pollOnce(id: number): Promise<void> {
    const before = (await poller(id)).polls as number;
    await api.client.workflow.getHandle(`instance-${id}`).signal(pollNow);
    await until(`poll ${before + 1} of instance ${id}`, async () => (await poller(id)).polls > before);
  }

  /** The OAuth2 dance through Pollster's own API: GET /elements/{key}/oauth/url, then the provider's redirect. */
  async function authorize(key: string, apiKey: string, baseUrl: string): Promise<string> {
    const qs = new URLSearchParams({ apiKey, callbackUrl: 'https://mycoolapp.com', state: key, 'base.url': baseUrl });
    const res = await api.request('GET', `/elements/${key}/oauth/url?${qs}`);
    const redirect = await fetch(res.body.oauthUrl, { redirect: 'manual' });
    return new URL(redirect.headers.get('location')!).searchParams.get('code')!;
  }

  /** A dry run of a new instance: it starts no workflow (the one its body would start does not exist). */
  async function dryRunNew(body: Json): Promise<Json> {
    const res = await api.request('POST', '/instances/dry-run', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id = instanceIdFor((await validateInstanceBody(body)).spec);
    await assert.rejects(api.client.workflow.getHandle(`instance-${id}`).describe(), WorkflowNotFoundError, 'no workflow was started');
    return res.body;
  }

  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env, undefined, { store: true });
    receiver = await startReceiver();
  });

  after(async () => {
    for (const close of closers) await close();
    await api?.close();
    await worker?.stop();
    await receiver?.close();
    await env?.teardown();
  });

  const events = (callback: string, interval = '60') => ({
    'event.notification.enabled': true,
    'event.notification.callback.url': callback,
    'event.notification.signature.key': SIGNING_KEY,
    'event.poller.refresh_interval': interval,
  });

  /**
   * The shared check of one element: a new-instance dry run sees `first`; the instance created from the same body and
   * polled once; a dry run of it sees `second` (made after that poll) without sending it, reading only, moving no
   * checkpoint; the next poll reports exactly what the dry run predicted.
   */
  async function checkElement(o: {
    name: string;
    body: Json;
    newBody?: Json;
    resource: string;
    requests: LoggedRequest[];
    first: () => string;
    second: () => string;
    tokenCalls?: () => number;
  }): Promise<{ id: number; answer: Json }> {
    const firstId = o.first();
    if (o.newBody) {
      const sentBefore = receiver.attempts;
      const before = o.requests.length;
      const tried = await dryRunNew(o.newBody);
      const r = tried.resources[o.resource];
      assert.equal(r.error, undefined, `${o.name}: ${r.error}`);
      assert.ok(r.events.some((e: Json) => e.objectId === firstId), `${o.name}: the new dry run sees ${firstId}: ${JSON.stringify(r.decisions)}`);
      assert.ok(o.requests.length > before && onlyReads(o.requests.slice(before)), `${o.name}: reads only`);
      assert.equal(receiver.attempts, sentBefore, `${o.name}: nothing was sent`);
    }
    const id = await create(o.body);
    await pollOnce(id);
    const secondId = o.second();
    const sent = receiver.attempts;
    const tokenCalls = o.tokenCalls?.() ?? 0;
    const at = await position(id);
    const before = o.requests.length;
    const res = await api.request('POST', `/instances/${id}/events/dry-run`, { resources: [o.resource] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body.resources[o.resource];
    assert.equal(r.error, undefined, `${o.name}: ${r.error}`);
    const predicted = r.events.filter((e: Json) => e.objectId === secondId);
    assert.equal(predicted.length, 1, `${o.name}: the dry run sees ${secondId}: ${JSON.stringify(r.decisions)}`);
    assert.deepEqual(Object.keys(res.body.resources), [o.resource]);
    assert.equal(receiver.attempts, sent, `${o.name}: nothing was sent`);
    assert.deepEqual(await position(id), at, `${o.name}: no checkpoint moved`);
    assert.ok(onlyReads(o.requests.slice(before)), `${o.name}: reads only`);
    assert.equal(o.tokenCalls?.() ?? 0, tokenCalls, `${o.name}: no token exchanged or refreshed by a dry run`);
    await pollOnce(id);
    const reported = eventsOf(id).filter((e) => e.objectId === secondId);
    assert.deepEqual(reported.map((e) => [e.eventType, e.date]), [[predicted[0].eventType, predicted[0].date]], `${o.name}: the poll reported what the dry run predicted`);
    return { id, answer: res.body };
  }

  test('sagecrm: nothing sent, reads only, no checkpoint moved; a where condition SData cannot express is decided filtered', async () => {
    const sim = await startSageCrmSimulator();
    closers.push(sim.close);
    const body = {
      element: { key: 'sagecrm' },
      name: 'dry sagecrm',
      configuration: {
        username: SAGECRM_DEFAULT_USERNAME,
        password: SAGECRM_DEFAULT_PASSWORD,
        'base.url': sim.url,
        ...events(receiver.url),
        'event.poller.configuration': {
          accounts: {
            url: `/hubs/crm/accounts?where=Comp_UpdatedDate>'${CE_DATE}' and Comp_Name not like 'Test%'`,
            idField: 'key',
            datesConfiguration: { updatedDateField: 'Comp_UpdatedDate', createdDateField: 'Comp_CreatedDate' },
          },
        },
      },
    };
    let test = '';
    const { id, answer } = await checkElement({
      name: 'sagecrm',
      body,
      newBody: body,
      resource: 'accounts',
      requests: sim.requests,
      first: () => String(stamp(sim.clock, () => sim.create('Company', { Comp_Name: 'Acme' })).$key),
      second: () =>
        stamp(sim.clock, () => {
          test = String(sim.create('Company', { Comp_Name: 'Test account' }).$key);
          return String(sim.create('Company', { Comp_Name: 'Globex' }).$key);
        }),
    });
    const filtered = answer.resources.accounts.decisions.find((d: Json) => d.objectId === test);
    assert.deepEqual([filtered?.decision, filtered?.reason], ['skipped', 'filtered'], JSON.stringify(answer.resources.accounts.decisions));
    assert.ok(!eventsOf(id).some((e) => e.objectId === test), 'and the poll did not report it either');
    await api.request('DELETE', `/instances/${id}`);
  });

  test('connectwisecrmrest: nothing sent, reads only, no checkpoint moved', async () => {
    const sim = await startConnectWiseSimulator();
    closers.push(sim.close);
    const body = {
      element: { key: 'connectwisecrmrest' },
      name: 'dry connectwise',
      configuration: {
        baseUrl: 'https://api-cloudelements/v4_6_release/apis/3.0',
        'base.url': sim.url,
        company: CONNECTWISE_DEFAULT_COMPANY,
        'public.key': CONNECTWISE_DEFAULT_PUBLIC_KEY,
        'private.key': CONNECTWISE_DEFAULT_PRIVATE_KEY,
        clientId: CONNECTWISE_DEFAULT_CLIENT_ID,
        ...events(receiver.url),
        'event.poller.configuration': { contacts: {} },
      },
    };
    const { id } = await checkElement({
      name: 'connectwisecrmrest',
      body,
      newBody: body,
      resource: 'contacts',
      requests: sim.requests,
      first: () => String(stamp(sim.clock, () => sim.create('company/contacts', { firstName: 'Ada' })).id),
      second: () => String(stamp(sim.clock, () => sim.create('company/contacts', { firstName: 'Grace' })).id),
    });
    await api.request('DELETE', `/instances/${id}`);
  });

  test('sageone: a new instance cannot be dry-run with its one-time code; the instance is, with its own tokens, none refreshed', async () => {
    const sim = await startSageAccountingSimulator();
    closers.push(sim.close);
    const body = (code: string) => ({
      element: { key: 'sageone' },
      name: 'dry sageone',
      providerData: { code },
      configuration: {
        'oauth.api.key': SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
        'oauth.api.secret': SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
        'oauth.callback.url': 'https://mycoolapp.com',
        'base.url': sim.url,
        ...events(receiver.url),
      },
    });
    const code = await authorize('sageone', SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, sim.url);
    const refused = await api.request('POST', '/instances/dry-run', body(code));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.issues[0].path, 'providerData.code');
    assert.equal(sim.counters.codeExchanges, 0, 'the code is still good');
    const { id } = await checkElement({
      name: 'sageone',
      body: body(code),
      resource: 'customers',
      requests: sim.requests,
      first: () => '',
      second: () => String(stamp(sim.clock, () => sim.create('contacts', { name: 'Acme Ltd' })).id),
      tokenCalls: () => sim.counters.codeExchanges + sim.counters.refreshes,
    });
    assert.equal(sim.counters.codeExchanges, 1, 'the instance exchanged its code, once');
    await api.request('DELETE', `/instances/${id}`);
  });

  test('maximizer: a new instance with a personal access token; the instance with its OAuth2 tokens, none refreshed', async () => {
    const sim = await startMaximizerSimulator();
    closers.push(sim.close);
    const configuration = { 'base.url': sim.url, ...events(receiver.url), 'event.poller.configuration': { contacts: {} } };
    const code = await authorize('maximizer', MAXIMIZER_DEFAULT_CLIENT_ID, sim.url);
    const body = {
      element: { key: 'maximizer' },
      name: 'dry maximizer',
      providerData: { code },
      configuration: { 'oauth.api.key': MAXIMIZER_DEFAULT_CLIENT_ID, 'oauth.api.secret': MAXIMIZER_DEFAULT_CLIENT_SECRET, 'oauth.callback.url': 'https://mycoolapp.com', ...configuration },
    };
    const { id } = await checkElement({
      name: 'maximizer',
      body,
      newBody: { element: { key: 'maximizer' }, name: 'dry maximizer (token)', configuration: { 'maximizer.token': MAXIMIZER_DEFAULT_PAT, ...configuration } },
      resource: 'contacts',
      requests: sim.requests,
      first: () => String(stamp(sim.clock, () => sim.create('AbEntry', { Type: 'Individual', FirstName: 'Ivy' })).Key),
      second: () => String(stamp(sim.clock, () => sim.create('AbEntry', { Type: 'Individual', FirstName: 'Jo' })).Key),
      tokenCalls: () => sim.counters.codeExchanges + sim.counters.refreshes,
    });
    await api.request('DELETE', `/instances/${id}`);
  });

  test('http: every skip reason a poll produces, named by a dry run of the instance; the explain calls; still nothing sent or moved', async () => {
    const provider: HttpProvider = await startHttpProvider();
    closers.push(provider.close);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    provider.insertRaw({ id: 'old', name: 'unchanged for an hour', createdAt: hourAgo, updatedAt: hourAgo });
    const id = await create({
      element: { key: 'http' },
      name: 'skip reasons',
      configuration: {
        'base.url': provider.url,
        'pagination.type': 'page',
        ...events(receiver.url),
        'event.poller.configuration': {
          contacts: {
            // No since in the URL: the provider answers every record, so the diff decides each one.
            url: '/contacts',
            idField: 'id',
            filterByCurrentDate: true,
            pollDelay: 60,
            datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
          },
        },
      },
    });
    const ada = provider.create('Ada');
    const now = new Date().toISOString();
    provider.insertRaw({ name: 'no id', createdAt: now, updatedAt: now });
    provider.insertRaw({ id: 'bad-date', name: 'bad date', createdAt: now, updatedAt: 'yesterday' });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    provider.insertRaw({ id: 'future', name: 'dated tomorrow', createdAt: tomorrow, updatedAt: tomorrow });
    await pollOnce(id);
    assert.deepEqual(eventsOf(id).map((e) => `${e.objectId}:${e.eventType}`).sort(), [':UPDATED', `${ada.id}:CREATED`, 'bad-date:UPDATED'].sort());

    const sent = receiver.attempts;
    const at = await position(id);
    const calls = provider.calls.length;
    const res = await api.request('POST', `/instances/${id}/events/dry-run`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const contacts = res.body.resources.contacts;
    const decided = Object.fromEntries(contacts.decisions.map((d: Json) => [d.objectId, `${d.decision}:${d.reason}`]));
    assert.deepEqual(decided, {
      old: 'skipped:not-changed',
      [ada.id]: 'skipped:already-reported',
      '': 'skipped:no-id',
      'bad-date': 'skipped:bad-date',
      future: 'skipped:after-poll-start',
    });
    assert.deepEqual(contacts.events, []);
    assert.deepEqual(contacts.reasons, { 'not-changed': 1, 'already-reported': 1, 'no-id': 1, 'bad-date': 1, 'after-poll-start': 1 });

    // The notifications that carried Ada, from the delivery log, with their delivery status.
    const carried = await api.request('GET', `/instances/${id}/events?objectId=${ada.id}`);
    assert.equal(carried.status, 200, JSON.stringify(carried.body));
    assert.equal(carried.body.length, 1);
    assert.equal(carried.body[0].status, 'delivered');
    assert.deepEqual(carried.body[0].objectEvents, [{ eventType: 'CREATED', date: String(ada.updatedAt).replace(/\.\d+Z$/, 'Z') }]);
    assert.equal(carried.body[0].id, receiver.received.find((r) => r.body.message.instanceId === id && r.body.message.events.some((e) => e.objectId === ada.id))!.body.id);
    assert.deepEqual((await api.request('GET', `/instances/${id}/events?objectId=nobody`)).body, []);

    // One record explained: what was last reported, and what a poll would do now.
    const explained = await api.request('GET', `/instances/${id}/records/contacts/${ada.id}`);
    assert.equal(explained.status, 200, JSON.stringify(explained.body));
    assert.equal(explained.body.lastReported.eventType, 'CREATED');
    assert.equal(explained.body.lastReported.status, 'delivered');
    assert.deepEqual(explained.body.lastReported.record, ada);
    assert.deepEqual(explained.body.now.decisions.map((d: Json) => d.reason), ['already-reported']);
    assert.match(explained.body.now.verdict, /^skipped \(already-reported\)/);
    assert.equal(explained.body.now.records, 5, 'the dry run read every record; it kept only this one’s decisions');
    const unknown = await api.request('GET', `/instances/${id}/records/contacts/nobody`);
    assert.equal(unknown.body.lastReported, null);
    assert.match(unknown.body.now.verdict, /^not reported: the provider returned no record with id nobody/);
    assert.equal((await api.request('GET', `/instances/${id}/records/leads/${ada.id}`)).status, 404);

    assert.equal(receiver.attempts, sent, 'nothing was sent');
    assert.deepEqual(await position(id), at, 'no checkpoint moved');
    assert.ok(provider.calls.length > calls && provider.calls.slice(calls).every((c) => c.method === 'GET'), 'reads only');
    await api.request('DELETE', `/instances/${id}`);
  });

  test('http with a deletion flag: each deletion is delivered once, signed; a record that merely vanished reports nothing', async () => {
    const provider = await startHttpProvider();
    closers.push(provider.close);
    const id = await create({
      element: { key: 'http' },
      name: 'deletion flag',
      configuration: {
        'base.url': provider.url,
        'pagination.type': 'page',
        ...events(receiver.url),
        'event.poller.configuration': {
          contacts: {
            url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`,
            idField: 'id',
            datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
            deletion: { field: 'deleted', value: true },
          },
        },
      },
    });
    const [a, b, c] = [provider.create('A'), provider.create('B'), provider.create('C')];
    await pollOnce(id);
    assert.deepEqual(eventsOf(id).map((e) => `${e.objectId}:${e.eventType}`), [`${a.id}:CREATED`, `${b.id}:CREATED`, `${c.id}:CREATED`]);

    const gone = provider.flagDeleted(a.id);
    provider.remove(b.id);
    // The dry run predicts it, and sends nothing.
    const tried = await api.request('POST', `/instances/${id}/events/dry-run`);
    assert.deepEqual(tried.body.resources.contacts.events.map((e: Json) => [e.eventType, e.objectId]), [['DELETED', a.id]]);
    assert.match(tried.body.resources.contacts.decisions.find((d: Json) => d.objectId === a.id).detail, /deleted is true/);
    await pollOnce(id);
    await pollOnce(id);
    await pollOnce(id);

    const deletions = receiver.received.filter((r) => r.body.message.instanceId === id && r.body.message.events.some((e) => e.eventType === 'DELETED'));
    assert.equal(deletions.length, 1, 'one notification carries the deletion');
    const [notification] = deletions;
    assert.deepEqual(notification!.body.message.events.map((e) => [e.eventType, e.objectId, e.date]), [['DELETED', a.id, String(gone.updatedAt).replace(/\.\d+Z$/, 'Z')]]);
    assert.deepEqual((notification!.body.message.raw as Json).contacts, [gone]);
    assert.equal(notification!.headers['elements-webhook-signature'], elementsSignature(SIGNING_KEY, notification!.raw));
    assert.deepEqual(eventsOf(id).map((e) => `${e.objectId}:${e.eventType}`), [`${a.id}:CREATED`, `${b.id}:CREATED`, `${c.id}:CREATED`, `${a.id}:DELETED`], 'nothing for the contact that vanished');

    const explained = await api.request('GET', `/instances/${id}/records/contacts/${a.id}`);
    assert.equal(explained.body.lastReported.eventType, 'DELETED');
    assert.deepEqual(explained.body.lastReported.record, gone);
    const carried = await api.request('GET', `/instances/${id}/events?objectId=${b.id}`);
    assert.deepEqual(carried.body.map((n: Json) => n.objectEvents), [[{ eventType: 'CREATED', date: String(b.updatedAt).replace(/\.\d+Z$/, 'Z') }]]);
    await api.request('DELETE', `/instances/${id}`);
  });
});
