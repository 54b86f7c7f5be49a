/**
 * What an instance reported about one object: the notifications of the delivery log that carried it (newest first,
 * with their delivery status), and the last of them with the record as it went out.
 */
import { z } from 'zod';
import type { NotificationEntry, PollsterStore } from '../../store/types';
import { ApiError } from '../errors';

/** A notification that carried the object, as `GET /instances/{id}/events?objectId=` lists it. */
export interface ObjectNotification {
  id: string;
  instanceId: number;
  eventDate: string;
  objectType: string;
  /** Events in the notification, all objects. */
  events: number;
  status: string;
  attempts: number;
  lastError?: string;
  deliveredDate?: string;
  replayId?: string;
  /** This object's events in it. */
  objectEvents: { eventType: string; date: string }[];
}

/** The last report of the object: its event, the record as the notification carried it, and how delivery went. */
export interface LastReport {
  notificationId: string;
  eventType: string;
  date: string;
  record: unknown;
  status: string;
  attempts: number;
  reportedDate: string;
  deliveredDate?: string;
}

/** An object id as the delivery log is searched by: any text but a NUL (which PostgreSQL cannot hold). */
export const objectIdSchema = z.string().min(1).max(1000).regex(/^[^\0]*$/, 'must not contain NUL characters');

export function requireStore(store: PollsterStore | undefined): PollsterStore {
  if (!store) throw new ApiError(503, "Pollster's store (the delivery log) is not open in this API process");
  return store;
}

const isoOf = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function objectNotificationView(entry: NotificationEntry, objectId: string): ObjectNotification {
  return {
    id: entry.id,
    instanceId: entry.instanceId,
    eventDate: new Date(entry.createdAtMs).toISOString(),
    objectType: entry.resource,
    events: entry.events.length,
    status: entry.status,
    attempts: entry.attempts,
    lastError: entry.lastError,
    deliveredDate: isoOf(entry.deliveredAtMs),
    replayId: entry.replayId,
    objectEvents: entry.events.filter((e) => e.objectId === objectId).map(({ eventType, date }) => ({ eventType, date })),
  };
}

/** Notifications of the instance that carried `objectId`, newest first; `afterId` continues after that one. */
export async function objectNotifications(store: PollsterStore, instanceId: number, objectId: string, limit: number, afterId?: string): Promise<NotificationEntry[]> {
  try {
    return await store.notifications({ instanceId, objectId, limit, afterId });
  } catch (err) {
    if (afterId !== undefined && err instanceof RangeError) throw new ApiError(400, 'query.nextPage: not a page of this list (pruned since?)', [{ path: 'query.nextPage', message: 'not a page of this list (its notification has been pruned since?)' }]);
    throw err;
  }
}

/** The newest notification of `resource` that carried `objectId`, with the object's last event in it. */
export async function lastReport(store: PollsterStore, instanceId: number, resource: string, objectId: string): Promise<LastReport | undefined> {
  const [entry] = await store.notifications({ instanceId, resource, objectId, limit: 1 });
  if (!entry) return undefined;
  // raw[resource] holds the records in the order of the events.
  const index = entry.events.map((e) => e.objectId).lastIndexOf(objectId);
  const event = entry.events[index]!;
  const records = (entry.payload.message.raw as Record<string, unknown>)[resource];
  return {
    notificationId: entry.id,
    eventType: event.eventType,
    date: event.date,
    record: Array.isArray(records) ? records[index] : undefined,
    status: entry.status,
    attempts: entry.attempts,
    reportedDate: new Date(entry.createdAtMs).toISOString(),
    deliveredDate: isoOf(entry.deliveredAtMs),
  };
}
