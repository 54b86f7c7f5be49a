/** The delivery path's shapes: notifications that could not be delivered at once, their subscription, and how they are shown. */
import type { NotificationBody } from '../core/envelope';

export type FailurePolicy = 'retry' | 'queue';
export type DeliveryStatus = 'retry' | 'queued' | 'delivered';

/** A notification waiting in its subscription's queue: payload, signing key and retry bookkeeping. */
export interface PendingNotification {
  notification: NotificationBody;
  callbackUrl: string;
  signatureKey?: string;
  instanceId: number;
  resource: string;
  /** Failed attempts so far (the direct attempt in the poll counts). */
  attempts: number;
  firstFailureAtMs?: number;
  /** When the next retry is due (see deliveryRetryDueAt). */
  nextAttemptAtMs?: number;
  lastError?: string;
  enqueuedAtMs: number;
  /**
   * The receiver answered 429 or 503 with Retry-After: not tried again before this (at most RETRY_AFTER_CAP_MS after
   * its answer). The next attempt is due at the later of this and nextAttemptAtMs.
   */
  retryAfterAtMs?: number;
  /** Waits this notification did for a receiver's Retry-After, and for the callback's rate limit. */
  retryAfterWaits?: number;
  rateLimitedWaits?: number;
}

export interface EnqueueRequest {
  items: PendingNotification[];
  policy: FailurePolicy;
  /** Deactivate at once, for this reason (the callback answered 410 Gone, or its URL is refused). */
  deactivate?: string;
  /**
   * The handing instance's `event.notification.rate_limit`: notifications per second to this callback URL; absent for
   * none. The latest hand-off's value is the subscription's.
   */
  rateLimit?: number;
}

export interface DeliveredSummary {
  id: string;
  instanceId: number;
  resource: string;
  events: number;
  attempts: number;
  deliveredAtMs: number;
  /** The notification's own createdDate (absent in summaries of the previous release). */
  createdDate?: string;
  instanceName?: string;
}

/**
 * The subscription workflow's input, and its state carried across continue-as-new. `version: 2` marks the current
 * workflow's input: a run of the previous release (no version) runs its frozen code and migrates (workflows/v1).
 */
export interface SubscriptionInput {
  url: string;
  version: 2;
  state?: SubscriptionState;
  /** Tests only: continue-as-new after this many history events. */
  maxHistoryEvents?: number;
}

export type SubscriptionHealthState = 'active' | 'retrying' | 'deactivated';

export interface SubscriptionState {
  active: boolean;
  deactivatedReason?: string;
  /** The failure policy of the latest hand-off: under `queue` a failed attempt deactivates. */
  policy: FailurePolicy;
  /** In order; each with its attempts, last error and next attempt. */
  queue: PendingNotification[];
  /** The latest delivered, newest last (ids to ignore a repeated hand-off; the instance's events view reads them). */
  delivered: DeliveredSummary[];
  /** Notifications per second to this URL (the latest hand-off's); none when absent. */
  rateLimit?: number;
  /** The slot of the last paced attempt: the next one is due an interval (1 s / rateLimit) after it. */
  pacedAtMs?: number;
  /** POLLSTER_RETRY_SCALE as the last attempt's worker reported it. */
  retryScale?: number;
  /** What the instances were last told (deliveryHealth). */
  reported: { state: SubscriptionHealthState; lastError?: string };
  /** Instances to tell of the next change: those told of the current state, and those delivered to since. */
  audience: number[];
}

export interface SubscriptionStatus {
  url: string;
  /** `retrying` while a notification it holds has failed and waits for its next attempt. */
  state: SubscriptionHealthState;
  pending: number;
  /** The queue holds as much as workflow state should; new notifications wait at the provider (checkpoints hold). */
  full: boolean;
  deactivatedReason?: string;
  /** Notifications per second (absent in the answer of a run of the previous release, and when there is none). */
  rateLimit?: number;
}

export interface DeliveryView {
  id: string;
  channel: 'webhook';
  status: DeliveryStatus;
  config: { url: string };
  instanceId: number;
  instanceName?: string;
  resource: string;
  events: number;
  attempts: number;
  lastError?: string;
  /** The head of its subscription's queue: when it is tried next (the schedule, a Retry-After, the rate limit). */
  nextAttemptAt?: string;
  /** Behind the head of the queue: the head's id (nothing overtakes it). */
  waitingBehind?: string;
  /** The receiver asked not to be tried before this (Retry-After on a 429 or 503). */
  retryAfter?: string;
  /** Paced by the callback's rate limit: notifications per second. */
  rateLimited?: number;
  /** Waits it did for a receiver's Retry-After, and for the rate limit. */
  retryAfterWaits?: number;
  rateLimitedWaits?: number;
  /** The notification's own createdDate (its poll's start). */
  createdDate: string;
  deliveredDate?: string;
  payload?: NotificationBody;
}

/** One delivery attempt of a queued notification (the attemptDelivery activity). */
export interface DeliveryAttempt {
  item: PendingNotification;
  /** The subscription waited for a receiver's Retry-After before this attempt (counted in the worker's metrics). */
  waitedForRetryAfter?: boolean;
}

/** How an attempt went: the callback's answer, and what the workflow needs to schedule the next one. */
export interface DeliveryAttemptResult {
  ok: boolean;
  /** HTTP status; 0 when no answer came. */
  status: number;
  error?: string;
  /** The callback URL is not allowed by the address policy. */
  refused?: boolean;
  /** Attempts in all, this one included. */
  attempts: number;
  /** When the attempt ended, by the worker's clock. */
  atMs: number;
  /** The receiver's Retry-After (429 or 503), in ms from `atMs`, uncapped. */
  retryAfterMs?: number;
  /** POLLSTER_RETRY_SCALE of the worker that made the attempt (the workflow cannot read the environment). */
  retryScale: number;
  /** A paced attempt: how long it waited for its slot (the rate limit). */
  pacedMs?: number;
}

/**
 * Notifications of a rate-limited subscription, delivered in a row at its pace by one activity (deliverPaced): the
 * server's timers are too coarse to space attempts a fraction of a second apart.
 */
export interface PacedDeliveries {
  /** Due now, in queue order. */
  items: PendingNotification[];
  /** Between two attempts (1 s / the rate limit). */
  intervalMs: number;
  /** The first attempt's slot (epoch ms); each next one an interval later. */
  firstSlotMs: number;
  /** The first item waited for a receiver's Retry-After. */
  waitedForRetryAfter?: boolean;
}

export interface PacedDeliveriesResult {
  /** One per item attempted, in order: every one delivered but maybe the last; the items after a failure are not tried. */
  results: DeliveryAttemptResult[];
  /** The last attempt's slot: the next run of slots follows it. */
  lastSlotMs?: number;
}

/** Recent notifications kept by the instance workflow for GET /instances/{id}/events. */
export interface NotificationSummary {
  id: string;
  resource: string;
  events: number;
  status: DeliveryStatus;
  atMs: number;
}

export interface AccountSettings {
  'notification.webhook.failure.policy': FailurePolicy;
}

/** The account workflow's input, and its state carried across continue-as-new. */
export interface AccountInput {
  settings?: AccountSettings;
}

export const DEFAULT_ACCOUNT_SETTINGS: AccountSettings = { 'notification.webhook.failure.policy': 'retry' };
