/**
 * attemptDelivery, one attempt of a queued notification, under the SDK's MockActivityEnvironment: a failed delivery is
 * an answer (never a thrown failure), with the attempts in all, the worker's retry scale and a receiver's Retry-After;
 * the delivery log gets the state it leaves. deliverPaced, a rate-limited run: each post in its slot, never two within
 * an interval, stopping at the first failure, resuming after what its heartbeat says was done. Then the real callback
 * poster against a real receiver: Retry-After as seconds and as an HTTP date on a 429 or 503, ignored otherwise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCallbackPoster, type DeliveryOutcome } from '../../activities/callback';
import { createAttemptDelivery } from '../../activities/deliverAttempt';
import { createDeliverPaced } from '../../activities/deliverPaced';
import { noJournal, type Journal } from '../../activities/journal';
import type { PacedDeliveriesResult, PendingNotification } from '../../contract/delivery';
import { deliveryRetryDueAt, MAX_DELIVERY_ATTEMPTS, RETRY_AFTER_CAP_MS } from '../../contract/retryPolicy';
import type { DeliveryChange } from '../../store/types';
import { ScriptedCallback } from '../fakes/activityDeps';
import { CALLBACK_URL, contacts, INSTANCE, notificationsOf } from '../fakes/pageRun';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { runAttempt } from '../support/activityEnvironment';

const [notification, ...others] = notificationsOf(contacts('a', 6));

function pending(attempts: number, firstFailureAtMs?: number, callbackUrl = CALLBACK_URL): PendingNotification {
  return { notification: notification!, callbackUrl, signatureKey: 'k', instanceId: INSTANCE.id, resource: 'contacts', attempts, firstFailureAtMs, enqueuedAtMs: 0 };
}

/** attemptDelivery with a callback that answers `outcome`, and what it wrote to the delivery log. */
function scripted(outcome: DeliveryOutcome, retryScale = 1) {
  const callback = new ScriptedCallback([]);
  callback.answer = () => outcome;
  const logged: { id: string; change: DeliveryChange }[] = [];
  const journal: Journal = { ...noJournal, delivery: async (id, change) => void logged.push({ id, change }) };
  return { attemptDelivery: createAttemptDelivery({ postNotification: callback.post, retryScale, journal }), callback, logged };
}

describe('attemptDelivery: the answer and the delivery log', () => {
  test('delivered: the attempts in all, logged as delivered', async () => {
    const { attemptDelivery, callback, logged } = scripted({ ok: true, status: 204 });
    const result = await runAttempt(attemptDelivery, [{ item: pending(3, 1) }]);
    assert.deepEqual([result.ok, result.status, result.attempts, result.retryScale], [true, 204, 4, 1]);
    assert.deepEqual(callback.posts.map((p) => [p.url, p.notification.id, p.signatureKey]), [[CALLBACK_URL, notification!.id, 'k']]);
    assert.deepEqual(logged.map((l) => [l.id, l.change.status, l.change.attempts, l.change.deliveredAtMs]), [[notification!.id, 'delivered', 4, result.atMs]]);
  });

  const failures: { name: string; outcome: DeliveryOutcome; queued: number; status: 'retry' | 'queued'; next?: (first: number, at: number) => number }[] = [
    { name: 'a 503 is answered, not thrown; logged retry with the next on the schedule', outcome: { ok: false, status: 503, error: 'callback answered 503' }, queued: 1, status: 'retry', next: (first) => deliveryRetryDueAt(first, 2, 0.5) },
    { name: "a 429 with Retry-After: logged with the receiver's time", outcome: { ok: false, status: 429, error: 'callback answered 429', retryAfterMs: 90_000 }, queued: 1, status: 'retry', next: (_, at) => at + 90_000 },
    { name: 'a Retry-After of two hours is logged capped at one', outcome: { ok: false, status: 503, error: 'callback answered 503', retryAfterMs: 7_200_000 }, queued: 1, status: 'retry', next: (_, at) => at + RETRY_AFTER_CAP_MS },
    { name: 'the last attempt: logged queued', outcome: { ok: false, status: 503, error: 'callback answered 503' }, queued: MAX_DELIVERY_ATTEMPTS - 1, status: 'queued' },
    { name: '410: logged queued', outcome: { ok: false, status: 410, error: 'callback answered 410' }, queued: 1, status: 'queued' },
  ];
  for (const c of failures) {
    test(c.name, async () => {
      const first = Date.now() - 1000;
      const { attemptDelivery, logged } = scripted(c.outcome, 0.5);
      const result = await runAttempt(attemptDelivery, [{ item: pending(c.queued, first) }]);
      assert.deepEqual([result.ok, result.status, result.error, result.attempts, result.retryAfterMs, result.retryScale], [false, c.outcome.status, c.outcome.error, c.queued + 1, c.outcome.retryAfterMs, 0.5]);
      const [entry] = logged;
      assert.deepEqual([entry!.change.status, entry!.change.attempts, entry!.change.lastError], [c.status, c.queued + 1, c.outcome.error]);
      assert.equal(entry!.change.nextAttemptAtMs, c.next?.(first, result.atMs));
    });
  }

  test("a retried attempt of the activity (its worker lost) counts the item's attempts, not Temporal's", async () => {
    const { attemptDelivery } = scripted({ ok: false, status: 0, error: 'callback unreachable' });
    const result = await runAttempt(attemptDelivery, [{ item: pending(2, 1) }], { attempt: 3 });
    assert.equal(result.attempts, 3);
  });
});

