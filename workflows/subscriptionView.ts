/**
 * What a subscription shows: its deliveries (the `deliveries` query: each held notification with what it waits for,
 * then the latest delivered) and its status (`subscriptionStatus`, which page runs read before delivering directly).
 */
import type { DeliveryView, SubscriptionState, SubscriptionStatus } from '../contract/delivery';
import { QUEUE_BYTES_LIMIT } from '../contract/retryPolicy';
import { headDue, healthOf } from './subscriptionQueue';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function subscriptionStatusOf(url: string, state: SubscriptionState, heldBytes: number): SubscriptionStatus {
  return {
    url,
    state: healthOf(state).state,
    pending: state.queue.length,
    full: heldBytes > QUEUE_BYTES_LIMIT,
    deactivatedReason: state.deactivatedReason,
    rateLimit: state.rateLimit,
  };
}

/**
 * Held notifications in queue order, live: the head's next attempt is the time the workflow waits for (the schedule,
 * a Retry-After, the pace), and every one behind it names the head it waits behind. Then the delivered, newest first.
 */
export function deliveryViews(url: string, state: SubscriptionState): DeliveryView[] {
  const head = state.queue[0];
  const headNext = state.active ? headDue(state)?.atMs : undefined;
  const pending = state.queue.map((p, i): DeliveryView => {
    const view: DeliveryView = {
      id: p.notification.id,
      channel: 'webhook',
      status: state.active ? 'retry' : 'queued',
      config: { url },
      instanceId: p.instanceId,
      instanceName: p.notification.message.instanceName,
      resource: p.resource,
      events: p.notification.message.events.length,
      attempts: p.attempts,
      lastError: p.lastError,
      // The notification's own: its poll's start.
      createdDate: p.notification.createdDate,
      payload: p.notification,
    };
    if (state.active && i === 0) view.nextAttemptAt = iso(headNext);
    if (state.active && i > 0) view.waitingBehind = head!.notification.id;
    if (p.retryAfterAtMs !== undefined) view.retryAfter = iso(p.retryAfterAtMs);
    if (state.active && state.rateLimit !== undefined) view.rateLimited = state.rateLimit;
    if (p.retryAfterWaits) view.retryAfterWaits = p.retryAfterWaits;
    if (p.rateLimitedWaits) view.rateLimitedWaits = p.rateLimitedWaits;
    return view;
  });
  const delivered = [...state.delivered].reverse().map(
    (d): DeliveryView => ({
      id: d.id,
      channel: 'webhook',
      status: 'delivered',
      config: { url },
      instanceId: d.instanceId,
      instanceName: d.instanceName,
      resource: d.resource,
      events: d.events,
      attempts: d.attempts,
      // Summaries of the previous release have no creation date: their delivery is the best there is.
      createdDate: d.createdDate ?? new Date(d.deliveredAtMs).toISOString(),
      deliveredDate: new Date(d.deliveredAtMs).toISOString(),
    }),
  );
  return [...pending, ...delivered];
}
