/**
 * The workflows' messages, usable from the API, the Temporal client and the CLI:
 * `temporal workflow signal --workflow-id instance-42 --name setRefreshInterval --input 5`.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { InstanceSpec } from '../core/instanceSpec';
import type { PollerSettings } from '../core/settings';
import type { DeliveryHealth, InstanceRecord, PollerStatus, PollPosition } from './instance';
import type { AccountSettings, DeliveryView, EnqueueRequest, NotificationSummary, SubscriptionStatus } from './delivery';
import type { ReplayStatus } from './replay';

// ---------- the instance workflow ----------

/** New refresh interval, in minutes (fractions allowed, at least 1 second). */
export const setRefreshInterval = defineSignal<[number | string]>('setRefreshInterval');
export const pollNow = defineSignal('pollNow');
export const pause = defineSignal('pause');
export const resume = defineSignal('resume');
export const status = defineQuery<PollerStatus>('status');
/**
 * Replace the instance's specification, with the settings the API derived from it; checkpoints are kept. Returns
 * the applied instance. Two arguments, not one object: a run of the previous release reads the first only.
 */
export const configure = defineUpdate<InstanceRecord, [InstanceSpec, PollerSettings]>('configure');
/** The instance's latest notifications, newest last. */
export const recentNotifications = defineQuery<NotificationSummary[]>('recentNotifications');
/** Where each resource's next poll starts (checkpoint and boundary set), and the OAuth2 tokens: what a dry run reads from. */
export const pollPosition = defineQuery<PollPosition>('pollPosition');
/**
 * A callback's subscription tells the instances whose notifications it holds how delivery goes (the instance's
 * health reads it).
 */
export const deliveryHealth = defineSignal<[DeliveryHealth]>('deliveryHealth');
/**
 * Rewind (or move forward, no later than now) the checkpoints of some resources, epoch ms by resource name: their
 * next poll reads from there. Validated (contract/checkpoints.ts); waits for a poll under way to end. Returns the
 * checkpoints set, as ISO instants.
 */
export const setCheckpoints = defineUpdate<Record<string, string>, [Record<string, number>]>('setCheckpoints');

// ---------- a replay ----------

export const replayStatus = defineQuery<ReplayStatus>('replayStatus');

// ---------- a subscription (one callback URL) ----------

export const enqueue = defineSignal<[EnqueueRequest]>('enqueue');
/** Reactivate the subscription and deliver its queued notifications in order. */
export const redeliver = defineSignal('redeliver');
/**
 * Try these notifications now (none given: the whole queue), cutting their waits (the schedule, a receiver's
 * Retry-After; the rate limit still paces). Nothing overtakes: the ones before them in the queue go first, at once too.
 * A deactivated subscription is reactivated, as by redeliver.
 */
export const retryNow = defineSignal<[ids?: string[]]>('retryNow');
export const subscriptionStatus = defineQuery<SubscriptionStatus>('subscriptionStatus');
export const deliveries = defineQuery<DeliveryView[]>('deliveries');

// ---------- account settings ----------

export const accountSettings = defineQuery<AccountSettings>('accountSettings');
export const updateAccountSettings = defineUpdate<AccountSettings, [Partial<AccountSettings>]>('updateAccountSettings');
