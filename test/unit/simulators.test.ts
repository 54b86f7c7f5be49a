// Exercises the four vendor simulators (test/fakes) over real HTTP, so the poller tests that rely on
// them can trust their auth, date stamping, changed-since filters, paging, OAuth and fault injection.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basicHeader, type SimulatorControls } from '../fakes/vendorKit';
import { startSageCrmSimulator, SAGECRM_DEFAULT_PASSWORD, SAGECRM_DEFAULT_USERNAME, type SageCrmSimulator } from '../fakes/sagecrm';
import {
  startConnectWiseSimulator,
  CONNECTWISE_DEFAULT_CLIENT_ID,
  CONNECTWISE_DEFAULT_COMPANY,
  CONNECTWISE_DEFAULT_PRIVATE_KEY,
  CONNECTWISE_DEFAULT_PUBLIC_KEY,
  type ConnectWiseSimulator,
} from '../fakes/connectwise';
import {
  startSageAccountingSimulator,
  SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
  SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
  type SageAccountingSimulator,
} from '../fakes/sageone';
import {
  startMaximizerSimulator,
  MAXIMIZER_ABENTRY_DRIVER,
  MAXIMIZER_DEFAULT_CLIENT_ID,
  MAXIMIZER_DEFAULT_CLIENT_SECRET,
  MAXIMIZER_DEFAULT_LOGIN,
  MAXIMIZER_DEFAULT_PAT,
  type MaximizerSimulator,
} from '../fakes/maximizer';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0); // 2024-01-15T12:00:00Z
const MIN = 60_000;
const REDIRECT_URI = 'https://app.example.test/oauth/callback';

type Json = Record<string, unknown>;
const body = async (res: Response) => (await res.json()) as Json;

/** Shared fault-injection checks: 429 + Retry-After, 500, malformed JSON, custom body + delay, latency. */
async function checkFaults(sim: SimulatorControls, call: () => Promise<Response>, vendorBody: (status: number, b: unknown) => void) {
  sim.failNext(1, { status: 429, headers: { 'Retry-After': '7' } });
  let res = await call();
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '7');
  vendorBody(429, await res.json());

  sim.failNext(2, { status: 500 });
  for (let i = 0; i < 2; i++) {
    res = await call();
    assert.equal(res.status, 500);
    vendorBody(500, await res.json());
  }
  res = await call();
  assert.equal(res.status, 200, 'faults are consumed, then normal service resumes');
  await res.arrayBuffer();

  sim.malformedNext();
  res = await call();
  assert.equal(res.status, 200);
  await assert.rejects(res.json(), SyntaxError);

  sim.failNext(1, { status: 503, body: { custom: true }, delayMs: 60 });
  let started = performance.now();
  res = await call();
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { custom: true });
  assert.ok(performance.now() - started >= 50);

  sim.setLatency(120);
  started = performance.now();
  res = await call();
  await res.arrayBuffer();
  assert.ok(performance.now() - started >= 110, 'latency applies to every API call');
  sim.setLatency(0);
}

/** OAuth authorization-code dance shared by Sage Accounting and Maximizer. */
async function authorizeAndExchange(oauthUrl: { authorize: string; token: string }, clientId: string, clientSecret: string) {
  const auth = new URL(oauthUrl.authorize);
  for (const [k, v] of Object.entries({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, state: 'st-42', scope: 'full_access' })) {
    auth.searchParams.set(k, v);
  }
  const redirect = await fetch(auth, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const location = new URL(redirect.headers.get('location') ?? '');
  assert.equal(location.origin + location.pathname, REDIRECT_URI);
  assert.equal(location.searchParams.get('state'), 'st-42');
  const code = location.searchParams.get('code') ?? '';
  assert.ok(code);
  const exchange = () =>
    fetch(oauthUrl.token, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret }),
    });
  const res = await exchange();
  assert.equal(res.status, 200);
  const tokens = await body(res);
  const reused = await exchange();
  assert.equal(reused.status, 400, 'authorization codes are single use');
  assert.equal((await body(reused)).error, 'invalid_grant');
  return { tokens, location };
}

