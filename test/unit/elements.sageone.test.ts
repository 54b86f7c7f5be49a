// The sageone adapter against the Sage Accounting simulator over real HTTP: the OAuth2 code grant with
// rotating refresh tokens, hub URL → /contacts with updated_or_created_since + attributes, local
// evaluation of the rest, $next paging and error classification.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeResource } from '../../core/settings';
import { resourceSchema } from '../../core/config';
import { diffRecords } from '../../core/diff';
import { renderPlaceholders } from '../../core/placeholders';
import { parseCeql } from '../../elements/ceql';
import { ProviderError } from '../../elements/providerError';
import { sageOneElement as adapter, translate } from '../../elements/sageone';
import type { Credentials, PageResult } from '../../elements/types';
import {
  SAGE_ACCOUNTING_DEFAULT_BUSINESS_ID,
  SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
  SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
  startSageAccountingSimulator,
  type SageAccountingSimulator,
} from '../fakes/sageone';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const SEC = 1000;
const CALLBACK = 'https://mycoolapp.com';
/** The poller URL of Cloud Elements' Sage Accounting example instance, unterminated quote included. */
const SEED_URL = "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at";

/** Follows the adapter's authorization URL to the simulator, which redirects with a code. */
async function authorizationCode(configuration: Record<string, string>): Promise<string> {
  const url = adapter.oauthUrl!({ apiKey: SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, apiSecret: '', callbackUrl: CALLBACK, state: 'sageone', configuration });
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  assert.ok(code);
  return code;
}

