/**
 * The retry path's delivery attempt. Temporal retries it (the schedule lives on the server, so a worker killed
 * mid-retry loses nothing); each failure names its own next delay from the delivery schedule.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PollsterActivities } from '../contract/activities';
import type { PendingNotification } from '../contract/delivery';
import { FailureType } from '../contract/failures';
import { deliveryRetryDueAt, MAX_DELIVERY_ATTEMPTS } from '../contract/retryPolicy';
import type { ActivityDeps } from './deps';
import { countDelivered, countDeliveryFailure } from './metrics';

export function createDeliverNotification(deps: Pick<ActivityDeps, 'postNotification' | 'retryScale'>): PollsterActivities['deliverNotification'] {
  /** Delivers one queued notification; returns the total number of attempts it took. */
  return async function deliverNotification(item: PendingNotification) {
    const attempts = item.attempts + Context.current().info.attempt;
    const outcome = await deps.postNotification(item.callbackUrl, item.notification, item.signatureKey);
    if (outcome.ok) {
      countDelivered(1);
      return attempts;
    }
    countDeliveryFailure(outcome.status);
    const details = [{ attempts }];
    if (outcome.status === 410) throw ApplicationFailure.nonRetryable(outcome.error ?? 'gone', FailureType.callbackGone, ...details);
    if (outcome.refused) throw ApplicationFailure.nonRetryable(outcome.error ?? 'refused', FailureType.callbackRefused, ...details);
    if (attempts >= MAX_DELIVERY_ATTEMPTS) throw ApplicationFailure.nonRetryable(`${outcome.error} (attempt ${attempts}, the last)`, FailureType.deliveryFailed, ...details);
    const firstFailureAtMs = item.firstFailureAtMs ?? Date.now();
    // A zero delay reads as "none" on the server (which then ends the retries): wait at least 10 ms.
    const nextRetryDelay = Math.max(10, deliveryRetryDueAt(firstFailureAtMs, attempts, deps.retryScale) - Date.now());
    throw ApplicationFailure.create({ message: `${outcome.error} (attempt ${attempts})`, type: FailureType.deliveryFailed, nextRetryDelay, details });
  };
}
