/**
 * The subscription's rules without Temporal (workflows/subscriptionQueue.ts, contract/retryPolicy.ts): when the next
 * attempt is due after a failure (the schedule, a receiver's Retry-After capped at an hour), what an attempt's answer
 * leaves, what the head waits for, retry now keeping the order, the rate limit's pace, and when the instances hear of
 * a change. Tables for the cases, fast-check for the rules that hold for every input.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeliveryAttemptResult, PendingNotification, SubscriptionState } from '../../contract/delivery';
import { deliveryRetryDueAt, dueAtMs, MAX_DELIVERY_ATTEMPTS, nextAttemptAfter, RETRY_AFTER_CAP_MS } from '../../contract/retryPolicy';
import type { NotificationBody } from '../../core/envelope';
import * as queue from '../../workflows/subscriptionQueue';
import { deliveryViews, subscriptionStatusOf } from '../../workflows/subscriptionView';
import { contacts, notificationsOf } from '../fakes/pageRun';

const URL = 'https://hooks.example/q';
const notes = notificationsOf(contacts('u', 12)) as NotificationBody[];
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

function item(i: number, overrides: Partial<PendingNotification> = {}): PendingNotification {
  return { notification: notes[i]!, callbackUrl: URL, instanceId: 100 + (i % 3), resource: 'contacts', attempts: 0, enqueuedAtMs: T0, ...overrides };
}

function stateWith(items: PendingNotification[], overrides: Partial<SubscriptionState> = {}): SubscriptionState {
  return { ...queue.newSubscriptionState(), queue: items, ...overrides };
}

const failed = (attempts: number, overrides: Partial<DeliveryAttemptResult> = {}): DeliveryAttemptResult => ({ ok: false, status: 503, error: 'callback answered 503', attempts, atMs: T0 + 1000, retryScale: 1, ...overrides });

describe('the next attempt after a failure', () => {
  const cases: { name: string; retryAfterMs?: number; next: number; retryAfterAt?: number }[] = [
    { name: 'no Retry-After: the schedule', next: deliveryRetryDueAt(T0, 2, 1) },
    { name: 'a Retry-After shorter than the schedule: still the schedule', retryAfterMs: 3000, next: deliveryRetryDueAt(T0, 2, 1), retryAfterAt: T0 + 5000 + 3000 },
    { name: 'a Retry-After longer than the schedule: the receiver', retryAfterMs: 60_000, next: T0 + 5000 + 60_000, retryAfterAt: T0 + 5000 + 60_000 },
    { name: 'a Retry-After of a day: an hour', retryAfterMs: 24 * 3600_000, next: T0 + 5000 + RETRY_AFTER_CAP_MS, retryAfterAt: T0 + 5000 + RETRY_AFTER_CAP_MS },
    { name: 'a date in the past (0): the schedule', retryAfterMs: 0, next: deliveryRetryDueAt(T0, 2, 1), retryAfterAt: T0 + 5000 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const next = nextAttemptAfter({ attempts: 2, firstFailureAtMs: T0, failedAtMs: T0 + 5000, retryAfterMs: c.retryAfterMs, scale: 1 });
      assert.equal(dueAtMs(next), c.next);
      assert.equal(next.retryAfterAtMs, c.retryAfterAt);
    });
  }

  test('property: never before the schedule, never before the (capped) Retry-After, never more than an hour past both', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 10_000_000 }), fc.option(fc.integer({ min: 0, max: 10 * 24 * 3600_000 }), { nil: undefined }), fc.constantFrom(1, 0.01, 0.001), (attempts, ago, retryAfterMs, scale) => {
        const failedAtMs = T0 + ago;
        const next = nextAttemptAfter({ attempts, firstFailureAtMs: T0, failedAtMs, retryAfterMs, scale });
        const due = dueAtMs(next)!;
        const schedule = deliveryRetryDueAt(T0, attempts, scale);
        assert.ok(due >= schedule);
        if (retryAfterMs !== undefined) assert.ok(due >= failedAtMs + Math.min(retryAfterMs, RETRY_AFTER_CAP_MS));
        assert.ok(due <= Math.max(schedule, failedAtMs + RETRY_AFTER_CAP_MS));
      }),
    );
  });
});

describe("an attempt's answer", () => {
  const cases: { name: string; attempts: number; result: Partial<DeliveryAttemptResult>; policy?: 'retry' | 'queue'; settled: queue.Settled; reason?: string }[] = [
    { name: 'delivered', attempts: 0, result: { ok: true, status: 204 }, settled: 'delivered' },
    { name: 'a 503: the next on the schedule', attempts: 0, result: {}, settled: 'retry' },
    { name: 'a 503 on the last attempt deactivates', attempts: MAX_DELIVERY_ATTEMPTS - 1, result: {}, settled: 'deactivated', reason: `delivery failed ${MAX_DELIVERY_ATTEMPTS} times: callback answered 503` },
    { name: '410 deactivates at once', attempts: 1, result: { status: 410, error: 'callback answered 410' }, settled: 'deactivated', reason: 'callback answered 410' },
    { name: 'a refused URL deactivates at once', attempts: 0, result: { status: 0, refused: true, error: 'callback refused: private' }, settled: 'deactivated', reason: 'callback refused: private' },
    { name: "a failure under the 'queue' policy deactivates", attempts: 0, result: {}, policy: 'queue', settled: 'deactivated', reason: 'delivery failed and the failure policy is queue' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const head = item(0, { attempts: c.attempts, firstFailureAtMs: c.attempts > 0 ? T0 : undefined });
      const state = stateWith([head, item(1)], { policy: c.policy ?? 'retry' });
      const settled = queue.settle(state, head, failed(c.attempts + 1, c.result), T0 + 2000);
      assert.equal(settled, c.settled);
      assert.equal(state.deactivatedReason, c.reason);
      if (settled === 'delivered') {
        assert.deepEqual(state.queue.map((p) => p.notification.id), [notes[1]!.id]);
        assert.deepEqual(state.delivered.map((d) => [d.id, d.attempts, d.deliveredAtMs, d.createdDate, d.instanceName]), [[notes[0]!.id, 1, T0 + 2000, notes[0]!.createdDate, notes[0]!.message.instanceName]]);
      } else {
        assert.equal(state.queue[0], head);
        assert.deepEqual([head.attempts, head.lastError], [c.attempts + 1, c.result.error ?? 'callback answered 503']);
        assert.equal(head.firstFailureAtMs, c.attempts > 0 ? T0 : T0 + 1000, 'the first failure is kept, or is this one');
        if (settled === 'retry') assert.equal(head.nextAttemptAtMs, deliveryRetryDueAt(head.firstFailureAtMs!, c.attempts + 1, 1));
      }
    });
  }

  test('the delivered summaries keep the newest', () => {
    const state = stateWith([]);
    for (let i = 0; i < queue.DELIVERED_KEPT + 5; i++) {
      const head = item(i % notes.length, { notification: { ...notes[i % notes.length]!, id: `id-${i}` } });
      state.queue.push(head);
      queue.settle(state, head, { ...failed(1), ok: true, status: 200 }, T0 + i);
    }
    assert.equal(state.delivered.length, queue.DELIVERED_KEPT);
    assert.equal(state.delivered.at(-1)!.id, `id-${queue.DELIVERED_KEPT + 4}`);
  });
});

describe('what the head waits for', () => {
  const cases: { name: string; head: Partial<PendingNotification>; rate?: number; pacedAtMs?: number; due?: queue.HeadDue }[] = [
    { name: 'nothing: at once', head: {} },
    { name: 'the schedule', head: { nextAttemptAtMs: T0 + 4000 }, due: { atMs: T0 + 4000, reason: 'schedule' } },
    { name: 'a Retry-After past the schedule', head: { nextAttemptAtMs: T0 + 4000, retryAfterAtMs: T0 + 9000 }, due: { atMs: T0 + 9000, reason: 'retryAfter' } },
    { name: 'a Retry-After the schedule passes: the schedule', head: { nextAttemptAtMs: T0 + 4000, retryAfterAtMs: T0 + 4000 }, due: { atMs: T0 + 4000, reason: 'schedule' } },
    { name: 'the pace', head: {}, rate: 4, pacedAtMs: T0, due: { atMs: T0 + 250, reason: 'rateLimit' } },
    { name: 'the schedule past the pace', head: { nextAttemptAtMs: T0 + 4000 }, rate: 4, pacedAtMs: T0, due: { atMs: T0 + 4000, reason: 'schedule' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(queue.headDue(stateWith([item(0, c.head), item(1)], { rateLimit: c.rate, pacedAtMs: c.pacedAtMs })), c.due);
    });
  }
});

describe('retry now', () => {
  test('property: what is made due is the queue up to the last notification asked for; the rest keep their waits; the order never changes', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), fc.option(fc.subarray([...notes.keys()]), { nil: undefined }), (waiting, asked) => {
        const items = waiting.map((w, i) => item(i, w ? { attempts: 1, nextAttemptAtMs: T0 + 10_000 + i, retryAfterAtMs: T0 + 20_000 } : {}));
        const state = stateWith(items);
        const before = items.map((p) => p.notification.id);
        const ids = asked?.map((i) => notes[i]!.id);
        const due = queue.retryNow(state, ids);
        const last = ids === undefined ? items.length - 1 : Math.max(-1, ...items.flatMap((p, i) => (ids.includes(p.notification.id) ? [i] : [])));
        assert.deepEqual(due, before.slice(0, last + 1));
        assert.deepEqual(state.queue.map((p) => p.notification.id), before);
        state.queue.forEach((p, i) => {
          if (i <= last) assert.deepEqual([p.nextAttemptAtMs, p.retryAfterAtMs], [undefined, undefined]);
          else assert.equal(p.nextAttemptAtMs, waiting[i] ? T0 + 10_000 + i : undefined);
        });
      }),
    );
  });

  test('on a deactivated subscription: reactivated, every schedule starts over', () => {
    const state = stateWith([item(0, { attempts: 10, firstFailureAtMs: T0, lastError: 'callback answered 503' }), item(1)], { active: false, deactivatedReason: 'delivery failed 10 times' });
    assert.deepEqual(queue.retryNow(state, [notes[1]!.id]), [notes[0]!.id, notes[1]!.id]);
    assert.deepEqual([state.active, state.deactivatedReason, state.queue[0]!.attempts, state.queue[0]!.firstFailureAtMs], [true, undefined, 0, undefined]);
  });
});

describe("the rate limit's pace", () => {
  test('property: never two slots within an interval; none is after its attempt', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 50, noNaN: true }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 40 }), (rate, lateness) => {
        const state = stateWith([], { rateLimit: rate });
        const interval = queue.paceIntervalMs(rate);
        let now = T0;
        const slots: number[] = [];
        for (const late of lateness) {
          const slot = queue.nextPaceSlot(state, now);
          now = Math.max(now, slot) + late; // the attempt comes when its slot has come, `late` ms after
          assert.ok(slot <= now);
          state.pacedAtMs = slot;
          slots.push(slot);
        }
        // ms near 1.8e12 carry ~1e-4 of rounding
        for (let i = 1; i < slots.length; i++) assert.ok(slots[i]! - slots[i - 1]! >= interval - 1e-3, `slot ${i}`);
      }),
    );
  });

  test('the next slot is an interval after the last, or now when that has passed (a late one is not made up for)', () => {
    const state = stateWith([], { rateLimit: 5, pacedAtMs: T0 });
    assert.equal(queue.nextPaceSlot(state, T0 + 100), T0 + 200, 'ahead of time: its slot');
    assert.equal(queue.nextPaceSlot(state, T0 + 230), T0 + 230, '30 ms late: now');
    assert.equal(queue.nextPaceSlot(state, T0 + 5000), T0 + 5000, 'after a pause: now');
    assert.equal(queue.nextPaceSlot(stateWith([]), T0 + 7), T0 + 7, 'no rate: now');
  });

  const runs: { name: string; rate: number; items: Partial<PendingNotification>[]; taken: number }[] = [
    { name: 'every one due, fewer than five seconds of slots', rate: 5, items: Array.from({ length: 12 }, () => ({})), taken: 12 },
    { name: 'at 0.1/s: the head alone', rate: 0.1, items: [{}, {}, {}], taken: 1 },
    { name: 'the first one not due ends the run', rate: 5, items: [{}, {}, { attempts: 1, nextAttemptAtMs: T0 + 60_000 }, {}], taken: 2 },
    { name: 'a head that is due with a past schedule', rate: 5, items: [{ attempts: 1, nextAttemptAtMs: T0 - 1 }, {}], taken: 2 },
  ];
  for (const c of runs) {
    test(`a paced run: ${c.name}`, () => {
      const state = stateWith(c.items.map((o, i) => item(i, o)), { rateLimit: c.rate });
      assert.deepEqual(queue.pacedRun(state, T0).map((p) => p.notification.id), notes.slice(0, c.taken).map((n) => n.id));
    });
  }

  test('a paced run holds at most five seconds of slots', () => {
    const many = Array.from({ length: 40 }, (_, i) => item(i % notes.length, { notification: { ...notes[i % notes.length]!, id: `id-${i}` } }));
    assert.equal(queue.pacedRun(stateWith(many, { rateLimit: 5 }), T0).length, 25);
    assert.equal(queue.pacedRun(stateWith(many, { rateLimit: 50 }), T0).length, 40);
  });
});

describe('hand-offs, health and who hears of it', () => {
  test('a repeated hand-off adds nothing; the latest policy and rate limit are the subscription’s', () => {
    const state = stateWith([]);
    assert.equal(queue.enqueue(state, { policy: 'retry', rateLimit: 5, items: [item(0), item(1)] }).length, 2);
    queue.settle(state, state.queue[0]!, { ...failed(1), ok: true, status: 200 }, T0);
    assert.deepEqual(queue.enqueue(state, { policy: 'retry', items: [item(0), item(1), item(2)] }).map((p) => p.notification.id), [notes[2]!.id]);
    assert.deepEqual([state.queue.length, state.rateLimit], [2, undefined], 'a hand-off without a rate limit clears it');
    queue.enqueue(state, { policy: 'retry', rateLimit: -1, items: [] });
    assert.equal(state.rateLimit, undefined, 'a rate that is no rate is none');
  });

  test('changes of health, and the instances told of each', () => {
    const state = stateWith([]);
    const added = queue.enqueue(state, { policy: 'retry', items: [item(0), item(1)] });
    assert.deepEqual(queue.newcomers(state, added), [], 'active: nobody needs telling yet');
    assert.equal(queue.healthChange(state), undefined);

    queue.settle(state, state.queue[0]!, failed(1), T0 + 1000);
    assert.deepEqual(queue.healthChange(state), { health: { state: 'retrying', lastError: 'callback answered 503' }, recipients: [100, 101] });
    assert.equal(queue.healthChange(state), undefined, 'told once');
    // An instance handing over while it retries is told at once.
    assert.deepEqual(queue.newcomers(state, queue.enqueue(state, { policy: 'retry', items: [item(2)] })), [102]);

    queue.settle(state, state.queue[0]!, { ...failed(2), ok: true, status: 200 }, T0 + 5000);
    assert.deepEqual(queue.healthChange(state), { health: { state: 'active' }, recipients: [100, 101, 102] }, 'the one delivered hears it too');

    queue.settle(state, state.queue[0]!, failed(10), T0 + 6000);
    assert.deepEqual(queue.healthChange(state)?.health, { state: 'deactivated', lastError: 'delivery failed 10 times: callback answered 503' });
    queue.reactivate(state);
    assert.deepEqual(queue.healthChange(state)?.health, { state: 'active' }, 'reactivated');
  });
});

describe('the view', () => {
  test('the head names its next attempt and why; the rest wait behind it; deactivated, all are queued', () => {
    const head = item(0, { attempts: 2, lastError: 'callback answered 429', nextAttemptAtMs: T0 + 16_000, retryAfterAtMs: T0 + 60_000, retryAfterWaits: 1 });
    const state = stateWith([head, item(1)], { rateLimit: 2, pacedAtMs: T0 });
    const [first, second] = deliveryViews(URL, state);
    assert.deepEqual(
      [first!.nextAttemptAt, first!.retryAfter, first!.rateLimited, first!.retryAfterWaits, first!.waitingBehind, first!.createdDate, first!.instanceName],
      [new Date(T0 + 60_000).toISOString(), new Date(T0 + 60_000).toISOString(), 2, 1, undefined, notes[0]!.createdDate, notes[0]!.message.instanceName],
    );
    assert.deepEqual([second!.nextAttemptAt, second!.waitingBehind, second!.rateLimited], [undefined, notes[0]!.id, 2]);
    assert.deepEqual(subscriptionStatusOf(URL, state, 10), { url: URL, state: 'retrying', pending: 2, full: false, deactivatedReason: undefined, rateLimit: 2 });

    queue.deactivate(state, 'callback answered 410');
    const queued = deliveryViews(URL, state);
    assert.deepEqual(queued.map((v) => [v.status, v.nextAttemptAt, v.waitingBehind, v.rateLimited]), [['queued', undefined, undefined, undefined], ['queued', undefined, undefined, undefined]]);
  });
});
