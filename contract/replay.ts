/**
 * A replay: a durable second reading of an instance's past window, apart from its polls, whose changes go out again
 * under the replay's own notification ids. Its input, its state (carried across continue-as-new) and its status, as
 * the API starts it and shows it.
 */
import type { PollerSettings } from '../core/settings';
import type { Credentials } from '../elements/types';
import type { InstanceRecord, ReadState } from './instance';

export type ReplayStatusName = 'running' | 'completed' | 'failed' | 'cancelled';
/** A resource waits its turn (`pending`), is read (`running`), then ends one of the three ways a replay does. */
export type ReplayResourceStatusName = 'pending' | ReplayStatusName;

export interface ReplayInput {
  /** The API's id for it: hex, unique per instance; part of the workflow id and of every notification id. */
  replayId: string;
  /** The instance and its settings as they were when the replay started (a later PATCH does not reach it). */
  instance: InstanceRecord;
  settings: PollerSettings;
  /** The window: changes dated at `sinceMs` or later and before `untilMs`. */
  sinceMs: number;
  untilMs: number;
  /** Read in this order, each in full before the next. */
  resources: string[];
  /** The instance's OAuth2 tokens when the replay started (borrowed: a replay never refreshes them). */
  credentials?: Credentials;
  state?: ReplayState;
  /** Tests only: continue-as-new past this many history events. */
  maxHistoryEvents?: number;
  /** Tests only: the wait after a failed pass, times the failures so far (default 30 s). */
  passRetryDelayMs?: number;
}

export interface ReplayResourceState {
  status: ReplayResourceStatusName;
  /** The replay's own read position: `checkpointMs` reaches the window's end when the resource is done; never the instance's. */
  read: ReadState;
  records: number;
  events: number;
  problems: number;
  notifications: number;
  /** Passes that failed; a few are tried again from where they stopped, then the resource has failed. */
  failures: number;
  lastError?: string;
}

export interface ReplayState {
  startedAtMs: number;
  endedAtMs?: number;
  cancelRequested?: boolean;
  resources: Record<string, ReplayResourceState>;
  credentials?: Credentials;
}

/** What the `replayStatus` query answers and GET /instances/{id}/events/replay/{replayId} shows. */
export interface ReplayStatus {
  replayId: string;
  instanceId: number;
  status: ReplayStatusName;
  since: string;
  until: string;
  startedAt: string;
  endedAt?: string;
  /** A DELETE asked it to stop: it does so before its next page run. */
  cancelRequested?: boolean;
  resources: Record<string, ReplayResourceStatus>;
}

export interface ReplayResourceStatus {
  status: ReplayResourceStatusName;
  records: number;
  events: number;
  problems: number;
  notifications: number;
  lastError?: string;
}