async function refresh(tokenUrl: string, refreshToken: string, clientId: string, clientSecret: string) {
  return fetch(tokenUrl, {
    method: 'POST',
    // client credentials as HTTP Basic this time (Cloud Elements' oauth.basic.header)
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicHeader(clientId, clientSecret) },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
}

async function checkRefreshRotation(tokenUrl: string, refreshToken: string, clientId: string, clientSecret: string) {
  const first = await refresh(tokenUrl, refreshToken, clientId, clientSecret);
  assert.equal(first.status, 200);
  const rotated = await body(first);
  assert.notEqual(rotated.refresh_token, refreshToken, 'refresh token rotates');
  const old = await refresh(tokenUrl, refreshToken, clientId, clientSecret);
  assert.equal(old.status, 400, 'the old refresh token is dead');
  assert.equal((await body(old)).error, 'invalid_grant');
  const wrongSecret = await refresh(tokenUrl, String(rotated.refresh_token), clientId, 'nope');
  assert.equal(wrongSecret.status, 400);
  assert.equal((await body(wrongSecret)).error, 'invalid_client');
  return rotated;
}

// ------------------------------------------------------------------------------------------------

describe('Sage CRM simulator', () => {
  let sim: SageCrmSimulator;
  const auth = basicHeader(SAGECRM_DEFAULT_USERNAME, SAGECRM_DEFAULT_PASSWORD);
  const get = (path: string, headers: Record<string, string> = { Authorization: auth }) => fetch(`${sim.url}${path}`, { headers: { Accept: 'application/json', ...headers } });
  const where = (entity: string, w: string, extra = '') => get(`/${entity}?where=${encodeURIComponent(w)}${extra}`);

  before(async () => {
    sim = await startSageCrmSimulator();
  });
  after(() => sim.close());

  test('serves the sagecrm2 base path and rejects missing or wrong Basic credentials with an SData diagnosis', async () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+\/sdata\/crmj\/sagecrm2\/-$/);
    const attempts: Record<string, string>[] = [{}, { Authorization: basicHeader(SAGECRM_DEFAULT_USERNAME, 'wrong') }];
    for (const headers of attempts) {
      const res = await get('/Company', headers);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
      const diag = ((await body(res)).$diagnoses as Json[])[0];
      assert.equal(diag?.$severity, 'Error');
      assert.equal(typeof diag?.$message, 'string');
    }
    assert.equal((await get('/Company')).status, 200);
  });

  test('create + update stamp Comp_CreatedDate / Comp_UpdatedDate in SData format', async () => {
    sim.clock.setNow(T0);
    const created = sim.create('Company', { Comp_Name: 'Acme' });
    assert.equal(created.Comp_CreatedDate, '2024-01-15T12:00:00+00:00');
    assert.equal(created.Comp_UpdatedDate, created.Comp_CreatedDate);
    sim.clock.advance(5 * MIN);
    const updated = sim.update('Company', created.$key, { Comp_Name: 'Acme Ltd' });
    assert.equal(updated.Comp_CreatedDate, '2024-01-15T12:00:00+00:00');
    assert.equal(updated.Comp_UpdatedDate, '2024-01-15T12:05:00+00:00');

    const res = await get(`/Company('${created.$key}')`);
    const entry = await body(res);
    assert.equal(entry.$key, created.$key);
    assert.equal(entry.Comp_CompanyId, created.$key);
    assert.equal(entry.$title, 'Acme Ltd');
    assert.equal(entry.$url, `${sim.url}/Company('${created.$key}')`);
    assert.equal(entry.Comp_UpdatedDate, '2024-01-15T12:05:00+00:00');
  });

  test('where on the updated date: gt is exclusive, ge inclusive, plus lt/le/eq/and/between', async () => {
    const t = (m: number) => { sim.clock.setNow(T0 + m * MIN); };
    t(100);
    const before = sim.create('Opportunity', { Oppo_Description: 'before' });
    t(101);
    const at = sim.create('Opportunity', { Oppo_Description: 'at' });
    t(102);
    const after = sim.create('Opportunity', { Oppo_Description: 'after' });
    const T = '2024-01-15T13:41:00'; // T0 + 101 min, server time zone (UTC)
    const keys = async (w: string) => {
      const res = await where('Opportunity', w);
      assert.equal(res.status, 200, w);
      return ((await body(res)).$resources as Json[]).map((r) => r.$key);
    };
    assert.deepEqual(await keys(`oppo_updateddate gt @${T}@`), [after.$key]);
    assert.deepEqual(await keys(`Oppo_UpdatedDate ge @${T}@`), [at.$key, after.$key]);
    assert.deepEqual(await keys(`oppo_updateddate ge @${T}Z@`), [at.$key, after.$key], 'Z literal');
    assert.deepEqual(await keys(`oppo_updateddate ge @2024-01-15T15:41:00+02:00@`), [at.$key, after.$key], 'offset literal');
    assert.deepEqual(await keys(`oppo_updateddate lt @${T}@`), [before.$key]);
    assert.deepEqual(await keys(`oppo_updateddate le @${T}@`), [before.$key, at.$key]);
    assert.deepEqual(await keys(`oppo_updateddate eq @${T}@`), [at.$key]);
    assert.deepEqual(await keys(`oppo_updateddate ge @${T}@ and oppo_description eq 'after'`), [after.$key]);
    assert.deepEqual(await keys(`oppo_updateddate between @2024-01-15T13:40:00@ and @${T}@`), [before.$key, at.$key]);
    assert.deepEqual(await keys(`oppo_description like 'a%' or oppo_description in ('before')`), [before.$key, at.$key, after.$key]);

    // SData has no symbolic operators; unknown columns are errors, not empty feeds.
    for (const bad of [`Oppo_UpdatedDate>'${T}Z'`, `oppo_nosuchdate gt @${T}@`, 'oppo_updateddate gt @2024-13-45@']) {
      const res = await where('Opportunity', bad);
      assert.equal(res.status, 400, bad);
      assert.equal(((await body(res)).$diagnoses as Json[])[0]?.$sdataCode, 'BadWhereSyntax');
    }
  });

  test('zone-less literals and emitted dates follow the server time zone', async () => {
    const local = await startSageCrmSimulator({ timeZone: 'UTC+2' });
    try {
      local.clock.setNow(T0);
      const p = local.create('Person', { Pers_FirstName: 'Ann' });
      assert.equal(p.Pers_UpdatedDate, '2024-01-15T14:00:00+02:00');
      const res = await fetch(`${local.url}/Person?where=${encodeURIComponent('pers_updateddate ge @2024-01-15T14:00:00@')}`, { headers: { Authorization: auth } });
      assert.equal(((await body(res)).$resources as Json[]).length, 1);
      const later = await fetch(`${local.url}/Person?where=${encodeURIComponent('pers_updateddate gt @2024-01-15T12:00:00Z@')}`, { headers: { Authorization: auth } });
      assert.equal(((await body(later)).$resources as Json[]).length, 0);
    } finally {
      await local.close();
    }
  });

  test('startIndex/count paging walks every record once, ordered by orderBy', async () => {
    sim.clock.setNow(T0);
    const created = Array.from({ length: 7 }, (_, i) => {
      sim.clock.advance(1000);
      return sim.create('Lead', { Lead_Description: `lead ${i}` });
    });
    assert.ok(created[0] && 'Lead_CreatedDate' in created[0]);
    const seen: unknown[] = [];
    for (let startIndex = 1, total = Infinity; startIndex <= total; ) {
      const res = await get(`/Lead?orderBy=${encodeURIComponent('lead_updateddate desc')}&startIndex=${startIndex}&count=3`);
      const feed = await body(res);
      assert.equal(feed.$startIndex, startIndex);
      assert.equal(feed.$itemsPerPage, 3);
      total = feed.$totalResults as number;
      seen.push(...(feed.$resources as Json[]).map((r) => r.$key));
      startIndex += 3;
    }
    assert.deepEqual(seen, created.map((c) => c.$key).reverse());
    const users = await get('/Users?count=1');
    assert.equal(users.status, 200);
  });

  test("the contract: JSON only (406 otherwise), SData's query parameters only, and the entity names Sage's client uses", async () => {
    for (const accept of ['application/atom+xml', 'text/html', 'application/json;q=0']) {
      const res = await get('/Company', { Authorization: auth, Accept: accept });
      assert.equal(res.status, 406, accept);
      assert.ok(Array.isArray((await body(res)).$diagnoses));
    }
    assert.equal((await get('/Company?count=1', { Authorization: auth, Accept: '*/*' })).status, 200);
    for (const query of ['?orderby=comp_name', '?page=2', '?pageSize=10', '?count=1&filter=x']) {
      const res = await get(`/Company${query}`);
      assert.equal(res.status, 400, query);
      const diag = ((await body(res)).$diagnoses as Json[])[0];
      assert.equal(diag?.$sdataCode, 'BadQueryParameter');
    }
    const all = await get('/Company?where=Comp_CompanyId%20gt%200&orderBy=Comp_Name&select=Comp_Name&include=%24children&precedence=2&includeSchema=false&format=application%2Fjson&language=en&search=x&startIndex=1&count=1');
    assert.equal(all.status, 200, 'every parameter SData defines is taken');
    await all.arrayBuffer();
    const user = await get('/User?count=1');
    assert.equal(user.status, 404, 'the users entity is Users');
    assert.equal(((await body(user)).$diagnoses as Json[])[0]?.$sdataCode, 'ResourceKindNotFound');
  });

  test('fault injection', async () => {
    await checkFaults(sim, () => get('/Company'), (_status, b) => {
      assert.ok(Array.isArray((b as Json).$diagnoses));
    });
    assert.ok(sim.requests.some((r) => r.path.endsWith('/Company') && r.headers.authorization === auth));
  });
});

