/**
 * The notification POSTed to the callback URL: Cloud Elements' envelope, at most ten events
 * each, with an id derived from what it reports so a retried or replayed notification keeps its id.
 */
import { createHash } from 'node:crypto';
import type { Change, EventType } from './diff';
import { toIsoSeconds } from './javaDate';

export const EVENTS_PER_NOTIFICATION = 10;

export interface InstanceRef {
  id: number;
  name: string;
  tags: string[];
  elementKey: string;
  hubKey: string;
}

export interface NotificationEvent {
  objectType: string;
  objectId: string;
  eventType: EventType;
  date: string;
  pollDate: string;
  elementKey: string;
  hubKey: string;
  /** The record showed up at the provider only after the poll of its window (a settle pass found it). */
  late?: true;
}

export interface NotificationBody {
  id: string;
  topic: string;
  action: 'create';
  severity: 'medium';
  createdDate: string;
  user: 'pollster';
  message: {
    eventId: string;
    elementKey: string;
    instanceId: number;
    instance_id: number;
    instanceName: string;
    instanceTags: string[];
    accountId: number;
    companyId: number;
    userId: number;
    raw: { objectType: string; eventId: string; instance_id: number; [resource: string]: unknown };
    events: NotificationEvent[];
    /** Set on the notifications of a replay (a second reading of a past window): the replay's id. */
    replay?: string;
  };
}

/** An event's `date`: the change's record date, ISO UTC to the second. */
export function eventDate(change: Pick<Change, 'recordDateMs'>): string {
  return toIsoSeconds(change.recordDateMs);
}

/** What marks a notification beyond its changes: a replay's notifications carry its id. */
export interface NotificationMarks {
  replayId?: string;
}

/**
 * Deterministic id of a notification: instance, resource and the identity (object id and date, or
 * content hash) of each change, in order. The same batch always has the same id, so a retried
 * notification carries it again and receivers can dedupe. A replay's id goes into the hash too: the
 * same change read again by a replay is a notification of that replay's own (a retry of it keeps
 * that id), never mistaken for the live one or another replay's.
 */
export function notificationId(instanceId: number, resource: string, changes: readonly Pick<Change, 'key'>[], replayId?: string): string {
  const hash = createHash('sha256').update(`${instanceId}\n${resource}\n`);
  if (replayId !== undefined) hash.update(`replay ${replayId}\n`);
  for (const change of changes) hash.update(`${change.key}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** A batch of changes, and the change keys its notification id is made of. */
export interface Batch {
  idKeys: readonly string[];
  changes: readonly Change[];
  /** It comes from a plan: it keeps its id, so it is never split. */
  planned?: boolean;
}

/**
 * Splits a page's changes into notifications of at most `batchSize` events, in order. A `plan` (the
 * key lists of batches an earlier attempt built from this page, maybe delivered) comes first: each
 * planned batch keeps its id and holds those of its changes the page still has, so an event that
 * went out before goes out again under the same id even if the page has shifted since.
 */
export function batchChanges(changes: readonly Change[], batchSize = EVENTS_PER_NOTIFICATION, plan: readonly (readonly string[])[] = []): Batch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const byKey = new Map(changes.map((c) => [c.key, c]));
  const planned = new Set<string>();
  const batches: Batch[] = [];
  for (const idKeys of plan) {
    const found = idKeys.flatMap((k) => (planned.has(k) ? [] : (byKey.get(k) ?? [])));
    for (const k of idKeys) planned.add(k);
    if (found.length > 0) batches.push({ idKeys, changes: found, planned: true });
  }
  const rest = plan.length > 0 ? changes.filter((c) => !planned.has(c.key)) : changes;
  for (let i = 0; i < rest.length; i += batchSize) {
    const batch = rest.slice(i, i + batchSize);
    batches.push({ idKeys: batch.map((c) => c.key), changes: batch });
  }
  return batches;
}

/**
 * The notifications for one resource's changes, in order: at most `batchSize` (10) events each,
 * `raw[resource]` holding exactly the batch's records as the element returned them. `date` is the
 * record's updated date (ISO UTC, seconds); `pollDate` and `createdDate` are the poll start, so a
 * replayed poll builds byte-identical bodies.
 */
export function buildNotifications(
  instance: InstanceRef,
  resource: string,
  pollStartMs: number,
  changes: readonly Change[],
  batchSize = EVENTS_PER_NOTIFICATION,
): NotificationBody[] {
  return notificationsFor(instance, resource, pollStartMs, batchChanges(changes, batchSize));
}

/** A notification ready to go: its body serialized once, for its size and for the request. */
export interface Outgoing {
  batch: Batch;
  notification: NotificationBody;
  body: string;
}

/**
 * The notifications of these batches, serialized; a new batch whose body is larger than `maxBytes` is split in two,
 * again and again, down to one change a notification (a planned batch keeps its id, and so its size).
 */
export function outgoingFor(instance: InstanceRef, resource: string, pollStartMs: number, batches: readonly Batch[], maxBytes: number, marks: NotificationMarks = {}): Outgoing[] {
  const out: Outgoing[] = [];
  const pending = [...batches].reverse();
  while (pending.length > 0) {
    const batch = pending.pop()!;
    const [notification] = notificationsFor(instance, resource, pollStartMs, [batch], marks);
    const body = JSON.stringify(notification);
    if (!batch.planned && batch.changes.length > 1 && Buffer.byteLength(body) > maxBytes) {
      const half = Math.ceil(batch.changes.length / 2);
      const halves = [batch.changes.slice(0, half), batch.changes.slice(half)];
      pending.push(...halves.reverse().map((changes) => ({ idKeys: changes.map((c) => c.key), changes })));
      continue;
    }
    out.push({ batch, notification: notification!, body });
  }
  return out;
}

/** One notification per batch, its id made of the batch's `idKeys` (and the replay's id, for a replay). */
export function notificationsFor(instance: InstanceRef, resource: string, pollStartMs: number, batches: readonly Batch[], marks: NotificationMarks = {}): NotificationBody[] {
  const pollDate = toIsoSeconds(pollStartMs);
  const bodies: NotificationBody[] = [];
  for (const { idKeys, changes: batch } of batches) {
    const id = notificationId(instance.id, resource, idKeys.map((key) => ({ key })), marks.replayId);
    bodies.push({
      id,
      topic: `instance-${instance.id}-${instance.elementKey}-events`,
      action: 'create',
      severity: 'medium',
      createdDate: pollDate,
      user: 'pollster',
      message: {
        eventId: id,
        elementKey: instance.elementKey,
        instanceId: instance.id,
        instance_id: instance.id,
        instanceName: instance.name,
        instanceTags: instance.tags,
        accountId: 1,
        companyId: 1,
        userId: 1,
        raw: { objectType: resource, eventId: id, instance_id: instance.id, [resource]: batch.map((c) => c.record) },
        events: batch.map((c) => ({
          objectType: resource,
          objectId: c.objectId,
          eventType: c.eventType,
          date: eventDate(c),
          pollDate,
          elementKey: instance.elementKey,
          hubKey: instance.hubKey,
          ...(c.late ? { late: true as const } : {}),
        })),
        ...(marks.replayId !== undefined ? { replay: marks.replayId } : {}),
      },
    });
  }
  return bodies;
}
