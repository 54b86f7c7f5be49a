/**
 * Fault injection on the provider, through a proxy in front of the fake API: 429 with Retry-After,
 * 500 and 503, a 400 that fails the resource for one poll, malformed JSON, and an answer slower
 * than the pollPage activity's start-to-close timeout. The worker runs the production workflows
 * with the fault tests' short activity timeouts (test/support/faultInterceptors.ts: 8 s instead of
 * 2 min), so "slower than the timeout" takes seconds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorker, type PollsterWorker } from '../../workers/worker';
import { startHttpProvider } from '../fakes/httpProvider';
import { accountFor, startFaultProxy, startLedgerReceiver, type ProxiedRequest, type ProxyFault } from '../support/faultFakes';
import { FAULT_ACTIVITY_TIMEOUTS } from '../support/faultInterceptors';
import { assertAccount, CheckpointProbe, faultInstanceBody, pollerStatus, quietTemporalLogs, randomSource, settle, Workload } from '../support/faultScenario';
import { eventually, faultBundlePath } from '../support/processes';
import { startApi, type RunningApi } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

const SLOW_MS = Number.parseInt(FAULT_ACTIVITY_TIMEOUTS['pollPage']!, 10) * 1000 + 2500;
const MALFORMED = '{"items": [{"id": "1", "name": "cut off';

interface Fault extends ProxyFault {
  name: string;
}

describe('faults: the provider', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let worker: PollsterWorker;
  let running: Promise<void>;

  before(async () => {
    const [e, bundle] = await Promise.all([startTemporal(), faultBundlePath()]);
    env = e;
    const target = { address: (env.connection.options as { address: string }).address, namespace: 'default' };
    worker = await createWorker({ target, workflowBundle: { codePath: bundle } });
    running = worker.worker.run();
    api = await startApi(env);
  });

  after(async () => {
    await api?.close();
    if (worker?.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await running;
    await worker?.close();
    await env?.teardown();
  });

  test('429 with Retry-After, 500, 503, 400, malformed JSON and answers past the activity timeout: every event arrives, failed polls keep their checkpoint', async (t) => {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed}`);
    const provider = await startHttpProvider({ pagination: 'cursor' });
    const proxy = await startFaultProxy(provider.url);
    const receiver = await startLedgerReceiver();
    const ids: number[] = [];
    t.after(async () => {
      for (const id of ids) await api.request('DELETE', `/instances/${id}`);
      await proxy.close();
      await provider.close();
      await receiver.close();
    });

    // Each instance meets its own faults, one to three healthy answers apart.
    const plans: Record<string, Fault[]> = {
      'provider-a': [
        { name: '429 Retry-After 2', status: 429, headers: { 'retry-after': '2' } },
        { name: '429 Retry-After 2', status: 429, headers: { 'retry-after': '2' } },
        { name: '500', status: 500 },
        { name: '500', status: 500 },
        { name: '400', status: 400, body: JSON.stringify({ message: 'injected: bad request' }) },
        { name: '429 Retry-After 0', status: 429, headers: { 'retry-after': '0' } },
      ],
      'provider-b': [
        { name: 'malformed JSON', body: MALFORMED },
        { name: 'malformed JSON', body: MALFORMED },
        { name: 'slower than the activity timeout', delayMs: SLOW_MS },
        { name: '503 Retry-After 1', status: 503, headers: { 'retry-after': '1' } },
      ],
    };
    const planned = Object.values(plans).flat().length;
    const served = new Map<number, string>();
    const gap: Record<string, number> = {};
    proxy.script((r: ProxiedRequest) => {
      const plan = plans[r.tag];
      if (!plan || plan.length === 0) return { delayMs: random.between(50, 250) };
      gap[r.tag] ??= random.between(1, 3);
      if (gap[r.tag]! > 0) {
        gap[r.tag]!--;
        return { delayMs: random.between(50, 250) };
      }
      gap[r.tag] = random.between(1, 3);
      const fault = plan.shift()!;
      served.set(r.n, fault.name);
      return fault;
    });
    receiver.script(() => ({ delayMs: random.between(20, 150) }));

    for (const name of Object.keys(plans)) {
      const res = await api.request('POST', '/instances', faultInstanceBody(proxy, receiver, name, 5));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    const workload = new Workload(provider, random, receiver, () => ids);
    const probe = new CheckpointProbe(() => api.client, workload, receiver, ids);
    t.after(() => Promise.all([workload.stop(), probe.stop()]));
    workload.start(250, 700);
    probe.start(250);
    await eventually(() => Object.values(plans).every((p) => p.length === 0), 'every fault served', 120_000, 100);
    const lastFault = Math.max(...served.keys());
    await eventually(() => Object.keys(plans).every((tag) => proxy.requests.some((r) => r.n > lastFault && r.tag === tag && r.status === 200)), 'healthy answers after the last fault', 60_000);
    await workload.stop();
    const statuses = await settle(() => api.client, workload, receiver, ids, 90_000);
    await probe.stop();
    await probe.sampleOnce();

    t.diagnostic(`faults served: ${[...served.values()].join(', ')}; ${proxy.requests.length} provider requests, ${receiver.ledger.length} deliveries`);
    assert.equal(served.size, planned, 'every planned fault was served');
    assertAccount(t, accountFor(workload.expected(ids), receiver.ledger));
    assert.deepEqual(probe.violations, [], 'no checkpoint passed an event that was not delivered or handed off');

    // What came after each fault, in order: a retry of the same window, or (after the 400) the next poll from the same checkpoint.
    const since = (r: ProxiedRequest): string | null => new URL(r.path, 'http://x').searchParams.get('updatedSince');
    for (const [n, name] of served) {
      const r = proxy.requests[n]!;
      const next = proxy.requests.find((x) => x.n > n && x.tag === r.tag);
      assert.ok(next, `a request after ${name}`);
      if (name === '400') {
        assert.equal(since(next), since(r), 'the poll after a failed one starts from the same checkpoint');
      } else if (name.startsWith('429 Retry-After 2')) {
        assert.equal(next.path, r.path, `${name} is retried: same window`);
        assert.ok(next.arrivedAt - r.answeredAt! >= 1900, `${name}: the retry waited for Retry-After (${next.arrivedAt - r.answeredAt!} ms)`);
      } else if (name === '429 Retry-After 0') {
        // "Retry now": not "no retry" (a zero nextRetryDelay used to end the activity's retries).
        assert.equal(next.path, r.path, `${name} is retried in the same poll`);
      } else if (name !== 'slower than the activity timeout') {
        assert.equal(next.path, r.path, `${name} is retried: same window`);
      }
    }
    for (const id of ids) {
      assert.equal(statuses[id]!.resources['contacts']!.lastError, undefined, 'recovered: no error left in /poller');
      assert.ok((await pollerStatus(api.client, id)).polls > 0);
    }
  });
});