describe('deliverPaced: a rate-limited run', () => {
  const items = others.map((n) => ({ ...pending(0), notification: n }));
  /** deliverPaced posting to a callback that answers by `answer`, taking `ms` per post; the posts' start times. */
  function paced(answer: (i: number) => DeliveryOutcome = () => ({ ok: true, status: 200 }), ms = 0) {
    const starts: number[] = [];
    const posted: string[] = [];
    const deliverPaced = createDeliverPaced({
      postNotification: async (_url, n) => {
        starts.push(Date.now());
        posted.push(n.id);
        await new Promise((r) => setTimeout(r, ms));
        return answer(posted.length - 1);
      },
      retryScale: 1,
      journal: noJournal,
    });
    return { deliverPaced, starts, posted };
  }

  test('each post in its slot: the first, then one interval after another', async () => {
    const { deliverPaced, starts } = paced();
    const firstSlotMs = Date.now() + 40;
    const run = await runAttempt(deliverPaced, [{ items, intervalMs: 60, firstSlotMs }]);
    assert.equal(run.results.length, items.length);
    assert.ok(run.results.every((r) => r.ok && r.attempts === 1));
    // A busy machine may run a post after its slot, never before; the slots only move later from there.
    starts.forEach((at, i) => assert.ok(at >= firstSlotMs + i * 60 - 1, `post ${i} at +${at - firstSlotMs} ms, its slot +${i * 60}`));
    assert.ok(run.lastSlotMs! >= firstSlotMs + (items.length - 1) * 60);
    assert.ok(run.lastSlotMs! <= starts.at(-1)! + 1, 'the last slot is when the last post went');
  });

  test('a slow receiver is not made up for: never two posts within an interval', async () => {
    const { deliverPaced, starts } = paced(undefined, 80);
    await runAttempt(deliverPaced, [{ items: items.slice(0, 4), intervalMs: 50, firstSlotMs: Date.now() }]);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 50, `posts ${i - 1} and ${i}: ${starts[i]! - starts[i - 1]!} ms apart`);
  });

  test('it stops at the first failure: nothing after it is tried', async () => {
    const { deliverPaced, posted } = paced((i) => (i === 1 ? { ok: false, status: 503, error: 'callback answered 503' } : { ok: true, status: 200 }));
    const run = await runAttempt(deliverPaced, [{ items, intervalMs: 10, firstSlotMs: Date.now() }]);
    assert.deepEqual(run.results.map((r) => [r.ok, r.status]), [[true, 200], [false, 503]]);
    assert.deepEqual(posted, items.slice(0, 2).map((i) => i.notification.id));
  });

  test('a retried run (its worker lost) goes on after what its heartbeat says was delivered', async () => {
    const { deliverPaced, posted } = paced();
    const before: PacedDeliveriesResult = { results: [{ ok: true, status: 200, attempts: 1, atMs: 1, retryScale: 1 }, { ok: true, status: 200, attempts: 1, atMs: 2, retryScale: 1 }], lastSlotMs: Date.now() - 1000 };
    const run = await runAttempt(deliverPaced, [{ items, intervalMs: 10, firstSlotMs: 0 }], { attempt: 2, heartbeatDetails: before });
    assert.deepEqual(posted, items.slice(2).map((i) => i.notification.id));
    assert.equal(run.results.length, items.length);
    assert.deepEqual(run.results.slice(0, 2), before.results);
  });
});

describe('attemptDelivery with the real callback poster', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());
  const attemptDelivery = createAttemptDelivery({ postNotification: createCallbackPoster({ perHostConcurrency: 2, allowPrivate: true }), retryScale: 1, journal: noJournal });

  const cases: { name: string; status: number; retryAfter: () => string; expect: (ms: number | undefined) => boolean }[] = [
    { name: '429 with Retry-After in seconds', status: 429, retryAfter: () => '3', expect: (ms) => ms === 3000 },
    { name: '503 with Retry-After as an HTTP date', status: 503, retryAfter: () => new Date(Date.now() + 120_000).toUTCString(), expect: (ms) => ms !== undefined && ms > 110_000 && ms <= 120_000 },
    { name: '429 with a date already past: 0', status: 429, retryAfter: () => new Date(Date.now() - 60_000).toUTCString(), expect: (ms) => ms === 0 },
    { name: '429 with a Retry-After that is no time: none', status: 429, retryAfter: () => 'soon', expect: (ms) => ms === undefined },
    { name: '500 with Retry-After: not honoured', status: 500, retryAfter: () => '3', expect: (ms) => ms === undefined },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      receiver.respondWith({ status: c.status, headers: { 'Retry-After': c.retryAfter() } });
      const result = await runAttempt(attemptDelivery, [{ item: pending(1, Date.now(), receiver.url) }]);
      assert.equal(result.status, c.status);
      assert.ok(c.expect(result.retryAfterMs), `retryAfterMs ${result.retryAfterMs}`);
    });
  }
});
