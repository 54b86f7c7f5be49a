/**
 * deliverNotification, the retry path's attempt, under the SDK's MockActivityEnvironment: attempts counted across the
 * direct attempt and Temporal's retries, the next delay named from the 4^x schedule (scaled), the last attempt and
 * 410 / a refused URL failing for good. Scripted answers first, then the real callback poster against a real receiver.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { createCallbackPoster, type DeliveryOutcome } from '../../activities/callback';
import { createDeliverNotification } from '../../activities/deliverNotification';
import { noJournal } from '../../activities/journal';
import type { PendingNotification } from '../../contract/delivery';
import { FailureType } from '../../contract/failures';
import { deliveryRetryDueAt, MAX_DELIVERY_ATTEMPTS } from '../../contract/retryPolicy';
import { outcomes, ScriptedCallback } from '../fakes/activityDeps';
import { CALLBACK_URL, contacts, INSTANCE, notificationsOf } from '../fakes/pageRun';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { failureOf, runAttempt } from '../support/activityEnvironment';

const [notification] = notificationsOf(contacts('q', 1));

function pending(attempts: number, firstFailureAtMs?: number, callbackUrl = CALLBACK_URL): PendingNotification {
  return { notification: notification!, callbackUrl, signatureKey: 'k', instanceId: INSTANCE.id, resource: 'contacts', attempts, firstFailureAtMs, enqueuedAtMs: 0 };
}

/** deliverNotification with a callback that answers `outcome`, and the posts it made. */
function scripted(outcome: DeliveryOutcome, retryScale = 1) {
  const callback = new ScriptedCallback([]);
  callback.answer = () => outcome;
  return { deliverNotification: createDeliverNotification({ postNotification: callback.post, retryScale, journal: noJournal }), callback };
}

const attemptsOf = (err: Error): number => ((err as ApplicationFailure).details?.[0] as { attempts: number }).attempts;

describe('deliverNotification: attempts and their failures', () => {
  const delivered = [
    { queued: 0, attempt: 1, total: 1 },
    { queued: 1, attempt: 1, total: 2 },
    { queued: 1, attempt: 4, total: 5 },
    { queued: 0, attempt: 10, total: 10 },
  ];
  for (const c of delivered) {
    test(`delivered on Temporal's attempt ${c.attempt} of an item that failed ${c.queued} times: attempts in all ${c.total}`, async () => {
      const { deliverNotification, callback } = scripted({ ok: true, status: 204 });
      assert.equal(await runAttempt(deliverNotification, [pending(c.queued, 1)], { attempt: c.attempt }), c.total);
      assert.deepEqual(callback.posts.map((p) => [p.url, p.notification.id, p.signatureKey]), [[CALLBACK_URL, notification!.id, 'k']]);
    });
  }

  const failed: { name: string; outcome: DeliveryOutcome; queued: number; attempt: number; type: string; nonRetryable: boolean; message: RegExp }[] = [
    { name: 'a 503 before the last attempt is retried', outcome: outcomes.unavailable, queued: 1, attempt: 1, type: FailureType.deliveryFailed, nonRetryable: false, message: /\(attempt 2\)$/ },
    { name: 'a 503 on the tenth attempt is the last', outcome: outcomes.unavailable, queued: 1, attempt: 9, type: FailureType.deliveryFailed, nonRetryable: true, message: /attempt 10, the last/ },
    { name: 'a 503 with more than ten attempts counted is the last too', outcome: outcomes.unavailable, queued: 4, attempt: 7, type: FailureType.deliveryFailed, nonRetryable: true, message: /attempt 11, the last/ },
    { name: '410 Gone ends the retries at once', outcome: outcomes.gone, queued: 3, attempt: 2, type: FailureType.callbackGone, nonRetryable: true, message: /410/ },
    { name: 'a refused URL ends the retries at once', outcome: outcomes.refused, queued: 3, attempt: 2, type: FailureType.callbackRefused, nonRetryable: true, message: /refused/ },
  ];
  for (const c of failed) {
    test(c.name, async () => {
      const { deliverNotification } = scripted(c.outcome);
      const err = await failureOf(deliverNotification, [pending(c.queued, Date.now())], { attempt: c.attempt });
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, c.type);
      assert.equal(err.nonRetryable, c.nonRetryable);
      assert.match(err.message, c.message);
      assert.equal(attemptsOf(err), c.queued + c.attempt, 'the attempts so far, for the subscription to show');
      if (c.nonRetryable) assert.equal(err.nextRetryDelay, undefined);
    });
  }
});

