/**
 * The replay workflow and the rewind update with a stub pollPage, on a real dev server: a replay reads its window in
 * page runs of its own (replay mode, its id, an empty boundary, `until` as the poll start), goes on across
 * continue-as-new from the page it reached, gives a failing resource up after three passes while the next resource
 * still runs; a rewind sets the checkpoint the next poll reads from, clears the boundary set, and the workflow's own
 * validator refuses a checkpoint in the future.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, ApplicationFailure } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { FailureType } from '../../contract/failures';
import { setCheckpoints } from '../../contract/messages';
import { replayWorkflowId, WorkflowType } from '../../contract/names';
import type { ReplayInput, ReplayStatus } from '../../contract/replay';
import { CHECKPOINT_START_MS, HOUR_MS, instanceInput, POLL_DELAY_MS, resource } from '../fakes/instanceRun';
import { failure, pageRun, PollPageStub } from '../fakes/stubActivities';
import { stubbedInstance } from '../support/stubbedInstance';
import { quietTemporalLogs, startStubWorker } from '../support/stubWorker';
import { startTemporal } from '../support/temporal';

const SINCE = Date.UTC(2026, 0, 1);
const UNTIL = Date.UTC(2026, 0, 2);
const REPLAY_ID = 'abcdefabcdef0123';

describe('replay workflow and rewind', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    quietTemporalLogs();
    env = await startTemporal();
  });
  after(() => env?.teardown());

  async function runReplay(stub: PollPageStub, overrides: Partial<ReplayInput>, resources = ['contacts']): Promise<{ status: ReplayStatus; firstRunStatus: string }> {
    const worker = await startStubWorker(env, { pollPage: stub.pollPage });
    try {
      const instance = instanceInput({ settings: { resources: { contacts: resource(), deals: resource('/deals') } } });
      const input: ReplayInput = { replayId: REPLAY_ID, instance: instance.instance, settings: instance.settings, sinceMs: SINCE, untilMs: UNTIL, resources, ...overrides };
      const handle = await env.client.workflow.start<(i: ReplayInput) => Promise<ReplayStatus>>(WorkflowType.replay, {
        workflowId: replayWorkflowId(input.instance.id, REPLAY_ID),
        taskQueue: worker.taskQueue,
        args: [input],
      });
      const status = await handle.result();
      const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
      return { status, firstRunStatus: first.status.name };
    } finally {
      await worker.stop();
    }
  }

  test('a replay reads its window page by page in replay mode, across continue-as-new, from where it was', async () => {
    const stub = new PollPageStub();
    stub.answer = (_input, call) => pageRun({ records: 2, events: 2, notifications: [], nextPageToken: call < 8 ? `p${call + 1}` : undefined, pageKeys: [`k${call}`] });
    const { status, firstRunStatus } = await runReplay(stub, { maxHistoryEvents: 20 });
    assert.equal(firstRunStatus, 'CONTINUED_AS_NEW', 'the first run continued as new part-way');
    assert.equal(status.status, 'completed');
    assert.deepEqual(status.resources['contacts'], { status: 'completed', records: 16, events: 16, problems: 0, notifications: 0 });
    assert.equal(stub.calls.length, 8, 'every page run once: none repeated, none skipped');
    assert.deepEqual(stub.calls.map((c) => c.pageToken), [undefined, 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
    for (const [i, call] of stub.calls.entries()) {
      assert.equal(call.mode, 'replay');
      assert.equal(call.replayId, REPLAY_ID);
      assert.equal(call.sinceMs, SINCE - 1, 'since itself is in the window');
      assert.equal(call.pollStartMs, UNTIL, 'until is the poll start');
      assert.deepEqual(call.boundary, i === 0 ? [] : [`k${i}`], 'an empty boundary, then the last page\u2019s keys');
    }
  });

  test('a resource that keeps failing is given up after three passes; the next resource still runs; the replay failed', async () => {
    const stub = new PollPageStub();
    stub.answer = (input) => {
      if (input.resourceName === 'contacts') throw failure(FailureType.providerRequest, 'provider answered 400');
      return pageRun({ records: 1, events: 1 });
    };
    const { status } = await runReplay(stub, { passRetryDelayMs: 10 }, ['contacts', 'deals']);
    assert.equal(status.status, 'failed');
    assert.equal(status.resources['contacts']!.status, 'failed');
    assert.match(status.resources['contacts']!.lastError!, /provider answered 400/);
    assert.equal(stub.of('contacts').length, 3);
    assert.deepEqual(status.resources['deals'], { status: 'completed', records: 1, events: 1, problems: 0, notifications: 0 });
  });

  test('a rewind: the next poll reads from the new checkpoint with no boundary; the validator refuses the future and unknown resources', async (t) => {
    const { stub, handle, poll } = await stubbedInstance(env, t);
    stub.answer = () => pageRun({ boundaryCandidates: [{ key: 'x@1', dateMs: Date.now() + 24 * HOUR_MS }], pageKeys: ['x@1'] });
    await poll();
    const back = CHECKPOINT_START_MS - 5 * HOUR_MS;
    const set = await handle.executeUpdate(setCheckpoints, { args: [{ contacts: back }] });
    assert.deepEqual(set, { contacts: new Date(back).toISOString() });
    await poll();
    const rewound = stub.calls.at(-1)!;
    assert.equal(rewound.sinceMs, back - POLL_DELAY_MS);
    assert.deepEqual(rewound.boundary, [], 'the boundary set of the old position is gone');

    for (const [checkpoints, path] of [
      [{ contacts: Date.now() + HOUR_MS }, 'resources.contacts.checkpoint'],
      [{ leads: back }, 'resources.leads'],
    ] as const) {
      const refused = await handle.executeUpdate(setCheckpoints, { args: [checkpoints] }).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(refused instanceof WorkflowUpdateFailedError, `refused: ${String(refused)}`);
      assert.ok(refused.cause instanceof ApplicationFailure);
      assert.equal(refused.cause.type, FailureType.invalidCheckpoints);
      assert.deepEqual((refused.cause.details?.[0] as { path: string }[]).map((i) => i.path), [path]);
    }
  });
});
