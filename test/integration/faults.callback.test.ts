/**
 * Fault injection on the callback: a receiver answering 503 for a while, and one that does not
 * answer within the delivery timeout (30 s, activities/deliver.ts), once after acting on the
 * notification and once without. Production worker and timeouts, in process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DELIVERY_TIMEOUT_MS } from '../../activities/callback';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { accountFor, startFaultProxy, startLedgerReceiver, type FaultProxy, type LedgerReceiver } from '../support/faultFakes';
import { assertAccount, CheckpointProbe, faultInstanceBody, pendingKeys, quietTemporalLogs, randomSource, settle, Workload } from '../support/faultScenario';
import { eventually, sleep } from '../support/processes';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

// The two scenarios have their own fakes and instances: they run side by side (the timeout one waits 30 s).
describe('faults: the callback', { concurrency: true }, () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let worker: RunningWorker;
  const closers: (() => Promise<void>)[] = [];

  async function fakes(): Promise<{ provider: HttpProvider; proxy: FaultProxy; receiver: LedgerReceiver }> {
    const provider = await startHttpProvider({ pagination: 'cursor' });
    const proxy = await startFaultProxy(provider.url);
    const receiver = await startLedgerReceiver();
    closers.push(() => proxy.close(), () => provider.close(), () => receiver.close());
    return { provider, proxy, receiver };
  }

  async function createInstances(proxy: FaultProxy, receiver: LedgerReceiver, names: string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const name of names) {
      const res = await api.request('POST', '/instances', faultInstanceBody(proxy, receiver, name, 4));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    return ids;
  }

  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env);
  });

  after(async () => {
    await api?.close();
    await worker?.stop();
    for (const close of closers) await close();
    await env?.teardown();
  });

  test('503 for a while: polling and checkpoints go on through the retry path, every event arrives once', async (t) => {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed}`);
    const { provider, proxy, receiver } = await fakes();
    let down = false;
    receiver.script(() => (down ? { status: 503, delayMs: random.between(0, 100) } : { delayMs: random.between(20, 150) }));
    const names = ['outage-a', 'outage-b'];
    const ids = await createInstances(proxy, receiver, names);
    t.after(async () => {
      for (const id of ids) await api.request('DELETE', `/instances/${id}`);
    });
    const workload = new Workload(provider, random, receiver, () => ids);
    const probe = new CheckpointProbe(() => api.client, workload, receiver, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(150, 450);
    probe.start(200);

    await eventually(() => receiver.ledger.filter((l) => l.status === 200).length >= 2, 'deliveries before the outage');
    down = true;
    const outageStart = Date.now();
    const samplesBefore = probe.timeline.length;
    await eventually(() => receiver.ledger.some((l) => l.status === 503), 'a refused delivery');
    await sleep(5000); // down for a while, changes going on
    down = false;
    const outageEnd = Date.now();
    await sleep(1500);
    await workload.stop();
    await settle(() => api.client, workload, receiver, ids, 90_000);
    await probe.stop();
    await probe.sampleOnce();

    const failed = receiver.ledger.filter((l) => l.status === 503);
    t.diagnostic(`${failed.length} deliveries answered 503 over ${((outageEnd - outageStart) / 1000).toFixed(1)} s; ${receiver.ledger.length} requests in all`);
    const account = accountFor(workload.expected(ids), receiver.ledger);
    assertAccount(t, account);
    // A notification the receiver refused was not received: it comes again, under its own id, once.
    assert.equal(account.duplicates, 0, 'refused notifications count once, when accepted');
    assert.deepEqual(account.underSeveralIds, []);
    assert.deepEqual(probe.violations, [], 'no checkpoint passed an event that was not delivered or handed off');
    for (const [i, id] of ids.entries()) {
      const during = proxy.requests.filter((r) => r.tag === names[i] && r.arrivedAt > outageStart && r.arrivedAt < outageEnd);
      assert.ok(during.length >= 2, `instance ${id}: polled during the outage (${during.length} requests)`);
      // Hand-offs are durable, so checkpoints move while the callback is down.
      const seen = probe.timeline.slice(samplesBefore).filter((x) => x.instanceId === id && x.atMs < outageEnd && x.checkpoint);
      assert.ok(new Set(seen.map((x) => x.checkpoint)).size >= 2, `instance ${id}: the checkpoint moved during the outage`);
    }
    assert.equal((await pendingKeys(api.client, receiver.url)).size, 0, 'nothing left in the retry path');
  });

  test(`no answer within ${DELIVERY_TIMEOUT_MS / 1000} s: the notification is retried under the same id, whether the receiver acted on it or not`, async (t) => {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed}`);
    const { provider, proxy, receiver } = await fakes();
    const ids = await createInstances(proxy, receiver, ['timeout-a', 'timeout-b']);
    t.after(async () => {
      for (const id of ids) await api.request('DELETE', `/instances/${id}`);
    });
    const [a, b] = ids as [number, number];
    const hang = DELIVERY_TIMEOUT_MS + 4000;
    const seen = new Map<number, number>();
    receiver.script((_n, e) => {
      const k = (seen.get(e.instanceId) ?? 0) + 1;
      seen.set(e.instanceId, k);
      // a's first notification: acted on, but answered after the sender gave up.
      if (e.instanceId === a && k === 1) return { status: 200, delayMs: hang, processed: true };
      // b's first: refused, so it goes to the retry path, whose first attempt then hangs and is not acted on.
      if (e.instanceId === b && k === 1) return { status: 503 };
      if (e.instanceId === b && k === 2) return { status: 504, delayMs: hang, processed: false };
      return { delayMs: random.between(20, 150) };
    });
    const workload = new Workload(provider, random, receiver, () => ids);
    const probe = new CheckpointProbe(() => api.client, workload, receiver, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(300, 900);
    probe.start(500);
    await eventually(() => receiver.inFlight() >= 2, 'two deliveries hanging', 60_000);
    // More changes while both hang: they wait behind the hung ones, nothing is skipped.
    await sleep(DELIVERY_TIMEOUT_MS / 2);
    await workload.stop();
    await settle(() => api.client, workload, receiver, ids, DELIVERY_TIMEOUT_MS + 90_000);
    await probe.stop();
    await probe.sampleOnce();

    const account = accountFor(workload.expected(ids), receiver.ledger);
    assertAccount(t, account);
    const first = receiver.ledger.find((l) => l.instanceId === a)!;
    const again = receiver.ledger.filter((l) => l.id === first.id);
    assert.ok(again.length >= 2 && again.every((l) => l.processed), `a's timed-out notification came again under the same id (${again.length} times)`);
    assert.ok(account.duplicates >= first.keys.length, 'its events were received twice: the receiver dedupes by id');
    assert.deepEqual(account.underSeveralIds, [], 'and only under that id');
    const hungB = receiver.ledger.filter((l) => l.instanceId === b)[1]!;
    assert.equal(hungB.processed, false);
    assert.ok(receiver.ledger.some((l) => l.id === hungB.id && l.processed), "b's timed-out notification was delivered by a later retry");
    assert.deepEqual(probe.violations, []);
  });
});
