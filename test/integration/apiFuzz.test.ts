/**
 * The API probed as an attacker and a careless user would probe it, on a real dev server, worker, provider and
 * receiver: fast-check, seeded (POLLSTER_FUZZ_SEED repeats a run), a bounded number of runs (POLLSTER_FUZZ_SCALE
 * multiplies them). Bodies near every limit, hostile strings, prototype keys and nesting; every route and method; the
 * tag filter and paging tokens; the OAuth URL endpoint; codec garbage; every form of an inward address in every
 * endpoint an instance names, refused at creation and, for instances made while private targets were allowed, at
 * connect time.
 *
 * Counted over the whole run, and asserted: no answer of 500; every 400 names a field; no instance destroyed or
 * half-made (a refused request starts no workflow, every accepted one is RUNNING at the end); no connection reaches
 * the canary, a server on every loopback address that counts the sockets it accepts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { codecPathKey } from '../../api/routes/codec';
import { WorkflowType } from '../../contract/names';
import { startConnectionCanary, type ConnectionCanary } from '../fakes/connectionCanary';
import { FuzzClient } from '../support/fuzzClient';
import { encodeAny, hostileChange, hostileJson, hostilePatch, hostileString, INWARD_FIELDS, inwardBody, inwardUrl, limitProbe, PUBLIC, type FuzzBody } from '../support/fuzzInputs';
import { contactsResource, httpInstanceBody, workflowIdOf } from '../support/limitBodies';
import { AUTH, SECRETS, startApi, startWorker, type RunningApi } from '../support/pollster';
import { eventually } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

const SEED = Number(process.env.POLLSTER_FUZZ_SEED ?? 20_261_206);
/** POLLSTER_FUZZ_SCALE multiplies every property's runs (the defaults take well under a minute here). */
const runs = (n: number): number => Math.max(1, Math.round(n * Number(process.env.POLLSTER_FUZZ_SCALE ?? 1)));
const BASE = '/elements/api-v2';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** Node refuses a request line and headers over 16 KiB before the API sees them: a 414 or 431, a client error as it should be. */
const refusedAsTooLong = (path: string, status: number): boolean => path.length > 12_000 && (status === 414 || status === 431);

