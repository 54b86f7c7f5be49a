/**
 * The subscription workflow (one callback URL's queue) with a stub attemptDelivery, on a real dev server: the live view
 * after each failed attempt, what waits behind the head, retry now, a receiver's Retry-After, the rate limit's pace,
 * deactivation and redeliver, continue-as-new with the queue, the deliveryHealth signals, and runs of the previous
 * release migrating. Its decisions are read through its queries, the stub's inputs and the history.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PollsterActivities } from '../../contract/activities';
import type { DeliveryView, EnqueueRequest, PacedDeliveries, PendingNotification, SubscriptionInput, SubscriptionState } from '../../contract/delivery';
import { createDeliverPaced } from '../../activities/deliverPaced';
import { noJournal } from '../../activities/journal';
import { ScriptedCallback } from '../fakes/activityDeps';
import type { DeliveryHealth } from '../../contract/instance';
import { deliveries, enqueue, redeliver, retryNow, status, subscriptionStatus } from '../../contract/messages';
import { WorkflowType } from '../../contract/names';
import { deliveryRetryDueAt, RETRY_AFTER_CAP_MS } from '../../contract/retryPolicy';
import type { NotificationBody } from '../../core/envelope';
import type { SubscriptionInput as SubscriptionInputV1, SubscriptionState as SubscriptionStateV1 } from '../../workflows/v1/subscriptionTypes';
import { instanceInput, startInstance } from '../fakes/instanceRun';
import { contacts, notificationsOf } from '../fakes/pageRun';
import { answers, AttemptStub } from '../fakes/stubActivities';
import { eventually, quietTemporalLogs, startStubWorker } from '../support/stubWorker';
import { startTemporal } from '../support/temporal';

const URL = 'https://hooks.example/subscription';
const notes = notificationsOf(contacts('s', 10)) as NotificationBody[];
const [n1, n2, n3, n4] = notes as [NotificationBody, NotificationBody, NotificationBody, NotificationBody];

function item(notification: NotificationBody, attempts = 0, overrides: Partial<PendingNotification> = {}): PendingNotification {
  return { notification, callbackUrl: URL, instanceId: 7, resource: 'contacts', attempts, firstFailureAtMs: attempts > 0 ? Date.now() : undefined, enqueuedAtMs: Date.now(), ...overrides };
}

type AnySubscriptionInput = SubscriptionInput | SubscriptionInputV1;

const iso = (ms: number): string => new Date(ms).toISOString();
const decode = <T>(payload: unknown): T => defaultPayloadConverter.fromPayload(payload as never) as T;

describe('subscription workflow', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    quietTemporalLogs();
    env = await startTemporal();
  });
  after(() => env?.teardown());

  /**
   * A stub worker and a subscription started by its first hand-off, as activities start it (a function is called once
   * the worker runs: its times are then still ahead).
   */
  async function subscription(t: TestContext, first: EnqueueRequest | (() => EnqueueRequest), stub = new AttemptStub(), input: Partial<AnySubscriptionInput> = { version: 2 }, activities: Partial<PollsterActivities> = {}) {
    const worker = await startStubWorker(env, { attemptDelivery: stub.attemptDelivery, ...activities });
    const handle = await env.client.workflow.signalWithStart<(input: AnySubscriptionInput) => Promise<void>, [EnqueueRequest]>(WorkflowType.subscription, {
      workflowId: `subscription-${randomUUID()}`,
      taskQueue: worker.taskQueue,
      args: [{ url: URL, ...input } as AnySubscriptionInput],
      signal: enqueue,
      signalArgs: [typeof first === 'function' ? first() : first],
    });
    t.after(async () => {
      await handle.terminate('test over').catch(() => undefined);
      await worker.stop();
    });
    const views = (): Promise<DeliveryView[]> => handle.query(deliveries);
    const viewWhen = (what: string, check: (views: DeliveryView[]) => boolean) =>
      eventually(async () => {
        const v = await views();
        return check(v) && v;
      }, what);
    const delivered = (count: number) => viewWhen(`${count} delivered`, (v) => v.filter((d) => d.status === 'delivered').length >= count);
    return { stub, handle, worker, views, viewWhen, delivered };
  }

  test('the live view after each failed attempt: attempts, last error, the pending retry; behind it, the head waited for; retry now cuts the wait, in order', async (t) => {
    const stub = new AttemptStub();
    stub.retryScale = 2; // retries 8 s and 32 s after the first failure
    stub.answer = (a, call) => (a.item.notification.id === n1.id && call <= 2 ? answers.unavailable : answers.ok);
    const { handle, viewWhen, delivered } = await subscription(t, { policy: 'retry', items: [item(n1), item(n2), item(n3)] }, stub);

    const afterFirst = await viewWhen('the first failure', (v) => v[0]?.attempts === 1);
    const firstFailureMs = stub.calls[0]!.atMs;
    assert.deepEqual(stub.ids, [n1.id], 'nothing behind the head was tried');
    assert.deepEqual(
      afterFirst.map((v) => [v.id, v.status, v.attempts, v.lastError, v.nextAttemptAt, v.waitingBehind]),
      [
        [n1.id, 'retry', 1, 'callback answered 503', iso(deliveryRetryDueAt(firstFailureMs, 1, 2)), undefined],
        [n2.id, 'retry', 0, undefined, undefined, n1.id],
        [n3.id, 'retry', 0, undefined, undefined, n1.id],
      ],
    );
    assert.deepEqual(afterFirst.map((v) => v.createdDate), [n1.createdDate, n2.createdDate, n3.createdDate], "each notification's own createdDate");
    assert.equal((await handle.query(subscriptionStatus)).state, 'retrying');

    // Retry now for n2: the head goes first, at once; it fails again, and the schedule goes on from the first failure.
    await handle.signal(retryNow, [n2.id]);
    const afterSecond = await viewWhen('the second failure', (v) => v[0]?.attempts === 2);
    assert.ok(stub.calls[1]!.atMs < deliveryRetryDueAt(firstFailureMs, 1, 2), 'the second attempt did not wait for the schedule');
    assert.deepEqual(stub.ids, [n1.id, n1.id], 'n2 waits behind the head it cannot overtake');
    assert.deepEqual([afterSecond[0]!.nextAttemptAt, afterSecond[1]!.waitingBehind], [iso(deliveryRetryDueAt(firstFailureMs, 2, 2)), n1.id]);

    await handle.signal(retryNow);
    const views = await delivered(3);
    assert.deepEqual(stub.ids, [n1.id, n1.id, n1.id, n2.id, n3.id], 'in order, each once delivered');
    assert.deepEqual(views.map((v) => [v.id, v.status, v.attempts]), [[n3.id, 'delivered', 1], [n2.id, 'delivered', 1], [n1.id, 'delivered', 3]], 'newest first');
    assert.equal(views.find((v) => v.id === n1.id)!.createdDate, n1.createdDate, 'the delivered keep their own createdDate');
    assert.equal((await handle.query(subscriptionStatus)).state, 'active');
  });

  test("a receiver's Retry-After: not tried before it (capped at an hour), nothing overtakes; retry now cuts it", async (t) => {
    const stub = new AttemptStub();
    stub.retryScale = 0.001; // the schedule alone would retry after 4 ms
    stub.answer = (a, call) => (call === 1 ? answers.tooMany(1500) : a.item.notification.id === n3.id && a.item.attempts === 0 ? answers.tooMany(3 * 3600_000) : answers.ok);
    const { handle, viewWhen, delivered } = await subscription(t, { policy: 'retry', items: [item(n1), item(n2), item(n3)] }, stub);

    const asked = await viewWhen('the 429', (v) => v[0]?.attempts === 1);
    const answeredMs = stub.calls[0]!.atMs;
    assert.deepEqual([asked[0]!.retryAfter, asked[0]!.nextAttemptAt, asked[1]!.waitingBehind], [iso(answeredMs + 1500), iso(answeredMs + 1500), n1.id]);
    await delivered(2);
    assert.deepEqual(stub.ids.slice(0, 3), [n1.id, n1.id, n2.id], 'n2 waited behind n1');
    assert.ok(stub.calls[1]!.atMs >= answeredMs + 1500, `tried ${stub.calls[1]!.atMs - answeredMs} ms after the 429 (Retry-After: 1.5 s)`);
    assert.deepEqual([stub.calls[1]!.waitedForRetryAfter, stub.calls[1]!.item.retryAfterWaits], [true, 1], 'the wait is counted');

    // n3 is asked to wait three hours: the wait is capped at one.
    const capped = await viewWhen("n3's 429", (v) => v[0]?.id === n3.id && v[0].status === 'retry' && v[0].attempts === 1);
    assert.equal(capped[0]!.retryAfter, iso(stub.calls[3]!.atMs + RETRY_AFTER_CAP_MS));
    assert.equal(capped[0]!.nextAttemptAt, capped[0]!.retryAfter);
    await handle.signal(retryNow, [n3.id]);
    await delivered(3);
    assert.deepEqual([stub.ids.length, stub.calls[4]!.waitedForRetryAfter], [5, false], 'retried at once, not counted as a wait honoured');
  });

  test('a rate limit paces every attempt, a few seconds of them per activity, in order, stopping at a failure; the view says so', async (t) => {
    // The real paced activity, posting to a scripted callback: 5/s, runs of five seconds (25 notifications).
    const callback = new ScriptedCallback([]);
    const times: number[] = [];
    const failedOnce = new Set<string>();
    callback.answer = (n) => {
      times.push(Date.now());
      if (n.id !== many[27]!.id || failedOnce.has(n.id)) return { ok: true, status: 200 };
      failedOnce.add(n.id);
      return { ok: false, status: 503, error: 'callback answered 503' };
    };
    const runs: PacedDeliveries[] = [];
    const paced = createDeliverPaced({ postNotification: callback.post, retryScale: 0.001, journal: noJournal });
    const deliverPaced: PollsterActivities['deliverPaced'] = async (batch) => {
      runs.push(structuredClone(batch));
      return paced(batch);
    };
    const many = Array.from({ length: 30 }, (_, i) => ({ ...notes[i % notes.length]!, id: `paced-${String(i).padStart(2, '0')}` }));
    const items = many.map((n) => item(n));
    const { stub, handle, viewWhen, delivered } = await subscription(t, { policy: 'retry', rateLimit: 5, items }, new AttemptStub(), { version: 2 }, { deliverPaced });

    const pacing = await viewWhen('pacing', (v) => v.some((d) => d.status === 'delivered') && v.some((d) => d.status === 'retry'));
    const pending = pacing.filter((d) => d.status === 'retry');
    assert.ok(pending.every((d) => d.rateLimited === 5), 'each pending one is paced at 5/s');
    assert.ok(pending.slice(1).every((d) => d.waitingBehind === pending[0]!.id));
    assert.equal((await handle.query(subscriptionStatus)).state, 'active', 'pacing is not a failure');

    await delivered(30);
    assert.deepEqual(stub.ids, [], 'no single attempts: the paced runs took them all');
    const posted = callback.posts.map((p) => p.notification.id);
    assert.deepEqual([...new Set(posted)], many.map((n) => n.id), 'in order');
    assert.deepEqual(posted.filter((id) => id === many[27]!.id).length, 2, 'the failed one tried again, the rest once');
    assert.deepEqual(runs[0]!.items.length, 25, 'five seconds of slots in the first run');
    const stopped = runs.find((r) => r.items.some((i) => i.notification.id === many[27]!.id))!;
    assert.ok(posted.indexOf(many[28]!.id) > posted.lastIndexOf(many[27]!.id), 'nothing overtook the failed one');
    assert.equal(stopped.items.at(-1)!.notification.id, many[29]!.id, 'the run was to go on to the end');
    // Every post in its slot or later: the first run's first slot plus one interval per post before it.
    for (const [i, at] of times.entries()) assert.ok(at >= runs[0]!.firstSlotMs + i * 200 - 2, `post ${i} at +${at - runs[0]!.firstSlotMs} ms: not before +${i * 200} ms`);
  });

  test('the last attempt failing deactivates; everything, and what comes later, waits queued; redeliver starts over, in order', async (t) => {
    let receiverBack = false;
    const stub = new AttemptStub();
    stub.answer = () => (receiverBack ? answers.ok : answers.unavailable);
    const { handle, views, viewWhen, delivered } = await subscription(t, { policy: 'retry', items: [item(n1, 9), item(n2)] }, stub);

    const off = await eventually(async () => {
      const s = await handle.query(subscriptionStatus);
      return s.state === 'deactivated' && s;
    }, 'deactivated');
    assert.deepEqual([off.deactivatedReason, off.pending], ['delivery failed 10 times: callback answered 503', 2]);
    await handle.signal(enqueue, { policy: 'retry', items: [item(n3)] });
    const queued = await viewWhen('n3 queued', (v) => v.length === 3);
    assert.deepEqual(queued.map((v) => [v.id, v.status, v.attempts, v.nextAttemptAt, v.waitingBehind]), [[n1.id, 'queued', 10, undefined, undefined], [n2.id, 'queued', 0, undefined, undefined], [n3.id, 'queued', 0, undefined, undefined]]);
    assert.deepEqual(stub.ids, [n1.id], 'nothing tried while deactivated');

    receiverBack = true;
    await handle.signal(redeliver);
    await delivered(3);
    assert.deepEqual(stub.ids, [n1.id, n1.id, n2.id, n3.id]);
    assert.deepEqual([stub.calls[1]!.item.attempts, stub.calls[1]!.item.firstFailureAtMs, stub.calls[1]!.item.nextAttemptAtMs], [0, undefined, undefined], 'the schedule starts again');
    assert.deepEqual((await views()).filter((v) => v.status !== 'delivered'), []);
  });

  test('410 deactivates at once; so does a hand-off saying so, and a failure under the queue policy; retry now reactivates like redeliver', async (t) => {
    const gone = await subscription(t, { policy: 'retry', items: [item(n1, 2), item(n2)] }, Object.assign(new AttemptStub(), { answer: () => answers.gone }));
    const s = await eventually(async () => {
      const status = await gone.handle.query(subscriptionStatus);
      return status.state === 'deactivated' && status;
    }, 'deactivated by a 410');
    assert.equal(s.deactivatedReason, 'callback answered 410');
    assert.deepEqual(gone.stub.ids, [n1.id]);

    const said = await subscription(t, { policy: 'retry', deactivate: 'callback answered 410', items: [item(n1, 1)] });
    const q = await eventually(() => said.handle.query(subscriptionStatus), 'the first status');
    assert.deepEqual([q.state, q.deactivatedReason], ['deactivated', 'callback answered 410']);
    assert.deepEqual(said.stub.ids, [], 'nothing tried');
    await said.handle.signal(retryNow, [n1.id]);
    await said.delivered(1);
    assert.equal(said.stub.calls[0]!.item.attempts, 0, 'reactivated: its schedule starts over');

    const queueStub = new AttemptStub();
    queueStub.answer = (a, call) => (call === 1 ? answers.unavailable : answers.ok);
    const queue = await subscription(t, { policy: 'queue', items: [item(n3)] }, queueStub);
    const off = await eventually(async () => {
      const status = await queue.handle.query(subscriptionStatus);
      return status.state === 'deactivated' && status;
    }, 'deactivated under the queue policy');
    assert.equal(off.deactivatedReason, 'delivery failed and the failure policy is queue');
    assert.deepEqual(queue.stub.ids, [n3.id], 'one attempt, no retries');
  });

  test('continue-as-new carries the queue: every notification delivered once, in order, across runs', async (t) => {
    const stub = new AttemptStub();
    stub.answer = (a, call) => (call % 3 === 1 ? answers.unavailable : answers.ok);
    stub.retryScale = 0.001;
    const items = notes.map((n) => item(n));
    const { handle, delivered } = await subscription(t, { policy: 'retry', items }, stub, { version: 2, maxHistoryEvents: 30 });
    await delivered(items.length);
    const first = items.map((i) => i.notification.id);
    assert.deepEqual([...new Set(stub.ids)], first, 'in order');
    assert.equal(stub.calls.filter((c) => c.item.attempts === 0).length, items.length, 'each first tried once');

    const firstRun = await env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId).fetchHistory();
    const continued = firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    assert.ok(continued, 'the first run continued as new');
    const next = decode<SubscriptionInput>(continued.input!.payloads![0]);
    assert.equal(next.version, 2);
    assert.equal(next.maxHistoryEvents, 30);
    const carried = next.state!.queue.map((p) => p.notification.id);
    assert.ok(carried.length > 0, 'it carried what was still queued');
    assert.deepEqual(carried, first.slice(first.length - carried.length), 'the rest of the queue, in order');
  });

  test('deliveryHealth: each change is signalled to the instances it concerns (an instance that is gone is skipped)', async (t) => {
    const stub = new AttemptStub();
    stub.retryScale = 0.5; // the retry 2 s after the failure
    stub.answer = (a, call) => (call === 1 ? answers.unavailable : answers.ok);
    const worker = await startStubWorker(env, {});
    // An instance whose callback is this URL (its first poll an hour away), and one that does not exist.
    const input = instanceInput({ settings: { callbackUrl: URL } });
    const instance = await startInstance(env.client, worker.taskQueue, input);
    t.after(async () => {
      await instance.terminate('test over').catch(() => undefined);
      await worker.stop();
    });
    const a = input.instance.id;
    const gone = 424242;
    const { handle, delivered } = await subscription(t, { policy: 'retry', items: [item(n1, 0, { instanceId: a }), item(n2, 0, { instanceId: gone })] }, stub);

    const degraded = await eventually(async () => {
      const s = await instance.query(status);
      return s.health?.state === 'degraded' && s.health;
    }, "the instance's health, told of the retries");
    assert.deepEqual(degraded.reasons, [`deliveries to ${URL} are being retried: callback answered 503`]);
    await delivered(2);
    await eventually(async () => (await instance.query(status)).health?.state === 'healthy', 'healthy again once delivered');

    const sent = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const s = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
      return s ? [[s.workflowExecution?.workflowId, s.signalName, decode<DeliveryHealth>(s.input!.payloads![0]).state]] : [];
    });
    assert.deepEqual(sent, [
      [`instance-${a}`, 'deliveryHealth', 'retrying'],
      [`instance-${gone}`, 'deliveryHealth', 'retrying'],
      [`instance-${a}`, 'deliveryHealth', 'active'],
      [`instance-${gone}`, 'deliveryHealth', 'active'],
    ]);
    assert.equal((await handle.describe()).status.name, 'RUNNING', 'a signal to a gone instance does not fail the subscription');
  });

  test('a run of the previous release migrates at its first live turn: its queue and state carried, then delivered by attempts', async (t) => {
    const stub = new AttemptStub();
    const { handle, delivered } = await subscription(t, { policy: 'retry', items: [item(n1, 2), item(n2)] }, stub, {});
    await delivered(2);
    assert.deepEqual(stub.ids, [n1.id, n2.id]);
    assert.equal(stub.calls[0]!.item.attempts, 2, 'its attempts carried over');
    const firstRun = await env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId).fetchHistory();
    const continued = firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    assert.ok(continued, 'the previous release continued as new');
    assert.equal(decode<SubscriptionInput>(continued.input!.payloads![0]).version, 2);

    // A deactivated one stays deactivated, queued, until a redeliver.
    const state: SubscriptionStateV1 = { active: false, deactivatedReason: 'delivery failed 10 times: callback answered 503', queue: [item(n4, 10)], delivered: [] };
    const off = await subscription(t, { policy: 'retry', items: [] }, new AttemptStub(), { state } as Partial<SubscriptionInputV1>);
    const queued = await off.viewWhen('queued after migrating', (v) => v.length === 1);
    assert.deepEqual([queued[0]!.id, queued[0]!.status, queued[0]!.attempts], [n4.id, 'queued', 10]);
    const current: WorkflowHandle = env.client.workflow.getHandle(off.handle.workflowId);
    assert.notEqual((await current.describe()).runId, off.handle.signaledRunId, 'it runs on as the current workflow');
    await off.handle.signal(redeliver);
    await off.delivered(1);
    const migrated = decode<{ state: SubscriptionState }>((await env.client.workflow.getHandle(off.handle.workflowId, off.handle.signaledRunId).fetchHistory()).events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!.input!.payloads![0]).state;
    assert.deepEqual([migrated.active, migrated.policy, migrated.reported.state], [false, 'retry', 'active']);
  });
});
