/**
 * The poll's quick look (the checkResources local activity) with stubs, on a real dev server: a quiet resource is done
 * without a page run and its checkpoint moves; a look that failed in a way retrying cannot help fails the resource
 * at once; a Retry-After the provider sent is waited out before the page run asks again.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CheckResourcesInput, ResourceCheck } from '../../contract/activities';
import { FailureType } from '../../contract/failures';
import { pollNow, status } from '../../contract/messages';
import { instanceInput, startInstance } from '../fakes/instanceRun';
import { PollPageStub } from '../fakes/stubActivities';
import { eventually, quietTemporalLogs, startStubWorker } from '../support/stubWorker';
import { startTemporal } from '../support/temporal';

describe('instance workflow: the quick look', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    quietTemporalLogs();
    env = await startTemporal();
  });
  after(() => env?.teardown());

  /** An instance whose quick look answers `look`, and whose page runs are a stub. */
  async function instance(t: TestContext, look: (input: CheckResourcesInput) => ResourceCheck) {
    const stub = new PollPageStub();
    const looks: CheckResourcesInput[] = [];
    const worker = await startStubWorker(env, {
      pollPage: stub.pollPage,
      checkResources: async (input) => {
        looks.push(input);
        return Object.fromEntries(input.resources.map((r) => [r.name, look(input)]));
      },
    });
    const handle = await startInstance(env.client, worker.taskQueue, instanceInput());
    t.after(async () => {
      await handle.terminate('test over').catch(() => undefined);
      await worker.stop();
    });
    const poll = async () => {
      const before = (await handle.query(status)).polls;
      await handle.signal(pollNow);
      return eventually(async () => {
        const s = await handle.query(status);
        return s.polls > before && s;
      }, `poll ${before + 1}`);
    };
    return { stub, looks, handle, poll };
  }

  test('a quiet resource: no page run, the checkpoint moves to the poll start, its records counted', async (t) => {
    const { stub, looks, poll } = await instance(t, () => ({ quiet: true, records: 3 }));
    const polled = await poll();
    assert.equal(stub.calls.length, 0, 'no page run');
    assert.equal(looks.length, 1);
    assert.equal(polled.resources['contacts']!.checkpoint, polled.lastRun!.startedAt);
    assert.equal(polled.resources['contacts']!.records, 3);
    assert.equal(polled.resources['contacts']!.lastError, undefined);
  });

  test('a look that failed for good: the resource fails at once, no page run, the checkpoint holds', async (t) => {
    const { stub, poll } = await instance(t, () => ({ quiet: false, failure: { type: FailureType.providerRequest, message: 'provider answered 400: bad filter', nonRetryable: true } }));
    const first = await poll();
    assert.equal(stub.calls.length, 0, 'no page run');
    assert.match(first.resources['contacts']!.lastError ?? '', /ProviderRequestError: provider answered 400/);
    assert.deepEqual(first.lastRun!.failedResources, ['contacts']);
    const second = await poll();
    assert.equal(second.resources['contacts']!.checkpoint, first.resources['contacts']!.checkpoint, 'the checkpoint holds');
  });

  test("a look the provider answered 429 with Retry-After: the page run comes after it, not before", async (t) => {
    const { stub, looks, handle, poll } = await instance(t, () => ({ quiet: false, failure: { type: FailureType.providerUnavailable, message: 'provider answered 429', nonRetryable: false, retryAfterMs: 1500 } }));
    await poll();
    assert.equal(stub.calls.length, 1, 'the page run came');
    const history = await handle.fetchHistory();
    const timer = (history.events ?? []).find((e) => e.timerStartedEventAttributes?.startToFireTimeout);
    const seconds = Number(timer?.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) + (timer?.timerStartedEventAttributes?.startToFireTimeout?.nanos ?? 0) / 1e9;
    assert.ok(seconds >= 1.5, `a timer of the Retry-After before the page run (${seconds} s)`);
    assert.equal(looks.length, 1);
  });
});
