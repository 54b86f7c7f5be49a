/**
 * The subscription workflow (one callback URL's retry queue) with a stub deliverNotification, on a real dev server:
 * order kept, deactivation after the last attempt, redeliver, and 410 deactivating at once. Its decisions are read
 * through its queries, the stub's inputs and the history.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { EnqueueRequest, PendingNotification, SubscriptionInput, SubscriptionStatus } from '../../contract/delivery';
import { FailureType } from '../../contract/failures';
import { deliveries, enqueue, redeliver, subscriptionStatus } from '../../contract/messages';
import { WorkflowType } from '../../contract/names';
import type { NotificationBody } from '../../core/envelope';
import { contacts, notificationsOf } from '../fakes/pageRun';
import { DeliverStub } from '../fakes/stubActivities';
import { eventually, quietTemporalLogs, startStubWorker } from '../support/stubWorker';
import { startTemporal } from '../support/temporal';

const URL = 'https://hooks.example/subscription';
const [n1, n2, n3, n4] = notificationsOf(contacts('s', 4)) as [NotificationBody, NotificationBody, NotificationBody, NotificationBody];

function item(notification: NotificationBody, attempts = 0, nextAttemptAtMs?: number): PendingNotification {
  return { notification, callbackUrl: URL, instanceId: 7, resource: 'contacts', attempts, firstFailureAtMs: attempts > 0 ? Date.now() : undefined, nextAttemptAtMs, enqueuedAtMs: Date.now() };
}

const lastAttemptFailed = (attempts: number) =>
  ApplicationFailure.create({ type: FailureType.deliveryFailed, message: `callback answered 503 (attempt ${attempts}, the last)`, nonRetryable: true, details: [{ attempts }] });

describe('subscription workflow', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    quietTemporalLogs();
    env = await startTemporal();
  });
  after(() => env?.teardown());

  /**
   * A stub worker answering by `answer` and a subscription started by its first hand-off, as activities start it (a
   * function is called once the worker runs: its times are then still ahead).
   */
  async function subscription(t: TestContext, first: EnqueueRequest | (() => EnqueueRequest), answer?: DeliverStub['answer']) {
    const stub = new DeliverStub();
    if (answer) stub.answer = answer;
    const worker = await startStubWorker(env, { deliverNotification: stub.deliverNotification });
    const handle = await env.client.workflow.signalWithStart<(input: SubscriptionInput) => Promise<void>, [EnqueueRequest]>(WorkflowType.subscription, {
      workflowId: `subscription-${randomUUID()}`,
      taskQueue: worker.taskQueue,
      args: [{ url: URL }],
      signal: enqueue,
      signalArgs: [typeof first === 'function' ? first() : first],
    });
    t.after(async () => {
      await handle.terminate('test over').catch(() => undefined);
      await worker.stop();
    });
    const delivered = async (count: number) =>
      eventually(async () => {
        const views = (await handle.query(deliveries)).filter((d) => d.status === 'delivered');
        return views.length >= count && views;
      }, `${count} delivered`);
    return { stub, handle, delivered };
  }

  test('in order: a notification not yet due, or being retried, holds the ones behind it; a repeated hand-off is ignored', async (t) => {
    let due = 0;
    let n1Calls = 0;
    const first = (): EnqueueRequest => {
      due = Date.now() + 1000;
      return { policy: 'retry', items: [item(n1, 1, due), item(n2, 1), item(n3)] };
    };
    const { stub, handle, delivered } = await subscription(t, first, (pending) => {
      if (pending.notification.id === n1.id && ++n1Calls === 1) {
        throw ApplicationFailure.create({ type: FailureType.deliveryFailed, message: 'callback answered 503 (attempt 2)', nextRetryDelay: 100, details: [{ attempts: 2 }] });
      }
      return pending.attempts + 1;
    });

    const views = await delivered(3);
    assert.deepEqual(stub.ids, [n1.id, n1.id, n2.id, n3.id], 'n1 retried before n2 was tried');
    assert.deepEqual(views.map((v) => v.id), [n1.id, n2.id, n3.id]);
    const firstAttempt = ((await handle.fetchHistory()).events ?? []).find((e) => e.activityTaskScheduledEventAttributes);
    assert.ok(optionalTsToMs(firstAttempt!.eventTime)! >= due, 'n1 was not tried before its next attempt was due');

    await handle.signal(enqueue, { policy: 'retry', items: [item(n2, 1)] });
    await handle.signal(enqueue, { policy: 'retry', items: [item(n4)] });
    await delivered(4);
    assert.deepEqual(stub.ids.slice(4), [n4.id], 'n2 was delivered already: same id, not again');
    const s = await handle.query(subscriptionStatus);
    assert.deepEqual([s.state, s.pending, s.full], ['active', 0, false]);
  });

  test('the last attempt failing deactivates; everything, and what comes later, waits queued; redeliver resets and delivers in order', async (t) => {
    let receiverBack = false;
    const { stub, handle, delivered } = await subscription(t, { policy: 'retry', items: [item(n1, 9), item(n2)] }, (pending) => {
      if (!receiverBack) throw lastAttemptFailed(pending.attempts + 1);
      return pending.attempts + 1;
    });

    const off = await eventually(async () => {
      const s = await handle.query(subscriptionStatus);
      return s.state === 'deactivated' && s;
    }, 'deactivated');
    assert.equal(off.deactivatedReason, 'delivery failed 10 times: callback answered 503 (attempt 10, the last)');
    assert.equal(off.pending, 2);
    await handle.signal(enqueue, { policy: 'retry', items: [item(n3)] });
    const queued = await eventually(async () => {
      const views = await handle.query(deliveries);
      return views.length === 3 && views;
    }, 'n3 queued');
    assert.deepEqual(queued.map((v) => [v.id, v.status, v.attempts]), [[n1.id, 'queued', 10], [n2.id, 'queued', 0], [n3.id, 'queued', 0]]);
    assert.equal(queued[0]!.lastError, 'callback answered 503 (attempt 10, the last)');
    assert.deepEqual(stub.ids, [n1.id], 'nothing tried while deactivated');

    receiverBack = true;
    await handle.signal(redeliver);
    const views = await delivered(3);
    assert.deepEqual(stub.ids, [n1.id, n1.id, n2.id, n3.id]);
    const redelivered = stub.calls[1]!;
    assert.deepEqual([redelivered.attempts, redelivered.firstFailureAtMs, redelivered.nextAttemptAtMs], [0, undefined, undefined], 'the schedule starts again');
    assert.deepEqual(views.map((v) => v.id), [n1.id, n2.id, n3.id]);
    const s = await handle.query(subscriptionStatus);
    assert.deepEqual([s.state, s.pending, s.deactivatedReason], ['active', 0, undefined]);
  });

  test('410 Gone deactivates at once, after one attempt', async (t) => {
    const { stub, handle } = await subscription(t, { policy: 'retry', items: [item(n1, 2), item(n2)] }, (pending) => {
      throw ApplicationFailure.create({ type: FailureType.callbackGone, message: 'callback answered 410', nonRetryable: true, details: [{ attempts: pending.attempts + 1 }] });
    });
    const off = await eventually(async () => {
      const s = await handle.query(subscriptionStatus);
      return s.state === 'deactivated' && s;
    }, 'deactivated');
    assert.equal(off.deactivatedReason, 'callback answered 410');
    assert.deepEqual(stub.ids, [n1.id]);
    const [first] = await handle.query(deliveries);
    assert.deepEqual([first!.id, first!.status, first!.attempts], [n1.id, 'queued', 3]);
  });

  test('a hand-off that says the callback is gone deactivates before any attempt; so does a failure under the queue policy', async (t) => {
    const statusOf = (handle: { query: (q: typeof subscriptionStatus) => Promise<SubscriptionStatus> }) => eventually(() => handle.query(subscriptionStatus), 'the first status');
    const gone = await subscription(t, { policy: 'retry', deactivate: 'callback answered 410', items: [item(n1, 1)] });
    const s = await statusOf(gone.handle);
    assert.deepEqual([s.state, s.deactivatedReason, s.pending], ['deactivated', 'callback answered 410', 1]);

    const queue = await subscription(t, { policy: 'queue', items: [item(n2, 1)] });
    const q = await statusOf(queue.handle);
    assert.deepEqual([q.state, q.deactivatedReason], ['deactivated', 'delivery failed and the failure policy is queue']);
    // Not yet attempted (a backlog hand-off) under the queue policy: delivered as usual.
    const fresh = await subscription(t, { policy: 'queue', items: [item(n3)] });
    await fresh.delivered(1);
    assert.deepEqual([...gone.stub.ids, ...queue.stub.ids], [], 'deactivated subscriptions tried nothing');
  });
});
