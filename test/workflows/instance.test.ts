/**
 * The instance workflow's loop with a stub pollPage, on a real dev server: a poll per interval, pollNow, pause and
 * resume, setRefreshInterval, the configure update keeping checkpoints, and continue-as-new carrying the state. Its
 * decisions are read through the `status` query, the stub's inputs and the history.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { configure, pause, pollNow, recentNotifications, resume, setRefreshInterval, status } from '../../contract/messages';
import { PollerState } from '../../contract/searchAttributes';
import { CHECKPOINT_START_MS, HOUR_MS, instanceInput, POLL_DELAY_MS, resource, settings, spec } from '../fakes/instanceRun';
import { pageRun } from '../fakes/stubActivities';
import { stubbedInstance } from '../support/stubbedInstance';
import { eventually, historyBetween, quietTemporalLogs, signaled } from '../support/stubWorker';
import { startTemporal } from '../support/temporal';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('instance workflow: the loop', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    quietTemporalLogs();
    env = await startTemporal();
  });
  after(() => env?.teardown());

  test('a poll per interval, never early; each poll starts from the last poll start', async (t) => {
    const { stub, handle } = await stubbedInstance(env, t, instanceInput({ settings: { refreshIntervalMs: 1000 } }));
    await eventually(() => stub.calls.length >= 3, 'three polls');
    await handle.signal(pause);
    const paused = await eventually(async () => {
      const s = await handle.query(status);
      return s.state === 'paused' && s.polls === stub.calls.length && s;
    }, 'paused, the last poll counted');

    const [first, ...rest] = stub.calls;
    assert.equal(first!.sinceMs, CHECKPOINT_START_MS - POLL_DELAY_MS, 'the first poll starts at the configured since, less the poll delay');
    assert.equal(first!.pageToken, undefined);
    rest.forEach((call, i) => {
      const previous = stub.calls[i]!;
      assert.equal(call.sinceMs, previous.pollStartMs - POLL_DELAY_MS, 'the checkpoint moved to the previous poll start');
      assert.ok(call.pollStartMs - previous.pollStartMs >= 1000, `poll ${i + 2} came ${call.pollStartMs - previous.pollStartMs} ms after the one before`);
    });
    assert.equal(paused.resources.contacts!.checkpoint, iso(stub.calls.at(-1)!.pollStartMs));
    assert.equal(paused.lastRun!.startedAt, iso(stub.calls.at(-1)!.pollStartMs));
    assert.deepEqual(paused.lastRun!.failedResources, []);
  });

  test('the first poll waits an interval; pollNow polls at once and the next one is due an interval after it', async (t) => {
    const { stub, handle } = await stubbedInstance(env, t);
    const waiting = await handle.query(status);
    assert.equal(waiting.state, 'waiting');
    assert.equal(waiting.polls, 0);
    assert.ok(Date.parse(waiting.nextRunAt!) > Date.now() + HOUR_MS - 60_000, `next run ${waiting.nextRunAt}, an hour after the start`);

    await handle.signal(pollNow);
    const once = await eventually(async () => {
      const s = await handle.query(status);
      return s.polls === 1 && s;
    }, 'the poll asked for');
    assert.equal(stub.calls.length, 1);
    assert.equal(once.nextRunAt, iso(stub.calls[0]!.pollStartMs + HOUR_MS));
    assert.equal(once.refreshIntervalMinutes, 60);

    await handle.signal(pollNow);
    await eventually(async () => (await handle.query(status)).polls === 2, 'a second poll');
    assert.equal(stub.calls[1]!.sinceMs, stub.calls[0]!.pollStartMs - POLL_DELAY_MS);
  });

  test('pause: polls come due and none runs, pollNow included; resume polls again', async (t) => {
    const { stub, handle } = await stubbedInstance(env, t, instanceInput({ settings: { refreshIntervalMs: 1000 } }));
    await eventually(() => stub.calls.length >= 1, 'a first poll');
    await handle.signal(pause);
    await eventually(async () => {
      const s = await handle.query(status);
      return s.state === 'paused' && s.polls === stub.calls.length;
    }, 'paused');
    const polled = stub.calls.length;
    assert.equal((await handle.describe()).typedSearchAttributes.get(PollerState), 'paused');

    await handle.signal(pollNow);
    // Intervals come due while paused: their timers fire in the history.
    await eventually(async () => {
      const history = (await handle.fetchHistory()).events ?? [];
      return history.slice(history.findIndex(signaled('pause'))).filter((e) => e.timerFiredEventAttributes).length >= 2;
    }, 'two intervals due while paused');
    await handle.signal(resume);
    // A signal reaches history once the workflow task in flight (if any) completes.
    const whilePaused = await eventually(() => historyBetween(handle, signaled('pause'), signaled('resume')), 'the resume signal in history');
    assert.ok(whilePaused.filter((e) => e.timerFiredEventAttributes).length >= 2, 'polls came due');
    assert.ok(whilePaused.some(signaled('pollNow')), 'a poll was asked for');
    assert.deepEqual(whilePaused.filter((e) => e.activityTaskScheduledEventAttributes), [], 'no page run while paused');
    assert.equal(stub.calls.length, polled);
    await eventually(() => stub.calls.length > polled, 'a poll after resume');
  });

  test('setRefreshInterval: the wait follows the new interval, the memo shows it, and values under a second are ignored', async (t) => {
    const { stub, handle } = await stubbedInstance(env, t);
    await handle.signal(setRefreshInterval, 90);
    await handle.signal(setRefreshInterval, 'soon');
    await handle.signal(setRefreshInterval, 0.001);
    await handle.signal(setRefreshInterval, 0);
    await handle.signal(pollNow);
    const polled = await eventually(async () => {
      const s = await handle.query(status);
      return s.polls === 1 && s;
    }, 'the poll asked for after the signals');
    assert.equal(polled.refreshIntervalMinutes, 90, 'the last valid value holds');
    assert.equal(polled.nextRunAt, iso(stub.calls[0]!.pollStartMs + 90 * 60_000));
    const memo = (await handle.describe()).memo as { instance: { spec: { configuration: Record<string, string> } } };
    assert.equal(memo.instance.spec.configuration['event.poller.refresh_interval'], '90');

    // From an hour and a half to a second: the wait is recomputed, polls follow without a pollNow.
    await handle.signal(setRefreshInterval, 1 / 60);
    await eventually(() => stub.calls.length >= 3, 'polls a second apart');
  });

  test('configure applies a new specification and settings, keeps the checkpoint, and refuses another element', async (t) => {
    const { stub, handle, poll } = await stubbedInstance(env, t);
    await poll();
    const checkpoint = stub.calls[0]!.pollStartMs;

    const renamed = spec({ name: 'renamed', tags: ['new'] });
    const newSettings = settings({ refreshIntervalMs: 2 * HOUR_MS, resources: { contacts: resource('/contacts?v=2'), accounts: resource('/accounts') } });
    const applied = await handle.executeUpdate(configure, { args: [renamed, newSettings] });
    assert.equal(applied.spec.name, 'renamed');
    assert.deepEqual(applied.spec.tags, ['new']);
    const configured = await handle.query(status);
    assert.equal(configured.refreshIntervalMinutes, 120);
    assert.equal(configured.resources.contacts!.checkpoint, iso(checkpoint), 'the checkpoint is kept');
    assert.equal(configured.polls, 1);

    await poll();
    const [contacts] = stub.of('contacts').slice(1);
    const [accounts] = stub.of('accounts');
    assert.equal(contacts!.resource.url, '/contacts?v=2');
    assert.equal(contacts!.sinceMs, checkpoint - POLL_DELAY_MS, 'contacts go on from their checkpoint');
    assert.equal(accounts!.sinceMs, CHECKPOINT_START_MS - POLL_DELAY_MS, 'a new resource starts at the configured since');
    assert.equal(contacts!.instance.name, 'renamed');

    await assert.rejects(handle.executeUpdate(configure, { args: [spec({ elementKey: 'sagecrm' }), newSettings] }), WorkflowUpdateFailedError);
    await assert.rejects(handle.executeUpdate(configure, { args: [renamed, undefined as never] }), WorkflowUpdateFailedError);
    assert.equal((await handle.query(status)).refreshIntervalMinutes, 120, 'a refused update changes nothing');
  });

  test('continue-as-new carries checkpoints, boundary, counts, the last run and recent notifications', async (t) => {
    const notification = { id: 'n-1', resource: 'contacts', events: 3, status: 'delivered' as const, atMs: 1 };
    const farFuture = Date.now() + 24 * HOUR_MS;
    const { stub, handle } = await stubbedInstance(env, t, instanceInput({ maxHistoryEvents: 1 }));
    stub.answer = (_input, call) =>
      call === 1 ? pageRun({ records: 4, events: 3, notifications: [notification], boundaryCandidates: [{ key: 'c1@late', dateMs: farFuture }] }) : pageRun();
    const firstRunId = handle.firstExecutionRunId;

    await handle.signal(pollNow);
    // The signal alone may already carry the run over (its history is past the threshold), so wait for the poll's.
    await eventually(async () => stub.calls.length === 1 && (await handle.query(status)).polls === 1, 'a new run after the poll');
    const firstRun = env.client.workflow.getHandle(handle.workflowId, firstRunId);
    const lastEvent = ((await firstRun.fetchHistory()).events ?? []).at(-1);
    assert.ok(lastEvent?.workflowExecutionContinuedAsNewEventAttributes, 'the first run continued as new');

    const carried = await handle.query(status);
    const pollStart = stub.calls[0]!.pollStartMs;
    assert.equal(carried.polls, 1);
    assert.equal(carried.resources.contacts!.checkpoint, iso(pollStart));
    assert.equal(carried.resources.contacts!.events, 3);
    assert.equal(carried.resources.contacts!.records, 4);
    assert.equal(carried.lastRun!.startedAt, iso(pollStart));
    assert.equal(carried.nextRunAt, iso(pollStart + HOUR_MS), 'due an interval after the last poll, not after the new run started');
    assert.deepEqual(await handle.query(recentNotifications), [notification]);

    await handle.signal(pollNow);
    await eventually(() => stub.calls.length === 2, 'a poll in the new run');
    assert.equal(stub.calls[1]!.sinceMs, pollStart - POLL_DELAY_MS);
    assert.ok(stub.calls[1]!.boundary.includes('c1@late'), 'the boundary set came along');
  });
});
