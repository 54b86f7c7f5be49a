/**
 * deliverPage under the SDK's MockActivityEnvironment: a group of pages' notifications posted, what fails handed to
 * the callback's subscription (attempts, next attempt, deactivation on 410 or a refused URL), everything queued behind
 * a backlogged subscription, and a full one failing with the backlog type. No Temporal server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import type { DeliveryOutcome } from '../../activities/callback';
import { deliverPage } from '../../activities/deliverPage';
import type { SubscriptionStatus } from '../../contract/delivery';
import { FailureType } from '../../contract/failures';
import { fakeActivityWorld, outcomes } from '../fakes/activityDeps';
import { CALLBACK_URL, contacts, INSTANCE, outgoingOf, pageRunInput, SIGNATURE_KEY } from '../fakes/pageRun';
import { failureOf, runAttempt } from '../support/activityEnvironment';

const ok: DeliveryOutcome = { ok: true, status: 200 };

const outgoing = (n: number) => outgoingOf(contacts('d', n));

/** Delivers `n` notifications, the i-th answered `answers[i]`. */
async function deliver(answers: DeliveryOutcome[], options: { policy?: 'retry' | 'queue'; subscription?: SubscriptionStatus; retryScale?: number; configuration?: Record<string, string> } = {}) {
  const world = fakeActivityWorld(options.retryScale ?? 1);
  world.subscriptions.policy = options.policy ?? 'retry';
  world.subscriptions.current = options.subscription;
  const out = outgoing(answers.length);
  const notes = out.map((o) => o.notification);
  world.callback.answer = (n) => answers[notes.findIndex((m) => m.id === n.id)]!;
  const before = Date.now();
  const input = pageRunInput();
  input.configuration = { ...input.configuration, ...options.configuration };
  const summaries = await runAttempt(deliverPage, [world.deps, CALLBACK_URL, input, out]);
  return { world, notes, summaries, before, after: Date.now() };
}

describe('deliverPage: straight to the callback', () => {
  const cases: { name: string; answers: DeliveryOutcome[]; policy?: 'retry' | 'queue'; handedOff: number[]; deactivate?: string; statuses: string[] }[] = [
    { name: 'all taken', answers: [ok, ok, ok], handedOff: [], statuses: ['delivered', 'delivered', 'delivered'] },
    { name: 'one 503: handed off for retry', answers: [ok, outcomes.unavailable, ok], handedOff: [1], statuses: ['delivered', 'retry', 'delivered'] },
    { name: "one 503 under the 'queue' policy", answers: [ok, outcomes.unavailable, ok], policy: 'queue', handedOff: [1], statuses: ['delivered', 'queued', 'delivered'] },
    { name: '410 Gone deactivates', answers: [ok, outcomes.gone, ok], handedOff: [1], deactivate: outcomes.gone.error, statuses: ['delivered', 'queued', 'delivered'] },
    { name: 'a refused URL deactivates, and takes the other failure with it', answers: [outcomes.unavailable, ok, outcomes.refused], handedOff: [0, 2], deactivate: outcomes.refused.error, statuses: ['queued', 'delivered', 'queued'] },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { world, notes, summaries } = await deliver(c.answers, { policy: c.policy });
      assert.deepEqual(world.callback.posts.map((p) => p.notification.id), notes.map((n) => n.id), 'every notification is posted');
      assert.deepEqual(summaries.map((s) => s.status), c.statuses);
      assert.deepEqual(summaries.map((s) => s.id), notes.map((n) => n.id));
      if (c.handedOff.length === 0) {
        assert.deepEqual(world.subscriptions.handOffs, []);
        return;
      }
      assert.equal(world.subscriptions.handOffs.length, 1, 'one hand-off for the group');
      const { callbackUrl, request } = world.subscriptions.handOffs[0]!;
      assert.equal(callbackUrl, CALLBACK_URL);
      assert.deepEqual(request.items.map((i) => i.notification.id), c.handedOff.map((i) => notes[i]!.id));
      assert.equal(request.policy, c.policy ?? 'retry');
      assert.equal(request.deactivate, c.deactivate);
      assert.deepEqual(request.items.map((i) => i.lastError), c.handedOff.map((i) => c.answers[i]!.error));
    });
  }

  test('a failed notification is handed off with one attempt made and its first retry due 4 s (× the retry scale) after the failure, before the run goes on', async () => {
    const { world, notes, before, after } = await deliver([outcomes.unavailable, ok], { retryScale: 0.25 });
    const item = world.subscriptions.handOffs[0]!.request.items[0]!;
    assert.equal(item.attempts, 1, 'the direct attempt counts');
    assert.ok(item.firstFailureAtMs! >= before && item.firstFailureAtMs! <= after);
    assert.equal(item.nextAttemptAtMs, item.firstFailureAtMs! + 1000);
    assert.deepEqual(item.notification, notes[0]);
    assert.equal(item.signatureKey, SIGNATURE_KEY);
    assert.equal(item.instanceId, INSTANCE.id);
    assert.equal(item.resource, 'contacts');
    assert.equal(item.callbackUrl, CALLBACK_URL);
    assert.equal(world.journal.at(-1), `hand-off ${notes[0]!.id}`, 'handed off after the posts, before returning');
  });

  test("a 429 or 503 with Retry-After is handed off with the receiver's time when it is later than the schedule", async () => {
    const tooMany: DeliveryOutcome = { ok: false, status: 429, error: 'callback answered 429', retryAfterMs: 30_000 };
    const { world } = await deliver([tooMany, { ...outcomes.unavailable, retryAfterMs: 1000 }], { retryScale: 1 });
    const [asked, sooner] = world.subscriptions.handOffs[0]!.request.items;
    assert.equal(asked!.retryAfterAtMs, asked!.firstFailureAtMs! + 30_000, 'not tried again before the receiver said');
    assert.equal(asked!.nextAttemptAtMs, asked!.firstFailureAtMs! + 4000, 'the schedule is kept beside it');
    assert.equal(sooner!.retryAfterAtMs, sooner!.firstFailureAtMs! + 1000, 'a Retry-After sooner than the schedule is noted; the schedule decides');
  });

  test('a subscription that is active with nothing pending does not stop direct delivery', async () => {
    const { world, summaries } = await deliver([ok, ok], { subscription: { url: CALLBACK_URL, state: 'active', pending: 0, full: false } });
    assert.equal(world.callback.posts.length, 2);
    assert.deepEqual(summaries.map((s) => s.status), ['delivered', 'delivered']);
  });

  test('property: exactly the failed notifications are handed off, in order; a 410 or a refused URL deactivates', async () => {
    const outcome = fc.constantFrom<DeliveryOutcome>(ok, outcomes.unavailable, outcomes.gone, outcomes.refused);
    await fc.assert(
      fc.asyncProperty(fc.array(outcome, { minLength: 1, maxLength: 12 }), fc.constantFrom<'retry' | 'queue'>('retry', 'queue'), async (answers, policy) => {
        const { world, notes, summaries } = await deliver(answers, { policy });
        const failed = notes.filter((_, i) => !answers[i]!.ok).map((n) => n.id);
        const final = answers.find((a) => a.status === 410 || a.refused);
        const handedOff = world.subscriptions.handOffs.flatMap((h) => h.request.items.map((i) => i.notification.id));
        assert.deepEqual(handedOff, failed);
        if (failed.length > 0) assert.equal(world.subscriptions.handOffs[0]!.request.deactivate, final?.error);
        summaries.forEach((s, i) => assert.equal(s.status, answers[i]!.ok ? 'delivered' : policy === 'queue' || final ? 'queued' : 'retry'));
      }),
      { numRuns: 100 },
    );
  });
});