describe('API fuzz: hostile requests never get a 500, destroy an instance, or reach inward', () => {
  let stack: Stack;
  let api: RunningApi;
  let canary: ConnectionCanary;
  let client: FuzzClient;
  /** Every instance a POST made (its id), and those a DELETE answered 200 for. */
  const created = new Set<number>();
  const deleted = new Set<number>();
  /** What made each instance, for the report of one that did not survive. */
  const madeBy = new Map<number, string>();
  /** Exceptions nothing caught, in this process (the API and the worker run in it): each would kill a real process. */
  const uncaught: string[] = [];
  const onUncaught = (err: Error, origin: string) => uncaught.push(`${origin}: ${err?.stack ?? err}`);
  /** Each property runs on its own seed, SEED + its position. */
  let properties = 0;
  const seed = () => SEED + properties++;

  before(async () => {
    process.on('uncaughtExceptionMonitor', onUncaught);
    stack = await startStack();
    api = stack.api;
    canary = await startConnectionCanary();
    client = new FuzzClient(new URL(api.url).origin, AUTH);
  });

  after(async () => {
    process.off('uncaughtExceptionMonitor', onUncaught);
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
    for (const id of created) if (!deleted.has(id)) await api.request('DELETE', `/instances/${id}`);
    await canary?.close();
    await stack?.stop();
  });

  const exists = async (workflowId: string): Promise<boolean> =>
    api.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        () => true,
        (err: Error) => {
          if (/not found/i.test(err.message)) return false;
          throw err;
        },
      );

  /** POST one body: a 200 is remembered (and polled once), a 400 must have started nothing. */
  async function post(input: FuzzBody): Promise<number> {
    const res = await client.send('POST', `${BASE}/instances`, { json: input.body });
    assert.ok(res.status === 200 || res.status === 400, `${input.what}: ${res.status}`);
    const expected = input.expect;
    if (expected) {
      assert.equal(res.status, expected.status, `${input.what}: ${JSON.stringify(res.body).slice(0, 300)}`);
      if (expected.status === 400) assert.ok(res.body.issues.some((i: { path: string }) => i.path === expected.path), `${input.what}: ${JSON.stringify(res.body.issues)}`);
    }
    if (res.status === 200) {
      created.add(res.body.id);
      madeBy.set(res.body.id, `${input.what}: ${JSON.stringify(input.body).slice(0, 400)}`);
      assert.equal((await client.send('POST', `${BASE}/instances/${res.body.id}/events/poll`)).status, 200);
      return res.status;
    }
    const workflowId = workflowIdOf(input.body);
    if (workflowId) assert.equal(await exists(workflowId), false, `${input.what}: refused, yet ${workflowId} runs`);
    return res.status;
  }

  const fuzzBody = (name: string) => httpInstanceBody({ name, providerUrl: stack.provider.url, callbackUrl: stack.receiver.url, interval: '30' });

  test('instance bodies: one step either side of every limit, hostile strings, prototype keys, nesting', async (t) => {
    const base = fuzzBody('fuzzed');
    const outcomes = { 200: 0, 400: 0 };
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 2, arbitrary: limitProbe(base) }, { weight: 5, arbitrary: hostileChange(base) }), async (input) => {
        outcomes[(await post(input)) as 200 | 400]++;
      }),
      { seed: seed(), numRuns: runs(500), includeErrorInReport: true },
    );
    t.diagnostic(`bodies: ${outcomes[200]} accepted, ${outcomes[400]} refused`);
  });

  test('changes to live instances: PATCH, PUT and configuration entries leave a refused instance as it was', async () => {
    const live: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await client.send('POST', `${BASE}/instances`, { json: fuzzBody(`live ${i}`) });
      assert.equal(res.status, 200);
      created.add(res.body.id);
      live.push(res.body.id);
    }
    const change = fc.oneof(
      fc.record({ kind: fc.constantFrom('PATCH', 'PUT'), body: hostilePatch }),
      fc.record({ kind: fc.constant('entry'), entry: fc.nat(40), body: fc.record({ propertyValue: fc.oneof(hostileString, hostileJson) }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...live), change, async (id, c) => {
        const path = `${BASE}/instances/${id}`;
        const before = await client.send('GET', path);
        const res =
          c.kind === 'entry'
            ? await client.send('PATCH', `${path}/configuration/${(c as { entry: number }).entry}`, { json: c.body })
            : await client.send(c.kind, path, { json: c.body });
        assert.ok([200, 400, 404].includes(res.status), `${c.kind}: ${res.status}`);
        const afterwards = await client.send('GET', path);
        assert.equal(afterwards.status, 200, 'the instance is still there');
        if (res.status !== 200) assert.deepEqual(afterwards.body, before.body, 'a refused change changes nothing');
        assert.equal((await api.client.workflow.getHandle(`instance-${id}`).describe()).status.name, 'RUNNING');
      }),
      { seed: seed(), numRuns: runs(250), includeErrorInReport: true },
    );
  });

  test('every route and method: odd ids, queries, headers and bodies', async () => {
    const victim = await client.send('POST', `${BASE}/instances`, { json: fuzzBody('route victim') });
    created.add(victim.body.id);
    const doc = await client.send('GET', `${BASE}/docs/json`);
    const routes = [...Object.keys(doc.body.paths as Record<string, unknown>), `${BASE}/metrics`, `${BASE}/docs/json`, '/console/', '/console/{file}', '/console/config.json'];
    assert.ok(routes.length >= 20, `${routes.length} routes in the OpenAPI document`);
    const param = fc.oneof(
      fc.constant(String(victim.body.id)),
      fc.integer({ min: 1, max: 2 ** 48 }).map(String),
      fc.constantFrom('0', '-1', '1e3', '1.5', '9'.repeat(40), 'NaN', '0x10', 'encode', 'decode', 'http', 'sageone', 'maximizer', 'app.js', '..%2F..%2Fpackage.json', '.env'),
      hostileString.map(encodeAny),
    );
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom('where', 'pageSize', 'nextPage', 'tags[]', 'apiKey', 'callbackUrl', 'state', 'base.url'), hostileString),
      fc.oneof(hostileString, fc.constantFrom("status='queued'", "channel='webhook' and config.url='x'", '50', '0', '-1', 'AAAA')),
      { maxKeys: 3 },
    );
    // Header values are Latin-1 without line breaks; anything else is the client's own error, not the API's.
    const headerSafe = (s: string) => encodeAny(s).slice(0, 200);
    const authorization = fc.oneof(
      { weight: 6, arbitrary: fc.constant(AUTH) },
      { weight: 1, arbitrary: fc.constant(`${AUTH}, Element ${victim.body.token}`) },
      { weight: 1, arbitrary: hostileString.map((s) => `${AUTH}, Element ${headerSafe(s)}`) },
      { weight: 1, arbitrary: hostileString.map((s) => `User ${headerSafe(s)}, Organization ${SECRETS.organizationSecret}`) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    const body = fc.oneof(
      fc.constant({}),
      hostileJson.map((json) => ({ json })),
      hostilePatch.map((json) => ({ json })),
      fc
        .tuple(
          fc.oneof(
            hostileString,
            fc.constantFrom('{', '{"a":', '[1,]', `${'['.repeat(100_000)}`, '{"__proto__": {"polluted": 1}}', '{"constructor": {"prototype": {"polluted": 1}}}', `{"a": ${'{"k":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, 'x'.repeat(1_100_000)),
          ),
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/octet-stream'),
        )
        .map(([raw, contentType]) => ({ raw, contentType })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.constantFrom(...METHODS), fc.array(param, { minLength: 3, maxLength: 3 }), query, authorization, body, async (route, method, params, q, auth, b) => {
        let n = 0;
        const path = route.replace(/\{[^}]+\}/g, () => params[n++ % params.length]!);
        const search = Object.entries(q).map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`).join('&');
        const withBody = method !== 'GET' && method !== 'HEAD';
        const res = await client.send(method, `${path}${search ? `?${search}` : ''}`, { authorization: auth, ...(withBody ? b : {}) });
        if (method === 'DELETE' && res.status === 200 && /\/instances(\/\d+)?$/.test(path)) deleted.add(victim.body.id);
      }),
      { seed: seed(), numRuns: runs(800), includeErrorInReport: true },
    );
  });

  test('the tag filter and paging tokens: any filter is a 200 or a 400, and a listed tag finds its instance', async (t) => {
    const filters = fc.record({
      tags: fc.array(fc.oneof(hostileString.map(encodeAny), fc.constantFrom('\\', '%00', "'", "%5C'", '%27%20OR%20%271%27%3D%271', '%E2%80%A8', '%FF', '%')), { maxLength: 3 }),
      pageSize: fc.option(fc.oneof(fc.constantFrom('0', '1', '50', '51', '-1', '1e2', 'x'), hostileString.map(encodeAny))),
      nextPage: fc.option(fc.oneof(fc.base64String({ maxLength: 60 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')), hostileString.map(encodeAny))),
    });
    await fc.assert(
      fc.asyncProperty(filters, async ({ tags, pageSize, nextPage }) => {
        const parts = [...tags.map((tag) => `tags[]=${tag}`), ...(pageSize === null ? [] : [`pageSize=${pageSize}`]), ...(nextPage === null ? [] : [`nextPage=${nextPage}`])];
        const path = `${BASE}/instances?${parts.join('&')}`;
        const res = await client.send('GET', path);
        assert.ok(res.status === 200 || res.status === 400 || refusedAsTooLong(path, res.status), `${res.status}`);
      }),
      { seed: seed(), numRuns: runs(300), includeErrorInReport: true },
    );

    // Escaping, not just refusing: whatever tag the API accepts, that very tag finds the instance again.
    const tags = fc.oneof({ weight: 3, arbitrary: hostileString.map((tag) => tag.replace(/\p{Cc}/gu, '').slice(0, 100)) }, { weight: 1, arbitrary: hostileString });
    let found = 0;
    await fc.assert(
      fc.asyncProperty(tags, async (tag) => {
        const res = await client.send('POST', `${BASE}/instances`, { json: { ...fuzzBody(`tagged ${tag.slice(0, 50)}`), tags: [tag], disabled: true } });
        if (res.status !== 200) return; // a tag the API refuses (a control character, a lone surrogate): the 400 was checked
        created.add(res.body.id);
        await eventually(async () => {
          const listed = await client.send('GET', `${BASE}/instances?tags[]=${encodeAny(tag)}`);
          if (listed.status !== 200) return false;
          const page = listed.body as { id: number; tags: string[] }[];
          assert.ok(page.every((i) => i.tags.includes(tag)), `listed by ${JSON.stringify(tag)}: ${JSON.stringify(page.map((i) => i.tags))}`);
          return page.some((i) => i.id === res.body.id);
        }, `the instance tagged ${JSON.stringify(tag)} listed by its tag`, 20_000);
        found++;
      }),
      { seed: seed(), numRuns: runs(40), includeErrorInReport: true },
    );
    // Exactly, case and all (the dev server's store matches keywords ignoring case).
    const cased: number[] = [];
    for (const tag of ['CaseTag', 'casetag']) {
      const res = await client.send('POST', `${BASE}/instances`, { json: { ...fuzzBody(`cased ${tag}`), tags: [tag], disabled: true } });
      assert.equal(res.status, 200);
      created.add(res.body.id);
      cased.push(res.body.id);
    }
    await eventually(async () => {
      const listed = (await client.send('GET', `${BASE}/instances?tags[]=casetag`)).body as { id: number }[];
      return listed.length > 0 && listed.every((i) => i.id === cased[1]) ? true : undefined;
    }, 'casetag lists only the instance tagged casetag');
    // A tag the store cannot search for is checked page by page: following the tokens finds it, a row at a time.
    const unsearchable = 'it\'s "quoted" \\ ♡';
    const tagged = await client.send('POST', `${BASE}/instances`, { json: { ...fuzzBody('unsearchable tag'), tags: [unsearchable], disabled: true } });
    assert.equal(tagged.status, 200);
    created.add(tagged.body.id);
    const pages = await eventually(async () => {
      const seen: number[] = [];
      let token: string | undefined;
      let count = 0;
      do {
        const res = await client.send('GET', `${BASE}/instances?pageSize=1&tags[]=${encodeAny(unsearchable)}${token ? `&nextPage=${token}` : ''}`);
        assert.equal(res.status, 200);
        assert.ok(res.body.length <= 1, 'a page holds at most pageSize instances');
        seen.push(...(res.body as { id: number }[]).map((i) => i.id));
        token = res.headers['elements-next-page-token'] as string | undefined;
        count++;
      } while (token);
      return seen.includes(tagged.body.id) ? count : undefined;
    }, 'the instance with an unsearchable tag, page by page');
    assert.deepEqual(new Set((await client.send('GET', `${BASE}/instances?tags[]=${encodeAny(unsearchable)}`)).body.map((i: { id: number }) => i.id)), new Set([tagged.body.id]));
    t.diagnostic(`${found} instances found again by their hostile tag; the unsearchable one in ${pages} pages of one`);
    assert.ok(found >= runs(40) / 4, `only ${found} hostile tags were accepted: the property tested too little`);
  });

  test('the OAuth URL endpoint answers only http(s) authorization URLs; anything else is a 400 at its query key', async () => {
    const scheme = fc.constantFrom(
      'javascript:alert(1)', 'JaVaScRiPt:alert(document.domain)', ' javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)', 'file:///etc/passwd', 'ftp://example.com/', 'mailto:a@example.com', '//evil.example/authorize', '/relative', 'https://ok.example/authorize?x=1',
      'http://ok.example', '', ' ',
    );
    const value = fc.oneof(scheme, hostileString);
    const keys = ['oauth.authorization.url', 'base.url', 'maximizer.datacenter', 'maximizer.alias', 'oauth.scope', 'country', 'state', 'callbackUrl', 'apiKey'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('sageone', 'maximizer'), fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), async (element, query) => {
        const params = { apiKey: 'client', callbackUrl: 'https://app.example.com/callback', ...query };
        const search = Object.entries(params).map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`).join('&');
        const path = `${BASE}/elements/${element}/oauth/url?${search}`;
        const res = await client.send('GET', path);
        if (refusedAsTooLong(path, res.status)) return;
        assert.ok(res.status === 200 || res.status === 400, `${res.status}`);
        if (res.status === 200) {
          const url = new URL(res.body.oauthUrl);
          assert.ok(url.protocol === 'https:' || url.protocol === 'http:', `oauthUrl ${res.body.oauthUrl}`);
        } else {
          const named = res.body.issues.map((i: { path: string }) => i.path);
          assert.ok(named.some((p: string) => Object.keys(params).some((k) => p.includes(k))), `the 400 names a query key: ${JSON.stringify(res.body.issues)}`);
        }
      }),
      { seed: seed(), numRuns: runs(400), includeErrorInReport: true },
    );
  });

  test('codec garbage: damaged payloads, wrong shapes and wrong keys are 4xx, never a 500', async () => {
    const base64ish = fc.oneof(fc.base64String({ maxLength: 80 }), hostileString);
    const payload = fc.record({ metadata: fc.dictionary(fc.oneof(fc.constantFrom('encoding', 'encryption-key-id'), hostileString), base64ish, { maxKeys: 3 }), data: base64ish }, { requiredKeys: [] });
    const body = fc.oneof(fc.record({ payloads: fc.array(fc.oneof(payload, hostileJson), { maxLength: 4 }) }), hostileJson);
    const path = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(`${BASE}/codec/decode`, `${BASE}/codec/encode`) },
      { weight: 1, arbitrary: fc.constantFrom(`${BASE}/codec/${codecPathKey(SECRETS)}/decode`, `${BASE}/codec/${codecPathKey(SECRETS)}/encode`) },
      { weight: 1, arbitrary: hostileString.map((k) => `${BASE}/codec/${encodeAny(k)}/decode`) },
    );
    await fc.assert(
      fc.asyncProperty(path, body, async (p, b) => {
        const res = await client.send('POST', p, { json: b });
        assert.ok(res.status < 500);
        if (/\/codec\/[^/]+\/encode$/.test(p) && !p.endsWith('/codec/encode')) assert.ok(res.status === 401 || res.status === 403, `encode with a path key: ${res.status}`);
      }),
      { seed: seed(), numRuns: runs(300), includeErrorInReport: true },
    );
  });

  test('inward addresses in every endpoint an instance names are refused at creation, and nothing connects', async (t) => {
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'false';
    process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'false';
    t.after(() => {
      process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
      process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
    });
    const live = await client.send('POST', `${BASE}/instances`, { json: httpInstanceBody({ name: 'public', providerUrl: PUBLIC, callbackUrl: `${PUBLIC}/hook`, interval: '60' }) });
    assert.equal(live.status, 200, JSON.stringify(live.body));
    created.add(live.body.id);
    const refusedByField: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...INWARD_FIELDS), inwardUrl(canary.port), fc.boolean(), async (field, url, asChange) => {
        const { body, path } = inwardBody(field, url, `inward ${field}`);
        if (asChange && (field === 'base.url' || field === 'callback')) {
          const key = field === 'base.url' ? 'base.url' : 'event.notification.callback.url';
          const res = await client.send('PATCH', `${BASE}/instances/${live.body.id}`, { json: { configuration: { [key]: url } } });
          assert.equal(res.status, 400, `PATCH ${key}=${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          assert.ok(res.body.issues.some((i: { path: string }) => i.path === path), `${url}: ${JSON.stringify(res.body.issues)}`);
        } else {
          const res = await client.send('POST', `${BASE}/instances`, { json: body });
          assert.equal(res.status, 400, `${field}=${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          assert.ok(res.body.issues.some((i: { path: string }) => i.path === path), `${field}=${url}: ${JSON.stringify(res.body.issues)}`);
          const workflowId = workflowIdOf(body);
          if (workflowId) assert.equal(await exists(workflowId), false, `${workflowId} started`);
        }
        refusedByField[field] = (refusedByField[field] ?? 0) + 1;
      }),
      { seed: seed(), numRuns: runs(400), includeErrorInReport: true },
    );
    assert.deepEqual(canary.connections(), { count: 0, peers: [] });
    t.diagnostic(`refused at creation, by field: ${JSON.stringify(refusedByField)}; canary connections: 0`);
  });

  test('connect time: instances made while private targets were allowed reach nothing once they are refused', async (t) => {
    const hosts = ['127.0.0.1', 'localhost', '2130706433', '127.1', ...(canary.ipv6 ? ['[::1]', '[::ffff:127.0.0.1]'] : [])];
    const at = (host: string, path = '/') => `http://${host}:${canary.port}${path}`;
    const events = { 'event.notification.enabled': true, 'event.notification.callback.url': `${PUBLIC}/hook`, 'event.poller.refresh_interval': '60' };
    const oauth = { 'oauth.api.key': 'key', 'oauth.api.secret': 'secret', 'oauth.callback.url': 'https://app.example.com/oauth' };
    const bodies = hosts.flatMap((host) => [
      httpInstanceBody({ name: `provider ${host}`, providerUrl: at(host), callbackUrl: `${PUBLIC}/hook`, interval: '60' }),
      httpInstanceBody({ name: `resource ${host}`, providerUrl: at(host), callbackUrl: `${PUBLIC}/hook`, interval: '60', resources: { contacts: { ...contactsResource(), url: at(host, '/contacts') } } }),
      { element: { key: 'sageone' }, name: `token ${host}`, providerData: { code: 'code' }, configuration: { ...events, ...oauth, 'oauth.token.url': at(host, '/token') } },
      { element: { key: 'maximizer' }, name: `derived token ${host}`, providerData: { code: 'code' }, configuration: { ...events, ...oauth, 'base.url': at(host) } },
    ]);
    // Allowed while they are made (as the embedded default allows them), then refused, as a DNS answer that changed would be.
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
    const ids: number[] = [];
    for (const b of bodies) {
      const res = await client.send('POST', `${BASE}/instances`, { json: b });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
      created.add(res.body.id);
      ids.push(res.body.id);
    }
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'false';
    t.after(() => (process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true'));
    for (const id of ids) await client.send('POST', `${BASE}/instances/${id}/events/poll`);
    for (const id of ids) {
      const reason = await eventually(async () => {
        const poller = (await client.send('GET', `${BASE}/instances/${id}/poller`)).body;
        return poller.authError ?? Object.values(poller.resources as Record<string, { lastError?: string }>).find((r) => r.lastError)?.lastError;
      }, `instance ${id}: the refusal in /poller`);
      assert.match(reason, /not a public address/, `instance ${id}`);
    }

    // Callbacks: a worker whose deliveries are refused (its own task queue and API), an instance made while allowed.
    const queue = 'pollster-callbacks-refused';
    const worker = await startWorker(stack.env, queue, { ...process.env, POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'false', POLLSTER_ALLOW_PRIVATE_PROVIDERS: 'true' });
    const refusingApi = await startApi(stack.env, queue);
    t.after(async () => {
      await refusingApi.close();
      await worker.stop();
    });
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
    const callbackIds: number[] = [];
    for (const host of hosts) {
      const res = await refusingApi.request('POST', '/instances', httpInstanceBody({ name: `callback ${host}`, providerUrl: stack.provider.url, callbackUrl: at(host, '/hook'), interval: '60' }));
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
      created.add(res.body.id);
      callbackIds.push(res.body.id);
    }
    const record = stack.provider.create('for the refused callbacks');
    for (const id of callbackIds) await refusingApi.request('POST', `/instances/${id}/events/poll`);
    for (const id of callbackIds) {
      const event = await eventually(async () => {
        const list = (await refusingApi.request('GET', `/instances/${id}/events`)).body as { status: string; lastError?: string }[];
        return list.find((e) => e.lastError !== undefined);
      }, `instance ${id}: a notification that could not be delivered`);
      assert.notEqual(event.status, 'delivered');
      assert.match(event.lastError!, /^callback refused: .*not a public address/, `instance ${id}`);
    }
    assert.deepEqual(canary.connections(), { count: 0, peers: [] }, 'no connection reached a refused address');
    t.diagnostic(`${ids.length} provider and token instances and ${callbackIds.length} callback instances (${hosts.join(', ')}) refused at connect time; canary connections: 0; record ${record.id}`);
  });

  test('counted over the whole run: no 500, every 400 named, no instance destroyed or half-made, no inward connection', async (t) => {
    t.diagnostic(`seed ${SEED} (POLLSTER_FUZZ_SEED repeats it); ${client.summary()}`);
    assert.deepEqual(client.tally.serverErrors, []);
    assert.deepEqual(client.tally.unnamed400, []);

    // Destroyed: an instance the API made and never deleted that is not a RUNNING workflow (strongly consistent).
    const destroyed: string[] = [];
    for (const id of created) {
      if (deleted.has(id)) continue;
      const status = (await api.client.workflow.getHandle(`instance-${id}`).describe()).status.name;
      if (status !== 'RUNNING') destroyed.push(`instance-${id}: ${status}, made by ${madeBy.get(id) ?? 'the suite itself'}`);
    }
    // Half-made: a workflow that no accepted request started (visibility, once it lists every accepted one).
    const listed = await eventually(async () => {
      const ids = new Set<string>();
      for await (const wf of api.client.workflow.list({ query: `WorkflowType = '${WorkflowType.instance}'` })) ids.add(wf.workflowId);
      return [...created].every((id) => ids.has(`instance-${id}`)) ? ids : undefined;
    }, 'visibility lists every accepted instance');
    const halfMade = [...listed].filter((workflowId) => !created.has(Number(workflowId.replace('instance-', ''))));
    const connections = canary.connections();
    t.diagnostic(`${created.size} instances made, ${deleted.size} deleted through the API, ${destroyed.length} destroyed, ${halfMade.length} half-made; ${connections.count} connections to refused addresses; ${uncaught.length} uncaught exceptions`);
    assert.deepEqual(uncaught, [], 'exceptions nothing caught');
    assert.deepEqual(destroyed, []);
    assert.deepEqual(halfMade, []);
    assert.equal(connections.count, 0, `connections from ${connections.peers.join(', ')}`);
  });
});
