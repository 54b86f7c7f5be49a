// The maximizer adapter against the Octopus simulator over real HTTP: hub URL → POST /Read with
// Criteria.SearchQuery, AbEntry types per resource, PageKey paging, OAuth2 and PAT tokens, and
// Octopus' HTTP-200 errors ("Token is invalid" is an auth error).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlaceholders } from '../../core/placeholders';
import { parseCeql } from '../../elements/ceql';
import { checkCode, maximizerElement as adapter, toSearchQuery, translate } from '../../elements/maximizer';
import { ProviderError } from '../../elements/providerError';
import type { Credentials, PageResult } from '../../elements/types';
import {
  MAXIMIZER_ABENTRY_DRIVER,
  MAXIMIZER_DEFAULT_CLIENT_ID,
  MAXIMIZER_DEFAULT_CLIENT_SECRET,
  MAXIMIZER_DEFAULT_PAT,
  startMaximizerSimulator,
  type MaximizerSimulator,
} from '../fakes/maximizer';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const SEC = 1000;
const CALLBACK = 'https://mycoolapp.com';
/** The contacts URL of Cloud Elements' Maximizer example instance. */
const SEED_URL = "/hubs/crm/contacts?where=LastModifyDate>'${date:yyyy-MM-dd'T'HH:mm:ssXXX}'";

