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
}

export interface EnqueueRequest {
  items: PendingNotification[];
  policy: FailurePolicy;
  /** Deactivate at once, for this reason (the callback answered 410 Gone, or its URL is refused). */
  deactivate?: string;
}

export interface DeliveredSummary {
  id: string;
  instanceId: number;
  resource: string;
  events: number;
  attempts: number;
  deliveredAtMs: number;
}

/** The subscription workflow's input, and its state carried across continue-as-new. */
export interface SubscriptionInput {
  url: string;
  state?: SubscriptionState;
}

export interface SubscriptionState {
  active: boolean;
  deactivatedReason?: string;
  queue: PendingNotification[];
  delivered: DeliveredSummary[];
}

export interface SubscriptionStatus {
  url: string;
  state: 'active' | 'retrying' | 'deactivated';
  pending: number;
  /** The queue holds as much as workflow state should; new notifications wait at the provider (checkpoints hold). */
  full: boolean;
  deactivatedReason?: string;
}

export interface DeliveryView {
  id: string;
  channel: 'webhook';
  status: DeliveryStatus;
  config: { url: string };
  instanceId: number;
  resource: string;
  events: number;
  attempts: number;
  lastError?: string;
  nextAttemptAt?: string;
  createdDate: string;
  deliveredDate?: string;
  payload?: NotificationBody;
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
