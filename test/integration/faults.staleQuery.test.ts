/**
 * A status read that reaches a new worker after the instance's worker was SIGKILLed, with the instance's timer
 * firing in between (workflows/interceptors.ts says why that matters). The steps are timed so it happens every time:
 * worker A runs the instance; worker B is up; A is killed while the instance waits for its next poll; a GET /poller a
 * second before that poll is due waits 2 s for A's sticky queue, then reaches B after the timer fired, before the
 * workflow task that timer scheduled does. Then B is killed too, and worker C replays the whole run.
 *
 * Without the guard the SDK answers from a run it brought up to date under the previous task's time, and C's replay
 * stops on a nondeterminism error (shown here, so the scenario is known to reproduce). With it, that read is a 503,
 * and C polls on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { instanceWorkflowId } from '../../contract/names';
import { startHttpProvider } from '../fakes/httpProvider';
import { startFaultProxy, startLedgerReceiver } from '../support/faultFakes';
import { faultInstanceBody, quietTemporalLogs } from '../support/faultScenario';
import { eventually, faultBundlePath, sleep, spawnFaultWorker, type ChildHandle } from '../support/processes';
import { startApi, type RunningApi } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

describe('faults: a status read reaches a new worker after a kill, with a timer fired meanwhile', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let address: string;
  const workers: ChildHandle[] = [];
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    [env] = await Promise.all([startTemporal(), faultBundlePath(), faultBundlePath({ withoutStaleClockGuard: true })]);
    address = (env.connection.options as { address: string }).address;
    api = await startApi(env);
  });

  after(async () => {
    for (const w of workers) await w.kill();
    await api?.close();
    for (const close of closers) await close();
    await env?.teardown();
  });

  async function worker(bundle: string): Promise<ChildHandle> {
    const w = await spawnFaultWorker(address, bundle);
    workers.push(w);
    return w;
  }

  /** Runs the scenario; answers the status of the timed read and the run's workflow task failures after C replayed it. */
  async function scenario(name: string, bundle: string): Promise<{ readStatus: number; failures: string[]; pollsAfterReplay: number }> {
    const provider = await startHttpProvider({ pagination: 'cursor' });
    const proxy = await startFaultProxy(provider.url);
    const receiver = await startLedgerReceiver();
    closers.push(() => proxy.close(), () => provider.close(), () => receiver.close());
    for (const w of workers.splice(0)) await w.kill(); // the previous scenario's worker must not take this instance
    const a = await worker(bundle);
    const res = await api.request('POST', '/instances', faultInstanceBody(proxy, receiver, name, 3, { 'event.poller.refresh_interval': '0.05' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const id = res.body.id as number;
    const poller = async () => (await api.request('GET', `/instances/${id}/poller`)).body;
    await eventually(async () => (await poller()).polls >= 2, 'two polls on worker A', 60_000, 100);
    const b = await worker(bundle);

    // A waiting instance with at least 1.5 s to its next poll: kill A, and read a second before that poll is due.
    let dueAtMs = 0;
    await eventually(async () => {
      const s = await poller();
      dueAtMs = s.state === 'waiting' && s.nextRunAt ? Date.parse(s.nextRunAt) : 0;
      return dueAtMs - Date.now() >= 1500;
    }, 'the instance waiting for its next poll', 30_000, 20);
    await a.kill();
    await sleep(Math.max(0, dueAtMs - 1000 - Date.now()));
    const read = await api.request('GET', `/instances/${id}/poller`);

    // B runs the instance on; then a worker that holds nothing replays the whole run.
    const polls = await eventually(async () => {
      const s = await api.request('GET', `/instances/${id}/poller`);
      return s.status === 200 && (s.body.polls as number) >= 4 ? (s.body.polls as number) : undefined;
    }, 'polls on worker B', 60_000, 100);
    await b.kill();
    await worker(bundle);
    const handle = env.client.workflow.getHandle(instanceWorkflowId(id));
    const failures = async (): Promise<string[]> =>
      ((await handle.fetchHistory()).events ?? []).flatMap((e) => (e.workflowTaskFailedEventAttributes ? [e.workflowTaskFailedEventAttributes.failure?.message ?? '?'] : []));
    let pollsAfterReplay = 0;
    await eventually(async () => {
      const s = await api.request('GET', `/instances/${id}/poller`);
      pollsAfterReplay = s.status === 200 ? (s.body.polls as number) - polls : pollsAfterReplay;
      return pollsAfterReplay >= 3 || (await failures()).length > 0;
    }, 'three polls on worker C, or a failed workflow task', 60_000, 250);
    await api.request('DELETE', `/instances/${id}`);
    return { readStatus: read.status, failures: await failures(), pollsAfterReplay };
  }

  test('without the stale-clock guard: the read is answered, and the replay fails on nondeterminism (the fault reproduces)', async (t) => {
    const outcome = await scenario('stale-unguarded', await faultBundlePath({ withoutStaleClockGuard: true }));
    t.diagnostic(JSON.stringify(outcome));
    assert.equal(outcome.readStatus, 200);
    assert.ok(outcome.failures.some((m) => /Nondeterminism/.test(m)), `expected a nondeterminism failure, got ${JSON.stringify(outcome.failures)}`);
  });

  test('with the guard (production): the read is a 503 to try again, and the replayed run polls on with no failed task', async (t) => {
    const outcome = await scenario('stale-guarded', await faultBundlePath());
    t.diagnostic(JSON.stringify(outcome));
    assert.equal(outcome.readStatus, 503);
    assert.deepEqual(outcome.failures, []);
    assert.ok(outcome.pollsAfterReplay >= 3);
  });
});
