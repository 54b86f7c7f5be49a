/**
 * The previous release's delivery attempt, which runs of its subscription workflow (workflows/v1) still schedule: its
 * name and contract stay as they were. Temporal retries it (the schedule lives on the server, so a worker killed
 * mid-retry loses nothing); each failure names its own next delay from the delivery schedule. The current workflow
 * schedules attemptDelivery (deliverAttempt.ts) instead.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PollsterActivities } from '../contract/activities';
import type { PendingNotification } from '../contract/delivery';
import { FailureType } from '../contract/failures';
import { deliveryRetryDueAt, MAX_DELIVERY_ATTEMPTS } from '../contract/retryPolicy';
import type { ActivityDeps } from './deps';
import { countDelivered, countDeliveryFailure } from './metrics';

export function createDeliverNotification(deps: Pick<ActivityDeps, 'postNotification' | 'retryScale' | 'journal'>): PollsterActivities['deliverNotification'] {
  /** Delivers one queued notification; returns the total number of attempts it took. */
  return async function deliverNotification(item: PendingNotification) {
    const attempts = item.attempts + Context.current().info.attempt;
    const outcome = await deps.postNotification(item.callbackUrl, item.notification, item.signatureKey);
    const id = item.notification.id;
    if (outcome.ok) {
      countDelivered(1);
      await deps.journal.delivery(id, { status: 'delivered', attempts, deliveredAtMs: Date.now() });
      return attempts;
    }
    countDeliveryFailure(outcome.status);
    const details = [{ attempts }];
    const final = outcome.status === 410 || outcome.refused || attempts >= MAX_DELIVERY_ATTEMPTS;
    const firstFailureAtMs = item.firstFailureAtMs ?? Date.now();
    const nextAttemptAtMs = final ? undefined : deliveryRetryDueAt(firstFailureAtMs, attempts, deps.retryScale);
    await deps.journal.delivery(id, { status: final ? 'queued' : 'retry', attempts, lastError: outcome.error, nextAttemptAtMs });
    if (outcome.status === 410) throw ApplicationFailure.nonRetryable(outcome.error ?? 'gone', FailureType.callbackGone, ...details);
    if (outcome.refused) throw ApplicationFailure.nonRetryable(outcome.error ?? 'refused', FailureType.callbackRefused, ...details);
    if (attempts >= MAX_DELIVERY_ATTEMPTS) throw ApplicationFailure.nonRetryable(`${outcome.error} (attempt ${attempts}, the last)`, FailureType.deliveryFailed, ...details);
    // A zero delay reads as "none" on the server (which then ends the retries): wait at least 10 ms.
    const nextRetryDelay = Math.max(10, nextAttemptAtMs! - Date.now());
    throw ApplicationFailure.create({ message: `${outcome.error} (attempt ${attempts})`, type: FailureType.deliveryFailed, nextRetryDelay, details });
  };
}
