/**
 * The retry path's delivery attempt. Temporal retries it (the schedule lives on the server, so a
 * worker killed mid-retry loses nothing); each failure names its own next delay from the 4^x schedule.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { PendingNotification } from '../workflows/deliveryTypes';
import { MAX_ATTEMPTS } from '../workflows/subscription';
import { postNotification } from './deliver';
import { retryDueAt } from './retrySchedule';
import { countDelivered, countDeliveryFailure } from './metrics';

/** Delivers one queued notification; returns the total number of attempts it took. */
export async function deliverNotification(item: PendingNotification): Promise<number> {
  const attempts = item.attempts + Context.current().info.attempt;
  const outcome = await postNotification(item.callbackUrl, item.notification, item.signatureKey);
  if (outcome.ok) {
    countDelivered(1);
    return attempts;
  }
  countDeliveryFailure(outcome.status);
  const details = [{ attempts }];
  if (outcome.status === 410) throw ApplicationFailure.nonRetryable(outcome.error ?? 'gone', 'CallbackGone', ...details);
  if (outcome.refused) throw ApplicationFailure.nonRetryable(outcome.error ?? 'refused', 'CallbackRefused', ...details);
  if (attempts >= MAX_ATTEMPTS) throw ApplicationFailure.nonRetryable(`${outcome.error} (attempt ${attempts}, the last)`, 'DeliveryFailed', ...details);
  const firstFailureAtMs = item.firstFailureAtMs ?? Date.now();
  // A zero delay reads as "none" on the server (which then ends the retries): wait at least 10 ms.
  const nextRetryDelay = Math.max(10, retryDueAt(firstFailureAtMs, attempts) - Date.now());
  throw ApplicationFailure.create({ message: `${outcome.error} (attempt ${attempts})`, type: 'DeliveryFailed', nextRetryDelay, details });
}