// ------------------------------------------------------------------------------------------------

describe('ConnectWise Manage simulator', () => {
  let sim: ConnectWiseSimulator;
  const auth = basicHeader(`${CONNECTWISE_DEFAULT_COMPANY}+${CONNECTWISE_DEFAULT_PUBLIC_KEY}`, CONNECTWISE_DEFAULT_PRIVATE_KEY);
  const goodHeaders = { Authorization: auth, clientId: CONNECTWISE_DEFAULT_CLIENT_ID };
  const get = (pathOrUrl: string, headers: Record<string, string> = goodHeaders) =>
    fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`, { headers });
  const ids = async (res: Response) => {
    assert.equal(res.status, 200);
    return ((await res.json()) as Json[]).map((r) => r.id);
  };
  const conditions = (c: string, extra = '') => get(`/company/contacts?conditions=${encodeURIComponent(c)}${extra}`);

  before(async () => {
    sim = await startConnectWiseSimulator();
  });
  after(() => sim.close());

  test('requires company+publicKey:privateKey Basic auth and a clientId header', async () => {
    assert.match(sim.url, /\/v4_6_release\/apis\/3\.0$/);
    const wrongKey = basicHeader(`${CONNECTWISE_DEFAULT_COMPANY}+${CONNECTWISE_DEFAULT_PUBLIC_KEY}`, 'bad');
    const attempts: Record<string, string>[] = [
      { clientId: CONNECTWISE_DEFAULT_CLIENT_ID }, // no credentials
      { Authorization: wrongKey, clientId: CONNECTWISE_DEFAULT_CLIENT_ID }, // wrong private key
      { Authorization: auth }, // no clientId
      { Authorization: auth, clientId: 'not-registered' },
    ];
    for (const headers of attempts) {
      const res = await get('/company/contacts', headers);
      assert.equal(res.status, 401);
      const b = await body(res);
      assert.equal(typeof b.code, 'string');
      assert.equal(typeof b.message, 'string');
    }
    const missing = await get('/company/nothing');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { code: 'ConnectWiseApi', message: 'The endpoint does not exist.' });
  });

  test('create + update move _info.lastUpdated; tickets keep _info.dateEntered', async () => {
    sim.clock.setNow(T0);
    const contact = sim.create('company/contacts', { firstName: 'Estella', lastName: 'Mcdowell' });
    assert.equal(contact._info.lastUpdated, '2024-01-15T12:00:00Z');
    assert.equal(contact._info.dateEntered, undefined, 'contacts carry no dateEntered');
    const ticket = sim.create('service/tickets', { summary: 'Printer on fire' });
    assert.equal(ticket._info.dateEntered, '2024-01-15T12:00:00Z');
    sim.clock.advance(90_000);
    const c2 = sim.update('company/contacts', contact.id, { lastName: 'Smith' });
    const t2 = sim.update('service/tickets', ticket.id, { summary: 'Printer fixed' });
    assert.equal(c2._info.lastUpdated, '2024-01-15T12:01:30Z');
    assert.equal(t2._info.lastUpdated, '2024-01-15T12:01:30Z');
    assert.equal(t2._info.dateEntered, '2024-01-15T12:00:00Z');
    const res = await get(`/company/contacts/${contact.id}`);
    const b = await body(res);
    assert.equal(b.lastName, 'Smith');
    assert.deepEqual(b._info, c2._info);
  });

  test('conditions: lastUpdated > is exclusive, >= inclusive; and / strings / numbers / type errors', async () => {
    const at = (m: number, fields: Json) => {
      sim.clock.setNow(T0 + m * MIN);
      return sim.create('company/companies', fields);
    };
    const before = at(200, { identifier: 'BEFORE', name: 'Before Inc', deletedFlag: false });
    const exact = at(201, { identifier: 'EXACT', name: 'Exact Inc', deletedFlag: false });
    const after = at(202, { identifier: 'AFTER', name: 'After Inc', deletedFlag: true });
    const T = '2024-01-15T15:21:00Z';
    const q = (c: string) => get(`/company/companies?conditions=${encodeURIComponent(c)}&orderBy=${encodeURIComponent('id asc')}`);
    assert.deepEqual(await ids(await q(`lastUpdated > [${T}]`)), [after.id]);
    assert.deepEqual(await ids(await q(`LastUpdated >= [${T}]`)), [exact.id, after.id]);
    assert.deepEqual(await ids(await q(`_info/lastUpdated < [${T}] and lastUpdated >= [2024-01-15T15:20:00Z]`)), [before.id]);
    assert.deepEqual(await ids(await q(`lastUpdated >= [${T}] and deletedFlag = false`)), [exact.id]);
    assert.deepEqual(await ids(await q(`name contains "inc" and identifier != 'EXACT' and id >= ${before.id}`)), [before.id, after.id]);
    assert.deepEqual(await ids(await q(`(identifier = "BEFORE" or identifier = "AFTER") and name like "A%"`)), [after.id]);
    assert.deepEqual(await ids(await q(`identifier in ("EXACT", "AFTER")`)), [exact.id, after.id]);

    const wrongType = await q(`lastUpdated > "${T}"`);
    assert.equal(wrongType.status, 400);
    const err = await body(wrongType);
    assert.match(String(err.message), /DateTime values should be enclosed in square brackets/);
    assert.equal((await q('deletedFlag = 1')).status, 400);

    const count = await get(`/company/companies/count?conditions=${encodeURIComponent(`lastUpdated >= [${T}]`)}`);
    assert.deepEqual(await count.json(), { count: 2 });
  });

  test('page/pageSize paging with Link rel="next" covers every record once', async () => {
    sim.clock.setNow(Date.UTC(2030, 0, 1));
    const made = Array.from({ length: 8 }, (_, i) => sim.create('company/contacts', { firstName: `P${i}`, lastName: 'Paged' }));
    let next: string | undefined = `${sim.url}/company/contacts?conditions=${encodeURIComponent('lastUpdated >= [2030-01-01T00:00:00Z]')}&orderBy=${encodeURIComponent('id asc')}&pageSize=3&page=1`;
    const seen: unknown[] = [];
    let pages = 0;
    while (next) {
      const res = await get(next);
      seen.push(...(await ids(res)));
      pages++;
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      if (next) assert.equal(new URL(next).searchParams.get('conditions'), 'lastUpdated >= [2030-01-01T00:00:00Z]', 'links keep the query');
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, made.map((m) => m.id));
    const past = await get(`/company/contacts?conditions=${encodeURIComponent('lastUpdated >= [2030-01-01T00:00:00Z]')}&pageSize=3&page=9`);
    assert.deepEqual(await past.json(), []);
    const rels = Object.fromEntries([...(past.headers.get('link') ?? '').matchAll(/<([^>]+)>;\s*rel="(\w+)"/g)].map((m) => [m[2], new URL(m[1] ?? '').searchParams.get('page')]));
    assert.deepEqual(rels, { first: '1', prev: '3' }, 'no rel="next" past the end');

    // Forward-only paging: pageId acts as id > pageId.
    const firstId = made[0]?.id ?? 0;
    const fwd = await conditions('lastUpdated >= [2030-01-01T00:00:00Z]', `&pageSize=3&pageId=${firstId}`);
    assert.deepEqual(await ids(fwd), made.slice(1, 4).map((m) => m.id));
    assert.match(fwd.headers.get('link') ?? '', /pageId=\d+>; rel="next"/);
  });

  test('the contract: only its versioned media type is served (406 otherwise), only its query parameters are taken', async () => {
    const versioned = 'application/vnd.connectwise.com+json; version=2025.8';
    for (const accept of ['application/json', 'application/vnd.connectwise.com+json; version=2019.1', 'text/html, application/xml;q=0.9']) {
      const res = await get('/company/contacts', { ...goodHeaders, Accept: accept });
      assert.equal(res.status, 406, accept);
      assert.match(String((await body(res)).message), /version=2025\.8/);
    }
    for (const accept of [versioned, 'application/vnd.connectwise.com+json', '*/*', 'application/json;q=0.5, application/*;q=0.1']) {
      const res = await get('/company/contacts?pageSize=1', { ...goodHeaders, Accept: accept });
      assert.equal(res.status, 200, accept);
      assert.equal(res.headers.get('content-type'), versioned);
      await res.arrayBuffer();
    }
    for (const query of ['?where=x', '?pagesize=5', '?conditions=id%3E0&limit=5']) {
      const res = await get(`/company/contacts${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String((await body(res)).message), /Unknown query parameter/);
    }
    const count = await get('/company/contacts/count?conditions=id%3E0&childConditions=x%3D1&customFieldConditions=y%3D1&fields=id');
    assert.equal(count.status, 200, 'every parameter the contract defines is taken');
    await count.arrayBuffer();
  });

  test('fault injection (429 carries Retry-After)', async () => {
    await checkFaults(sim, () => get('/company/contacts?pageSize=1'), (_status, b) => {
      assert.equal(typeof (b as Json).code, 'string');
      assert.equal(typeof (b as Json).message, 'string');
    });
    assert.equal(sim.requests.at(-1)?.headers.clientid, CONNECTWISE_DEFAULT_CLIENT_ID);
  });
});

