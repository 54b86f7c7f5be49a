/** Shapes of the delivery path: notifications that could not be delivered at once, and how they are shown. */
import type { NotificationBody } from '../core/envelope';

export type FailurePolicy = 'retry' | 'queue';
export type DeliveryStatus = 'retry' | 'queued' | 'delivered';

export const subscriptionIdOf = (urlHash: string): string => `subscription-${urlHash}`;
export const ACCOUNT_WORKFLOW_ID = 'pollster-account';

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
  /** When the next retry is due: the x-th retry comes about 4^x seconds (× scale) after the first failure. */
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
