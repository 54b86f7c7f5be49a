/** A page run's input and the records a scripted provider serves it: contacts dated in the hour before the poll. */
import type { PollPageInput } from '../../contract/activities';
import { batchChanges, buildNotifications, notificationId, outgoingFor, type InstanceRef, type NotificationBody, type Outgoing } from '../../core/envelope';
import { NOTIFICATION_BYTES } from '../../contract/limits';
import { normalizeResource } from '../../core/settings';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
export const SINCE_MS = Date.UTC(2026, 0, 10, 9, 0, 0);
export const POLL_START_MS = Date.UTC(2026, 0, 10, 10, 0, 0);
/** Changes dated after `POLL_START_MS - POLL_DELAY_SEC` may be returned again by the next poll: boundary candidates. */
export const POLL_DELAY_SEC = 60;
export const CALLBACK_URL = 'https://hooks.example/pollster';
export const SIGNATURE_KEY = 'sig-key-not-for-logs';
export const INSTANCE: InstanceRef = { id: 7, name: 'seams', tags: ['t'], elementKey: 'http', hubKey: 'general' };

export const RESOURCE = normalizeResource({
  url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
  idField: 'id',
  pageSize: 4,
  pollDelay: POLL_DELAY_SEC,
  datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
});

export interface Contact {
  id?: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** A contact updated `secondsBeforePoll` before the poll start (created then, too: a CREATED event). */
export function contact(id: string, secondsBeforePoll: number): Contact {
  const at = new Date(POLL_START_MS - secondsBeforePoll * 1000).toISOString();
  return { id, name: `contact ${id}`, createdAt: at, updatedAt: at };
}

/** Contacts `<prefix>1` … `<prefix>n`, oldest first, a minute apart, all older than the poll delay. */
export function contacts(prefix: string, n: number): Contact[] {
  return Array.from({ length: n }, (_, i) => contact(`${prefix}${i + 1}`, 3000 - i * 60));
}

/** The change key the diff gives a contact: its id at its date (a millisecond format: the date itself). */
export const keyOf = (c: Contact): string => `${c.id}@${Date.parse(c.updatedAt)}`;

export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** The id a notification of these change keys has. */
export const idOf = (keys: readonly string[]): string => notificationId(INSTANCE.id, 'contacts', keys.map((key) => ({ key })));

export function pageRunInput(overrides: Partial<PollPageInput> = {}): PollPageInput {
  return {
    instance: INSTANCE,
    configuration: { 'event.notification.callback.url': CALLBACK_URL, 'event.notification.signature.key': SIGNATURE_KEY },
    resourceName: 'contacts',
    resource: RESOURCE,
    sinceMs: SINCE_MS,
    pollStartMs: POLL_START_MS,
    boundary: [],
    ...overrides,
  };
}

const changesOf = (list: readonly Contact[]) =>
  list.map((c) => ({ record: c, objectId: c.id ?? '', eventType: 'CREATED' as const, dateMs: Date.parse(c.updatedAt), recordDateMs: Date.parse(c.updatedAt), key: keyOf(c) }));

/** One notification per contact (one event each), as a page run would build them. */
export function notificationsOf(list: readonly Contact[]): NotificationBody[] {
  return buildNotifications(INSTANCE, 'contacts', POLL_START_MS, changesOf(list), 1);
}

/** The same notifications, serialized and ready to go (what deliverPage takes). */
export function outgoingOf(list: readonly Contact[]): Outgoing[] {
  return outgoingFor(INSTANCE, 'contacts', POLL_START_MS, batchChanges(changesOf(list), 1), NOTIFICATION_BYTES);
}