describe('sageone adapter', () => {
  let sim: SageAccountingSimulator;
  let config: Record<string, string>;
  let credentials: Credentials;

  const fetchAll = async (url: string, pageSize = 200, configuration = config) => {
    const pages: PageResult[] = [];
    let pageToken: string | undefined;
    do {
      const page = await adapter.fetchPage({ url, pageSize, pageToken }, { configuration, credentials });
      pages.push(page);
      pageToken = page.records.length > 0 ? page.nextPageToken : undefined;
    } while (pageToken !== undefined);
    return { pages, records: pages.flatMap((p) => p.records) as Record<string, any>[] };
  };

  before(async () => {
    sim = await startSageAccountingSimulator();
    config = {
      'oauth.api.key': SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
      'oauth.api.secret': SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
      'oauth.callback.url': CALLBACK,
      country: 'US',
      'base.url': sim.url,
    };
    sim.clock.setNow(T0);
    sim.create('contacts', { name: 'Acme Ltd', reference: 'ACME', email: 'a@acme.test' });
    sim.create('contacts', { name: 'Supplies Co', contact_types: ['VENDOR'] });
    sim.clock.setNow(T0 + 60 * SEC);
    sim.create('contacts', { name: 'Beta plc', reference: 'BETA' });
    sim.create('contacts', { name: 'Alpha GmbH', reference: 'ALPHA', email: 'x@alpha.test' });
  });
  after(() => sim.close());

  test('authorization URL: Sage’s own by default, the vendor paths on base.url’s origin with base.url', () => {
    const params = { apiKey: 'cid', apiSecret: 'secret', callbackUrl: CALLBACK, state: 'sageone' };
    const real = new URL(adapter.oauthUrl!({ ...params, configuration: { country: 'US' } }));
    assert.equal(real.origin + real.pathname, 'https://www.sageone.com/oauth2/auth/central');
    assert.deepEqual(Object.fromEntries(real.searchParams), { filter: 'apiv3.1', response_type: 'code', client_id: 'cid', redirect_uri: CALLBACK, scope: 'full_access', state: 'sageone', country: 'us' });
    assert.ok(!real.toString().includes('secret'), 'the client secret never goes into a URL');
    const local = new URL(adapter.oauthUrl!({ ...params, configuration: { 'base.url': sim.url } }));
    assert.equal(local.origin + local.pathname, new URL(sim.oauthUrl.authorize).origin + '/oauth2/auth/central');
    const explicit = new URL(adapter.oauthUrl!({ ...params, configuration: { 'base.url': sim.url, 'oauth.authorization.url': 'https://auth.example.test/authorize' } }));
    assert.equal(explicit.origin + explicit.pathname, 'https://auth.example.test/authorize');
  });

  test('exchanges providerData.code, then refreshes with the rotated refresh token (the old one is refused)', async () => {
    const code = await authorizationCode(config);
    const first = await adapter.authenticate!({ configuration: config, providerCode: code });
    assert.ok(first.accessToken && first.refreshToken);
    assert.ok(first.expiresAtMs! > Date.now() + 290 * SEC && first.expiresAtMs! <= Date.now() + 300 * SEC, 'expires_in 300 s');
    const exchange = new URLSearchParams(sim.requests.at(-1)!.body);
    assert.equal(sim.requests.at(-1)!.path, '/token');
    assert.deepEqual(Object.fromEntries(exchange), { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, client_id: SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, client_secret: SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET });

    const second = await adapter.authenticate!({ configuration: config, credentials: first });
    assert.notEqual(second.refreshToken, first.refreshToken, 'rotated');
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(new URLSearchParams(sim.requests.at(-1)!.body).get('refresh_token'), first.refreshToken);
    await assert.rejects(adapter.authenticate!({ configuration: config, credentials: first }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth' && e.message.includes('invalid'));
    await assert.rejects(adapter.authenticate!({ configuration: config, providerCode: code }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth', 'a code is single use');
    await assert.rejects(adapter.authenticate!({ configuration: config }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth');
    credentials = second;
  });

  test('the seed customers URL (with its missing quote) becomes /contacts?contact_type_id=CUSTOMER&updated_or_created_since=…&attributes=…', async () => {
    sim.requests.length = 0;
    const { records } = await fetchAll(renderPlaceholders(SEED_URL, T0 + 60 * SEC), 50);
    assert.deepEqual(records.map((r) => r.displayed_as).sort(), ['Alpha GmbH (ALPHA)', 'Beta plc (BETA)'], 'customers changed at or after T (inclusive), no vendors');
    assert.deepEqual(Object.keys(records[0]!).sort(), ['$path', 'created_at', 'displayed_as', 'id', 'updated_at']);
    const req = sim.requests[0]!;
    assert.equal(req.path, '/v3.1/contacts');
    assert.deepEqual(req.query, { contact_type_id: 'CUSTOMER', updated_or_created_since: '2024-01-15T12:01:00Z', attributes: 'created_at,updated_at', items_per_page: '50', page: '1' });
    assert.equal(req.headers.authorization, `Bearer ${credentials.accessToken}`);
    assert.equal(req.headers['x-business'], undefined);
  });

  test('strict > and other conditions are re-checked locally, with the attributes they need requested', async () => {
    sim.requests.length = 0;
    const strict = await fetchAll(`/hubs/finance/customers?where=${encodeURIComponent("lastModifiedDate > '2024-01-15T12:01:00Z'")}`);
    assert.equal(strict.records.length, 0, 'the inclusive native bound returns T; > drops it');
    assert.equal(sim.requests[0]!.query.updated_or_created_since, '2024-01-15T12:01:00Z');
    assert.equal(sim.requests[0]!.query.attributes, 'updated_at');

    const where = encodeURIComponent("lastModifiedDate >= '2024-01-15T12:00:00Z' and email like '%.test' and attributes='created_at'");
    const { records } = await fetchAll(`/hubs/finance/customers?where=${where}`);
    assert.deepEqual(records.map((r) => r.displayed_as).sort(), ['Acme Ltd (ACME)', 'Alpha GmbH (ALPHA)']);
    assert.equal(sim.requests.at(-1)!.query.attributes, 'created_at,email');

    const q = translate(parseCeql("lastModifiedDate >= '2024-01-15T12:00:00.250Z' and lastModifiedDate >= '2024-01-14T00:00:00Z'"));
    assert.equal(q.params.updated_or_created_since, '2024-01-15T12:00:00Z', 'the latest bound, widened to its second');
    assert.equal(q.local.length, 1, 'the fractional bound is re-checked');
  });

  test('vendors and pass-through collections; X-Business from business.id', async () => {
    sim.requests.length = 0;
    const vendors = await fetchAll('/hubs/finance/vendors', 200, { ...config, 'business.id': SAGE_ACCOUNTING_DEFAULT_BUSINESS_ID });
    assert.deepEqual(vendors.records.map((r) => r.displayed_as), ['Supplies Co']);
    assert.equal(sim.requests[0]!.query.contact_type_id, 'VENDOR');
    assert.equal(sim.requests[0]!.headers['x-business'], SAGE_ACCOUNTING_DEFAULT_BUSINESS_ID);
    const all = await fetchAll('/hubs/finance/contacts');
    assert.equal(all.records.length, 4);
    assert.equal(sim.requests.at(-1)!.query.contact_type_id, undefined);
  });

  test('pages while $next is set, past pages that local filtering empties', async () => {
    sim.requests.length = 0;
    const all = await fetchAll('/hubs/finance/contacts', 1);
    assert.equal(all.records.length, 4);
    assert.deepEqual(all.pages.map((p) => p.nextPageToken), ['2', '3', '4', undefined]);
    sim.requests.length = 0;
    const last = await fetchAll(`/hubs/finance/contacts?where=${encodeURIComponent("name = 'Alpha GmbH'")}`, 1);
    assert.deepEqual(last.records.map((r) => r.name), ['Alpha GmbH']);
    assert.deepEqual(sim.requests.map((r) => r.query.page), ['1', '2', '3', '4']);
  });

  test('an expired or missing token is an auth error (the workflow refreshes); 429 and 5xx are retryable', async () => {
    await assert.rejects(adapter.fetchPage({ url: '/hubs/finance/customers', pageSize: 5 }, { configuration: config }), (e: unknown) => e instanceof ProviderError && e.kind === 'auth');
    sim.expireAccessTokens();
    await assert.rejects(
      adapter.fetchPage({ url: '/hubs/finance/customers', pageSize: 5 }, { configuration: config, credentials }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'auth' && e.status === 401 && e.message.includes('expired'),
    );
    credentials = await adapter.authenticate!({ configuration: config, credentials });
    sim.failNext(1, { status: 429 });
    await assert.rejects(adapter.fetchPage({ url: '/hubs/finance/customers', pageSize: 5 }, { configuration: config, credentials }), (e: unknown) => e instanceof ProviderError && e.kind === 'retryable' && e.retryAfterMs === undefined);
    await assert.rejects(
      adapter.fetchPage({ url: `/hubs/finance/customers?where=${encodeURIComponent("attributes > 'x'")}`, pageSize: 5 }, { configuration: config, credentials }),
      (e: unknown) => e instanceof ProviderError && e.kind === 'client',
    );
    assert.equal((await adapter.fetchPage({ url: '/hubs/finance/customers', pageSize: 5 }, { configuration: config, credentials })).records.length, 3);
  });

  test("the contract's own list shape (a bare array) is a client error saying what was expected and what came", async () => {
    const bare = await startSageAccountingSimulator({ listShape: 'contract' });
    try {
      bare.create('contacts', { name: 'Acme Ltd' });
      const conf = { ...config, 'base.url': bare.url };
      const creds = await adapter.authenticate!({ configuration: conf, providerCode: await authorizationCode(conf) });
      await assert.rejects(
        adapter.fetchPage({ url: '/hubs/finance/customers', pageSize: 5 }, { configuration: conf, credentials: creds }),
        (e: unknown) => e instanceof ProviderError && e.kind === 'client' && /answered a JSON array of 1 item \(the bare list Sage's OpenAPI declares, without its paging envelope\) where a page of contacts was expected: an object with an \$items array/.test(e.message),
      );
    } finally {
      await bare.close();
    }
  });

  test('the default reads any ISO-8601 date-time Sage writes (milliseconds, offsets): no problem records, CREATED told from UPDATED', async () => {
    const resource = normalizeResource(resourceSchema.parse(adapter.definition.defaultPollerConfiguration['customers']));
    for (const timestamps of ['seconds', 'milliseconds', 'offset'] as const) {
      const styled = await startSageAccountingSimulator({ timestamps });
      try {
        styled.clock.setNow(T0 + 123);
        const old = styled.create('contacts', { name: 'Old' });
        styled.clock.setNow(T0 + 60 * SEC + 456);
        styled.update('contacts', old.id, { name: 'Old, changed' });
        const fresh = styled.create('contacts', { name: 'New' });
        const conf = { ...config, 'base.url': styled.url };
        const creds = await adapter.authenticate!({ configuration: conf, providerCode: await authorizationCode(conf) });
        const url = renderPlaceholders(resource.url, T0 + 30 * SEC);
        const page = await adapter.fetchPage({ url, pageSize: 50 }, { configuration: conf, credentials: creds });
        const d = diffRecords(page.records, resource, { sinceMs: T0 + 30 * SEC, pollStartMs: T0 + 120 * SEC, seen: new Set() });
        assert.deepEqual(d.problems, [], timestamps);
        assert.deepEqual(d.changes.map((c) => [c.objectId, c.eventType]).sort(), [[old.id, 'UPDATED'], [fresh.id, 'CREATED']].sort(), timestamps);
        if (timestamps === 'milliseconds') assert.equal(d.changes.find((c) => c.objectId === fresh.id)?.recordDateMs, T0 + 60 * SEC + 456);
      } finally {
        await styled.close();
      }
    }
  });

  test('deletions: deletedDate >= T lists the customers deleted since (deleted_since, exclusive, from the second before T); a scan lists every live id', async () => {
    const own = await startSageAccountingSimulator();
    try {
      own.clock.setNow(T0);
      const [a, b, c] = ['A', 'B', 'C'].map((name) => own.create('contacts', { name }));
      own.create('contacts', { name: 'V', contact_types: ['VENDOR'] });
      own.clock.setNow(T0 + 30 * SEC);
      own.remove('contacts', a!.id);
      own.clock.setNow(T0 + 90 * SEC);
      own.remove('contacts', b!.id);
      const conf = { ...config, 'base.url': own.url };
      const creds = await adapter.authenticate!({ configuration: conf, providerCode: await authorizationCode(conf) });
      const read = async (url: string, fields?: string[]) => (await adapter.fetchPage({ url, pageSize: 50, fields }, { configuration: conf, credentials: creds })).records as Record<string, any>[];

      own.requests.length = 0;
      const tombstones = await read(renderPlaceholders("/hubs/finance/customers?where=deletedDate>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'", T0 + 90 * SEC));
      assert.deepEqual(tombstones.map((r) => r.id), [b!.id], 'deleted at T itself is in (>=), the earlier deletion is not');
      assert.ok(tombstones[0]!.deleted_at, 'each carries its deletion date');
      assert.equal(own.requests[0]!.query.deleted_since, '2024-01-15T12:01:29Z');
      assert.equal(own.requests[0]!.query.updated_or_created_since, undefined);
      assert.deepEqual(translate(parseCeql("deletedDate > '2024-01-15T12:01:30Z'")).params, { deleted_since: '2024-01-15T12:01:30Z' }, '> T is exact: nothing re-checked');
      assert.throws(() => translate(parseCeql("deletedDate > '2024-01-15T12:01:30Z' and lastModifiedDate > '2024-01-15T12:01:30Z'")), /either changed records .* or deleted ones/);

      own.requests.length = 0;
      const ids = await read('/hubs/finance/customers', ['id']);
      assert.deepEqual(ids.map((r) => r.id), [c!.id], 'live customers only: no vendor, no deleted one');
      assert.deepEqual(Object.keys(ids[0]!).sort(), ['$path', 'displayed_as', 'id'], 'Sage answers the base attributes only, unless asked for more');
      assert.deepEqual(own.requests[0]!.query, { contact_type_id: 'CUSTOMER', items_per_page: '50', page: '1' });
    } finally {
      await own.close();
    }
  });

  test('validate: OAuth keys and poller URLs (the seed URL passes)', () => {
    const poller = JSON.stringify({ customers: { url: SEED_URL, idField: 'id' } });
    assert.deepEqual(adapter.validate({ ...config, 'event.poller.configuration': poller }), []);
    assert.deepEqual(adapter.validate({ 'event.poller.configuration': JSON.stringify(adapter.definition.defaultPollerConfiguration) }).map((i) => i.key).sort(), ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url']);
    const bad = adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify({ c: { url: '/hubs/crm/customers', idField: 'id' } }) });
    assert.match(bad[0]!.message, /finance hub/);
    // A deletion list's URL and an id scan's are requests to Sage too: checked the same way.
    const tombstones = { url: SEED_URL, idField: 'id', deletion: { url: "/hubs/finance/customers?where=deletedDate>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'", idField: 'id', dateField: 'deleted_at' } };
    assert.deepEqual(adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify({ customers: tombstones }) }), []);
    const both = { ...tombstones, deletion: { ...tombstones.deletion, url: `${tombstones.deletion.url} and lastModifiedDate>'2024-01-01T00:00:00Z'` } };
    assert.match(adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify({ customers: both }) })[0]!.message, /^customers\.deletion\.url: .*either changed records/);
    const scan = { url: SEED_URL, idField: 'id', deletion: { scan: { url: '/hubs/crm/customers', idField: 'id', every: 60 } } };
    assert.match(adapter.validate({ ...config, 'event.poller.configuration': JSON.stringify({ customers: scan }) })[0]!.message, /^customers\.deletion\.scan\.url: .*finance hub/);
  });
});
