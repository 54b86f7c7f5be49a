/**
 * The five elements end to end on a real Temporal dev server: API → workflow → adapter → vendor
 * simulator → receiver. Each vendor element runs its seed document's own instance JSON (only
 * base.url, secrets and the callback changed). Plus: OAuth token rotation across a worker restart,
 * 429 + Retry-After, and a provider 4xx surfaced in /poller while the checkpoint holds.
 *
 * Simulator records are stamped a little in the future: vendors date records to the second, so a
 * change made in the same second as, but after, a poll's start would otherwise be invisible to the
 * seeds' strict `>` queries (a property of the seed configurations, reported separately).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollNow } from '../../contract/messages';
import type { Clock } from '../fakes/vendorKit';
import { startSageCrmSimulator, SAGECRM_DEFAULT_PASSWORD, SAGECRM_DEFAULT_USERNAME } from '../fakes/sagecrm';
import {
  startConnectWiseSimulator,
  CONNECTWISE_DEFAULT_CLIENT_ID,
  CONNECTWISE_DEFAULT_COMPANY,
  CONNECTWISE_DEFAULT_PRIVATE_KEY,
  CONNECTWISE_DEFAULT_PUBLIC_KEY,
  type ConnectWiseSimulator,
} from '../fakes/connectwise';
import { startSageAccountingSimulator, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET, type SageAccountingSimulator } from '../fakes/sageone';
import { startMaximizerSimulator, MAXIMIZER_DEFAULT_CLIENT_ID, MAXIMIZER_DEFAULT_CLIENT_SECRET } from '../fakes/maximizer';
import { startHttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';

type Json = Record<string, any>;
const INTERVAL = '0.02'; // minutes: a poll every 1.2 s
const CE_DATE = "${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}";

// ---------------------------------------------------------------- the seeds' own instance JSON

/** Cloud Elements' "Example JSON with Polling" (Sage CRM), verbatim but for base.url, secrets and the callback. */
function sageCrmSeed(baseUrl: string, callback: string): Json {
  const resource = (name: string, prefix: string, created = `${prefix}_CreatedDate`) => ({
    url: `/hubs/crm/${name}?where=${prefix}_UpdatedDate>'${CE_DATE}'`,
    idField: 'key',
    datesConfiguration: {
      updatedDateField: `${prefix}_UpdatedDate`, updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", updatedDateTimezone: 'GMT',
      createdDateField: created, createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", createdDateTimezone: 'GMT',
    },
  });
  return {
    element: { key: 'sagecrm' },
    configuration: {
      subdomain: 'sagecrm-0.cloud-elements.com',
      username: SAGECRM_DEFAULT_USERNAME,
      password: SAGECRM_DEFAULT_PASSWORD,
      'base.url': baseUrl,
      'event.notification.enabled': true,
      'event.notification.callback.url': callback,
      'event.poller.refresh_interval': INTERVAL,
      'event.poller.configuration': {
        accounts: resource('accounts', 'Comp'),
        contacts: resource('contacts', 'Pers'),
        leads: resource('leads', 'Lead', 'lead_createddate'),
        opportunities: resource('opportunities', 'Oppo'),
        users: resource('users', 'User'),
      },
    },
    tags: ['Docs'],
    name: 'SageCRMPolling',
  };
}

/** Cloud Elements' "Example JSON with Polling" (ConnectWise); clientId is added, as ConnectWise requires it. */
function connectWiseSeed(baseUrl: string, callback: string): Json {
  return {
    element: { key: 'connectwisecrmrest' },
    providerData: { code: '1c6ff4089d58d80e86482ab7d5b97f15dd7b041d' },
    configuration: {
      baseUrl: 'https://api-cloudelements/v4_6_release/apis/3.0',
      'base.url': baseUrl,
      company: CONNECTWISE_DEFAULT_COMPANY,
      'public.key': CONNECTWISE_DEFAULT_PUBLIC_KEY,
      'private.key': CONNECTWISE_DEFAULT_PRIVATE_KEY,
      clientId: CONNECTWISE_DEFAULT_CLIENT_ID,
      'event.notification.enabled': true,
      'event.notification.callback.url': callback,
      'event.poller.refresh_interval': INTERVAL,
      'event.poller.configuration': {
        contacts: {
          url: `/hubs/crm/contacts?where=lastUpdated>'${CE_DATE}'`,
          idField: 'id',
          datesConfiguration: {
            updatedDateField: '_info.lastUpdated', updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", updatedDateTimezone: 'GMT',
            createdDateField: '_info.lastUpdated', createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", createdDateTimezone: 'GMT',
          },
        },
      },
    },
    tags: ['Test'],
    name: 'API_Polling',
  };
}