describe('deliverPage: under a rate limit (event.notification.rate_limit)', () => {
  test('everything goes to the subscription, in order, with the rate: nothing posted directly, even with no subscription yet', async () => {
    const { world, notes, summaries } = await deliver([ok, ok, ok], { configuration: { 'event.notification.rate_limit': '5' } });
    assert.deepEqual(world.callback.posts, []);
    assert.equal(world.subscriptions.handOffs.length, 1);
    const { request } = world.subscriptions.handOffs[0]!;
    assert.deepEqual(request.items.map((i) => [i.notification.id, i.attempts]), notes.map((n) => [n.id, 0]));
    assert.equal(request.rateLimit, 5);
    assert.deepEqual(summaries.map((s) => s.status), ['retry', 'retry', 'retry']);
  });

  test('a hand-off of an instance without one carries none (the latest hand-off sets the subscription’s)', async () => {
    const { world } = await deliver([outcomes.unavailable]);
    assert.equal('rateLimit' in world.subscriptions.handOffs[0]!.request, false);
  });

  const unreadable = ['0', '-1', 'fast', ''];
  for (const value of unreadable) {
    test(`a rate limit of ${JSON.stringify(value)} is none: direct delivery`, async () => {
      const { world } = await deliver([ok], { configuration: { 'event.notification.rate_limit': value } });
      assert.equal(world.callback.posts.length, 1);
    });
  }
});

describe('deliverPage: behind a subscription that holds notifications', () => {
  test('a backlogged subscription gets everything queued behind, in order, nothing posted', async () => {
    const { world, notes, summaries } = await deliver([ok, ok, ok], { subscription: { url: CALLBACK_URL, state: 'retrying', pending: 2, full: false } });
    assert.deepEqual(world.callback.posts, [], 'nothing overtakes what waits');
    const [handOff] = world.subscriptions.handOffs;
    assert.deepEqual(handOff!.request.items.map((i) => i.notification.id), notes.map((n) => n.id));
    for (const item of handOff!.request.items) {
      assert.equal(item.attempts, 0, 'not attempted yet');
      assert.equal(item.firstFailureAtMs, undefined);
      assert.equal(item.nextAttemptAtMs, undefined, 'due as soon as its turn comes');
    }
    assert.equal(handOff!.request.deactivate, undefined);
    assert.deepEqual(summaries.map((s) => s.status), ['retry', 'retry', 'retry']);
  });

  test('a deactivated subscription gets them queued', async () => {
    const { world, summaries } = await deliver([ok, ok], { subscription: { url: CALLBACK_URL, state: 'deactivated', pending: 0, full: false, deactivatedReason: 'gone' } });
    assert.deepEqual(world.callback.posts, []);
    assert.equal(world.subscriptions.handOffs[0]!.request.items.length, 2);
    assert.deepEqual(summaries.map((s) => s.status), ['queued', 'queued']);
  });

  test('a full subscription fails the group with the backlog failure type (retried), nothing posted or handed off', async () => {
    const world = fakeActivityWorld();
    world.subscriptions.current = { url: CALLBACK_URL, state: 'retrying', pending: 9000, full: true };
    const err = await failureOf(deliverPage, [world.deps, CALLBACK_URL, pageRunInput(), outgoing(2)]);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, FailureType.backlogFull);
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /hooks\.example/);
    assert.deepEqual(world.callback.posts, []);
    assert.deepEqual(world.subscriptions.handOffs, []);
  });
});
