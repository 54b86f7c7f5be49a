/**
 * The activities' interface: what the workflows call (through proxyActivities<PollsterActivities>) and what the worker
 * registers. Types only, so the workflows import no activity code.
 */
import type { ResourceConfig } from '../core/settings';
import type { InstanceRef } from '../core/envelope';
import type { Credentials } from '../elements/types';
import type { DeliveryAttempt, DeliveryAttemptResult, NotificationSummary, PacedDeliveries, PacedDeliveriesResult, PendingNotification } from './delivery';

/**
 * Configuration keys only the workflow reads (the poller's own settings): activities get the rest, what the element
 * adapter and the delivery need, so a large poller configuration does not travel with every activity.
 */
const POLLER_KEYS = ['event.poller.configuration', 'event.poller.urls', 'event.metadata'];

export function activityConfiguration(configuration: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(configuration)) if (!POLLER_KEYS.includes(key)) out[key] = value;
  return out;
}

export interface PollPageInput {
  instance: InstanceRef;
  /** The instance's configuration without the poller's own keys (activityConfiguration). */
  configuration: Record<string, string>;
  resourceName: string;
  resource: ResourceConfig;
  sinceMs: number;
  pollStartMs: number;
  pageToken?: string;
  boundary: string[];
  credentials?: Credentials;
  /** Batches for the first pages, as a failed pass planned them (see PageRunProgress). */
  plan?: NotificationPlan;
  /**
   * What the run reads, when not the resource's changes: `tombstones`, the provider's list of deleted records (each a
   * DELETED event); `settle`, a poll window read again (`pollStartMs` is the window's end): changes dated in it that
   * no earlier look reported, each marked late; `replay`, a replay's reading of a past window [sinceMs, pollStartMs)
   * (`pollStartMs` is the window's end): every change dated in it, under the replay's own notification ids.
   */
  mode?: 'tombstones' | 'settle' | 'replay';
  /** With `mode: 'replay'`: the replay's id, in its notifications' ids and marks. */
  replayId?: string;
}

/**
 * The notifications built from `pages` pages read in a row: the change keys of each, in order. A retry reads as many
 * pages again and batches what it finds by this, whichever page a record is on by then (records move to earlier
 * pages when others before them change).
 */
export interface NotificationPlan {
  pages: number;
  batches: string[][];
}

/**
 * How far a page run got, recorded on the server before each group of pages' notifications goes out; a retried
 * attempt resumes there, and a run that fails for good carries it in its failure (ResumePoint).
 */
export interface PageRunProgress {
  /** The first page of the group being delivered, i.e. the next one to read. */
  pageToken?: string;
  /** What the run finished before that page. */
  result: PollPageResult;
  previousPageKeys: string[];
  /** The notifications of the pages from `pageToken` on, about to be (or being) delivered. */
  plan?: NotificationPlan;
  /** Set by workers before plans existed: the run had finished. */
  done?: boolean;
}

export interface PollPageResult {
  nextPageToken?: string;
  records: number;
  events: number;
  problems: number;
  lastProblem?: string;
  /** Reported keys that belong in the next boundary set (dated after the next `since`, or problem records). */
  boundaryCandidates: { key: string; dateMs: number }[];
  /** Keys of every change of the last page read: the next page skips them (offset pages shift when records change mid-poll). */
  pageKeys: string[];
  notifications: NotificationSummary[];
  /** Settle passes: records reported late, and how late each was at least (ms from its date to the first look that missed it). */
  late?: { count: number; latenessMs: number[] };
}

/** One id scan of a resource (deletion `scan`): every id listed, compared with the last complete scan. */
export interface ScanInput {
  instance: InstanceRef;
  configuration: Record<string, string>;
  credentials?: Credentials;
  resourceName: string;
  scan: { url: string; idField: string; pageSize: number };
  /** Unique per resource: the scan's start, as text. */
  scanId: string;
  startedAtMs: number;
  /** Where an earlier attempt of this scan stopped (carried in its failure): listing or reporting goes on from there. */
  position?: ScanPosition;
}

export interface ScanPosition {
  /** Every id is listed: what remains is reporting the deleted ones. */
  listed: boolean;
  /** The next page of the listing. */
  pageToken?: string;
  /** Deleted ids are reported in id order: the last one already handed off. */
  reportedAfter?: string;
  /** Ids listed and deleted ids handed off so far, by every attempt of this scan (so a resumed scan counts them all). */
  ids?: number;
  reported?: number;
}

export interface ScanResult {
  ids: number;
  deleted: number;
  /** No complete scan came before: this one only records the ids. */
  first: boolean;
  notifications: NotificationSummary[];
}

/** The first page of each resource, read and diffed without delivering: does this poll have anything to do? */
export interface CheckResourcesInput {
  instance: InstanceRef;
  configuration: Record<string, string>;
  credentials?: Credentials;
  pollStartMs: number;
  resources: { name: string; resource: ResourceConfig; sinceMs: number; boundary: string[] }[];
}

/**
 * Per resource: `quiet` when its first page is its last and holds no change (the poll is done for it: the checkpoint
 * may move); otherwise the poll reads it with page runs. A failed read says how it failed, as a page run would have:
 * the workflow fails the resource at once when retrying cannot help, and waits out a Retry-After before the page run.
 */
export type ResourceCheck = { quiet: true; records: number } | { quiet: false; failure?: CheckFailure };

export interface CheckFailure {
  type: string;
  message: string;
  nonRetryable: boolean;
  retryAfterMs?: number;
}

export interface AuthenticateInput {
  elementKey: string;
  configuration: Record<string, string>;
  credentials?: Credentials;
  providerCode?: string;
}

export interface PollsterActivities {
  /** A local activity: one request per resource, nothing delivered. */
  checkResources(input: CheckResourcesInput): Promise<Record<string, ResourceCheck>>;
  /** Pages of one resource for up to a few seconds: fetch, diff, deliver or hand off. */
  pollPage(input: PollPageInput): Promise<PollPageResult>;
  /** OAuth2 code exchange or token refresh. */
  authenticate(input: AuthenticateInput): Promise<Credentials | undefined>;
  /** One attempt of a queued notification: the callback's answer (a failure is an answer; the workflow retries). */
  attemptDelivery(attempt: DeliveryAttempt): Promise<DeliveryAttemptResult>;
  /** A rate-limited subscription's due notifications, one attempt each, at its pace, until one fails. */
  deliverPaced(batch: PacedDeliveries): Promise<PacedDeliveriesResult>;
  /**
   * The previous release's attempt, retried by Temporal until delivered or the last attempt (runs of workflows/v1
   * still schedule it); returns the attempts it took in all.
   */
  deliverNotification(item: PendingNotification): Promise<number>;
  /** An id scan: lists every id of a resource into Pollster's store and reports the ones gone since the last complete scan. */
  scanIds(input: ScanInput): Promise<ScanResult>;
}