describe('deliverNotification: the next retry delay', () => {
  /** The delay a failed attempt named, with the bounds the schedule allows given when the attempt ran. */
  async function delayOf(item: PendingNotification, attempt: number, retryScale: number) {
    const { deliverNotification } = scripted(outcomes.unavailable, retryScale);
    const before = Date.now();
    const err = await failureOf(deliverNotification, [item], { attempt });
    const after = Date.now();
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(typeof err.nextRetryDelay, 'number');
    return { delay: err.nextRetryDelay as number, before, after };
  }

  test('retry x is due 4^x s after the first failure, times the retry scale', async () => {
    const first = Date.now() - 1000;
    // Two attempts made (the direct one and this one): the second retry is due 4² s × 0.5 = 8 s after the first failure.
    const { delay, before, after } = await delayOf(pending(1, first), 1, 0.5);
    const due = first + 8000;
    assert.equal(deliveryRetryDueAt(first, 2, 0.5), due);
    assert.ok(delay >= due - after && delay <= due - before, `${delay} ms is the time left until ${due}`);
  });

  test('a retry already due waits 10 ms (a zero delay would end the retries)', async () => {
    const { delay } = await delayOf(pending(1, Date.now() - 10 * 24 * 3600_000), 2, 1);
    assert.equal(delay, 10);
  });

  test('an item without a first failure counts from now', async () => {
    const { delay, before, after } = await delayOf(pending(2), 1, 0.001);
    // 4³ s × 0.001 = 64 ms after the attempt.
    assert.ok(delay <= 64 && delay >= 64 - (after - before), `${delay}`);
  });

  test('property: the last attempt is the tenth; before it every failure names a delay of at least 10 ms, within the schedule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 0.01, 0.001), fc.integer({ min: 0, max: 400_000 }), async (queued, attempt, scale, ago) => {
        const { deliverNotification } = scripted(outcomes.unavailable, scale);
        const first = Date.now() - ago;
        const before = Date.now();
        const err = await failureOf(deliverNotification, [pending(queued, first)], { attempt });
        assert.ok(err instanceof ApplicationFailure);
        const attempts = queued + attempt;
        assert.equal(attemptsOf(err), attempts);
        assert.equal(err.nonRetryable, attempts >= MAX_DELIVERY_ATTEMPTS);
        if (attempts < MAX_DELIVERY_ATTEMPTS) {
          const delay = err.nextRetryDelay as number;
          assert.ok(delay >= 10 && delay <= Math.max(10, deliveryRetryDueAt(first, attempts, scale) - before), `${delay}`);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('deliverNotification with the real callback poster', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  test('a receiver answering 410 ends the retries as Gone; answering 200 delivers', async () => {
    const deliverNotification = createDeliverNotification({ postNotification: createCallbackPoster({ perHostConcurrency: 2, allowPrivate: true }), retryScale: 1, journal: noJournal });
    receiver.respondWith(410);
    const err = await failureOf(deliverNotification, [pending(2, Date.now(), receiver.url)], { attempt: 1 });
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, FailureType.callbackGone);
    assert.equal(err.nonRetryable, true);
    receiver.respondWith(200);
    assert.equal(await runAttempt(deliverNotification, [pending(2, Date.now(), receiver.url)], { attempt: 2 }), 4);
    assert.deepEqual(receiver.received.map((r) => r.body.id), [notification!.id]);
  });

  test('a loopback callback under the public-only policy is refused without a request', async () => {
    const deliverNotification = createDeliverNotification({ postNotification: createCallbackPoster({ perHostConcurrency: 2, allowPrivate: false }), retryScale: 1, journal: noJournal });
    const attempts = receiver.attempts;
    const err = await failureOf(deliverNotification, [pending(0, Date.now(), receiver.url)], { attempt: 1 });
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, FailureType.callbackRefused);
    assert.equal(err.nonRetryable, true);
    assert.equal(receiver.attempts, attempts, 'the receiver saw nothing');
  });
});
