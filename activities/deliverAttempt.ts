/**
 * One attempt of a notification its subscription holds. The answer is the outcome, failed or not: the subscription
 * workflow keeps the attempts and schedules the next one itself, so nothing here is retried by Temporal for a
 * failed delivery. The delivery log gets the state the attempt leaves (computed by the same rule as the workflow's).
 */
import type { PollsterActivities } from '../contract/activities';
import type { DeliveryAttempt, DeliveryAttemptResult, PendingNotification } from '../contract/delivery';
import { dueAtMs, isLastAttempt, nextAttemptAfter } from '../contract/retryPolicy';
import type { ActivityDeps } from './deps';
import { countRetryAfterWait } from './deliveryMetrics';
import { countDelivered, countDeliveryFailure } from './metrics';

export type AttemptDeps = Pick<ActivityDeps, 'postNotification' | 'retryScale' | 'journal'>;

/** POSTs the notification once; the answer, with what the workflow needs to schedule the next attempt. */
export async function attemptOnce(deps: AttemptDeps, item: PendingNotification): Promise<DeliveryAttemptResult> {
  const outcome = await deps.postNotification(item.callbackUrl, item.notification, item.signatureKey);
  const attempts = item.attempts + 1;
  const atMs = Date.now();
  const result: DeliveryAttemptResult = { ok: outcome.ok, status: outcome.status, attempts, atMs, retryScale: deps.retryScale };
  if (outcome.error !== undefined) result.error = outcome.error;
  if (outcome.refused) result.refused = true;
  if (outcome.retryAfterMs !== undefined) result.retryAfterMs = outcome.retryAfterMs;
  const id = item.notification.id;
  if (outcome.ok) {
    countDelivered(1);
    await deps.journal.delivery(id, { status: 'delivered', attempts, deliveredAtMs: atMs });
    return result;
  }
  countDeliveryFailure(outcome.status);
  const last = isLastAttempt(outcome, attempts);
  const next = last ? undefined : nextAttemptAfter({ attempts, firstFailureAtMs: item.firstFailureAtMs ?? atMs, failedAtMs: atMs, retryAfterMs: outcome.retryAfterMs, scale: deps.retryScale });
  await deps.journal.delivery(id, { status: last ? 'queued' : 'retry', attempts, lastError: outcome.error, nextAttemptAtMs: next && dueAtMs(next) });
  return result;
}

export function createAttemptDelivery(deps: AttemptDeps): PollsterActivities['attemptDelivery'] {
  return async function attemptDelivery({ item, waitedForRetryAfter }: DeliveryAttempt): Promise<DeliveryAttemptResult> {
    if (waitedForRetryAfter) countRetryAfterWait();
    return attemptOnce(deps, item);
  };
}
