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

/** The retry path's delivery attempt: the activity names each next delay itself (nextRetryDelay); these bound it. */
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
