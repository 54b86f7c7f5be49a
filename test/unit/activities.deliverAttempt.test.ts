/**
 * attemptDelivery, one attempt of a queued notification, under the SDK's MockActivityEnvironment: a failed delivery is
 * an answer (never a thrown failure), with the attempts in all, the worker's retry scale and a receiver's Retry-After;
 * the delivery log gets the state it leaves. Then the real callback poster against a real receiver: Retry-After as
 * seconds and as an HTTP date on a 429 or 503, and ignored on other statuses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCallbackPoster, type DeliveryOutcome } from '../../activities/callback';
import { createAttemptDelivery } from '../../activities/deliverAttempt';
import { noJournal, type Journal } from '../../activities/journal';
import type { PendingNotification } from '../../contract/delivery';
import { deliveryRetryDueAt, MAX_DELIVERY_ATTEMPTS, RETRY_AFTER_CAP_MS } from '../../contract/retryPolicy';
import type { DeliveryChange } from '../../store/types';
import { ScriptedCallback } from '../fakes/activityDeps';
import { CALLBACK_URL, contacts, INSTANCE, notificationsOf } from '../fakes/pageRun';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { runAttempt } from '../support/activityEnvironment';

const [notification] = notificationsOf(contacts('a', 1));

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
