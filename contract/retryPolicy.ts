/**
 * How Pollster retries, in one place: provider reads inside a poll, and deliveries to a callback. Pure numbers and
 * arithmetic; the workflows pass them to Temporal, the activities compute their own next delay from them.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/common';
import { FailureType } from './failures';

/**
 * A page run: tried three times within a few seconds (1 s, then 2 s apart), then the resource fails this poll and the
 * next poll tries again. A provider that is down or does not resolve costs each resource seconds, not half a minute,
 * so the resources after it are not held. Failures the provider will repeat are not retried at all. A Retry-After the
 * provider sends replaces the backoff (activities/failures.ts).
 */
export const pageRunActivityOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '4 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [FailureType.auth, FailureType.providerRequest, FailureType.configuration],
  },
};

/**
 * The longest Retry-After a page run waits for inside a poll: a provider asking for longer fails the resource for this
 * poll at once, and the next poll asks again (waiting longer would hold every resource after it).
 */
export const MAX_IN_POLL_RETRY_AFTER_MS = 30_000;

/**
 * The quick look at each resource's first page, as a local activity inside the workflow task: one attempt, briefly.
 * Whatever it cannot settle (changes, more pages, an error) the page runs do, with their own retries.
 */
export const checkActivityOptions: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
};

/** How long the quick look waits for one provider: a slower one is left to the page run (which has the full deadline). */
export const CHECK_REQUEST_MS = 10_000;

/**
 * An id scan lists every id of a resource and may run for minutes: it heartbeats each page, so a killed worker is
 * noticed within the heartbeat timeout and another takes the scan up where it stood.
 */
export const scanActivityOptions: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [FailureType.auth, FailureType.providerRequest, FailureType.configuration],
  },
};

/** Delivery attempts of one notification: the first (direct, in the poll) and up to nine retries, as Cloud Elements. */
export const MAX_DELIVERY_ATTEMPTS = 10;

/**
 * Beyond this much queued payload (bytes of JSON) in one subscription, new notifications wait at the provider. A
 * hand-off checks it before each of its chunks, so concurrent hand-offs overshoot it by a chunk each at most.
 */
export const QUEUE_BYTES_LIMIT = 768 * 1024;

/**
 * When delivery retry number `x` (1-based) is due: about 4^x seconds after the first failure (4 s, 16 s, 64 s, …
 * 4^9 s ≈ 73 h in all), every delay multiplied by `scale` (POLLSTER_RETRY_SCALE; tests shrink it).
 */
export function deliveryRetryDueAt(firstFailureAtMs: number, x: number, scale: number): number {
  return firstFailureAtMs + Math.round(4 ** x * 1000 * scale);
}

/** A receiver's Retry-After (on a 429 or 503) is honoured up to this long after its answer. */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;

/** What a failed attempt leaves for the next one. */
export interface FailedAttempt {
  /** Attempts in all, the failed one included. */
  attempts: number;
  /** The notification's first failure (the failed attempt's time when it is the first). */
  firstFailureAtMs: number;
  failedAtMs: number;
  /** The receiver's Retry-After, in ms from `failedAtMs` (uncapped). */
  retryAfterMs?: number;
  scale: number;
}

export interface NextAttempt {
  /** Due by the 4^x schedule. */
  nextAttemptAtMs: number;
  /** Not before this, as the receiver asked (capped). */
  retryAfterAtMs?: number;
}

/** When a notification whose attempt failed is tried next: the schedule's time, or later when the receiver asked. */
export function nextAttemptAfter(failure: FailedAttempt): NextAttempt {
  const nextAttemptAtMs = deliveryRetryDueAt(failure.firstFailureAtMs, failure.attempts, failure.scale);
  if (failure.retryAfterMs === undefined) return { nextAttemptAtMs };
  return { nextAttemptAtMs, retryAfterAtMs: failure.failedAtMs + Math.min(Math.max(0, failure.retryAfterMs), RETRY_AFTER_CAP_MS) };
}

/** The time a pending notification is due: its schedule, and a receiver's Retry-After (none: now). */
export const dueAtMs = (item: { nextAttemptAtMs?: number; retryAfterAtMs?: number }): number | undefined =>
  item.nextAttemptAtMs === undefined && item.retryAfterAtMs === undefined ? undefined : Math.max(item.nextAttemptAtMs ?? 0, item.retryAfterAtMs ?? 0);

/** A failure that ends the retries: 410 Gone, a refused URL, or the last attempt. */
export function isLastAttempt(outcome: { status: number; refused?: boolean }, attempts: number): boolean {
  return outcome.status === 410 || outcome.refused === true || attempts >= MAX_DELIVERY_ATTEMPTS;
}

/**
 * One attempt of a queued notification (attemptDelivery): the workflow schedules every retry itself, so a failed
 * delivery is an answer, not a failure. The activity fails only when its worker is lost (Temporal then runs it again)
 * or cannot run it at all; after the last of these the workflow counts one failed attempt.
 */
export const deliveryAttemptOptions: ActivityOptions = {
  // The callback has 30 s (activities/callback.ts DELIVERY_TIMEOUT_MS), the store's write a little more.
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

/**
 * A rate-limited subscription's run of paced attempts (deliverPaced): a few seconds of them, each POST up to 30 s. It
 * heartbeats before each attempt, so a lost worker is noticed within the heartbeat timeout and the next attempt of the
 * activity resumes after what was delivered.
 */
export const pacedDeliveryOptions: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

/** How long a run of paced attempts lasts at most (at the rate limit's pace), and its bounds in items and bytes. */
export const PACED_RUN_MS = 5000;
export const PACED_RUN_ITEMS = 100;
export const PACED_RUN_BYTES = 512 * 1024;

/**
 * The previous release's delivery attempt (deliverNotification), which runs of its subscription workflow
 * (workflows/v1) still schedule: Temporal retries it, the activity naming each next delay itself (nextRetryDelay).
 */
export const deliveryActivityOptions: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  // Without it the server caps retries at a default deadline; the schedule runs ~73 h (× scale).
  scheduleToCloseTimeout: '365 days',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '3 days',
    backoffCoefficient: 1,
    nonRetryableErrorTypes: [FailureType.callbackGone, FailureType.callbackRefused],
  },
};