/** Cloud Elements' "Example JSON with Polling" (Sage Business Cloud Accounting), its unterminated quote included. */
function sageOneSeed(baseUrl: string, callback: string, code: string, name = 'API_Polling'): Json {
  return {
    element: { key: 'sageone' },
    providerData: { code },
    configuration: {
      'oauth.api.key': SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
      'oauth.api.secret': SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
      'signature.secret': 'xxxxxxxxxxxxxxxxxxxxxxxxx',
      'apim.subscription.key': 'xxxxxxxxxxxxxxxxxxxxxxxxx',
      country: 'US',
      'oauth.callback.url': 'https://mycoolapp.com',
      'base.url': baseUrl,
      'event.notification.enabled': true,
      'event.notification.callback.url': callback,
      'event.poller.refresh_interval': INTERVAL,
      'event.poller.configuration': {
        customers: {
          url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at",
          idField: 'id',
          datesConfiguration: {
            updatedDateField: 'updated_at', updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", updatedDateTimezone: 'GMT',
            createdDateField: 'created_at', createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", createdDateTimezone: 'GMT',
          },
        },
      },
    },
    tags: ['Test'],
    name,
  };
}

/** Cloud Elements' "Example cURL with Polling" (Maximizer). */
function maximizerSeed(baseUrl: string, callback: string, code: string): Json {
  return {
    element: { key: 'maximizer' },
    providerData: { code },
    configuration: {
      // The seed writes 'https://mycoolapp.com', a typo no provider accepts as a redirect URI.
      'oauth.callback.url': 'https://mycoolapp.com',
      'oauth.api.key': MAXIMIZER_DEFAULT_CLIENT_ID,
      'oauth.api.secret': MAXIMIZER_DEFAULT_CLIENT_SECRET,
      'base.url': baseUrl,
      'event.notification.enabled': true,
      'event.notification.callback.url': callback,
      'event.poller.refresh_interval': INTERVAL,
      'event.poller.configuration': {
        contacts: {
          url: "/hubs/crm/contacts?where=LastModifyDate>'${date:yyyy-MM-dd'T'HH:mm:ssXXX}'",
          idField: 'Key',
          datesConfiguration: { updatedDateField: 'LastModifyDate', updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ssXXX" },
        },
      },
    },
    tags: ['Docs'],
    name: 'API Instance with Polling',
  };
}

// ---------------------------------------------------------------- helpers

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Makes a change in a simulator stamped on a whole second at least 1 s ahead (and after the last
 * stamp), then lets the simulator's clock run again. Returns the stamp.
 */
function stamper() {
  let last = 0;
  return <T>(clock: Clock, change: () => T): { result: T; at: number } => {
    const at = Math.max(Math.ceil((Date.now() + 1000) / 1000) * 1000, last + 1000);
    last = at;
    clock.setNow(at);
    try {
      return { result: change(), at };
    } finally {
      clock.useRealTime();
    }
  };
}

describe('elements end to end', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let receiver: Receiver;
  const stamp = stamper();
  const closers: (() => Promise<void>)[] = [];

  const eventsOf = (id: number) => receiver.received.filter((r) => r.body.message.instanceId === id).flatMap((r) => r.body.message.events);
  const summary = (id: number) => eventsOf(id).map((e) => `${e.objectType}:${e.objectId}:${e.eventType}`).sort();
  const waitEvents = (id: number, n: number) => until(`${n} events of instance ${id}`, () => eventsOf(id).length >= n && eventsOf(id));
  const poke = (id: number) => api.client.workflow.getHandle(`instance-${id}`).signal(pollNow);
  const poller = async (id: number): Promise<Json> => (await api.request('GET', `/instances/${id}/poller`)).body;
  /** A poll that started after `ms` has completed for `resource`: its checkpoint is past `ms`. */
  const checkpointPast = (id: number, resource: string, ms: number) =>
    until(`checkpoint of ${resource} past ${new Date(ms).toISOString()}`, async () => {
      const cp = (await poller(id)).resources?.[resource]?.checkpoint;
      return cp !== undefined && Date.parse(cp) >= ms;
    });

  async function create(body: Json): Promise<number> {
    const res = await api.request('POST', '/instances', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as number;
  }

  /** The OAuth2 dance through Pollster's own API: GET /elements/{key}/oauth/url, then the provider's redirect. */
  async function authorize(key: string, apiKey: string, baseUrl: string, callbackUrl: string): Promise<string> {
    const qs = new URLSearchParams({ apiKey, apiSecret: 'not-in-the-url', callbackUrl, state: key, 'base.url': baseUrl });
    const res = await api.request('GET', `/elements/${key}/oauth/url?${qs}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.element, key);
    assert.ok(!res.body.oauthUrl.includes('not-in-the-url'));
    const redirect = await fetch(res.body.oauthUrl, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const location = new URL(redirect.headers.get('location')!);
    assert.equal(location.searchParams.get('state'), key);
    return location.searchParams.get('code')!;
  }

  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env);
    receiver = await startReceiver();
  });

  after(async () => {
    for (const close of closers) await close();
    await api?.close();
    await worker?.stop();
    await receiver?.close();
    await env?.teardown();
  });

  test('GET /elements lists the five elements; each publishes a default poller configuration for every resource it documents', async () => {
    const list = await api.request('GET', '/elements');
    assert.deepEqual(list.body.map((e: Json) => e.key).sort(), ['connectwisecrmrest', 'http', 'maximizer', 'sagecrm', 'sageone']);
    const expected: Record<string, string[]> = {
      sagecrm: ['accounts', 'contacts', 'leads', 'opportunities', 'users'],
      connectwisecrmrest: ['contacts', 'incidents', 'organizations'],
      sageone: ['customers'],
      maximizer: ['addressbook-entries', 'companies', 'contacts', 'opportunities'],
    };
    for (const [key, resources] of Object.entries(expected)) {
      const conf = await api.request('GET', `/elements/${key}/configuration`);
      const poller = conf.body.find((d: Json) => d.key === 'event.poller.configuration');
      assert.deepEqual(Object.keys(JSON.parse(poller.defaultValue)).sort(), resources, key);
    }
    assert.equal((await api.request('GET', '/elements/sagecrm/oauth/url?apiKey=a&callbackUrl=https://x.test')).status, 404, 'not an OAuth2 element');
    assert.equal((await api.request('GET', '/elements/sageone/oauth/url?apiKey=a')).status, 400, 'callbackUrl is required');
  });

  test('sagecrm: the seed instance reports CREATED for each of its five resources and UPDATED for a change', async () => {
    const sim = await startSageCrmSimulator();
    closers.push(sim.close);
    const id = await create(sageCrmSeed(sim.url, receiver.url));
    const { result: made, at } = stamp(sim.clock, () => ({
      accounts: sim.create('Company', { Comp_Name: 'Acme' }),
      contacts: sim.create('Person', { Pers_FirstName: 'Ada' }),
      leads: sim.create('Lead', { Lead_Description: 'Hot lead' }),
      opportunities: sim.create('Opportunity', { Oppo_Description: 'Deal' }),
      users: sim.create('Users', { User_Logon: 'ada' }),
    }));
    await poke(id);
    await waitEvents(id, 5);
    await checkpointPast(id, 'accounts', at);
    stamp(sim.clock, () => sim.update('Company', made.accounts.$key, { Comp_Name: 'Acme Inc' }));
    await poke(id);
    await waitEvents(id, 6);
    const expected = Object.entries(made).map(([type, r]) => `${type}:${r.$key}:CREATED`);
    assert.deepEqual(summary(id), [...expected, `accounts:${made.accounts.$key}:UPDATED`].sort());
    const accounts = receiver.received.find((r) => r.body.message.instanceId === id && r.body.message.raw.objectType === 'accounts')!;
    assert.equal((accounts.body.message.raw as Json).accounts[0].key, made.accounts.$key, 'records carry key');
    assert.ok(sim.requests.some((r) => r.query.where?.startsWith('Comp_UpdatedDate gt @')));
    await api.request('DELETE', `/instances/${id}`);
  });

  test("connectwisecrmrest: the seed instance reports its contacts (the seed's created date is lastUpdated, so both are CREATED)", async () => {
    const sim = await startConnectWiseSimulator();
    closers.push(sim.close);
    const id = await create(connectWiseSeed(sim.url, receiver.url));
    const { result: ada, at } = stamp(sim.clock, () => sim.create('company/contacts', { firstName: 'Ada' }));
    stamp(sim.clock, () => sim.create('company/companies', { identifier: 'X', name: 'Not polled' }));
    await poke(id);
    await waitEvents(id, 1);
    // Past the whole second the creation is dated in: the creation leaves the boundary set, and the
    // update is classified by the seed's created field alone (it is lastUpdated: CREATED again).
    await checkpointPast(id, 'contacts', at + 1000);
    stamp(sim.clock, () => sim.update('company/contacts', ada.id, { lastName: 'Lovelace' }));
    await poke(id);
    await waitEvents(id, 2);
    assert.deepEqual(summary(id), [`contacts:${ada.id}:CREATED`, `contacts:${ada.id}:CREATED`]);
    const dates = eventsOf(id).map((e) => e.date);
    assert.notEqual(dates[0], dates[1], 'two changes, not a repeat');
    assert.ok(sim.requests.every((r) => r.path.endsWith('/company/contacts') && r.query.conditions?.startsWith('lastUpdated>[')));
    await api.request('DELETE', `/instances/${id}`);
  });

  test('connectwisecrmrest and maximizer: the published defaults tell CREATED from UPDATED on every resource', async () => {
    const cw = await startConnectWiseSimulator({ dateEnteredOn: ['company/contacts', 'company/companies', 'service/tickets'] });
    const mx = await startMaximizerSimulator();
    closers.push(cw.close, mx.close);
    const defaults = async (key: string) => (await api.request('GET', `/elements/${key}/configuration`)).body.find((d: Json) => d.key === 'event.poller.configuration').defaultValue as string;
    const cwBody = connectWiseSeed(cw.url, receiver.url);
    cwBody.configuration['event.poller.configuration'] = await defaults('connectwisecrmrest');
    const mxBody = maximizerSeed(mx.url, receiver.url, await authorize('maximizer', MAXIMIZER_DEFAULT_CLIENT_ID, mx.url, 'https://mycoolapp.com'));
    mxBody.configuration['event.poller.configuration'] = await defaults('maximizer');
    const [cwId, mxId] = [await create(cwBody), await create(mxBody)];

    const { result: made, at } = stamp(cw.clock, () => ({
      contacts: cw.create('company/contacts', { firstName: 'Ada' }),
      organizations: cw.create('company/companies', { identifier: 'ACME', name: 'Acme' }),
      incidents: cw.create('service/tickets', { summary: 'Down' }),
    }));
    const { result: mxMade, at: mxAt } = stamp(mx.clock, () => {
      const company = mx.create('AbEntry', { Type: 'Company', CompanyName: 'Acme' });
      return { company, person: mx.create('AbEntry', { Type: 'Individual', FirstName: 'Ivy' }), deal: mx.create('Opportunity', { AbEntryKey: company.Key, Objective: 'Sell' }) };
    });
    await Promise.all([poke(cwId), poke(mxId)]);
    await Promise.all([waitEvents(cwId, 3), waitEvents(mxId, 5)]);
    await Promise.all([...['contacts', 'organizations', 'incidents'].map((r) => checkpointPast(cwId, r, at)), ...['contacts', 'companies', 'addressbook-entries', 'opportunities'].map((r) => checkpointPast(mxId, r, mxAt))]);
    stamp(cw.clock, () => Object.entries(made).forEach(([type, r]) => cw.update(type === 'contacts' ? 'company/contacts' : type === 'organizations' ? 'company/companies' : 'service/tickets', r.id, { note: 'changed' })));
    stamp(mx.clock, () => [mxMade.company.Key, mxMade.person.Key].forEach((k) => mx.update('AbEntry', k, { LastName: 'Changed' })));
    await Promise.all([poke(cwId), poke(mxId)]);
    await Promise.all([waitEvents(cwId, 6), waitEvents(mxId, 9)]);

    assert.deepEqual(summary(cwId), Object.entries(made).flatMap(([type, r]) => [`${type}:${r.id}:CREATED`, `${type}:${r.id}:UPDATED`]).sort());
    const { company, person, deal } = mxMade;
    assert.deepEqual(summary(mxId), [
      `addressbook-entries:${company.Key}:CREATED`, `addressbook-entries:${company.Key}:UPDATED`,
      `addressbook-entries:${person.Key}:CREATED`, `addressbook-entries:${person.Key}:UPDATED`,
      `companies:${company.Key}:CREATED`, `companies:${company.Key}:UPDATED`,
      `contacts:${person.Key}:CREATED`, `contacts:${person.Key}:UPDATED`,
      `opportunities:${deal.Key}:CREATED`,
    ].sort());
    await api.request('DELETE', `/instances/${cwId}`);
    await api.request('DELETE', `/instances/${mxId}`);
  });

  test('connectwisecrmrest: records as ConnectWise serves them (dateEntered on tickets only) are UPDATED, never problem records', async () => {
    const sim = await startConnectWiseSimulator(); // its contract: 406 unless Accept is the versioned media type
    closers.push(sim.close);
    const body = connectWiseSeed(sim.url, receiver.url);
    body.configuration['event.poller.configuration'] = (await api.request('GET', '/elements/connectwisecrmrest/configuration')).body.find(
      (d: Json) => d.key === 'event.poller.configuration',
    ).defaultValue;
    const id = await create(body);
    const { result: made, at } = stamp(sim.clock, () => ({
      contact: sim.create('company/contacts', { firstName: 'Ada' }),
      company: sim.create('company/companies', { identifier: 'ACME', name: 'Acme' }),
      ticket: sim.create('service/tickets', { summary: 'Down' }),
    }));
    assert.equal(made.contact._info.dateEntered, undefined);
    await poke(id);
    await waitEvents(id, 3);
    await Promise.all(['contacts', 'organizations', 'incidents'].map((r) => checkpointPast(id, r, at)));
    assert.deepEqual(summary(id), [`contacts:${made.contact.id}:UPDATED`, `incidents:${made.ticket.id}:CREATED`, `organizations:${made.company.id}:UPDATED`]);
    const resources = (await poller(id)).resources as Record<string, Json>;
    for (const r of ['contacts', 'organizations', 'incidents']) assert.equal(resources[r]!.problems, 0, r);
    assert.ok(sim.requests.every((r) => r.headers.accept === 'application/vnd.connectwise.com+json; version=2025.8'));
    await api.request('DELETE', `/instances/${id}`);
  });

  test('sageone: the seed instance (OAuth2 code from GET /elements/sageone/oauth/url) reports customers, not vendors', async () => {
    const sim = await startSageAccountingSimulator();
    closers.push(sim.close);
    const code = await authorize('sageone', SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, sim.url, 'https://mycoolapp.com');
    const id = await create(sageOneSeed(sim.url, receiver.url, code));
    const { result: acme, at } = stamp(sim.clock, () => sim.create('contacts', { name: 'Acme Ltd', reference: 'ACME' }));
    stamp(sim.clock, () => sim.create('contacts', { name: 'Supplier', contact_types: ['VENDOR'] }));
    await poke(id);
    await waitEvents(id, 1);
    await checkpointPast(id, 'customers', at);
    stamp(sim.clock, () => sim.update('contacts', acme.id, { name: 'Acme Group' }));
    await poke(id);
    await waitEvents(id, 2);
    assert.deepEqual(summary(id), [`customers:${acme.id}:CREATED`, `customers:${acme.id}:UPDATED`].sort());
    assert.equal(sim.counters.codeExchanges, 1);
    const list = sim.requests.find((r) => r.path === '/v3.1/contacts')!;
    assert.equal(list.query.contact_type_id, 'CUSTOMER');
    assert.equal(list.query.attributes, 'created_at,updated_at');
    assert.ok(list.query.updated_or_created_since);
    await api.request('DELETE', `/instances/${id}`);
  });

  test('maximizer: the seed instance reports contacts, and refreshes once when Octopus answers 200 "Token is invalid"', async () => {
    const sim = await startMaximizerSimulator();
    closers.push(sim.close);
    const code = await authorize('maximizer', MAXIMIZER_DEFAULT_CLIENT_ID, sim.url, 'https://mycoolapp.com');
    const id = await create(maximizerSeed(sim.url, receiver.url, code));
    const { result: parent } = stamp(sim.clock, () => sim.create('AbEntry', { Type: 'Company', CompanyName: 'Acme' }));
    const { result: carl, at } = stamp(sim.clock, () => sim.create('AbEntry', { Type: 'Contact', ParentKey: parent.Key, FirstName: 'Carl' }));
    await poke(id);
    await waitEvents(id, 1);
    await checkpointPast(id, 'contacts', at);
    sim.expireAccessTokens();
    stamp(sim.clock, () => sim.update('AbEntry', carl.Key, { LastName: 'Acme' }));
    await poke(id);
    await waitEvents(id, 2);
    // Cloud Elements' example configures no created date, so every change is UPDATED.
    assert.deepEqual(summary(id), [`contacts:${carl.Key}:UPDATED`, `contacts:${carl.Key}:UPDATED`]);
    assert.equal(sim.counters.refreshes, 1);
    assert.equal((await poller(id)).authError, undefined);
    await api.request('DELETE', `/instances/${id}`);
  });

  test('http: a generic JSON API instance reports CREATED and UPDATED', async () => {
    const provider = await startHttpProvider();
    closers.push(provider.close);
    const format = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    const id = await create({
      element: { key: 'http' },
      name: 'generic',
      configuration: {
        'base.url': provider.url,
        'pagination.type': 'page',
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': INTERVAL,
        'event.poller.configuration': {
          contacts: {
            url: `/contacts?updatedSince=\${gmtDate:${format}}`,
            idField: 'id',
            pageSize: 2,
            datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: format, createdDateField: 'createdAt', createdDateFormat: format },
          },
        },
      },
    });
    const a = provider.create('A');
    const b = provider.create('B');
    const c = provider.create('C');
    await poke(id);
    await waitEvents(id, 3);
    await checkpointPast(id, 'contacts', Date.parse(String(c.updatedAt)) + 1);
    provider.update(b.id, 'B2');
    await poke(id);
    await waitEvents(id, 4);
    assert.deepEqual(summary(id), [`contacts:${a.id}:CREATED`, `contacts:${b.id}:CREATED`, `contacts:${b.id}:UPDATED`, `contacts:${c.id}:CREATED`].sort());
    await api.request('DELETE', `/instances/${id}`);
  });

  test('sageone: rotated refresh tokens survive a worker restart (the old one is refused by the provider)', async () => {
    const sim: SageAccountingSimulator = await startSageAccountingSimulator();
    closers.push(sim.close);
    const code = await authorize('sageone', SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, sim.url, 'https://mycoolapp.com');
    const id = await create(sageOneSeed(sim.url, receiver.url, code, 'rotation'));
    stamp(sim.clock, () => sim.create('contacts', { name: 'One' }));
    await poke(id);
    await waitEvents(id, 1);

    // An expired access token is refused (401): the workflow refreshes once, and the refresh token rotates.
    sim.expireAccessTokens();
    stamp(sim.clock, () => sim.create('contacts', { name: 'Two' }));
    await poke(id);
    await waitEvents(id, 2);
    assert.equal(sim.counters.refreshes, 1);

    await worker.stop();
    sim.expireAccessTokens();
    const { result: three } = stamp(sim.clock, () => sim.create('contacts', { name: 'Three' }));
    await new Promise((r) => setTimeout(r, 2500)); // two refresh intervals with no worker
    assert.equal(eventsOf(id).length, 2, 'nothing is polled without a worker');

    worker = await startWorker(env);
    await poke(id);
    await until('the change made while no worker ran', () => eventsOf(id).some((e) => e.objectId === three.id && e.eventType === 'CREATED'));
    assert.equal(sim.counters.refreshes, 2);
    const used = sim.requests.filter((r) => r.path === '/token').map((r) => new URLSearchParams(r.body)).filter((f) => f.get('grant_type') === 'refresh_token').map((f) => f.get('refresh_token'));
    assert.equal(used.length, 2);
    assert.notEqual(used[1], used[0], 'the new worker used the rotated refresh token from workflow state');
    const replay = await fetch(new URL('/token', sim.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: used[0]!, client_id: SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, client_secret: SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET }),
    });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as Json).error, 'invalid_grant', 'the old refresh token is dead');
    assert.equal((await poller(id)).authError, undefined);
    await api.request('DELETE', `/instances/${id}`);
  });

  test('connectwisecrmrest: a 429 is retried after its Retry-After, and the events arrive', async (t) => {
    const sim: ConnectWiseSimulator = await startConnectWiseSimulator();
    closers.push(sim.close);
    const id = await create(connectWiseSeed(sim.url, receiver.url));
    await until('a first poll', async () => (await poller(id)).polls >= 1);
    const { result: ada } = stamp(sim.clock, () => {
      sim.failNext(1, { status: 429, headers: { 'Retry-After': '2' } });
      return sim.create('company/contacts', { firstName: 'Ada' });
    });
    const first = sim.requests.length; // the next request is answered 429
    await poke(id);
    await until('the event after the 429', () => eventsOf(id).some((e) => e.objectId === String(ada.id)));
    const [refused, retried] = [sim.requests[first]!, sim.requests[first + 1]!];
    const delay = retried.at - refused.at;
    t.diagnostic(`retried ${delay} ms after the 429`);
    assert.ok(delay >= 1900 && delay < 4000, `retried ${delay} ms after the 429 (Retry-After: 2)`);
    await api.request('DELETE', `/instances/${id}`);
  });

  test('sagecrm: a provider 4xx is the resource’s lastError in /poller, its checkpoint holds, the other resource goes on', async () => {
    const sim = await startSageCrmSimulator();
    closers.push(sim.close);
    const body = sageCrmSeed(sim.url, receiver.url);
    const poller0 = body.configuration['event.poller.configuration'];
    body.name = 'bad column';
    body.configuration['event.poller.configuration'] = {
      accounts: { ...poller0.accounts, url: `/hubs/crm/accounts?where=Comp_Nonexistent>'${CE_DATE}'` },
      contacts: poller0.contacts,
    };
    const id = await create(body);
    const created = Date.parse((await api.request('GET', `/instances/${id}`)).body.createdDate);
    const { result: ada } = stamp(sim.clock, () => sim.create('Person', { Pers_FirstName: 'Ada' }));
    await poke(id);
    await waitEvents(id, 1);
    const first = await until('a failed poll of accounts', async () => {
      const s = await poller(id);
      return s.resources.accounts?.lastError ? s : undefined;
    });
    assert.match(first.resources.accounts.lastError, /Invalid column name 'Comp_Nonexistent'/);
    assert.equal(Date.parse(first.resources.accounts.checkpoint), created, 'the failed resource keeps its checkpoint');
    const later = await until('two more polls', async () => {
      const s = await poller(id);
      return s.polls >= first.polls + 2 ? s : undefined;
    });
    assert.equal(later.resources.accounts.checkpoint, first.resources.accounts.checkpoint, 'still held while the error persists');
    assert.match(later.resources.accounts.lastError, /Invalid column name/);
    assert.ok(Date.parse(later.resources.contacts.checkpoint) > created, 'the other resource moves on');
    assert.equal(later.resources.contacts.lastError, undefined);
    assert.deepEqual(summary(id), [`contacts:${ada.$key}:CREATED`]);
    await api.request('DELETE', `/instances/${id}`);
  });
});