// ------------------------------------------------------------------------------------------------

describe('Sage Business Cloud Accounting simulator', () => {
  let sim: SageAccountingSimulator;
  let accessToken = '';
  const get = (pathOrUrl: string, token = accessToken) =>
    fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  before(async () => {
    sim = await startSageAccountingSimulator();
  });
  after(() => sim.close());

  test('OAuth code grant: single-use code, 300 s tokens, rotating refresh tokens', async () => {
    sim.clock.setNow(T0);
    const { tokens, location } = await authorizeAndExchange(sim.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    assert.equal(location.searchParams.get('country'), 'gb');
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 300);
    assert.equal(tokens.refresh_token_expires_in, 2_678_400);
    const rotated = await checkRefreshRotation(sim.oauthUrl.token, String(tokens.refresh_token), SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    accessToken = String(rotated.access_token);
    assert.deepEqual(sim.counters, { authorizations: 1, codeExchanges: 1, refreshes: 1 });
    assert.equal((await get('/contacts')).status, 200);
  });

  test('missing, invalid and expired access tokens answer 401 with the Sage error array', async () => {
    sim.clock.setNow(T0);
    const { tokens } = await authorizeAndExchange(sim.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    const token = String(tokens.access_token);
    assert.equal((await get('/contacts', token)).status, 200);
    for (const t of ['', 'not-a-token']) {
      const res = await get('/contacts', t);
      assert.equal(res.status, 401);
      const [err] = (await res.json()) as Json[];
      assert.equal(err?.$severity, 'error');
      assert.equal(err?.$dataCode, 'AuthorizationFailure');
      assert.equal(typeof err?.$message, 'string');
      assert.equal(err?.$source, '');
    }
    sim.clock.advance(301_000);
    assert.equal((await get('/contacts', token)).status, 401, 'expired after 300 s');
    const renewed = await refresh(sim.oauthUrl.token, String(tokens.refresh_token), SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    accessToken = String((await body(renewed)).access_token);
    assert.equal((await get('/contacts')).status, 200);
    sim.expireAccessTokens();
    assert.equal((await get('/contacts')).status, 401);
  });

  test('create + update stamp created_at / updated_at; attributes controls what is exposed', async () => {
    sim.clock.setNow(T0);
    const { tokens } = await authorizeAndExchange(sim.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    accessToken = String(tokens.access_token);
    const c = sim.create('contacts', { name: 'Wine Shop', reference: 'WINE01', email: 'a@b.test' });
    assert.match(c.id, /^[0-9a-f]{32}$/);
    assert.equal(c.created_at, '2024-01-15T12:00:00Z');
    assert.equal(c.displayed_as, 'Wine Shop (WINE01)');
    sim.clock.advance(2 * MIN);
    const u = sim.update('contacts', c.id, { email: 'c@d.test' });
    assert.equal(u.created_at, '2024-01-15T12:00:00Z');
    assert.equal(u.updated_at, '2024-01-15T12:02:00Z');

    const bare = await body(await get('/contacts?contact_type_id=CUSTOMER'));
    const item = (bare.$items as Json[]).find((i) => i.id === c.id);
    assert.deepEqual(item, { id: c.id, displayed_as: 'Wine Shop (WINE01)', $path: `/contacts/${c.id}` });
    const withDates = await body(await get('/contacts?contact_type_id=CUSTOMER&attributes=created_at,updated_at'));
    const item2 = (withDates.$items as Json[]).find((i) => i.id === c.id);
    assert.equal(item2?.created_at, '2024-01-15T12:00:00Z');
    assert.equal(item2?.updated_at, '2024-01-15T12:02:00Z');
    assert.equal(item2?.email, undefined);
    const single = await body(await get(`/contacts/${c.id}`));
    assert.equal(single.email, 'c@d.test');
  });

  test('updated_or_created_since is inclusive, deleted_since exclusive; contact_type_id filters', async () => {
    sim.clock.setNow(T0 + 300 * MIN);
    const before = sim.create('contacts', { name: 'Before' });
    sim.clock.setNow(T0 + 301 * MIN);
    const exact = sim.create('contacts', { name: 'Exact' });
    const vendor = sim.create('contacts', { name: 'Supplier Ltd', contact_types: ['VENDOR'] });
    sim.clock.setNow(T0 + 302 * MIN);
    const after = sim.create('contacts', { name: 'After' });
    const { tokens } = await authorizeAndExchange(sim.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    accessToken = String(tokens.access_token);
    const names = async (query: string) => {
      const res = await get(`/contacts?${query}`);
      assert.equal(res.status, 200, query);
      return ((await body(res)).$items as Json[]).map((i) => i.displayed_as);
    };
    assert.deepEqual(await names('contact_type_id=CUSTOMER&updated_or_created_since=2024-01-15T17:01:00Z'), ['Exact', 'After']);
    assert.deepEqual(await names(`contact_type_id=CUSTOMER&updated_or_created_since=${encodeURIComponent('2024-01-15T18:01:00+01:00')}`), ['Exact', 'After']);
    assert.deepEqual(await names('contact_type_id=VENDOR&updated_or_created_since=2024-01-15T17:01:00Z'), ['Supplier Ltd']);
    assert.equal((await get('/contacts?contact_type_id=SUPPLIER')).status, 422);
    assert.equal((await get('/contacts?updated_or_created_since=2024-01-15T18:01:00+01:00')).status, 400, 'an unencoded + is a space');

    sim.clock.setNow(T0 + 310 * MIN);
    sim.remove('contacts', before.id);
    sim.clock.setNow(T0 + 311 * MIN);
    sim.remove('contacts', after.id);
    // 5-minute access tokens: the one from 10 minutes ago is dead, so authorize again.
    accessToken = String((await authorizeAndExchange(sim.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET)).tokens.access_token);
    assert.deepEqual(await names('deleted_since=2024-01-15T17:10:00Z'), ['After']);
    assert.deepEqual(await names('updated_or_created_since=2024-01-15T17:00:00Z'), ['Exact', 'Supplier Ltd']);
    assert.ok(exact.id && vendor.id);
  });

  test('$items paging via relative $next covers every record once; pages past the end return the last page', async () => {
    const paging = await startSageAccountingSimulator();
    try {
      paging.clock.setNow(T0);
      const made = Array.from({ length: 5 }, (_, i) => paging.create('contacts', { name: `C${i}` }));
      const { tokens } = await authorizeAndExchange(paging.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
      const headers = { Authorization: `Bearer ${String(tokens.access_token)}` };
      let next: string | null = '/contacts?contact_type_id=CUSTOMER&updated_or_created_since=2024-01-01T00:00:00Z&items_per_page=2';
      const seen: unknown[] = [];
      const pages: Json[] = [];
      while (next) {
        const page = await body(await fetch(`${paging.url}${next}`, { headers }));
        pages.push(page);
        seen.push(...(page.$items as Json[]).map((i) => i.id));
        next = page.$next as string | null;
      }
      assert.deepEqual(seen, made.map((m) => m.id));
      assert.deepEqual(pages.map((p) => [p.$page, p.$total, p.$itemsPerPage]), [[1, 5, 2], [2, 5, 2], [3, 5, 2]]);
      assert.equal(pages[0]?.$back, null);
      assert.equal(pages[1]?.$back, '/contacts?contact_type_id=CUSTOMER&updated_or_created_since=2024-01-01T00%3A00%3A00Z&page=1&items_per_page=2');
      const beyond = await body(await fetch(`${paging.url}/contacts?items_per_page=2&page=99`, { headers }));
      assert.equal(beyond.$page, 3);
      assert.equal((beyond.$items as Json[]).length, 1);
      const capped = await body(await fetch(`${paging.url}/contacts?items_per_page=5000`, { headers }));
      assert.equal(capped.$itemsPerPage, 200);
    } finally {
      await paging.close();
    }
  });

  test("the contract: JSON only (406 otherwise), /contacts takes only its declared parameters, date-times in any RFC 3339 form", async () => {
    const withAccept = (path: string, accept: string) => fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${accessToken}`, Accept: accept } });
    for (const accept of ['application/xml', 'text/csv', 'application/json;q=0']) {
      const res = await withAccept('/contacts', accept);
      assert.equal(res.status, 406, accept);
      assert.equal(((await res.json()) as Json[])[0]?.$dataCode, 'NotAcceptable');
    }
    assert.equal((await withAccept('/contacts?items_per_page=1', 'application/json')).status, 200);
    for (const query of ['?per_page=5', '?updated_since=2024-01-01T00:00:00Z', '?page=1&sort=name']) {
      const res = await get(`/contacts${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String(((await res.json()) as Json[])[0]?.$message), /Unknown parameter/);
    }
    const declared = '?updated_or_created_since=2024-01-01T00:00:00Z&contact_type_id=CUSTOMER&exclude_system=true&nested_attributes=x&show_balance=false&context_date=2024-01-01&search=a&email=a&show_unfinished_recurring_invoices_status=false&items_per_page=5&page=1&attributes=all';
    assert.equal((await get(`/contacts${declared}`)).status, 200, 'every parameter the contract declares is taken');

    for (const [timestamps, pattern] of [['milliseconds', /^2024-01-15T12:00:00\.123Z$/], ['offset', /^2024-01-15T12:00:00\+00:00$/]] as const) {
      const styled = await startSageAccountingSimulator({ timestamps });
      try {
        styled.clock.setNow(T0 + 123);
        assert.match(styled.create('contacts', { name: 'x' }).created_at, pattern);
      } finally {
        await styled.close();
      }
    }
  });

  test('fault injection (Sage error arrays by default)', async () => {
    sim.clock.setNow(T0);
    const { tokens } = await authorizeAndExchange(sim.oauthUrl, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    accessToken = String(tokens.access_token);
    await checkFaults(sim, () => get('/contacts'), (status, b) => {
      const [err] = b as Json[];
      assert.equal(err?.$dataCode, status === 500 ? 'UnexpectedError' : 'TooManyRequests');
    });
    // Faults only hit the API: the token endpoint is unaffected.
    sim.failNext(1, { status: 500 });
    const r = await refresh(sim.oauthUrl.token, String(tokens.refresh_token), SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    assert.equal(r.status, 200);
    sim.resetFaults();
  });
});

// ------------------------------------------------------------------------------------------------

describe('Maximizer Octopus simulator', () => {
  let sim: MaximizerSimulator;
  const call = (method: string, payload: unknown, token: string | null = MAXIMIZER_DEFAULT_PAT) =>
    fetch(`${sim.url}/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(payload),
    });
  const readAbEntries = (criteria: unknown, orderBy: unknown = { Fields: [{ CreationDate: 'ASC' }] }) => ({
    AbEntry: {
      Scope: { Fields: { Key: 1, Type: 1, ParentKey: 1, CompanyName: 1, FirstName: 1, CreationDate: 1, LastModifyDate: 1 } },
      Criteria: { SearchQuery: criteria },
      OrderBy: orderBy,
    },
    Compatibility: { AbEntryKey: '2.0' },
    Configuration: { Drivers: { IAbEntrySearcher: MAXIMIZER_ABENTRY_DRIVER } },
  });
  const data = async (res: Response, obj = 'AbEntry') => {
    assert.equal(res.status, 200);
    const b = await body(res);
    assert.equal(b.Code, 0, JSON.stringify(b));
    return b[obj] as { Data: Json[]; PageKey?: string | null };
  };

  before(async () => {
    sim = await startMaximizerSimulator();
  });
  after(() => sim.close());

  test('bad tokens get HTTP 200 + Code -1 on Read, 401 on VerifyToken; PAT and /Authenticate tokens work', async () => {
    for (const token of [null, 'bogus']) {
      const res = await call('Read', readAbEntries({}), token);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { Code: -1, Msg: ['Token is invalid'] });
      const verify = await fetch(`${sim.url}/VerifyToken`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      assert.equal(verify.status, 401);
      assert.equal(verify.headers.get('www-authenticate'), 'Bearer');
    }
    assert.deepEqual(await (await call('TokenValid', {})).json(), { Code: 0 });
    const badDate = await body(await call('Read', readAbEntries({ LastModifyDate: { $GT: 'yesterday' } })));
    assert.equal(badDate.Code, -1, 'bad queries fail even when no record exists');
    const badLogin = await body(await call('Authenticate', { ...MAXIMIZER_DEFAULT_LOGIN, Password: 'x' }, null));
    assert.equal(badLogin.Code, -1);
    const login = await body(await call('Authenticate', MAXIMIZER_DEFAULT_LOGIN, null));
    const token = String((login.Data as Json).Token);
    assert.equal((await data(await call('Read', readAbEntries({}), token))).Data.length, 0);
  });

  test('OAuth code grant with rotating refresh tokens; 10-minute sliding access tokens', async () => {
    sim.clock.setNow(T0);
    const { tokens } = await authorizeAndExchange(sim.oauthUrl, MAXIMIZER_DEFAULT_CLIENT_ID, MAXIMIZER_DEFAULT_CLIENT_SECRET);
    assert.equal(tokens.expires_in, 600);
    const token = String(tokens.access_token);
    const verify = () => fetch(`${sim.url}/VerifyToken`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);
    assert.equal(await verify(), 200);
    sim.clock.advance(9 * MIN);
    assert.equal(await verify(), 200, 'use slides the expiry');
    sim.clock.advance(9 * MIN);
    assert.equal(await verify(), 200);
    sim.clock.advance(11 * MIN);
    assert.equal(await verify(), 401, 'idle for more than 10 minutes');
    assert.equal((await body(await call('TokenValid', {}, token))).Code, -1);

    const rotated = await checkRefreshRotation(sim.oauthUrl.token, String(tokens.refresh_token), MAXIMIZER_DEFAULT_CLIENT_ID, MAXIMIZER_DEFAULT_CLIENT_SECRET);
    assert.equal((await body(await call('TokenValid', {}, String(rotated.access_token)))).Code, 0);
    sim.expireAccessTokens();
    assert.equal((await body(await call('TokenValid', {}, String(rotated.access_token)))).Code, -1);
    assert.deepEqual(sim.counters, { authorizations: 1, codeExchanges: 1, refreshes: 1 });
  });

  test('create + update: typed AbEntry keys, LastModifyDate moves, CreationDate stays', async () => {
    sim.clock.setNow(T0);
    const company = sim.create('AbEntry', { Type: 'Company', CompanyName: 'ABC Wine Shop' });
    const contact = sim.create('AbEntry', { Type: 'Contact', ParentKey: company.Key, FirstName: 'Ann', LastName: 'Lee' });
    const decode = (k: string) => Buffer.from(k, 'base64').toString('utf8').split('\t');
    assert.equal(decode(company.Key)[0], 'Company');
    assert.deepEqual(decode(contact.Key), ['Contact', decode(company.Key)[1], '1']);
    assert.equal(company.CreationDate, '2024-01-15T12:00:00Z');
    sim.clock.advance(3 * MIN);
    const updated = sim.update('AbEntry', company.Key, { CompanyName: 'ABC Wines' });
    assert.equal(updated.CreationDate, '2024-01-15T12:00:00Z');
    assert.equal(updated.LastModifyDate, '2024-01-15T12:03:00Z');

    const res = await call('Read', {
      ...readAbEntries({ Key: { $EQ: company.Key } }),
      AbEntry: { Scope: { Fields: { Key: 1, CompanyName: 1, LastModifyDate: { Value: 1, DisplayValue: 1 } } }, Criteria: { SearchQuery: { Key: { $EQ: company.Key } } } },
    });
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual((await data(res)).Data, [
      { Key: company.Key, CompanyName: 'ABC Wines', LastModifyDate: { Value: '2024-01-15T12:03:00Z', DisplayValue: 'January 15, 2024 12:03 PM' } },
    ]);
    const opp = sim.create('Opportunity', { AbEntryKey: company.Key, Objective: 'Sell wine' });
    const opps = await data(
      await call('Read', { Opportunity: { Scope: { Fields: { Key: 1, Objective: 1, LastModifyDate: 1 } }, Criteria: { SearchQuery: { AbEntryKey: { $EQ: company.Key } } } } }),
      'Opportunity',
    );
    assert.deepEqual(opps.Data, [{ Key: opp.Key, Objective: 'Sell wine', LastModifyDate: opp.LastModifyDate }]);
  });

  test('LastModifyDate $GT is exclusive, $GE inclusive; Type separates companies, individuals and contacts', async () => {
    const fresh = await startMaximizerSimulator();
    try {
      fresh.clock.setNow(T0 - MIN);
      const before = fresh.create('AbEntry', { Type: 'Individual', FirstName: 'Before' });
      fresh.clock.setNow(T0);
      const company = fresh.create('AbEntry', { Type: 'Company', CompanyName: 'At Co' });
      fresh.clock.setNow(T0 + MIN);
      const contact = fresh.create('AbEntry', { Type: 'Contact', ParentKey: company.Key, FirstName: 'After' });
      const keys = async (q: unknown) =>
        (await data(await fetch(`${fresh.url}/Read`, { method: 'POST', headers: { Authorization: `Bearer ${MAXIMIZER_DEFAULT_PAT}` }, body: JSON.stringify(readAbEntries(q)) }))).Data.map((d) => d.Key);
      assert.deepEqual(await keys({ LastModifyDate: { $GT: '2024-01-15T12:00:00' } }), [contact.Key]);
      assert.deepEqual(await keys({ LastModifyDate: { $GE: '2024-01-15T12:00:00' } }), [company.Key, contact.Key]);
      assert.deepEqual(await keys({ LastModifyDate: { $GE: '2024-01-15T13:00:00+01:00' } }), [company.Key, contact.Key]);
      assert.deepEqual(await keys({ LastModifyDate: { $LT: '2024-01-15T12:00:00Z' } }), [before.Key]);
      assert.deepEqual(await keys({ LastModifyDate: { $RANGE: ['2024-01-15T11:59:00', '2024-01-15T12:00:00'] } }), [before.Key, company.Key]);
      assert.deepEqual(await keys({ $AND: [{ Type: { $EQ: 'Contact' } }, { LastModifyDate: { $GE: '2024-01-01T00:00:00' } }] }), [contact.Key]);
      assert.deepEqual(await keys({ Type: { $IN: ['Company', 'Individual'] } }), [before.Key, company.Key]);
      assert.deepEqual(await keys({ $OR: [{ CompanyName: { $LIKE: 'at%' } }, { FirstName: 'Before' }] }), [before.Key, company.Key]);

      const unsupported = await body(await fetch(`${fresh.url}/Read`, { method: 'POST', headers: { Authorization: `Bearer ${MAXIMIZER_DEFAULT_PAT}` }, body: JSON.stringify(readAbEntries({ CompanyName: { $PHRASE: 'x' } })) }));
      assert.equal(unsupported.Code, -1);
      assert.match(String((unsupported.Msg as Json[])[0]?.Message), /unsupported/);
      const post = (path: string, b: unknown) => fetch(`${fresh.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${MAXIMIZER_DEFAULT_PAT}` }, body: JSON.stringify(b) });
      // The collection's contract: no query parameters, only its members in a Read body; errors as {Message, ErrorCode}.
      for (const [path, b] of [
        ['/Read?top=5', readAbEntries({})],
        ['/Read', { ...readAbEntries({}), Paging: { Size: 5 } }],
        ['/Read', { ...readAbEntries({}), AbEntry: { ...readAbEntries({}).AbEntry, Limit: 5 } }],
      ] as [string, unknown][]) {
        const refused = await body(await post(path, b));
        assert.equal(refused.Code, -1, path);
        const [m] = refused.Msg as Json[];
        assert.equal(typeof m?.Message, 'string');
        assert.equal(typeof m?.ErrorCode, 'number');
      }
      const noDriver = readAbEntries({});
      delete (noDriver as Partial<typeof noDriver>).Configuration;
      const empty = await fetch(`${fresh.url}/Read`, { method: 'POST', headers: { Authorization: `Bearer ${MAXIMIZER_DEFAULT_PAT}` }, body: JSON.stringify(noDriver) });
      assert.deepEqual((await data(empty)).Data, [], 'AbEntry reads without the searcher driver come back empty');
    } finally {
      await fresh.close();
    }
  });

  test('OrderBy.PageSize / PageKey paging walks every record once', async () => {
    sim.clock.setNow(Date.UTC(2031, 0, 1));
    const made = Array.from({ length: 5 }, (_, i) => {
      sim.clock.advance(1000);
      return sim.create('AbEntry', { Type: 'Individual', FirstName: `Pager${i}` });
    });
    const seen: unknown[] = [];
    let pageKey: string | null = null;
    let pages = 0;
    do {
      const page = await data(await call('Read', readAbEntries({ LastModifyDate: { $GE: '2031-01-01T00:00:00' } }, { PageKey: pageKey, PageSize: 2, Fields: [{ LastModifyDate: 'ASC' }] })));
      seen.push(...page.Data.map((d) => d.Key));
      pageKey = page.PageKey ?? null;
      pages++;
    } while (pageKey);
    assert.equal(pages, 3);
    assert.deepEqual(seen, made.map((m) => m.Key));
    const second = await data(await call('Read', readAbEntries({ LastModifyDate: { $GE: '2031-01-01T00:00:00' } }, { PageKey: 'Mg==', PageSize: 2, Fields: [{ LastModifyDate: 'DESC' }] })));
    assert.deepEqual(second.Data.map((d) => d.Key), [made[2]?.Key, made[1]?.Key]);
  });

  test('fault injection', async () => {
    await checkFaults(sim, () => call('TokenValid', {}), (_status, b) => {
      assert.equal((b as Json).Code, -1);
      assert.ok(Array.isArray((b as Json).Msg));
    });
    assert.equal(sim.requests.at(-1)?.path, '/octopus/TokenValid');
  });
});
