/**
 * A replay survives its worker: the worker process is SIGKILLed while the replay is under way, a new one takes over,
 * and every change of the window arrives, marked, each under one notification id (a notification delivered again
 * after the kill repeats its id), while live polling delivers its own changes all along.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startHttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Received } from '../fakes/receiver';
import { quietTemporalLogs } from '../support/faultScenario';
import { eventually, faultBundlePath, sleep, spawnFaultWorker, type ChildHandle } from '../support/processes';
import { startApi, type RunningApi } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const replayed = (r: Received): boolean => r.body.message.replay !== undefined;
/** Every event (object and date) with the distinct notification ids it arrived under. */
function idsPerEvent(received: readonly Received[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of received) for (const e of r.body.message.events) out.set(`${e.objectId}@${e.date}`, (out.get(`${e.objectId}@${e.date}`) ?? new Set()).add(r.body.id));
  return out;
}

describe('replay: a worker killed mid-replay', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let address: string;
  const workers = new Set<ChildHandle>();

  before(async () => {
    [env] = await Promise.all([startTemporal(), faultBundlePath()]);
    address = (env.connection.options as { address: string }).address;
    api = await startApi(env);
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await api?.close();
    await env?.teardown();
  });

  test('SIGKILL while the replay reads: every change once (by id), marked, ids stable; live polling delivers its own', async (t) => {
    const provider = await startHttpProvider();
    provider.setLatency(200);
    const receiver = await startReceiver();
    t.after(async () => {
      await provider.close();
      await receiver.close();
    });
    const bundle = await faultBundlePath();
    let worker = await spawnFaultWorker(address, bundle);
    workers.add(worker);

    const since = Date.now() - 1000;
    const old = Array.from({ length: 50 }, (_, i) => provider.create(`old ${i}`).id);
    await sleep(50);
    const until = Date.now();
    const created = await api.request('POST', '/instances', {
      element: { key: 'http' },
      name: 'replay-kill',
      configuration: {
        'base.url': provider.url,
        'pagination.type': 'page',
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '0.03',
        'event.poller.configuration': {
          contacts: {
            url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`,
            idField: 'id',
            pageSize: 2,
            datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
          },
        },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id;
    t.after(async () => {
      await api.request('DELETE', `/instances/${id}`);
    });
    const start = await api.request('POST', `/instances/${id}/events/replay`, { since: new Date(since).toISOString(), until: new Date(until).toISOString() });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    const replayId: string = start.body.replayId;

    // The first notifications are out and pages remain (25 pages, 200 ms each): the kill lands mid-replay.
    await eventually(() => receiver.received.some(replayed), 'the first replayed notification', 60_000, 20);
    await worker.kill();
    workers.delete(worker);
    const deliveredBeforeKill = receiver.received.filter(replayed).flatMap((r) => r.body.message.events).length;
    t.diagnostic(`killed the worker with ${deliveredBeforeKill} of 50 replayed changes delivered`);
    const live = [provider.create('live 1').id, provider.create('live 2').id];
    worker = await spawnFaultWorker(address, bundle);
    workers.add(worker);
    live.push(provider.create('live 3').id);

    const done = await eventually(async () => {
      const s = await api.request('GET', `/instances/${id}/events/replay/${replayId}`);
      return s.body.status !== 'running' && s.body;
    }, 'the replay to end after the restart', 120_000, 250);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    await eventually(() => receiver.received.filter((r) => !replayed(r)).flatMap((r) => r.body.message.events).length >= 3, 'the live events', 60_000);

    const replays = receiver.received.filter(replayed);
    assert.ok(deliveredBeforeKill < 50, 'the kill came before the replay was done');
    for (const r of replays) {
      assert.equal(r.body.message.replay, replayId);
      assert.equal(r.headers['pollster-replay'], replayId);
    }
    const perEvent = idsPerEvent(replays);
    assert.deepEqual([...new Set([...perEvent.keys()].map((k) => k.split('@')[0]))].sort(), [...old].sort(), 'every change of the window, nothing else');
    for (const [event, ids] of perEvent) assert.equal(ids.size, 1, `${event} under one notification id across the kill`);
    const liveEvents = receiver.received.filter((r) => !replayed(r)).flatMap((r) => r.body.message.events.map((e) => e.objectId));
    assert.deepEqual([...new Set(liveEvents)].sort(), [...live].sort(), 'live polling: its own changes, none of the replayed window');
    for (const [event, ids] of idsPerEvent(receiver.received.filter((r) => !replayed(r)))) assert.equal(ids.size, 1, `${event} live under one id`);
  });
});
