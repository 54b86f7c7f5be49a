/** The instance workflow's input, state and status: what the API starts it with and reads back. */
import type { InstanceSpec } from '../core/instanceSpec';
import type { PollerSettings } from '../core/settings';
import type { Credentials } from '../elements/types';
import type { NotificationSummary } from './delivery';
import type { NotificationPlan, ScanPosition } from './activities';

/** What GET /instances/{id} is built from; kept in the workflow's memo (encrypted by the codec). */
export interface InstanceRecord {
  id: number;
  token: string;
  createdDate: string;
  spec: InstanceSpec;
}

export interface InstanceWorkflowInput {
  instance: InstanceRecord;
  /** The poller settings, derived by the API from the validated configuration: the workflow never parses it. */
  settings: PollerSettings;
  state?: InstanceState;
  /** Tests only: continue-as-new after this many history events. */
  maxHistoryEvents?: number;
}

export interface ResourceState {
  /** Lower bound of the next poll, before pollDelay: the start of the last poll that handed off everything. */
  checkpointMs: number;
  /** Keys of changes already reported that a later query may return again. */
  boundary: string[];
  lastError?: string;
  lastErrorAt?: string;
  events: number;
  records: number;
  problems: number;
  lastProblem?: string;
  /** Set while a pass that failed after handing off some pages waits to be finished by the next poll. */
  resume?: ResumePoint;
  /** Deletion `tombstones`: the deleted-records list, polled like the resource, with its own checkpoint. */
  tombstones?: ReadState;
  /** `settleDelay`: poll windows waiting to be read again, and what the second looks found. */
  settle?: SettleState;
  /** Deletion `scan`: when the last scan started, and one that has not finished. */
  scan?: ScanState;
}

/** Where reading a list of records stands: its checkpoint, boundary set and an interrupted pass (as a resource has). */
export interface ReadState {
  checkpointMs: number;
  boundary: string[];
  resume?: ResumePoint;
  lastError?: string;
}

export interface SettleWindow {
  sinceMs: number;
  /** The window's end: the start of the poll that read it first. */
  untilMs: number;
  dueAtMs: number;
}

export interface SettleState {
  windows: SettleWindow[];
  /** A second look that failed part-way: its window, and the page and plan it goes on from. */
  resume?: { sinceMs: number; untilMs: number; pageToken?: string; plan?: NotificationPlan };
  /** Records the second looks reported (late), in all. */
  lateRecords: number;
  /** How late the most recent ones were at least, ms (their date to the first look that missed them), newest last. */
  latenessMs: number[];
  lastError?: string;
}

export interface ScanState {
  lastStartedAtMs?: number;
  /** When the last complete scan ended: the next is due `every` after it (absent in state kept before it was added). */
  lastEndedAtMs?: number;
  lastIds?: number;
  deleted: number;
  /** A scan that started and has not finished: the next attempt goes on from its position. */
  pending?: { scanId: string; startedAtMs: number; position?: ScanPosition };
  lastError?: string;
}

/**
 * Where a failed resource pass stopped. The next poll finishes that pass (same since, same poll start, from the
 * page it failed on, batched as planned) before the checkpoint moves: starting over would send the pages already
 * handed off again, in other batches, under other notification ids.
 */
export interface ResumePoint {
  sinceMs: number;
  pollStartMs: number;
  pageToken?: string;
  previousPageKeys: string[];
  plan?: NotificationPlan;
  /** Boundary candidates of the pages already handed off. */
  reported: { key: string; dateMs: number }[];
  /** Polls that tried to finish the pass; after a few the pass starts over (a cursor may have expired). */
  attempts: number;
}

export interface LastRun {
  startedAt: string;
  endedAt: string;
  records: number;
  events: number;
  /** Records with a missing id or an unreadable date this poll found (absent in runs of the previous release). */
  problems?: number;
  failedResources: string[];
}

export interface InstanceState {
  resources: Record<string, ResourceState>;
  paused: boolean;
  lastRun?: LastRun;
  /** When the first poll's checkpoint starts: the moment events were enabled. */
  enabledAtMs: number;
  polls: number;
  /** OAuth2 tokens (rotating refresh tokens included), encrypted with every other payload. */
  credentials?: Credentials;
  /** Set when the provider refused the credentials even after a refresh: no polls until the configuration changes. */
  authError?: string;
  /** The latest notifications (newest last), for GET /instances/{id}/events. */
  recentNotifications: NotificationSummary[];
  /** A poll was asked for when the run continued as new (a run of the previous release migrating). */
  pollRequested?: boolean;
  /** How delivery goes, by callback URL, as its subscription last said (deliveryHealth). */
  delivery?: Record<string, DeliveryHealth>;
  /** The instance's health as last judged. */
  health?: Health;
}

export type PollerStateName = 'waiting' | 'polling' | 'paused' | 'disabled';

/**
 * An instance's health at a glance: `healthy`; `degraded` (a resource failing, deliveries retrying, problem records
 * rising); `failing` (every resource failing, credentials refused, the callback's subscription deactivated). Each
 * reason is one line a user can act on.
 */
export type HealthState = 'healthy' | 'degraded' | 'failing';

export interface Health {
  state: HealthState;
  reasons: string[];
  since: string;
}

/** What a subscription tells an instance about its callback (the deliveryHealth signal). */
export interface DeliveryHealth {
  callbackUrl: string;
  state: 'active' | 'retrying' | 'deactivated';
  /** The failure behind `retrying` or `deactivated`. */
  lastError?: string;
  atMs: number;
}

/** Where each resource's next poll starts (pollPosition query). */
export interface PollPosition {
  resources: Record<string, { checkpointMs: number; boundary: string[] }>;
  /** Until events are enabled, the first poll's lower bound. */
  enabledAtMs: number;
  credentials?: Credentials;
}

/** What the `status` query answers, and GET /instances/{id}/poller shows. */
export interface PollerStatus {
  instanceId: number;
  state: PollerStateName;
  refreshIntervalMinutes: number;
  nextRunAt?: string;
  lastRun?: LastRun;
  polls: number;
  authError?: string;
  /** Absent in the answer of a run of the previous release. */
  health?: Health;
  resources: Record<string, ResourceStatus>;
}

/** A resource as GET /instances/{id}/poller shows it. */
export type ResourceStatus = Omit<ResourceState, 'boundary' | 'checkpointMs' | 'resume' | 'tombstones' | 'settle' | 'scan'> & {
  checkpoint: string;
  tombstones?: { checkpoint: string; lastError?: string };
  settle?: {
    pendingWindows: { since: string; until: string; dueAt: string }[];
    lateRecords: number;
    /**
     * How late the late records were at least (their date to the first look that missed them), over the last ones
     * found: a settle delay comfortably above the max catches them.
     */
    latenessMs?: { p50: number; max: number; samples: number };
    lastError?: string;
  };
  scan?: { lastScanAt?: string; lastIds?: number; deleted: number; scanning: boolean; lastError?: string };
};