describe('maximizer adapter', () => {
  let sim: MaximizerSimulator;
  let config: Record<string, string>;
  let credentials: Credentials;
  const keys: Record<string, string> = {};

  const fetchAll = async (url: string, pageSize = 100, creds: Credentials = credentials) => {
    const pages: PageResult[] = [];
    let pageToken: string | undefined;
    do {
      const page = await adapter.fetchPage({ url, pageSize, pageToken }, { configuration: config, credentials: creds });
      pages.push(page);
      pageToken = page.records.length > 0 ? page.nextPageToken : undefined;
    } while (pageToken !== undefined);
    return { pages, records: pages.flatMap((p) => p.records) as Record<string, any>[] };
  };
  const readBody = (i = -1) => JSON.parse(sim.requests.at(i)!.body) as Record<string, any>;

  before(async () => {
    sim = await startMaximizerSimulator();
    config = { 'oauth.api.key': MAXIMIZER_DEFAULT_CLIENT_ID, 'oauth.api.secret': MAXIMIZER_DEFAULT_CLIENT_SECRET, 'oauth.callback.url': CALLBACK, 'base.url': sim.url };
    sim.clock.setNow(T0);
    keys.acme = sim.create('AbEntry', { Type: 'Company', CompanyName: 'Acme' }).Key;
    keys.ind = sim.create('AbEntry', { Type: 'Individual', FirstName: 'Ivy', LastName: 'Solo' }).Key;
    sim.clock.setNow(T0 + 60 * SEC);
    keys.contact = sim.create('AbEntry', { Type: 'Contact', ParentKey: keys.acme, FirstName: 'Carl', LastName: 'Acme' }).Key;
    keys.beta = sim.create('AbEntry', { Type: 'Company', CompanyName: 'Beta' }).Key;
    keys.oppo = sim.create('Opportunity', { AbEntryKey: keys.acme, Objective: 'Sell', Status: 'Open' }).Key;
  });
  after(() => sim.close());

  test('code exchange and refresh at /MaximizerWebAuthentication/OAuth2 on base.url’s origin, with rotation', async () => {
    const url = new URL(adapter.oauthUrl!({ apiKey: MAXIMIZER_DEFAULT_CLIENT_ID, apiSecret: '', callbackUrl: CALLBACK, state: 'maximizer', configuration: config }));
    assert.equal(url.toString().split('?')[0], sim.oauthUrl.authorize);
    assert.equal(url.searchParams.get('scope'), 'data');
    const redirect = await fetch(url, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const first = await adapter.authenticate!({ configuration: config, providerCode: code });
    assert.equal(sim.requests.at(-1)!.path, '/MaximizerWebAuthentication/OAuth2/Token');
    const second = await adapter.authenticate!({ configuration: config, credentials: first });
    assert.notEqual(second.refreshToken, first.refreshToken);
    await assert.rejects(adapter.authenticate!({ configuration: config, credentials: first }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth');
    credentials = second;
  });

  test('default endpoints: CRM Live OAuth2 under the alias, the Octopus cloud API', () => {
    const u = adapter.oauthUrl!({ apiKey: 'k', apiSecret: 's', callbackUrl: CALLBACK, configuration: { 'maximizer.alias': 'CloudElements' } });
    assert.ok(u.startsWith('https://caw.maximizercrmlive.com/OAuth2/CloudElements/Authorize?'), u);
  });

  test('the seed contacts URL becomes a Read of Individuals and Contacts with LastModifyDate $GT', async () => {
    sim.requests.length = 0;
    const { records } = await fetchAll(renderPlaceholders(SEED_URL, T0), 50);
    assert.deepEqual(records.map((r) => r.Key), [keys.contact]);
    const req = sim.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/octopus/Read');
    assert.equal(req.headers.authorization, `Bearer ${credentials.accessToken}`);
    const body = readBody(0);
    assert.deepEqual(body.AbEntry.Criteria.SearchQuery, { $AND: [{ Type: { $IN: ['Individual', 'Contact'] } }, { LastModifyDate: { $GT: '2024-01-15T12:00:00' } }] });
    assert.deepEqual(body.AbEntry.OrderBy, { PageKey: null, PageSize: 50, Fields: [{ CreationDate: 'ASC' }] });
    assert.equal(body.Configuration.Drivers.IAbEntrySearcher, MAXIMIZER_ABENTRY_DRIVER);
    assert.deepEqual(body.Compatibility, { AbEntryKey: '2.0' });
    for (const f of ['Key', 'Type', 'ParentKey', 'FirstName', 'CreationDate', 'LastModifyDate']) assert.equal(body.AbEntry.Scope.Fields[f], 1, f);
    assert.equal(records[0]!.CreationDate, '2024-01-15T12:01:00Z');
  });

  test('companies, addressbook-entries and opportunities', async () => {
    const since = T0 - SEC;
    const companies = await fetchAll(`/hubs/crm/companies?where=LastModifyDate>'${new Date(since).toISOString()}'`);
    assert.deepEqual(companies.records.map((r) => r.CompanyName), ['Acme', 'Beta']);
    assert.deepEqual(readBody().AbEntry.Criteria.SearchQuery.$AND[0], { Type: { $EQ: 'Company' } });
    const all = await fetchAll('/hubs/crm/addressbook-entries');
    assert.equal(all.records.length, 4);
    assert.equal(readBody().AbEntry.Criteria, undefined, 'no criteria at all');
    const oppos = await fetchAll(`/hubs/crm/opportunities?where=${encodeURIComponent("Status = 'Open'")}`);
    assert.deepEqual(oppos.records.map((r) => r.Key), [keys.oppo]);
    assert.deepEqual(readBody().Opportunity.Criteria.SearchQuery, { Status: { $EQ: 'Open' } });
    assert.equal(readBody().Configuration, undefined);
  });

  test('CEQL becomes SearchQuery operators; null tests and fractional bounds are checked locally', async () => {
    assert.deepEqual(toSearchQuery(parseCeql("CompanyName like 'A%' or (FirstName in ('Carl','Ivy') and LastName != 'X')"))?.query, {
      $OR: [{ CompanyName: { $LIKE: 'A%' } }, { $AND: [{ FirstName: { $IN: ['Carl', 'Ivy'] } }, { LastName: { $NE: 'X' } }] }],
    });
    assert.deepEqual(toSearchQuery(parseCeql("CompanyName NOT LIKE 'A%'"))?.query, { CompanyName: { $NLIKE: 'A%' } });
    assert.deepEqual(toSearchQuery(parseCeql("LastModifyDate <= '2024-01-15T14:00:00.5+02:00'")), { query: { LastModifyDate: { $LE: '2024-01-15T12:00:01' } }, exact: false });
    assert.equal(toSearchQuery(parseCeql('ParentKey IS NULL')), undefined);

    const q = translate('addressbook-entries', parseCeql("ParentKey IS NULL and Phone = '555'"));
    assert.equal(q.local.length, 1);
    assert.ok(q.fields.includes('Phone'), 'fields the where reads are in the Scope');

    const people = await fetchAll(`/hubs/crm/addressbook-entries?where=${encodeURIComponent("ParentKey IS NULL and Type != 'Company'")}`);
    assert.deepEqual(people.records.map((r) => r.Key), [keys.ind], 'the Contact has a parent');
  });

  test('pages with the returned PageKey, past pages emptied by local filtering', async () => {
    sim.requests.length = 0;
    const all = await fetchAll('/hubs/crm/addressbook-entries', 1);
    assert.equal(all.records.length, 4);
    assert.deepEqual(sim.requests.map((r) => JSON.parse(r.body).AbEntry.OrderBy.PageKey), [null, 'MQ==', 'Mg==', 'Mw==']);
    sim.requests.length = 0;
    const last = await fetchAll(`/hubs/crm/addressbook-entries?where=${encodeURIComponent("CompanyName = 'Beta' and ParentKey IS NULL")}`, 1);
    assert.deepEqual(last.records.map((r) => r.Key), [keys.beta]);
  });

  test('HTTP 200 with Code -1 "Token is invalid" is an auth error; other Codes are client errors with Msg', async () => {
    await assert.rejects(
      adapter.fetchPage({ url: SEED_URL.replace(/\$\{[^}]*\}/, '2024-01-01T00:00:00Z'), pageSize: 5 }, { configuration: config, credentials: { accessToken: 'stale' } }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'auth' && e.message.includes('Token is invalid'),
    );
    sim.expireAccessTokens();
    await assert.rejects(adapter.fetchPage({ url: '/hubs/crm/companies', pageSize: 5 }, { configuration: config, credentials }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth');
    credentials = await adapter.authenticate!({ configuration: config, credentials });
    await assert.rejects(
      adapter.fetchPage({ url: `/hubs/crm/companies?where=${encodeURIComponent("Bogus = 'x'")}`, pageSize: 5 }, { configuration: config, credentials }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'client' && /Field Bogus is not a valid field of AbEntry\. \(ErrorCode -?\d+\)$/.test(e.message),
    );
    sim.failNext(1, { status: 429, headers: { 'Retry-After': '2' } });
    await assert.rejects(adapter.fetchPage({ url: '/hubs/crm/companies', pageSize: 5 }, { configuration: config, credentials }), (e: unknown) => e instanceof ProviderError && e.kind === 'retryable' && e.retryAfterMs === 2000);
  });

  test("Octopus' Msg may be a list of {Message, ErrorCode} (its saved validation responses): the messages are shown", () => {
    const cases: [body: unknown, expected: RegExp, kind: string][] = [
      [{ Code: -1, Msg: [{ Message: 'Task: failed to validate update to Task. Workflow/Result is mandatory', ErrorCode: -10003 }] }, /^Maximizer answered Code -1: Task: failed to validate update to Task\. Workflow\/Result is mandatory \(ErrorCode -10003\)$/, 'client'],
      [{ Code: -1, Msg: [{ Message: 'first', ErrorCode: 1 }, { Message: 'second', ErrorCode: 2 }] }, /: first \(ErrorCode 1\); second \(ErrorCode 2\)$/, 'client'],
      [{ Code: -1, Msg: ['Token is invalid'] }, /: Token is invalid$/, 'auth'],
      [{ Code: -1, Msg: [{ Message: 'Token is expired', ErrorCode: -5 }] }, /Token is expired/, 'auth'],
      [{ Code: -1, Msg: [{ Other: 1 }] }, /: \{"Other":1\}$/, 'client'],
      [{ Code: -2 }, /Code -2: \{"Code":-2\}$/, 'client'],
    ];
    for (const [b, expected, kind] of cases) {
      assert.throws(() => checkCode(b, 200), (e: unknown) => e instanceof ProviderError && expected.test(e.message) && e.kind === kind && !e.message.includes('[object Object]'), JSON.stringify(b));
    }
    assert.deepEqual(checkCode({ Code: 0, AbEntry: { Data: [] } }, 200), { Code: 0, AbEntry: { Data: [] } });
  });

  test('a Personal Access Token needs no OAuth (maximizer.token)', async () => {
    const pat = { 'maximizer.token': MAXIMIZER_DEFAULT_PAT, 'base.url': sim.url };
    const creds = await adapter.authenticate!({ configuration: pat });
    assert.deepEqual(creds, { accessToken: MAXIMIZER_DEFAULT_PAT });
    assert.equal((await adapter.fetchPage({ url: '/hubs/crm/companies', pageSize: 5 }, { configuration: pat, credentials: creds })).records.length, 2);
    assert.deepEqual(adapter.validate(pat), []);
  });

  test('defaults for every resource, created date from CreationDate; validate', () => {
    const defaults = adapter.definition.defaultPollerConfiguration as Record<string, { idField: string; datesConfiguration: Record<string, string> }>;
    assert.deepEqual(Object.keys(defaults).sort(), ['addressbook-entries', 'companies', 'contacts', 'opportunities']);
    for (const d of Object.values(defaults)) {
      assert.equal(d.idField, 'Key');
      assert.equal(d.datesConfiguration.createdDateField, 'CreationDate');
    }
    assert.deepEqual(adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify(defaults) }), []);
    assert.deepEqual(adapter.validate({}).map((i) => i.key).sort(), ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url']);
  });

  test('the data center is one host name label: it cannot name another host for the token endpoint', () => {
    for (const dc of ['caw', 'ukw', 'CAE', 'a-1']) assert.deepEqual(adapter.validate({ ...config, 'maximizer.datacenter': dc }), [], dc);
    for (const dc of ['127.0.0.1:34421/', '[::1]/', 'evil.example#', 'a:b', '-caw', 'x/y', 'a b']) {
      assert.deepEqual(adapter.validate({ ...config, 'maximizer.datacenter': dc }).map((i) => i.key), ['maximizer.datacenter'], dc);
    }
  });

  test('an id scan: the hub URL without where lists every entry of the type, with Key alone in the Scope', async () => {
    sim.requests.length = 0;
    const page = await adapter.fetchPage({ url: '/hubs/crm/contacts', pageSize: 100, fields: ['Key'] }, { configuration: config, credentials });
    const body = readBody(0);
    assert.deepEqual(body.AbEntry.Scope, { Fields: { Key: 1 } });
    assert.deepEqual(body.AbEntry.Criteria.SearchQuery, { Type: { $IN: ['Individual', 'Contact'] } }, 'only the resource\u2019s types: no date filter');
    assert.ok(page.records.length >= 1);
    for (const r of page.records as Record<string, unknown>[]) assert.deepEqual(Object.keys(r), ['Key']);
  });
});
