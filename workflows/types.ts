/** Shapes the instance workflow shares with the API and its activities. */
import type { InstanceSpec, ResourceConfig } from '../core/config';
import type { InstanceRef } from '../core/envelope';
import type { Credentials } from '../elements/types';
import type { NotificationSummary } from './deliveryTypes';

export const workflowIdOf = (id: number | string): string => `instance-${id}`;

/** What GET /instances/{id} is built from; kept in the workflow's memo (encrypted by the codec). */
export interface InstanceRecord {
  id: number;
  token: string;
  createdDate: string;
  spec: InstanceSpec;
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
}

/**
 * Where a failed resource pass stopped. The next poll finishes that pass (same since, same poll start,
 * from the page it failed on, batched as planned) before the checkpoint moves: starting over would
 * send the pages already handed off again, in other batches, under other notification ids.
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

export interface InstanceState {
  resources: Record<string, ResourceState>;
  paused: boolean;
  lastRun?: { startedAt: string; endedAt: string; records: number; events: number; failedResources: string[] };
  /** When the first poll's checkpoint starts: the moment events were enabled. */
  enabledAtMs: number;
  polls: number;
  /** OAuth2 tokens (rotating refresh tokens included), encrypted with every other payload. */
  credentials?: Credentials;
  /** Set when the provider refused the credentials even after a refresh: no polls until the configuration changes. */
  authError?: string;
  /** The latest notifications (newest last), for GET /instances/{id}/events. */
  recentNotifications: NotificationSummary[];
}

export interface AuthenticateInput {
  elementKey: string;
  configuration: Record<string, string>;
  credentials?: Credentials;
  providerCode?: string;
}

export interface InstanceWorkflowInput {
  instance: InstanceRecord;
  state?: InstanceState;
  /** Tests only: continue-as-new after this many history events. */
  maxHistoryEvents?: number;
}

export interface PollerStatus {
  instanceId: number;
  state: 'waiting' | 'polling' | 'paused' | 'disabled';
  refreshIntervalMinutes: number;
  nextRunAt?: string;
  lastRun?: InstanceState['lastRun'];
  polls: number;
  authError?: string;
  resources: Record<string, Omit<ResourceState, 'boundary' | 'checkpointMs' | 'resume'> & { checkpoint: string }>;
}

export interface PollPageInput {
  instance: InstanceRef;
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
}

/**
 * The notifications built from `pages` pages read in a row: the change keys of each, in order. A
 * retry reads as many pages again and batches what it finds by this, whichever page a record is on
 * by then (records move to earlier pages when others before them change).
 */
export interface NotificationPlan {
  pages: number;
  batches: string[][];
}

/**
 * How far a page run got, recorded on the server before each page's notifications go out; a retried
 * attempt resumes there, and a run that fails for good carries it in its failure (ResumePoint).
 */
export interface PageRunProgress {
  /** The page being delivered, i.e. the next one to read. */
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
  /** Keys of every change of the last page run: the next page skips them (offset pages shift when records change mid-poll). */
  pageKeys: string[];
  notifications: NotificationSummary[];
}
