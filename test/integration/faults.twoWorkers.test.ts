/**
 * Two worker processes (`node --import tsx workers/main.ts`, as `npm run worker` starts them) on one
 * task queue: both take work, and no instance is polled twice. Each poll window (the `updatedSince`
 * of a poll, and the cursor of a page) is requested once (a window's first page at most twice: the poll's quick look
 * and its page run), and there are exactly as many windows as polls the workflow counts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pause } from '../../contract/messages';
import { startHttpProvider } from '../fakes/httpProvider';
import { accountFor, startFaultProxy, startLedgerReceiver } from '../support/faultFakes';
import { assertAccount, faultInstanceBody, pollerStatus, quietTemporalLogs, randomSource, settle, Workload } from '../support/faultScenario';
import { eventually, sleep, spawnWorkerMain, type ChildHandle } from '../support/processes';
import { startApi, type RunningApi } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

describe('faults: two workers at once', () => {
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let pair: ChildHandle[] = [];

  before(async () => {
    env = await startTemporal();
    const address = (env.connection.options as { address: string }).address;
    // Each bundles the workflows itself, as in production: start both at once.
    pair = await Promise.all([spawnWorkerMain(address), spawnWorkerMain(address)]);
    api = await startApi(env);
  });

  after(async () => {
    for (const w of pair) await w.kill();
    await api?.close();
    await env?.teardown();
  });

  test('each poll window is requested once, both workers take work, every event arrives once', async (t) => {
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

    // One provider answer in six is slower than a refresh interval: a poll that overruns its interval still runs once.
    proxy.script(() => ({ delayMs: random.next() < 1 / 6 ? 2000 : random.between(50, 250) }));
    receiver.script(() => ({ delayMs: random.between(20, 150) }));
    const names = ['two-a', 'two-b', 'two-c'];
    for (const name of names) {
      const res = await api.request('POST', '/instances', faultInstanceBody(proxy, receiver, name, 3));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      ids.push(res.body.id);
    }
    const workload = new Workload(provider, random, receiver, () => ids);
    t.after(() => workload.stop());
    workload.start(150, 450);
    await sleep(5000);
    await workload.stop();
    await settle(() => api.client, workload, receiver, ids, 90_000);

    // Pause every instance and wait until its provider traffic has stopped, so polls and requests compare exactly.
    await Promise.all(ids.map((id) => api.client.workflow.getHandle(`instance-${id}`).signal(pause)));
    const polls = await Promise.all(
      ids.map((id, i) =>
        eventually(
          async () => {
            const a = await pollerStatus(api.client, id);
            await sleep(1000);
            const b = await pollerStatus(api.client, id);
            const busy = proxy.requests.some((r) => r.tag === names[i] && r.status === 0);
            return a.polls === b.polls && b.state === 'paused' && !busy ? b.polls : undefined;
          },
          `instance ${id} paused and idle`,
          60_000,
        ),
      ),
    );

    const account = accountFor(workload.expected(ids), receiver.ledger);
    assertAccount(t, account);
    assert.equal(account.duplicates, 0, 'healthy workers deliver each event once');
    assert.equal(account.underSeveralIds.length, 0);

    const identities = new Set<string>();
    for (const [i, id] of ids.entries()) {
      const mine = proxy.requests.filter((r) => r.tag === names[i]);
      const windows = new Map<string, number>();
      for (const r of mine) windows.set(r.path, (windows.get(r.path) ?? 0) + 1);
      // A window's first page may be read twice: by the poll's quick look (a local activity) and by the page run that
      // follows when the look found changes and that run lands on the other worker (on the same one it reuses the page).
      const allowed = (path: string): number => (new URL(path, 'http://x').searchParams.has('cursor') ? 1 : 2);
      assert.deepEqual([...windows].filter(([path, n]) => n > allowed(path)), [], `instance ${id}: each (since, cursor) window is requested once (a first page at most twice)`);
      const sinces = new Set(mine.map((r) => new URL(r.path, 'http://x').searchParams.get('updatedSince')));
      assert.equal(sinces.size, polls[i], `instance ${id}: one poll window per poll the workflow counts`);
      // Which workers ran this instance's activities (the identity is pid@host).
      const history = await api.client.workflow.getHandle(`instance-${id}`).fetchHistory();
      for (const e of history.events ?? []) if (e.activityTaskStartedEventAttributes?.identity) identities.add(e.activityTaskStartedEventAttributes.identity);
    }
    t.diagnostic(`${proxy.requests.length} provider requests for ${polls.reduce((a, b) => a + b, 0)} polls; activity workers ${[...identities].join(', ')}`);
    assert.equal(identities.size, 2, 'both workers ran activities');
  });
});
