// The connectwisecrmrest adapter against the ConnectWise simulator over real HTTP: CEQL → `conditions`,
// company+public:private Basic auth with the clientId header, Link paging and error classification.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlaceholders } from '../../core/placeholders';
import { parseCeql } from '../../elements/ceql';
import { connectWiseElement as adapter, toConditions } from '../../elements/connectwisecrmrest';
import { ProviderError } from '../../elements/providerError';
import type { PageResult } from '../../elements/types';
import {
  CONNECTWISE_DEFAULT_CLIENT_ID,
  CONNECTWISE_DEFAULT_COMPANY,
  CONNECTWISE_DEFAULT_PRIVATE_KEY,
  CONNECTWISE_DEFAULT_PUBLIC_KEY,
  startConnectWiseSimulator,
  type ConnectWiseSimulator,
} from '../fakes/connectwise';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const SEC = 1000;

async function fetchAll(url: string, configuration: Record<string, string>, pageSize = 200) {
  const pages: PageResult[] = [];
  let pageToken: string | undefined;
  do {
    const page = await adapter.fetchPage({ url, pageSize, pageToken }, { configuration });
    pages.push(page);
    pageToken = page.records.length > 0 ? page.nextPageToken : undefined;
  } while (pageToken !== undefined);
  return { pages, records: pages.flatMap((p) => p.records) as Record<string, any>[] };
}

const defaultUrl = (resource: string, sinceMs: number): string =>
  renderPlaceholders((adapter.definition.defaultPollerConfiguration[resource] as { url: string }).url, sinceMs);

