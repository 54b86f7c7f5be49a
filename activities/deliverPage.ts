/** A page run's notifications on their way: straight to the callback, or to its subscription when it is backlogged. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { NotificationBody } from '../core/envelope';
import type { PollPageInput } from '../contract/activities';
import type { NotificationSummary, PendingNotification } from '../contract/delivery';
import { FailureType } from '../contract/failures';
import { deliveryRetryDueAt } from '../contract/retryPolicy';
import type { ActivityDeps } from './deps';
import { countDelivered, countDeliveryFailure } from './metrics';

/**
 * Delivers the notifications of a group of pages just read (one plan) concurrently, unless the callback's subscription is backlogged (then
 * they queue behind it, keeping order). What fails is handed to the subscription before this returns,
 * so the workflow may move the checkpoint: nothing is lost.
 */
export async function deliverPage(
  deps: Pick<ActivityDeps, 'subscriptions' | 'postNotification' | 'retryScale'>,
  callbackUrl: string,
  input: PollPageInput,
  notifications: NotificationBody[],
): Promise<NotificationSummary[]> {
  const { subscriptions } = deps;
  const signatureKey = input.configuration['event.notification.signature.key'] || undefined;
  const nowMs = Date.now();
  const pending = (n: NotificationBody, failedAtMs?: number, error?: string): PendingNotification => ({
    notification: n,
    callbackUrl,
    signatureKey,
    instanceId: input.instance.id,
    resource: input.resourceName,
    attempts: failedAtMs === undefined ? 0 : 1,
    firstFailureAtMs: failedAtMs,
    nextAttemptAtMs: failedAtMs === undefined ? undefined : deliveryRetryDueAt(failedAtMs, 1, deps.retryScale),
    lastError: error,
    enqueuedAtMs: nowMs,
  });
  const summary = (n: NotificationBody, status: NotificationSummary['status']): NotificationSummary => ({
    id: n.id,
    resource: input.resourceName,
    events: n.message.events.length,
    status,
    atMs: nowMs,
  });

  const [subscription, policy] = await Promise.all([subscriptions.status(callbackUrl), subscriptions.failurePolicy()]);
  if (subscription && (subscription.state !== 'active' || subscription.pending > 0)) {
    if (subscription.full) {
      // The queue is as long as workflow state should hold: leave these records at the provider.
      throw ApplicationFailure.retryable(`subscription for ${new URL(callbackUrl).host} holds its maximum backlog; checkpoint held`, FailureType.backlogFull);
    }
    await subscriptions.handOff(callbackUrl, { items: notifications.map((n) => pending(n)), policy });
    return notifications.map((n) => summary(n, subscription.state === 'deactivated' ? 'queued' : 'retry'));
  }

  const outcomes = await Promise.all(notifications.map((n) => deps.postNotification(callbackUrl, n, signatureKey)));
  const failed = notifications.flatMap((n, i) => (outcomes[i]!.ok ? [] : [{ n, outcome: outcomes[i]! }]));
  countDelivered(outcomes.length - failed.length);
  for (const f of failed) countDeliveryFailure(f.outcome.status);
  const final = failed.find((f) => f.outcome.status === 410 || f.outcome.refused);
  if (failed.length > 0) {
    const failedAtMs = Date.now();
    await subscriptions.handOff(callbackUrl, { items: failed.map((f) => pending(f.n, failedAtMs, f.outcome.error)), policy, deactivate: final?.outcome.error });
    Context.current().log.warn('notifications handed to the retry path', { failed: failed.length, of: notifications.length, error: failed[0]!.outcome.error });
  }
  const queued = policy === 'queue' || final !== undefined;
  return notifications.map((n, i) => summary(n, outcomes[i]!.ok ? 'delivered' : queued ? 'queued' : 'retry'));
}
