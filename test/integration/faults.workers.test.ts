/**
 * Fault injection on the workers: worker processes SIGKILLed at random points mid-poll and
 * mid-delivery, and inside a poll's quick look, a new one started each time. The scenario ends with an exact account of the events
 * (see test/support/faultFakes.ts) and checks every checkpoint it read against what had been
 * delivered.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { accountFor, startFaultProxy, startLedgerReceiver, type FaultProxy, type LedgerReceiver, type ProxiedRequest } from '../support/faultFakes';
import { assertAccount, CheckpointProbe, faultInstanceBody, quietTemporalLogs, randomSource, settle, Workload } from '../support/faultScenario';
import { eventually, faultBundlePath, sleep, spawnFaultWorker, type ChildHandle } from '../support/processes';
import { startApi, type RunningApi } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

describe('faults: workers killed', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let address: string;
  const workers = new Set<ChildHandle>();
  const closers: (() => Promise<void>)[] = [];

  async function fakes(): Promise<{ provider: HttpProvider; proxy: FaultProxy; receiver: LedgerReceiver }> {
    const provider = await startHttpProvider({ pagination: 'cursor' });
    const proxy = await startFaultProxy(provider.url);
    const receiver = await startLedgerReceiver();
    closers.push(() => proxy.close(), () => provider.close(), () => receiver.close());
    return { provider, proxy, receiver };
  }

  async function createInstance(body: Record<string, unknown>): Promise<number> {
    const res = await api.request('POST', '/instances', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as number;
  }

  async function startWorker(): Promise<ChildHandle> {
    const worker = await spawnFaultWorker(address, await faultBundlePath());
    workers.add(worker);
    return worker;
  }

  /** SIGKILLs the worker, leaves none for `pauseMs`, starts a new one. */
  async function killAndRestart(worker: ChildHandle, pauseMs: number): Promise<ChildHandle> {
    await worker.kill();
    workers.delete(worker);
    await sleep(pauseMs);
    return startWorker();
  }

  /** A test's own seeded scenario: fakes, a worker, and the instances it creates, deleted afterwards. */
  async function scenario(t: TestContext) {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed} (POLLSTER_FAULT_SEED repeats it)`);
    const ids: number[] = [];
    t.after(async () => {
      for (const id of ids) await api.request('DELETE', `/instances/${id}`);
    });
    return { random, ids, ...(await fakes()), worker: await startWorker() };
  }

  before(async () => {
    [env] = await Promise.all([startTemporal(), faultBundlePath()]);
    address = (env.connection.options as { address: string }).address;
    api = await startApi(env);
  });

  after(async () => {
    for (const w of workers) await w.kill();
    await api?.close();
    for (const close of closers) await close();
    await env?.teardown();
  });

  test('a worker SIGKILLed mid-poll and mid-delivery, five times: every event arrives, checkpoints never pass an undelivered one', async (t) => {
    const started = Date.now();
    const phase = (name: string): void => t.diagnostic(`${name} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const { random, ids, provider, proxy, receiver, ...first } = await scenario(t);
    let worker = first.worker;
    phase('worker up');

    // Slow enough that a kill lands inside a provider request or a delivery most of the time.
    proxy.script(() => ({ delayMs: random.between(100, 400) }));
    // One delivery in eight fails (503), so kills also land in the subscription's retry path.
    receiver.script(() => (random.next() < 0.125 ? { status: 503, delayMs: random.between(50, 300) } : { delayMs: random.between(50, 300) }));

    ids.push(await createInstance(faultInstanceBody(proxy, receiver, 'kill-a', 4)), await createInstance(faultInstanceBody(proxy, receiver, 'kill-b', 6)));
    const workload = new Workload(provider, random, receiver, () => ids);
    const probe = new CheckpointProbe(() => api.client, workload, receiver, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(400, 1000);
    probe.start();

    // Kills aimed at a provider request in flight, at a delivery in flight, and anywhere at all (often while
    // the new worker is still replaying or the killed attempt has not timed out yet).
    const aims = ['poll', 'anywhere', 'anywhere', 'delivery', 'anywhere'] as const;
    const kills: { aim: string; midPoll: boolean; midDelivery: boolean }[] = [];
    let restartedAt = Date.now();
    for (const aim of aims) {
      if (aim === 'anywhere') {
        await sleep(random.between(300, 2000));
      } else {
        // Let the new worker make progress first (the killed attempt times out, its retry runs), so the kill hits fresh work.
        await eventually(() => proxy.requests.some((r) => r.arrivedAt > restartedAt && r.status === 200), 'a provider answer after the restart', 60_000, 20);
        await sleep(random.between(200, 1000));
        const target = aim === 'poll' ? () => proxy.inFlight() > 0 : () => receiver.inFlight() > 0;
        await eventually(() => target(), `a ${aim} in flight`, 30_000, 5).catch(() => undefined);
        await sleep(random.between(0, 100));
        // Over already? Then the next one, at once.
        if (!target()) await eventually(() => target(), `a ${aim} in flight`, 30_000, 1).catch(() => undefined);
      }
      kills.push({ aim, midPoll: proxy.inFlight() > 0, midDelivery: receiver.inFlight() > 0 });
      worker = await killAndRestart(worker, random.between(0, 600)); // a while with no worker at all
      restartedAt = Date.now();
      phase(`kill ${kills.length} ${JSON.stringify(kills.at(-1))}`);
    }
    await workload.stop();
    const statuses = await settle(() => api.client, workload, receiver, ids, 120_000);
    phase('settled');
    // POLLSTER_FAULT_DEBUG=1 prints every checkpoint the probe read (for a failing seed).
    if (process.env.POLLSTER_FAULT_DEBUG) for (const x of probe.timeline) t.diagnostic(`${((x.atMs - started) / 1000).toFixed(1)} ${x.instanceId} polls=${x.polls} ${x.state} ${x.checkpoint} ${x.lastError ?? ''}`);
    await probe.stop();
    await probe.sampleOnce();

    const account = accountFor(workload.expected(ids), receiver.ledger);
    t.diagnostic(`probe ${probe.samples} samples, ${probe.effective} with events under the checkpoint; ${receiver.ledger.length} deliveries, ${proxy.requests.length} provider requests`);
    assert.ok(kills.length >= 5);
    assert.ok(kills.some((k) => k.midPoll), 'at least one kill mid-poll');
    assert.ok(kills.some((k) => k.midDelivery), 'at least one kill mid-delivery');
    assertAccount(t, account);
    assert.deepEqual(probe.violations, [], 'no checkpoint ever passed an event that was not delivered or handed off');
    assert.ok(probe.effective > 0, 'the probe saw checkpoints move');
    for (const id of ids) {
      const st = statuses[id]!;
      assert.ok(st.polls > 0);
      const poller = await api.request('GET', `/instances/${id}/poller`);
      assert.equal(poller.status, 200);
      assert.ok(Date.parse(poller.body.resources.contacts.checkpoint) >= Date.parse(st.resources['contacts']!.checkpoint), 'GET /poller shows the same checkpoint (or a later one)');
    }
    await worker.kill();
    workers.delete(worker);
  });

  test('a worker SIGKILLed inside the quick look, three times: the next worker looks again, every event arrives', async (t) => {
    const { random, ids, provider, proxy, receiver, ...first } = await scenario(t);
    let worker = first.worker;

    // A poll's first request for a window is its quick look (the local activity that reads each resource's first
    // page; a page run asks for that page again only after it). Each look is held long enough for a kill to land inside.
    const looks: ProxiedRequest[] = [];
    const windows = new Set<string>();
    proxy.script((r) => {
      const firstPage = !new URL(r.path, 'http://x').searchParams.has('cursor');
      if (firstPage && !windows.has(`${r.tag} ${r.path}`)) {
        windows.add(`${r.tag} ${r.path}`);
        looks.push(r);
        return { delayMs: 1500 };
      }
      return { delayMs: random.between(20, 150) };
    });
    receiver.script(() => ({ delayMs: random.between(20, 150) }));

    ids.push(await createInstance(faultInstanceBody(proxy, receiver, 'look-a', 4)));
    const workload = new Workload(provider, random, receiver, () => ids);
    const probe = new CheckpointProbe(() => api.client, workload, receiver, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(300, 800);
    probe.start();

    const killed: ProxiedRequest[] = [];
    for (let i = 0; i < 3; i++) {
      // A look of the new worker's own, after the last kill's look was read again (the poll it belonged to, done over).
      const since = Date.now();
      const look = await eventually(() => looks.find((r) => r.arrivedAt >= since && r.status === 0), 'a quick look in flight', 90_000, 5);
      await sleep(random.between(100, 800));
      assert.equal(look.status, 0, 'the kill lands while the look waits for its answer');
      killed.push(look);
      worker = await killAndRestart(worker, random.between(0, 600));
      t.diagnostic(`kill ${i + 1} inside the look of ${look.path}`);
    }
    await workload.stop();
    await settle(() => api.client, workload, receiver, ids, 120_000);
    await probe.stop();
    await probe.sampleOnce();

    assertAccount(t, accountFor(workload.expected(ids), receiver.ledger));
    assert.deepEqual(probe.violations, [], 'no checkpoint ever passed an event that was not delivered or handed off');
    for (const look of killed) {
      const again = proxy.requests.some((r) => r.n > look.n && r.tag === look.tag && r.path === look.path && r.status === 200);
      assert.ok(again, `the window of the killed look ${look.path} was read again, so no poll window was skipped`);
    }
    await worker.kill();
    workers.delete(worker);
  });
});
