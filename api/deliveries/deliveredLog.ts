/**
 * Delivered notifications as the delivery log (Pollster's store) keeps them: first-time deliveries and retried ones
 * alike, with their payloads, bounded by store/retention.ts (the newest 200 per instance, 7 days).
 */
import type { DeliveryView } from '../../contract/delivery';
import { MAX_NOTIFICATIONS_PER_QUERY } from '../../store/retention';
import type { NotificationEntry, PollsterStore } from '../../store/types';

export function deliveredView(entry: NotificationEntry): DeliveryView {
  return {
    id: entry.id,
    channel: 'webhook',
    status: 'delivered',
    config: { url: entry.callbackUrl },
    instanceId: entry.instanceId,
    instanceName: entry.payload.message.instanceName,
    resource: entry.resource,
    events: entry.events.length,
    attempts: entry.attempts,
    // The notification's own (its poll's start), not when it was recorded or delivered.
    createdDate: entry.payload.createdDate,
    deliveredDate: entry.deliveredAtMs === undefined ? undefined : new Date(entry.deliveredAtMs).toISOString(),
    payload: entry.payload,
  };
}

/** The newest delivered notifications (to `url` when given), newest first: at most MAX_NOTIFICATIONS_PER_QUERY. */
export async function deliveredFromLog(store: PollsterStore, url: string | undefined): Promise<DeliveryView[]> {
  const entries = await store.notifications({ status: 'delivered', callbackUrl: url, limit: MAX_NOTIFICATIONS_PER_QUERY });
  return entries.map(deliveredView);
}