describe('connectwisecrmrest adapter', () => {
  let sim: ConnectWiseSimulator;
  let config: Record<string, string>;

  before(async () => {
    sim = await startConnectWiseSimulator();
    config = {
      baseUrl: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0',
      'base.url': sim.url,
      company: CONNECTWISE_DEFAULT_COMPANY,
      'public.key': CONNECTWISE_DEFAULT_PUBLIC_KEY,
      'private.key': CONNECTWISE_DEFAULT_PRIVATE_KEY,
      clientId: CONNECTWISE_DEFAULT_CLIENT_ID,
    };
    sim.clock.setNow(T0);
    sim.create('company/contacts', { firstName: 'Ada', lastName: 'Lovelace', inactiveFlag: false, title: null });
    sim.create('company/companies', { identifier: 'ACME', name: 'Acme' });
    sim.create('service/tickets', { summary: 'Printer on fire' });
    sim.clock.setNow(T0 + 60 * SEC);
    sim.create('company/contacts', { firstName: 'Bob', lastName: 'Babbage', inactiveFlag: true });
    sim.create('company/contacts', { firstName: 'Alan', lastName: 'Turing', inactiveFlag: false });
  });
  after(() => sim.close());

  test('the seed contacts URL becomes conditions=lastUpdated>[…] with id order, Basic company+public:private and clientId', async () => {
    sim.requests.length = 0;
    const { records } = await fetchAll(defaultUrl('contacts', T0), config, 100);
    assert.deepEqual(records.map((r) => r.firstName), ['Bob', 'Alan']);
    const req = sim.requests[0]!;
    assert.equal(req.path, '/v4_6_release/apis/3.0/company/contacts');
    assert.equal(req.query.conditions, 'lastUpdated>[2024-01-15T12:00:00Z]');
    assert.equal(req.query.orderBy, 'id asc');
    assert.equal(req.query.page, '1');
    assert.equal(req.query.pageSize, '100');
    const expected = Buffer.from(`${CONNECTWISE_DEFAULT_COMPANY}+${CONNECTWISE_DEFAULT_PUBLIC_KEY}:${CONNECTWISE_DEFAULT_PRIVATE_KEY}`).toString('base64');
    assert.equal(req.headers.authorization, `Basic ${expected}`);
    assert.equal(req.headers.clientid, CONNECTWISE_DEFAULT_CLIENT_ID);
  });

  test('organizations and incidents read company/companies and service/tickets', async () => {
    for (const [resource, path] of [['organizations', 'company/companies'], ['incidents', 'service/tickets']] as const) {
      sim.requests.length = 0;
      const { records } = await fetchAll(defaultUrl(resource, T0 - SEC), config);
      assert.equal(sim.requests[0]!.path, `/v4_6_release/apis/3.0/${path}`);
      assert.equal(records.length, 1);
    }
  });

  test('CEQL becomes conditions, all of it (nothing is left to local evaluation)', () => {
    const cases: [string, string][] = [
      ["lastUpdated >= '2024-01-15T14:00:00+02:00'", 'lastUpdated>=[2024-01-15T12:00:00Z]'],
      ["_info.lastUpdated > '2024-01-15T12:00:00Z'", 'lastUpdated>[2024-01-15T12:00:00Z]'],
      ["firstName = 'Say \"hi\"'", 'firstName="Say \\"hi\\""'],
      ["company.identifier != 'ACME' and inactiveFlag = false", 'company/identifier!="ACME" and inactiveFlag=false'],
      ["firstName like 'A%' or (id in (1, 2) and lastName not in ('X'))", 'firstName like "A%" or (id in (1, 2) and lastName not in ("X"))'],
      ["firstName NOT LIKE 'A%'", 'firstName not like "A%"'],
      ['title IS NULL and site IS NOT NULL', 'title=null and site!=null'],
    ];
    for (const [ceql, conditions] of cases) assert.equal(toConditions(parseCeql(ceql)), conditions, ceql);
    assert.throws(() => toConditions(parseCeql("`odd field` = 'x'")), ProviderError);
  });

  test('conditions filter on the provider: boolean, like and null tests', async () => {
    const where = encodeURIComponent("firstName like 'A%' and inactiveFlag = false and title IS NULL");
    const { records } = await fetchAll(`/hubs/crm/contacts?where=${where}`, { ...config, 'filter.response.nulls': 'false' });
    assert.deepEqual(records.map((r) => r.firstName).sort(), ['Ada', 'Alan']);
    assert.equal(sim.requests.at(-1)!.query.conditions, 'firstName like "A%" and inactiveFlag=false and title=null');
  });

  test('filter.response.nulls (default true) drops null fields; false keeps them', async () => {
    const where = encodeURIComponent("firstName = 'Ada'");
    const [stripped] = (await fetchAll(`/hubs/crm/contacts?where=${where}`, config)).records;
    assert.equal('title' in stripped!, false);
    const [kept] = (await fetchAll(`/hubs/crm/contacts?where=${where}`, { ...config, 'filter.response.nulls': 'false' })).records;
    assert.equal(kept!.title, null);
  });

  test('pages follow Link rel="next" until it is absent', async () => {
    const paging = await startConnectWiseSimulator();
    try {
      for (let i = 0; i < 5; i++) paging.create('company/contacts', { firstName: `P${i}` });
      const all = await fetchAll('/hubs/crm/contacts', { ...config, 'base.url': paging.url }, 2);
      assert.deepEqual(all.records.map((r) => r.firstName), ['P0', 'P1', 'P2', 'P3', 'P4']);
      assert.deepEqual(all.pages.map((p) => p.nextPageToken), ['2', '3', undefined]);
      assert.deepEqual(paging.requests.map((r) => r.query.page), ['1', '2', '3']);
      assert.ok(paging.requests.every((r) => r.query.pageSize === '2'));
      await fetchAll('/hubs/crm/contacts', { ...config, 'base.url': paging.url }, 5000);
      assert.equal(paging.requests.at(-1)!.query.pageSize, '1000', 'capped at the documented maximum');
    } finally {
      await paging.close();
    }
  });

  test('provider errors: 401 (keys or clientId) is auth, 429 carries Retry-After, bad conditions are client errors with the provider text', async () => {
    const url = defaultUrl('contacts', T0);
    await assert.rejects(adapter.fetchPage({ url, pageSize: 10 }, { configuration: { ...config, 'private.key': 'nope' } }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth');
    await assert.rejects(
      adapter.fetchPage({ url, pageSize: 10 }, { configuration: { ...config, clientId: 'not-registered' } }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'auth' && e.message.includes('clientId'),
    );
    sim.failNext(1, { status: 429, headers: { 'Retry-After': '4' } });
    await assert.rejects(adapter.fetchPage({ url, pageSize: 10 }, { configuration: config }), (e: unknown) => e instanceof ProviderError && e.kind === 'retryable' && e.retryAfterMs === 4000);
    await assert.rejects(
      adapter.fetchPage({ url: `/hubs/crm/contacts?where=${encodeURIComponent("firstName > '2024-01-01T00:00:00Z'")}`, pageSize: 10 }, { configuration: config }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'client' && e.status === 400 && e.message.includes('Expected a string value, not a datetime'),
    );
    await assert.rejects(adapter.fetchPage({ url: '/hubs/crm/widgets', pageSize: 10 }, { configuration: config }), (e: unknown) => e instanceof ProviderError && e.kind === 'client' && e.message.includes('widgets'));
  });

  test("Accept is ConnectWise's versioned media type (its contract serves no other: application/json was a 406)", async () => {
    sim.requests.length = 0;
    await fetchAll(defaultUrl('contacts', T0), config);
    assert.equal(sim.requests[0]!.headers.accept, 'application/vnd.connectwise.com+json; version=2025.8');
  });

  test('connectwise.api.version pins another version; one the server does not serve is a client error naming the 406', async () => {
    const both = await startConnectWiseSimulator({ apiVersions: ['2025.1', '2025.8'] });
    try {
      await fetchAll('/hubs/crm/contacts', { ...config, 'base.url': both.url, 'connectwise.api.version': '2025.1' });
      assert.equal(both.requests[0]!.headers.accept, 'application/vnd.connectwise.com+json; version=2025.1');
    } finally {
      await both.close();
    }
    await assert.rejects(
      adapter.fetchPage({ url: '/hubs/crm/contacts', pageSize: 10 }, { configuration: { ...config, 'connectwise.api.version': '2019.5' } }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'client' && e.status === 406,
    );
  });

  test('validate: connectwise.api.version must look like a ConnectWise version (YYYY.N)', () => {
    assert.deepEqual(adapter.validate({ ...config, 'connectwise.api.version': '2025.8' }), []);
    for (const bad of ['latest', '2025', 'v2025.8', '2025.8.1']) {
      assert.deepEqual(adapter.validate({ ...config, 'connectwise.api.version': bad }).map((i) => i.key), ['connectwise.api.version'], bad);
    }
    const definition = adapter.definition.configuration.find((d) => d.key === 'connectwise.api.version');
    assert.equal(definition?.defaultValue, '2025.8');
  });

  test('defaults: contacts, organizations, incidents, created date from _info.dateEntered', () => {
    const defaults = adapter.definition.defaultPollerConfiguration as Record<string, { datesConfiguration: Record<string, string> }>;
    assert.deepEqual(Object.keys(defaults).sort(), ['contacts', 'incidents', 'organizations']);
    for (const d of Object.values(defaults)) {
      assert.equal(d.datesConfiguration.updatedDateField, '_info.lastUpdated');
      assert.equal(d.datesConfiguration.createdDateField, '_info.dateEntered');
    }
  });

  test('validate: keys, clientId, baseUrl or base.url, and the poller URLs', () => {
    assert.deepEqual(adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify(adapter.definition.defaultPollerConfiguration) }), []);
    assert.deepEqual(adapter.validate({}).map((i) => i.key).sort(), ['baseUrl', 'clientId', 'company', 'private.key', 'public.key']);
    const issues = adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify({ tickets: { url: '/hubs/crm/tickets', idField: 'id' } }) });
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /tickets\.url: unknown ConnectWise resource 'tickets'/);
  });

  test('an id scan: the hub URL without where lists every company, fields=id asks ConnectWise for the ids only', async () => {
    sim.requests.length = 0;
    const page = await adapter.fetchPage({ url: '/hubs/crm/organizations', pageSize: 1000, fields: ['id'] }, { configuration: config });
    const req = sim.requests[0]!;
    assert.equal(req.query.fields, 'id');
    assert.equal(req.query.conditions, undefined, 'no date filter: every record');
    assert.equal(req.query.orderBy, 'id asc');
    assert.ok(page.records.length >= 1);
    assert.deepEqual(page.records.map((r) => Object.keys(r as object)), page.records.map(() => ['id']), 'records carry the id alone');
  });
});
