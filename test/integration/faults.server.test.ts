/**
 * Fault injection on Temporal itself: the dev server stopped (gracefully, then killed) and started
 * again on the same SQLite file while instances poll and deliver, with a callback outage across the
 * second restart. Worker and API keep their connections; a worker that gives up is replaced.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApi, temporalServices } from '../../api/app';
import { dataConverterFromEnv } from '../../temporal/codec';
import { createWorker, type PollsterWorker } from '../../workers/worker';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { accountFor, startFaultProxy, startLedgerReceiver, type FaultProxy, type LedgerReceiver } from '../support/faultFakes';
import { assertAccount, CheckpointProbe, faultInstanceBody, pollerStatus, quietTemporalLogs, randomSource, settle, Workload } from '../support/faultScenario';
import { eventually, sleep, startDevServer, type DevServer } from '../support/processes';
import { AUTH, SECRETS } from '../support/pollster';
import { workflowBundle } from '../support/temporal';

quietTemporalLogs();

describe('faults: the Temporal server restarted', () => {
  let server: DevServer;
  let connection: Connection;
  let client: Client;
  let app: FastifyInstance;
  let apiUrl: string;
  let provider: HttpProvider;
  let proxy: FaultProxy;
  let receiver: LedgerReceiver;
  let worker: PollsterWorker | undefined;
  let running: Promise<void> | undefined;
  let workerStarts = 0;
  let stopping = false;

  /** Runs one in-process worker; if it gives up (the server gone too long), a new one takes over once the server answers. */
  async function runWorker(): Promise<void> {
    const target = { address: server.address, namespace: 'default' };
    worker = await createWorker({ target, workflowBundle: await workflowBundle() });
    workerStarts++;
    const current = worker;
    running = current.worker.run().then(
      () => current.close(),
      async (err: Error) => {
        await current.close().catch(() => undefined);
        if (stopping) return;
        console.error(`worker stopped (${err.message}); starting another`);
        await eventually(() => runWorker().then(() => true), 'a new worker', 120_000, 500);
      },
    );
  }

  async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(apiUrl + path, {
      method,
      headers: { authorization: AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    server = await startDevServer();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: 'default', dataConverter: dataConverterFromEnv() });
    app = await buildApi({ services: temporalServices(client), secrets: SECRETS });
    apiUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/elements/api-v2`;
    provider = await startHttpProvider({ pagination: 'cursor' });
    proxy = await startFaultProxy(provider.url);
    receiver = await startLedgerReceiver();
    await runWorker();
  });

  after(async () => {
    stopping = true;
    if (worker && worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await running?.catch(() => undefined);
    await app?.close();
    await connection?.close();
    await proxy?.close();
    await provider?.close();
    await receiver?.close();
    await server?.destroy();
  });

  test('stopped (SIGTERM) mid-poll and killed (SIGKILL) mid-delivery, started again each time on the same database: every event arrives, state survives', async (t) => {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed}; database ${server.dbFile}`);
    proxy.script(() => ({ delayMs: random.between(100, 400) }));
    let outage = false;
    receiver.script(() => (outage ? { status: 503, delayMs: 800 } : { delayMs: random.between(50, 300) }));

    const ids: number[] = [];
    for (const name of ['restart-a', 'restart-b']) {
      const res = await request('POST', '/instances', faultInstanceBody(proxy, receiver, name, 4));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    const runIds = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(`instance-${id}`).describe()).runId));
    const workload = new Workload(provider, random, receiver, () => ids);
    const probe = new CheckpointProbe(() => client, workload, receiver, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(300, 800);
    probe.start();

    const restarts: { signal: NodeJS.Signals; midPoll: boolean; midDelivery: boolean; outage: boolean }[] = [];
    const plan: { signal: NodeJS.Signals; target: 'poll' | 'delivery'; outage: boolean }[] = [
      { signal: 'SIGTERM', target: 'poll', outage: false },
      // Killed mid-delivery while the callback fails: the failed notifications must still reach the retry path.
      { signal: 'SIGKILL', target: 'delivery', outage: true },
    ];
    let since = Date.now();
    for (const step of plan) {
      await eventually(() => receiver.ledger.some((l) => l.arrivedAt > since && l.status === 200), 'a delivery after the last restart', 90_000, 20);
      const before = await Promise.all(ids.map((id) => pollerStatus(client, id).then((s) => s.polls, () => 0)));
      await sleep(random.between(300, 1500));
      outage = step.outage;
      const target = step.target === 'poll' ? () => proxy.inFlight() > 0 : () => receiver.inFlight() > 0;
      await eventually(() => target(), `a ${step.target} in flight`, 30_000, 1).catch(() => undefined);
      restarts.push({ signal: step.signal, midPoll: proxy.inFlight() > 0, midDelivery: receiver.inFlight() > 0, outage: step.outage });
      await server.stop(step.signal);
      await sleep(random.between(500, 2500)); // down for a while: the workload goes on
      await server.start();
      if (step.outage) {
        await sleep(1000);
        outage = false;
      }
      since = Date.now();
      const after = await eventually(() => Promise.all(ids.map((id) => pollerStatus(client, id).then((s) => s.polls))), 'status after the restart', 60_000, 250);
      for (const [i, n] of after.entries()) assert.ok(n >= before[i]!, `instance ${ids[i]}: the poll count survived the restart (${before[i]} → ${n})`);
    }
    await workload.stop();
    const statuses = await settle(() => client, workload, receiver, ids, 120_000);
    await probe.stop();
    await probe.sampleOnce();

    t.diagnostic(`restarts ${JSON.stringify(restarts)}; worker starts ${workerStarts}`);
    t.diagnostic(`probe ${probe.samples} samples, ${probe.effective} with events under the checkpoint; ${receiver.ledger.length} deliveries (${receiver.ledger.filter((l) => l.status === 503).length} answered 503), ${proxy.requests.length} provider requests`);
    assert.ok(restarts.some((r) => r.midPoll), 'a restart mid-poll');
    assert.ok(restarts.some((r) => r.midDelivery), 'a restart mid-delivery');
    assertAccount(t, accountFor(workload.expected(ids), receiver.ledger));
    assert.deepEqual(probe.violations, [], 'no checkpoint ever passed an event that was not delivered or handed off');
    assert.ok(probe.effective > 0);
    for (const [i, id] of ids.entries()) {
      assert.equal((await client.workflow.getHandle(`instance-${id}`).describe()).runId, runIds[i], 'the same workflow run, carried over the restarts');
      assert.ok(statuses[id]!.polls > 0);
      const poller = await request('GET', `/instances/${id}/poller`);
      assert.equal(poller.status, 200);
      assert.ok(Date.parse(poller.body.resources.contacts.checkpoint) > workload.lastChangeMs());
      await request('DELETE', `/instances/${id}`);
    }
  });
});
