/**
 * The rewind and replay routes through `app.inject()` over in-memory services: every refusal is a 400 naming its
 * field and reaches no service; valid requests reach the service with instants read into epoch ms; unknown replays
 * are 404s; the OpenAPI document lists the routes. No Temporal, no sockets.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApi } from '../../api/app';
import type { ReplayRequest, ReplayService } from '../../api/replays/service';
import type { InstanceRecord } from '../../contract/instance';
import type { ReplayStatus } from '../../contract/replay';
import { fakeApiServices } from '../fakes/apiServices';

process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';

const SECRETS = { userSecret: 'replay-user-secret', organizationSecret: 'replay-org-secret' };
const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;
const REPLAY_ID = '0123456789abcdef';

/** Records what the routes asked for. */
class RecordingReplays implements ReplayService {
  readonly rewinds: { instanceId: number; checkpoints: Record<string, number> }[] = [];
  readonly starts: { instanceId: number; request: ReplayRequest }[] = [];
  readonly cancels: string[] = [];
  readonly lists: { instanceId: number; limit: number }[] = [];
  async setCheckpoints(instanceId: number, checkpoints: Record<string, number>): Promise<Record<string, string>> {
    this.rewinds.push({ instanceId, checkpoints });
    return Object.fromEntries(Object.entries(checkpoints).map(([k, ms]) => [k, new Date(ms).toISOString()]));
  }
  async start(record: InstanceRecord, request: ReplayRequest): Promise<ReplayStatus> {
    this.starts.push({ instanceId: record.id, request });
    return this.statusOf(record.id, 'running');
  }
  async status(instanceId: number, replayId: string): Promise<ReplayStatus | undefined> {
    return replayId === REPLAY_ID ? this.statusOf(instanceId, 'running') : undefined;
  }
  async cancel(instanceId: number, replayId: string): Promise<ReplayStatus | undefined> {
    this.cancels.push(replayId);
    return replayId === REPLAY_ID ? { ...this.statusOf(instanceId, 'running'), cancelRequested: true } : undefined;
  }
  async list(instanceId: number, limit: number): Promise<ReplayStatus[]> {
    this.lists.push({ instanceId, limit });
    return [this.statusOf(instanceId, 'running'), { ...this.statusOf(instanceId, 'completed'), replayId: 'fedcba9876543210' }];
  }
  private statusOf(instanceId: number, status: ReplayStatus['status']): ReplayStatus {
    return { replayId: REPLAY_ID, instanceId, status, since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T00:00:00.000Z', startedAt: '2026-01-02T00:00:01.000Z', resources: { contacts: { status: 'pending', records: 0, events: 0, problems: 0, notifications: 0 } } };
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('rewind and replay routes over in-memory services', () => {
  let app: FastifyInstance;
  let replays: RecordingReplays;
  let id: number;

  beforeEach(async () => {
    replays = new RecordingReplays();
    app = await buildApi({ services: { ...fakeApiServices(), replays }, secrets: SECRETS });
    const created = await call('POST', '/instances', {
      element: { key: 'http' },
      name: 'replay routes',
      configuration: {
        'base.url': 'https://api.example',
        'event.notification.enabled': false,
        'event.poller.refresh_interval': 15,
        'event.poller.configuration': { contacts: { url: '/contacts', idField: 'id' }, deals: { url: '/deals', idField: 'id' } },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    id = created.body.id;
  });
  afterEach(() => app.close());

  async function call(method: InjectOptions['method'], path: string, payload?: unknown): Promise<{ status: number; body: any }> {
    const res = await app.inject({ method, url: `/elements/api-v2${path}`, payload: payload as InjectOptions['payload'], headers: { authorization: AUTH } });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  }
  const paths = (body: { issues?: { path: string }[] }): string[] => (body.issues ?? []).map((i) => i.path);

  const hour = 3_600_000;
  const rewindRefusals: { name: string; body: () => unknown; paths: string[] }[] = [
    { name: 'a checkpoint in the future', body: () => ({ resources: { contacts: { checkpoint: iso(Date.now() + hour) } } }), paths: ['resources.contacts.checkpoint'] },
    { name: 'an unknown resource', body: () => ({ resources: { leads: { checkpoint: iso(Date.now() - hour) } } }), paths: ['resources.leads'] },
    { name: 'an instant that does not read', body: () => ({ resources: { contacts: { checkpoint: 'last week' } } }), paths: ['resources.contacts.checkpoint'] },
    { name: 'no resource', body: () => ({ resources: {} }), paths: ['resources'] },
    { name: 'a field the body does not have', body: () => ({ resources: { contacts: { checkpoint: iso(0), boundary: [] } } }), paths: ['resources.contacts'] },
  ];
  for (const c of rewindRefusals) {
    test(`PATCH /poller refuses ${c.name}: a 400 naming the field, and no rewind`, async () => {
      const res = await call('PATCH', `/instances/${id}/poller`, c.body());
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(paths(res.body), c.paths);
      assert.equal(replays.rewinds.length, 0);
    });
  }

  test('PATCH /poller rewinds the named resources, instants read into epoch ms', async () => {
    const res = await call('PATCH', `/instances/${id}/poller`, { resources: { contacts: { checkpoint: '2026-11-20T01:00:00+01:00' }, deals: { checkpoint: '2026-11-20T00:00:00.250Z' } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(replays.rewinds, [{ instanceId: id, checkpoints: { contacts: Date.UTC(2026, 10, 20), deals: Date.UTC(2026, 10, 20, 0, 0, 0, 250) } }]);
    assert.deepEqual(res.body, { id, checkpoints: { contacts: '2026-11-20T00:00:00.000Z', deals: '2026-11-20T00:00:00.250Z' } });
  });

  const replayRefusals: { name: string; body: () => unknown; paths: string[] }[] = [
    { name: 'no since', body: () => ({}), paths: ['since'] },
    { name: 'a since that does not read', body: () => ({ since: 'tuesday' }), paths: ['since'] },
    { name: 'an until in the future', body: () => ({ since: iso(Date.now() - hour), until: iso(Date.now() + hour) }), paths: ['until'] },
    { name: 'an empty window', body: () => ({ since: iso(Date.now() - hour), until: iso(Date.now() - 2 * hour) }), paths: ['since'] },
    { name: 'an unknown resource', body: () => ({ since: iso(Date.now() - hour), resources: ['contacts', 'leads'] }), paths: ['resources[1]'] },
    { name: 'a resource named twice', body: () => ({ since: iso(Date.now() - hour), resources: ['deals', 'deals'] }), paths: ['resources[1]'] },
    { name: 'an empty list of resources', body: () => ({ since: iso(Date.now() - hour), resources: [] }), paths: ['resources'] },
  ];
  for (const c of replayRefusals) {
    test(`POST /events/replay refuses ${c.name}: a 400 naming the field, and no replay`, async () => {
      const res = await call('POST', `/instances/${id}/events/replay`, c.body());
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(paths(res.body), c.paths);
      assert.equal(replays.starts.length, 0);
    });
  }

  test('POST /events/replay starts a replay: 202, every resource of the instance in order when none is named', async () => {
    const before = Date.now();
    const res = await call('POST', `/instances/${id}/events/replay`, { since: '2026-11-20T00:00:00Z' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.replayId, REPLAY_ID);
    assert.equal(res.body.status, 'running');
    const [started] = replays.starts;
    assert.equal(started!.request.sinceMs, Date.UTC(2026, 10, 20));
    assert.ok(started!.request.untilMs >= before && started!.request.untilMs <= Date.now(), 'until: now');
    assert.deepEqual(started!.request.resources, ['contacts', 'deals']);
    const named = await call('POST', `/instances/${id}/events/replay`, { since: '2026-11-20T00:00:00Z', until: '2026-11-21T00:00:00Z', resources: ['deals'] });
    assert.equal(named.status, 202);
    assert.deepEqual(replays.starts[1]!.request, { sinceMs: Date.UTC(2026, 10, 20), untilMs: Date.UTC(2026, 10, 21), resources: ['deals'] });
  });

  test('GET and DELETE a replay: its status, 404 for an unknown one, 400 for an id that is no replay id', async () => {
    assert.equal((await call('GET', `/instances/${id}/events/replay/${REPLAY_ID}`)).body.replayId, REPLAY_ID);
    assert.equal((await call('GET', `/instances/${id}/events/replay/ffffffffffffffff`)).status, 404);
    const bad = await call('GET', `/instances/${id}/events/replay/nope`);
    assert.equal(bad.status, 400);
    assert.deepEqual(paths(bad.body), ['params.replayId']);
    const cancelled = await call('DELETE', `/instances/${id}/events/replay/${REPLAY_ID}`);
    assert.equal(cancelled.status, 202);
    assert.equal(cancelled.body.cancelRequested, true);
    assert.equal((await call('DELETE', `/instances/${id}/events/replay/ffffffffffffffff`)).status, 404);
    assert.equal((await call('GET', `/instances/999/events/replay/${REPLAY_ID}`)).status, 404, 'an unknown instance');
  });

  test('GET /events/replay lists the instance\u2019s replays: limit 10 unless given, 1\u201350, 404 for an unknown instance', async () => {
    const listed = await call('GET', `/instances/${id}/events/replay`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.map((r: ReplayStatus) => [r.replayId, r.status]), [[REPLAY_ID, 'running'], ['fedcba9876543210', 'completed']]);
    assert.equal((await call('GET', `/instances/${id}/events/replay?limit=50`)).status, 200);
    assert.deepEqual(replays.lists, [{ instanceId: id, limit: 10 }, { instanceId: id, limit: 50 }]);
    for (const limit of ['0', '51', 'ten']) {
      const bad = await call('GET', `/instances/${id}/events/replay?limit=${limit}`);
      assert.equal(bad.status, 400, `limit=${limit}`);
      assert.deepEqual(paths(bad.body), ['query.limit'], `limit=${limit}`);
    }
    assert.equal((await call('GET', '/instances/999/events/replay')).status, 404);
    assert.equal(replays.lists.length, 2, 'refusals reach no service');
  });

  test('the OpenAPI document lists the routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/elements/api-v2/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    assert.ok(doc.paths['/elements/api-v2/instances/{id}/poller']?.['patch']);
    assert.ok(doc.paths['/elements/api-v2/instances/{id}/events/replay']?.['post']);
    assert.ok(doc.paths['/elements/api-v2/instances/{id}/events/replay']?.['get']);
    assert.ok(doc.paths['/elements/api-v2/instances/{id}/events/replay/{replayId}']?.['get']);
    assert.ok(doc.paths['/elements/api-v2/instances/{id}/events/replay/{replayId}']?.['delete']);
  });
});
