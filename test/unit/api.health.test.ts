/**
 * Health, poll history and the instance counts through `app.inject()`: the list filtered and sorted by health (and a
 * bad value a 400 naming its field), page tokens bound to the filter, one instance with its reasons, /metrics, and
 * GET /instances/{id}/polls over a real SQLite store. The health transitions themselves run against Temporal in
 * test/integration/health.test.ts.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApi } from '../../api/app';
import { cached, instanceHealthMetric } from '../../api/routes/health';
import { listPhases, pageCursor, phaseToken } from '../../api/instances/listPhases';
import { openSqliteDb } from '../../store/sqliteDb';
import { openSqlStore } from '../../store/sqlStore';
import type { PollsterStore } from '../../store/types';
import { fakeApiServices, type FakeApiServices } from '../fakes/apiServices';
import { newCodec, pollEntry } from '../support/storeFixtures';

process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';

const SECRETS = { userSecret: 'health-user-secret', organizationSecret: 'health-org-secret' };
const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;

const body = (name: string) => ({
  element: { key: 'http' },
  name,
  tags: ['health'],
  configuration: {
    'base.url': 'https://api.example',
    'event.notification.enabled': true,
    'event.notification.callback.url': 'https://receiver.example/hook',
    'event.poller.refresh_interval': 15,
    'event.poller.configuration': { contacts: { url: '/contacts', idField: 'id' } },
  },
});

describe('health and poll history in the API', () => {
  let app: FastifyInstance;
  let services: FakeApiServices;
  let store: PollsterStore;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pollster-health-'));
    store = await openSqlStore(openSqliteDb(join(dir, 'pollster.sqlite')), newCodec().codec);
    services = { ...fakeApiServices(), store };
    app = await buildApi({ services, secrets: SECRETS });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: InjectOptions['method'], path: string, payload?: unknown) => {
    const res = await app.inject({ method, url: `/elements/api-v2${path}`, payload: payload as InjectOptions['payload'], headers: { authorization: AUTH } });
    return { status: res.statusCode, body: res.body ? res.json() : undefined, text: res.body, headers: res.headers };
  };
  /** Three instances: one of each health. */
  const three = async () => {
    const ids: Record<string, number> = {};
    for (const [name, state] of [['calm', 'healthy'], ['shaky', 'degraded'], ['down', 'failing']] as const) {
      const { body: created } = await call('POST', '/instances', body(name));
      ids[name] = created.id;
      if (state !== 'healthy') services.instances.healthById.set(created.id, { state, reasons: [`${name} reason`], since: '2026-01-01T00:00:00.000Z' });
    }
    return ids;
  };

  test('the list carries each instance health, filters by it, and sorts worst first', async () => {
    const ids = await three();
    const all = await call('GET', '/instances');
    assert.deepEqual(
      Object.fromEntries(all.body.map((i: { name: string; health: unknown }) => [i.name, i.health])),
      { calm: { state: 'healthy' }, shaky: { state: 'degraded' }, down: { state: 'failing' } },
    );
    assert.deepEqual((await call('GET', '/instances?health=failing')).body.map((i: { id: number }) => i.id), [ids.down]);
    assert.deepEqual((await call('GET', '/instances?health=degraded,failing&orderBy=health')).body.map((i: { name: string }) => i.name), ['down', 'shaky']);
    assert.deepEqual((await call('GET', '/instances?orderBy=health')).body.map((i: { name: string }) => i.name), ['down', 'shaky', 'calm']);
    assert.deepEqual(services.instances.listed.at(-1), { tags: [], health: [], orderBy: 'health' });
    assert.deepEqual((await call('GET', '/instances?health=failing,failing')).body.length, 1, 'a state named twice is one state');
  });

  test('a bad health or order is a 400 at its query field', async () => {
    const table: [string, string][] = [
      ['health=sick', 'query.health'],
      ['health=', 'query.health'],
      ['health=failing,', 'query.health'],
      ['health=FAILING', 'query.health'],
      ['orderBy=name', 'query.orderBy'],
    ];
    for (const [query, path] of table) {
      const res = await call('GET', `/instances?${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.deepEqual(res.body.issues.map((i: { path: string }) => i.path), [path], query);
    }
  });

  test('a page token belongs to its filter: health and order included', async () => {
    await three();
    const first = await call('GET', '/instances?orderBy=health&pageSize=1');
    const token = first.headers['elements-next-page-token'] as string;
    assert.ok(token);
    const next = await call('GET', `/instances?orderBy=health&pageSize=1&nextPage=${token}`);
    assert.equal(next.status, 200, next.text);
    assert.deepEqual(next.body.map((i: { name: string }) => i.name), ['shaky']);
    for (const other of ['', 'health=failing&', 'orderBy=health&health=healthy&', 'orderBy=health&tags[]=health&']) {
      const res = await call('GET', `/instances?${other}pageSize=1&nextPage=${token}`);
      assert.equal(res.status, 400, `${other}: ${res.text}`);
      assert.equal(res.body.issues[0].path, 'query.nextPage');
    }
  });

  test('one instance carries its health with reasons and since', async () => {
    const ids = await three();
    assert.deepEqual((await call('GET', `/instances/${ids.down}`)).body.health, { state: 'failing', reasons: ['down reason'], since: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual((await call('GET', `/instances/${ids.calm}`)).body.health, { state: 'healthy', reasons: [] });
    const patched = await call('PATCH', `/instances/${ids.calm}`, { name: 'calm again' });
    assert.equal(patched.body.health, undefined, 'a write answers the instance, without reading its health');
  });

  test('/metrics counts the instances per health state', async () => {
    await three();
    const res = await app.inject({ method: 'GET', url: '/elements/api-v2/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^pollster_instances\{health="healthy"\} 1$/m);
    assert.match(res.body, /^pollster_instances\{health="degraded"\} 1$/m);
    assert.match(res.body, /^pollster_instances\{health="failing"\} 1$/m);
    assert.match(res.body, /^# TYPE pollster_instances gauge$/m);
  });

  test('poll history: the last polls, newest first, with each resource and its requests', async () => {
    const { body: created } = await call('POST', '/instances', body('history'));
    const id = created.id as number;
    const at = Date.UTC(2026, 5, 1, 12);
    const req = (status: number, ms: number, error?: string) => ({ method: 'GET', url: 'https://api.example/contacts?updatedSince=x&api_key=***', status, ms, ...(error ? { error } : {}) });
    await store.recordPollEntry(pollEntry({ instanceId: id, pollStartMs: at, atMs: at + 400, resource: 'contacts', requests: [req(200, 120)], records: 3, events: 2, problems: 1 }));
    await store.recordPollEntry(pollEntry({ instanceId: id, pollStartMs: at, atMs: at + 900, resource: 'accounts', requests: [req(0, 5, 'request failed: getaddrinfo ENOTFOUND')], records: 0, events: 0, error: 'request failed: getaddrinfo ENOTFOUND' }));
    await store.recordPollEntry(pollEntry({ instanceId: id, pollStartMs: at + 60_000, atMs: at + 60_050, resource: 'contacts', requests: [req(200, 40)], records: 0, events: 0, quiet: true }));

    const res = await call('GET', `/instances/${id}/polls`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, [
      {
        startedAt: new Date(at + 60_000).toISOString(),
        lastAt: new Date(at + 60_050).toISOString(),
        durationMs: 50,
        records: 0,
        events: 0,
        problems: 0,
        failedResources: [],
        resources: [{ resource: 'contacts', requests: [req(200, 40)], requestCount: 1, records: 0, events: 0, problems: 0, failed: false, quiet: true }],
      },
      {
        startedAt: new Date(at).toISOString(),
        lastAt: new Date(at + 900).toISOString(),
        durationMs: 900,
        records: 3,
        events: 2,
        problems: 1,
        failedResources: ['accounts'],
        resources: [
          { resource: 'contacts', requests: [req(200, 120)], requestCount: 1, records: 3, events: 2, problems: 1, failed: false, quiet: false },
          { resource: 'accounts', requests: [req(0, 5, 'request failed: getaddrinfo ENOTFOUND')], requestCount: 1, records: 0, events: 0, problems: 0, failed: true, error: 'request failed: getaddrinfo ENOTFOUND', quiet: false },
        ],
      },
    ]);
    assert.deepEqual((await call('GET', `/instances/${id}/polls?limit=1`)).body.map((p: { startedAt: string }) => p.startedAt), [new Date(at + 60_000).toISOString()]);
    for (const limit of ['0', '51', 'x']) {
      const bad = await call('GET', `/instances/${id}/polls?limit=${limit}`);
      assert.equal(bad.status, 400, limit);
      assert.equal(bad.body.issues[0].path, 'query.limit');
    }
    assert.equal((await call('GET', '/instances/424242/polls')).status, 404);
  });

  test('without a store, poll history is a 503 that says so', async () => {
    const bare = await buildApi({ services: fakeApiServices(), secrets: SECRETS });
    try {
      const created = await bare.inject({ method: 'POST', url: '/elements/api-v2/instances', payload: body('bare'), headers: { authorization: AUTH } });
      const res = await bare.inject({ method: 'GET', url: `/elements/api-v2/instances/${created.json().id}/polls`, headers: { authorization: AUTH } });
      assert.equal(res.statusCode, 503);
      assert.match(res.json().message, /poll history is not available/);
    } finally {
      await bare.close();
    }
  });

  test('the OpenAPI document describes the poll history', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/elements/api-v2/docs/json' })).json();
    const op = doc.paths['/elements/api-v2/instances/{id}/polls'].get;
    assert.ok(op.parameters.some((p: { name: string }) => p.name === 'limit'));
    const item = op.responses['200'].content['application/json'].schema.items;
    assert.deepEqual(Object.keys(item.properties).sort(), ['durationMs', 'events', 'failedResources', 'lastAt', 'problems', 'records', 'resources', 'startedAt']);
    const list = doc.paths['/elements/api-v2/instances'].get.parameters.map((p: { name: string }) => p.name);
    assert.ok(list.includes('health') && list.includes('orderBy'), list.join());
  });
});

test('sorting by health: one listing per state, worst first, and a token that says which', () => {
  assert.deepEqual(listPhases({ health: [] }), [[]]);
  assert.deepEqual(listPhases({ health: ['failing', 'degraded'] }), [['failing', 'degraded']]);
  assert.deepEqual(listPhases({ health: [], orderBy: 'health' }), [['failing'], ['degraded'], ['healthy']]);
  assert.deepEqual(listPhases({ health: ['healthy', 'failing'], orderBy: 'health' }), [['failing'], ['healthy']]);
  const t = Buffer.from('temporal-token');
  const table: [number, Buffer | undefined, number, string | undefined][] = [
    [0, t, 1, t.toString('base64url')],
    [1, undefined, 1, undefined],
    [0, t, 3, `0-${t.toString('base64url')}`],
    [1, undefined, 3, '1-'],
    [3, undefined, 3, undefined],
  ];
  for (const [phase, token, phases, expected] of table) {
    const made = phaseToken(phase, token, phases);
    assert.equal(made, expected);
    if (made !== undefined) assert.deepEqual(pageCursor(made, phases), { phase, token });
  }
  assert.deepEqual(pageCursor(undefined, 3), { phase: 0 });
  assert.deepEqual(pageCursor('7-', 3), { phase: 3 }, 'past the last listing: the end');
});

test('cached: one call per period, shared by callers; a failure is not kept', async () => {
  let calls = 0;
  let now = 0;
  let fail = false;
  const get = cached(async () => {
    calls++;
    if (fail) throw new Error('visibility down');
    return calls;
  }, 1000, () => now);
  assert.deepEqual(await Promise.all([get(), get()]), [1, 1]);
  now = 999;
  assert.equal(await get(), 1);
  now = 1000;
  fail = true;
  await assert.rejects(get(), /visibility down/);
  fail = false;
  assert.equal(await get(), 3, 'asked again after the failure');
  assert.equal(instanceHealthMetric({ healthy: 2, degraded: 0, failing: 1 }).split('\n').filter((l) => l.startsWith('pollster_instances')).join(';'), 'pollster_instances{health="healthy"} 2;pollster_instances{health="degraded"} 0;pollster_instances{health="failing"} 1');
});
