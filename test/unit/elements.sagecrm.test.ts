// The sagecrm adapter against the Sage CRM simulator over real HTTP: hub URL → SData request,
// local evaluation of what SData cannot say, paging, date normalisation and error classification.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlaceholders } from '../../core/placeholders';
import { ProviderError } from '../../elements/providerError';
import { parseCeql } from '../../elements/ceql';
import { sageCrmElement as adapter, toSData } from '../../elements/sagecrm';
import type { PageResult } from '../../elements/types';
import { SAGECRM_DEFAULT_PASSWORD, SAGECRM_DEFAULT_USERNAME, startSageCrmSimulator, type SageCrmSimulator } from '../fakes/sagecrm';

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

const seedUrl = (resource: string, sinceMs: number): string => {
  const url = (adapter.definition.defaultPollerConfiguration[resource] as { url: string }).url;
  return renderPlaceholders(url, sinceMs);
};

describe('sagecrm adapter', () => {
  let sim: SageCrmSimulator;
  let config: Record<string, string>;

  before(async () => {
    sim = await startSageCrmSimulator();
    config = { subdomain: 'sagecrm.example.test', username: SAGECRM_DEFAULT_USERNAME, password: SAGECRM_DEFAULT_PASSWORD, 'base.url': sim.url };
    sim.clock.setNow(T0);
    sim.create('Company', { Comp_Name: 'Acme', Comp_Type: 'customer' });
    sim.create('Person', { Pers_FirstName: 'Ada', Pers_LastName: 'L' });
    sim.create('Lead', { Lead_Description: 'Lead one' });
    sim.create('Opportunity', { Oppo_Description: 'Big deal' });
    sim.create('Users', { User_Logon: 'admin' });
    sim.clock.setNow(T0 + 60 * SEC);
    sim.create('Company', { Comp_Name: 'Beta', Comp_Type: 'prospect' });
    sim.create('Company', { Comp_Name: 'Acorn', Comp_Type: 'customer', Comp_Status: 'Active' });
  });
  after(() => sim.close());

  test('the seed accounts URL becomes GET /Company with an SData where, Basic auth and startIndex/count', async () => {
    sim.requests.length = 0;
    const { records } = await fetchAll(seedUrl('accounts', T0), config, 50);
    assert.deepEqual(records.map((r) => r.Comp_Name), ['Beta', 'Acorn'], 'only companies updated after the checkpoint');
    const req = sim.requests[0]!;
    assert.equal(req.path, '/sdata/crmj/sagecrm2/-/Company');
    assert.equal(req.query.where, 'Comp_UpdatedDate gt @2024-01-15T12:00:00Z@');
    assert.equal(req.query.startIndex, '1');
    assert.equal(req.query.count, '50');
    assert.match(req.url, /where=Comp_UpdatedDate%20gt%20%402024-01-15T12%3A00%3A00Z%40/, 'spaces are sent as %20');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from(`${SAGECRM_DEFAULT_USERNAME}:${SAGECRM_DEFAULT_PASSWORD}`).toString('base64')}`);
    // Records come out as the hub returns them: `key` = `$key`, SData's own fields kept.
    assert.equal(records[0]!.key, records[0]!.$key);
    assert.equal(records[0]!.Comp_UpdatedDate, '2024-01-15T12:01:00Z');
  });

  test("each default resource reads its SData entity (users is Users, as Sage's own REST client names it)", async () => {
    const entities: Record<string, string> = { accounts: 'Company', contacts: 'Person', leads: 'Lead', opportunities: 'Opportunity', users: 'Users' };
    for (const [resource, entity] of Object.entries(entities)) {
      sim.requests.length = 0;
      const { records } = await fetchAll(seedUrl(resource, T0 - SEC), config);
      assert.equal(sim.requests[0]!.path, `/sdata/crmj/sagecrm2/-/${entity}`);
      assert.ok(records.length >= 1, `${resource} returned its record`);
      assert.ok(records.every((r) => r.key !== undefined));
    }
  });

  test('CEQL operators become SData keyword operators', () => {
    const cases: [string, string | undefined][] = [
      ["Comp_Name = 'O''Brien'", "Comp_Name eq 'O''Brien'"],
      ['Comp_CompanyId >= 3', 'Comp_CompanyId ge 3'],
      ["Comp_Name != 'x' or Comp_Type <> 'y'", "Comp_Name ne 'x' or Comp_Type ne 'y'"],
      ["Comp_Name like 'A%' and Comp_Type in ('customer', 'prospect')", "Comp_Name like 'A%' and Comp_Type in ('customer', 'prospect')"],
      ["Comp_UpdatedDate < '2024-01-15T14:00:00+02:00'", 'Comp_UpdatedDate lt @2024-01-15T12:00:00Z@'],
      ["Comp_UpdatedDate > '2024-01-15 10:00:00'", 'Comp_UpdatedDate gt @2024-01-15T10:00:00@'],
      ['key = 7', 'Comp_CompanyId eq 7'],
      // No documented SData form: evaluated locally instead.
      ['Comp_Status IS NULL', undefined],
      ["Comp_Name NOT LIKE 'A%'", undefined],
      ['Comp_Flag = true', undefined],
      ["Comp_UpdatedDate > '2024-01-15T12:00:00.500Z'", undefined],
    ];
    for (const [ceql, sdata] of cases) assert.equal(toSData(parseCeql(ceql), 'Comp_CompanyId'), sdata, ceql);
  });

  test('what SData cannot filter is evaluated on the fetched records, never dropped', async () => {
    sim.requests.length = 0;
    const where = encodeURIComponent("Comp_Type = 'customer' and Comp_Status IS NULL");
    const { records } = await fetchAll(`/hubs/crm/accounts?where=${where}`, config);
    assert.deepEqual(records.map((r) => r.Comp_Name), ['Acme'], 'Acorn has a status');
    assert.equal(sim.requests[0]!.query.where, "Comp_Type eq 'customer'", 'only the native part is sent');

    const notLike = await fetchAll(`/hubs/crm/accounts?where=${encodeURIComponent("Comp_Name NOT LIKE 'Ac%'")}`, config);
    assert.deepEqual(notLike.records.map((r) => r.Comp_Name), ['Beta']);
    assert.equal(sim.requests.at(-1)!.query.where, undefined);
  });

  test('pages with startIndex/count; a page emptied by local filtering does not end the poll', async () => {
    const paging = await startSageCrmSimulator();
    try {
      paging.clock.setNow(T0);
      for (const name of ['A1', 'A2', 'B1', 'B2', 'B3']) paging.create('Company', { Comp_Name: name, Comp_Flag: name === 'B3' });
      const conf = { ...config, 'base.url': paging.url };
      const all = await fetchAll('/hubs/crm/accounts', conf, 2);
      assert.deepEqual(all.records.map((r) => r.Comp_Name), ['A1', 'A2', 'B1', 'B2', 'B3']);
      assert.deepEqual(all.pages.map((p) => p.nextPageToken), ['3', '5', undefined]);

      paging.requests.length = 0;
      const flagged = await fetchAll(`/hubs/crm/accounts?where=${encodeURIComponent('Comp_Flag = true')}`, conf, 2);
      assert.deepEqual(flagged.records.map((r) => r.Comp_Name), ['B3']);
      assert.deepEqual(paging.requests.map((r) => r.query.startIndex), ['1', '3', '5'], 'read on past empty pages');
    } finally {
      await paging.close();
    }
  });

  test('dates in a non-UTC server zone are normalised to UTC, so the seed masks parse them', async () => {
    const zoned = await startSageCrmSimulator({ timeZone: 'UTC+2' });
    try {
      zoned.clock.setNow(T0 + 30 * SEC);
      zoned.create('Person', { Pers_FirstName: 'Zed' });
      assert.equal(zoned.records('Person')[0]!.Pers_UpdatedDate, '2024-01-15T14:00:30+02:00');
      const { records } = await fetchAll(seedUrl('contacts', T0), { ...config, 'base.url': zoned.url });
      assert.equal(records.length, 1);
      assert.equal(records[0]!.Pers_UpdatedDate, '2024-01-15T12:00:30Z');
      assert.equal(records[0]!.Pers_CreatedDate, '2024-01-15T12:00:30Z');
      const none = await fetchAll(seedUrl('contacts', T0 + 30 * SEC), { ...config, 'base.url': zoned.url });
      assert.equal(none.records.length, 0, 'gt with a Z literal is exact across zones');
    } finally {
      await zoned.close();
    }
  });

  test('provider errors are classified: 401 auth, 4xx client with the provider message, 429/5xx retryable', async () => {
    const url = seedUrl('accounts', T0);
    await assert.rejects(adapter.fetchPage({ url, pageSize: 10 }, { configuration: { ...config, password: 'wrong' } }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth' && e.status === 401);
    await assert.rejects(
      adapter.fetchPage({ url: "/hubs/crm/accounts?where=Comp_Bogus='x'", pageSize: 10 }, { configuration: config }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'client' && e.status === 400 && e.message.includes("Invalid column name 'Comp_Bogus'"),
    );
    sim.failNext(1, { status: 429, headers: { 'Retry-After': '3' } });
    await assert.rejects(adapter.fetchPage({ url, pageSize: 10 }, { configuration: config }), (e: unknown) => e instanceof ProviderError && e.kind === 'retryable' && e.retryAfterMs === 3000);
    sim.failNext(1, { status: 503 });
    await assert.rejects(adapter.fetchPage({ url, pageSize: 10 }, { configuration: config }), (e: unknown) => e instanceof ProviderError && e.kind === 'retryable');
  });

  test('the API root defaults to https://{subdomain}/sdata/crmj/sagecrm2/- (and base.url overrides it)', async () => {
    const { 'base.url': _ignored, ...withoutBase } = config;
    // The subdomain host does not resolve here: the attempt fails as a retryable network error naming it.
    await assert.rejects(
      adapter.fetchPage({ url: '/hubs/crm/accounts', pageSize: 1 }, { configuration: { ...withoutBase, subdomain: 'sagecrm.invalid' } }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'retryable' && e.message.includes('sagecrm.invalid'),
    );
  });

  test('validate: credentials, subdomain or base.url, and every poller URL', () => {
    const poller = JSON.stringify(adapter.definition.defaultPollerConfiguration);
    assert.deepEqual(adapter.validate({ ...config, 'event.poller.configuration': poller }), []);
    const keys = adapter.validate({}).map((i) => i.key).sort();
    assert.deepEqual(keys, ['password', 'subdomain', 'username']);
    const bad = adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify({ a: { url: "/hubs/finance/accounts?where=x='1'", idField: 'key' }, b: { url: '/hubs/crm/accounts?where=x >', idField: 'key' }, c: { url: '/hubs/crm/accounts?orderBy=x', idField: 'key' } }) });
    assert.equal(bad.length, 3);
    assert.ok(bad.every((i) => i.key === 'event.poller.configuration'));
    assert.match(bad[0]!.message, /^a\.url: .*crm hub/);
    assert.match(bad[1]!.message, /^b\.url: CEQL where: expected a value/);
    assert.match(bad[2]!.message, /^c\.url: hub parameter 'orderBy' is not supported/);
  });

  test("an id scan: the hub URL without where lists every company, select=<the entity's id column> asks for the ids only", async () => {
    sim.requests.length = 0;
    const { records } = await fetchAll('/hubs/crm/accounts', config);
    const whole = records.length;
    sim.requests.length = 0;
    const page = await adapter.fetchPage({ url: '/hubs/crm/accounts', pageSize: 100, fields: ['key'] }, { configuration: config });
    const req = sim.requests[0]!;
    assert.equal(req.query.select, 'Comp_CompanyId');
    assert.equal(req.query.where, undefined, 'no date filter: every record');
    assert.equal(page.records.length, whole);
    for (const r of page.records as Record<string, unknown>[]) {
      assert.equal(r.key, r.$key, 'the id the scan reads');
      assert.equal(r.Comp_Name, undefined, 'no other column');
    }
    sim.requests.length = 0;
    await adapter.fetchPage({ url: "/hubs/crm/accounts?where=Comp_Name like 'A%'", pageSize: 100, fields: ['key'] }, { configuration: config });
    assert.equal(sim.requests[0]!.query.select, undefined, 'with a where clause, whole records (it may be evaluated here)');
  });
});
