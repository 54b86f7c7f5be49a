/**
 * Faults on the production-shaped Temporal: of two worker processes, the one whose delivery is in flight is
 * SIGKILLed (test/support/deliveryTap.ts finds it), then the Temporal server itself is SIGKILLed mid-work and
 * started again on the same PostgreSQL databases. Throughout, instances poll a changing provider; the run
 * ends with an exact account of the events (nothing lost, nothing invented, a duplicate only under the id it
 * first went out with) and every checkpoint read checked against what was delivered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { clusterClient, startApiProcess, startFaultWorkerProcess, type ApiProcess, type ClusterTarget } from '../support/clusterPollster';
import { startClusterTemporal, type ClusterTemporal } from '../support/clusterTemporal';
import { ownerOfPort, startDeliveryTap, type DeliveryTap } from '../support/deliveryTap';
import { accountFor, startFaultProxy, startLedgerReceiver, type FaultProxy, type LedgerReceiver } from '../support/faultFakes';
import { assertAccount, CheckpointProbe, faultInstanceBody, pollerStatus, randomSource, settle, Workload } from '../support/faultScenario';
import { eventually, sleep, type ChildHandle } from '../support/processes';

describe('cluster faults: a worker killed mid-delivery, the Temporal server killed and restarted on PostgreSQL', () => {
  let cluster: ClusterTemporal;
  let target: ClusterTarget;
  let api: ApiProcess;
  let client: Client;
  let closeClient: () => Promise<void>;
  let provider: HttpProvider;
  let proxy: FaultProxy;
  let receiver: LedgerReceiver;
  let tap: DeliveryTap;
  const workers: ChildHandle[] = [];

  before(async () => {
    cluster = await startClusterTemporal();
    target = { address: cluster.address, namespace: cluster.namespace };
    const started = await Promise.all([startApiProcess(target), startFaultWorkerProcess(target), startFaultWorkerProcess(target)]);
    api = started[0] as ApiProcess;
    workers.push(started[1] as ChildHandle, started[2] as ChildHandle);
    ({ client, close: closeClient } = await clusterClient(target));
    provider = await startHttpProvider({ pagination: 'cursor' });
    proxy = await startFaultProxy(provider.url);
    receiver = await startLedgerReceiver();
    tap = await startDeliveryTap(receiver.url);
  });

  after(async () => {
    await Promise.all([api?.handle, ...workers].filter((h): h is ChildHandle => h !== undefined).map((h) => h.kill()));
    await closeClient?.();
    await Promise.all([tap?.close(), proxy?.close(), provider?.close(), receiver?.close()]);
    await cluster?.destroy();
  });

  /** Replaces worker processes that have exited (killed, or given up while the server was away). */
  async function keepTwoWorkers(): Promise<number> {
    let replaced = 0;
    for (const [i, w] of workers.entries()) {
      if (!w.exited()) continue;
      workers[i] = await startFaultWorkerProcess(target);
      replaced++;
    }
    return replaced;
  }

  test('every event arrives, none under a second id, no checkpoint passes an undelivered event', async (t) => {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed} (POLLSTER_FAULT_SEED repeats it)`);
    const started = Date.now();
    const phase = (name: string): void => t.diagnostic(`${name} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The callback URL is the tap's: the ledger records what the receiver got, the tap who was sending it.
    const hook: LedgerReceiver = { ...receiver, url: tap.url, inFlight: () => tap.inFlight().length };
    proxy.script(() => ({ delayMs: random.between(100, 400) }));
    // Slow answers keep deliveries in flight; one in eight fails (503), so the retry path runs too.
    receiver.script(() => (random.next() < 0.125 ? { status: 503, delayMs: random.between(100, 400) } : { delayMs: random.between(150, 500) }));

    const ids: number[] = [];
    for (const [name, pageSize] of [['cluster-a', 3], ['cluster-b', 4], ['cluster-c', 6]] as const) {
      const res = await api.request('POST', '/instances', faultInstanceBody(proxy, hook, name, pageSize));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    t.after(async () => {
      for (const id of ids) await api.request('DELETE', `/instances/${id}`).catch(() => undefined);
    });
    const workload = new Workload(provider, random, hook, () => ids);
    const probe = new CheckpointProbe(() => client, workload, hook, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(250, 700);
    probe.start();

    // 1. The worker whose delivery is in flight, SIGKILLed; the other carries on alone for a while. A round whose
    // delivery was answered just before the kill is repeated (up to three), so the kill always lands mid-request.
    await eventually(() => receiver.ledger.some((l) => l.status === 200), 'a first delivery', 90_000, 20);
    let victim: ChildHandle | undefined;
    for (let round = 1; round <= 3 && !victim; round++) {
      const { owner, request } = await eventually(
        () => {
          const pids = workers.map((w) => w.pid);
          for (const r of tap.inFlight()) {
            const pid = ownerOfPort(r.clientPort, pids);
            if (pid !== undefined) return { owner: pid, request: r };
          }
          return undefined;
        },
        'a delivery in flight from a worker',
        60_000,
        2,
      );
      const worker = workers.find((w) => w.pid === owner)!;
      await worker.kill();
      await eventually(() => request.cutOff || request.answered, 'the tapped request to end');
      phase(`round ${round}: worker ${owner} killed, its delivery ${request.cutOff ? 'cut off mid-request' : 'answered just before'}`);
      if (request.cutOff) victim = worker;
      else await keepTwoWorkers();
    }
    assert.ok(victim, 'a worker was killed with its delivery in flight');
    const survivor = workers.find((w) => w !== victim)!;
    const deliveredBefore = receiver.ledger.length;
    await eventually(() => receiver.ledger.length >= deliveredBefore + 3, 'deliveries by the remaining worker', 60_000, 50);
    assert.ok(!survivor.exited(), 'the other worker kept running');
    await keepTwoWorkers();
    phase('killed worker replaced');

    // 2. The Temporal server SIGKILLed while work is in flight, down for a while, started again on the same databases.
    await sleep(random.between(1000, 3000));
    await eventually(() => proxy.inFlight() > 0 || tap.inFlight().length > 0, 'a poll or delivery in flight', 30_000, 1);
    const inFlightAtKill = { polls: proxy.inFlight(), deliveries: tap.inFlight().length };
    const pollsBefore = await Promise.all(ids.map((id) => pollerStatus(client, id).then((s) => s.polls)));
    const runIds = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(`instance-${id}`).describe()).runId));
    await cluster.server.stop('SIGKILL');
    phase(`server killed (${JSON.stringify(inFlightAtKill)} in flight)`);
    await sleep(random.between(1000, 3000)); // the workload goes on meanwhile
    await cluster.server.start();
    phase('server restarted');
    const replaced = await keepTwoWorkers();
    const pollsAfter = await eventually(() => Promise.all(ids.map((id) => pollerStatus(client, id).then((s) => s.polls))), 'status after the restart', 60_000, 250);
    for (const [i, n] of pollsAfter.entries()) assert.ok(n >= pollsBefore[i]!, `instance ${ids[i]}: the poll count survived the server's crash (${pollsBefore[i]} → ${n})`);
    const sinceRestart = receiver.ledger.length;
    await eventually(() => receiver.ledger.slice(sinceRestart).some((l) => l.status === 200), 'a delivery after the restart', 60_000, 50);

    await sleep(3000);
    await workload.stop();
    await settle(() => client, workload, hook, ids, 120_000);
    phase('settled');
    await probe.stop();
    await probe.sampleOnce();

    const account = accountFor(workload.expected(ids), receiver.ledger);
    t.diagnostic(
      `${workload.versions.length} record versions × ${ids.length} instances = ${account.expected} events; ${receiver.ledger.length} deliveries (${receiver.ledger.filter((l) => l.status === 503).length} answered 503), ${tap.requests.filter((r) => r.cutOff).length} cut off; ${proxy.requests.length} provider requests; workers replaced after the server's restart: ${replaced}`,
    );
    t.diagnostic(`probe ${probe.samples} samples, ${probe.effective} with events under the checkpoint`);
    assertAccount(t, account, 'cluster account');
    assert.deepEqual(probe.violations, [], 'no checkpoint ever passed an event that was not delivered or handed off');
    assert.ok(probe.effective > 0, 'the probe saw checkpoints move');
    for (const [i, id] of ids.entries()) {
      assert.equal((await client.workflow.getHandle(`instance-${id}`).describe()).runId, runIds[i], 'the same workflow run, carried over the crash');
      const poller = await api.request('GET', `/instances/${id}/poller`);
      assert.equal(poller.status, 200);
      assert.ok(Date.parse(poller.body.resources.contacts.checkpoint) > workload.lastChangeMs());
    }
  });
});
