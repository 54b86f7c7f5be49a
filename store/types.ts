/**
 * Pollster's own store, beside Temporal: data that is too bulky for workflow state or is a log.
 * Temporal stays the system of record for instances, checkpoints and delivery queues; everything
 * here is either a bounded recent window (delivery log, poll history) or a helper set a poll can
 * rebuild by scanning again (id scans, reported keys). Bounds: store/retention.ts.
 *
 * Two implementations share one SQL text (store/sqlStore.ts): SQLite in the data dir (the embedded
 * default) and PostgreSQL (POLLSTER_DATABASE_URL). Payloads and free text (callback URLs, error
 * messages, request URLs) are sealed with the same PayloadCodec as Temporal's payloads; only ids,
 * dates, statuses and counts are stored plainly.
 */
import type { DeliveryStatus } from '../contract/delivery';
import type { NotificationBody, NotificationEvent } from '../core/envelope';

// ---------------------------------------------------------------------------------------------
// Delivery log

/** A notification as the poll (or the retry path) records it. */
export interface NotificationRecord {
  /** The notification's id (core/envelope.ts): a retried hand-off records the same id again. */
  id: string;
  instanceId: number;
  resource: string;
  callbackUrl: string;
  /** When it was first recorded; a later record of the same id keeps the first value. */
  createdAtMs: number;
  status: DeliveryStatus;
  /** Attempts so far (the direct attempt in the poll counts). */
  attempts: number;
  lastError?: string;
  deliveredAtMs?: number;
  nextAttemptAtMs?: number;
  /** Set when this delivery is a replay of an earlier notification: the replay's own id. */
  replayId?: string;
  payload: NotificationBody;
}

/** An event of a logged notification, as its payload carries it. */
export type LoggedEvent = Pick<NotificationEvent, 'objectId' | 'eventType' | 'date'>;

/** A delivery-log entry as read back: the record, plus its events (from the payload). */
export interface NotificationEntry extends NotificationRecord {
  events: LoggedEvent[];
}

/** The delivery state as of now: replaces status, attempts and the optional fields (absent ones are cleared). */
export interface DeliveryChange {
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  deliveredAtMs?: number;
  nextAttemptAtMs?: number;
}

export interface NotificationQuery {
  instanceId?: number;
  /** Entries with an event for this object id. */
  objectId?: string;
  resource?: string;
  status?: DeliveryStatus;
  callbackUrl?: string;
  /** At most this many (1–1000), newest first. */
  limit: number;
  /** Only entries created strictly before this instant. */
  beforeMs?: number;
  /** Only entries after this one in newest-first order: the cursor of the next page (exact, even when many share a millisecond). */
  afterId?: string;
}

// ---------------------------------------------------------------------------------------------
// Poll history

/** One provider request of a poll; the URL with credentials masked by the caller. */
export interface PollRequest {
  method: string;
  url: string;
  /** HTTP status; 0 when no answer came. */
  status: number;
  ms: number;
  error?: string;
}

/** What one activity of a poll did for one resource; a poll's entries are grouped when read. */
export interface PollEntry {
  instanceId: number;
  /** The poll's start: groups the entries of one poll. */
  pollStartMs: number;
  resource: string;
  /** When this entry was written (with the three above, its identity: writing it again changes nothing). */
  atMs: number;
  requests: PollRequest[];
  records: number;
  events: number;
  problems: number;
  error?: string;
  /** The quick look found nothing changed: no page run followed. */
  quiet?: boolean;
}

/** One resource of one poll: its entries summed, in the order they were written. */
export interface ResourcePoll {
  resource: string;
  /** Requests made, the first RETENTION.requestsPerPollEntry of each entry. */
  requests: PollRequest[];
  /** Requests made in all (more than `requests.length` when some were not kept). */
  requestCount: number;
  records: number;
  events: number;
  problems: number;
  /** The error of the last entry that had one. */
  lastError?: string;
  /** Its last entry has an error: the resource failed this poll (an earlier attempt's error alone was retried away). */
  failed: boolean;
  /** Every entry of it was quiet. */
  quiet: boolean;
}

export interface PollSummary {
  instanceId: number;
  pollStartMs: number;
  /** The latest entry's time. */
  lastAtMs: number;
  /** In the order the poll first wrote them. */
  resources: ResourcePoll[];
}

// ---------------------------------------------------------------------------------------------
// Id scans (DELETED events)

/** One scan of a resource's ids; `scanId` is the caller's (e.g. the poll start), unique per resource. */
export interface ScanRef {
  instanceId: number;
  resource: string;
  scanId: string;
}

// ---------------------------------------------------------------------------------------------
// Reported keys (late records, the settle pass)

export interface ReportedKey {
  /** A change key, `<objectId>@<dateMs>` (core/diff.ts). */
  key: string;
  /** The change's date: a key is pruned when this is older than the reported-key age. */
  dateMs: number;
}

// ---------------------------------------------------------------------------------------------

export interface PruneOptions {
  /** Reported keys whose change date is older than this are dropped (default RETENTION.reportedKeyMaxAgeMs). */
  reportedKeyMaxAgeMs?: number;
}

export interface PollsterStore {
  /** Where it is, without credentials: for start-up lines. */
  readonly location: string;

  // Delivery log
  /** Writes each entry; an id already logged is replaced (its creation time kept). */
  recordNotifications(entries: readonly NotificationRecord[]): Promise<void>;
  /** Sets the delivery state of a logged notification; an id not (or no longer) logged is ignored. */
  updateNotification(id: string, change: DeliveryChange): Promise<void>;
  /** Newest first. */
  notifications(query: NotificationQuery): Promise<NotificationEntry[]>;
  notification(id: string): Promise<NotificationEntry | undefined>;

  // Poll history
  /** Idempotent on (instanceId, pollStartMs, resource, atMs). */
  recordPollEntry(entry: PollEntry): Promise<void>;
  /** The newest `limit` polls of an instance, newest first. */
  polls(instanceId: number, limit: number): Promise<PollSummary[]>;

  // Id scans
  /** Adds ids to a scan (created on first use); ids already in it are ignored. Call in batches (a few thousand). */
  addScanIds(scan: ScanRef, ids: readonly string[]): Promise<void>;
  /** The resource's last complete scan. */
  lastCompleteScan(instanceId: number, resource: string): Promise<ScanRef | undefined>;
  /** Ids in `previous` and not in `current`, sorted by their UTF-8 bytes, greater than `afterId`; at most `limit` (1–10000). */
  deletedIds(previous: ScanRef, current: ScanRef, afterId: string | undefined, limit: number): Promise<string[]>;
  /** The scan becomes the resource's last complete one; every other scan of it but a newer partial one is dropped. */
  completeScan(scan: ScanRef): Promise<void>;
  /** Drops a partial scan and its ids; a complete scan is kept. */
  discardScan(scan: ScanRef): Promise<void>;

  // Reported keys
  markReported(instanceId: number, resource: string, keys: readonly ReportedKey[]): Promise<void>;
  /** The keys not marked reported for this resource, once each, in the order given. */
  unreported(instanceId: number, resource: string, keys: readonly string[]): Promise<string[]>;

  // Housekeeping
  /** Everything of an instance (when it is deleted). */
  forgetInstance(instanceId: number): Promise<void>;
  /** Enforces the bounds of store/retention.ts; cheap enough to call every few minutes from every process. */
  prune(nowMs: number, options?: PruneOptions): Promise<void>;
  close(): Promise<void>;
}
