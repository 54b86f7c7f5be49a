/**
 * A subscription's queue and its rules, pure: what a hand-off adds, what retry now and redeliver change, when the head
 * is due and what it waits for, what an attempt's answer leaves, and when the instances must hear of a change. The
 * workflow (subscription.ts) applies them; unit tests run them without Temporal.
 */
import type { DeliveryAttemptResult, EnqueueRequest, PendingNotification, SubscriptionHealthState, SubscriptionState } from '../contract/delivery';
import { dueAtMs, isLastAttempt, nextAttemptAfter, PACED_RUN_BYTES, PACED_RUN_ITEMS, PACED_RUN_MS } from '../contract/retryPolicy';

/** Delivered summaries kept (ids a repeated hand-off is checked against; the instance's events view reads them). */
export const DELIVERED_KEPT = 200;
/** Instances remembered to tell of the next change of health. */
const AUDIENCE_KEPT = 1000;

export function newSubscriptionState(): SubscriptionState {
  return { active: true, policy: 'retry', queue: [], delivered: [], reported: { state: 'active' }, audience: [] };
}

/** Bytes of JSON a held notification takes (what the queue's bound counts). */
export const heldBytes = (item: PendingNotification): number => JSON.stringify(item.notification).length;

/** A usable rate: a positive, finite number of notifications per second. */
const rateOf = (value: number | undefined): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

export function deactivate(state: SubscriptionState, reason: string): void {
  state.active = false;
  state.deactivatedReason = reason;
}

/**
 * Adds a hand-off's notifications in order (one already held or delivered, a repeated hand-off, is skipped) and takes
 * its policy and rate limit (the latest hand-off's are the URL's). Returns the notifications added.
 */
export function enqueue(state: SubscriptionState, request: EnqueueRequest): PendingNotification[] {
  const known = new Set([...state.queue.map((p) => p.notification.id), ...state.delivered.map((d) => d.id)]);
  const added: PendingNotification[] = [];
  for (const item of request.items) {
    if (known.has(item.notification.id)) continue;
    known.add(item.notification.id);
    state.queue.push(item);
    added.push(item);
  }
  state.policy = request.policy;
  state.rateLimit = rateOf(request.rateLimit);
  if (state.rateLimit === undefined) state.pacedAtMs = undefined;
  if (request.deactivate) deactivate(state, request.deactivate);
  else if (request.policy === 'queue' && request.items.some((i) => i.attempts > 0)) deactivate(state, 'delivery failed and the failure policy is queue');
  return added;
}

/** Active again: every held notification starts its schedule over (redeliver). */
export function reactivate(state: SubscriptionState): void {
  state.active = true;
  state.deactivatedReason = undefined;
  for (const item of state.queue) {
    item.attempts = 0;
    item.firstFailureAtMs = undefined;
    item.nextAttemptAtMs = undefined;
    item.retryAfterAtMs = undefined;
  }
}

/**
 * Retry now: the given notifications (none: all) are due at once, and so is every one before them, since nothing
 * overtakes. A deactivated subscription is reactivated instead. Returns the ids made due.
 */
export function retryNow(state: SubscriptionState, ids?: readonly string[]): string[] {
  if (!state.active) {
    reactivate(state);
    return state.queue.map((p) => p.notification.id);
  }
  const wanted = ids === undefined ? undefined : new Set(ids);
  let last = -1;
  state.queue.forEach((p, i) => {
    if (!wanted || wanted.has(p.notification.id)) last = i;
  });
  const due = state.queue.slice(0, last + 1);
  for (const item of due) {
    item.nextAttemptAtMs = undefined;
    item.retryAfterAtMs = undefined;
  }
  return due.map((p) => p.notification.id);
}

export type WaitReason = 'schedule' | 'retryAfter' | 'rateLimit';

export interface HeadDue {
  atMs: number;
  /** What sets the time: the 4^x schedule, the receiver's Retry-After, or the rate limit's pace. */
  reason: WaitReason;
}

/** The interval between paced attempts. */
export const paceIntervalMs = (rate: number): number => 1000 / rate;

/**
 * When the head of the queue may be tried, and why then; undefined when it may be tried at once (or nothing is held).
 * `pace: false` leaves the rate limit out (the paced run waits for its own slots).
 */
export function headDue(state: SubscriptionState, pace = true): HeadDue | undefined {
  const head = state.queue[0];
  if (!head) return undefined;
  const candidates: HeadDue[] = [];
  if (head.nextAttemptAtMs !== undefined) candidates.push({ atMs: head.nextAttemptAtMs, reason: 'schedule' });
  if (head.retryAfterAtMs !== undefined) candidates.push({ atMs: head.retryAfterAtMs, reason: 'retryAfter' });
  if (pace && state.rateLimit !== undefined && state.pacedAtMs !== undefined) candidates.push({ atMs: state.pacedAtMs + paceIntervalMs(state.rateLimit), reason: 'rateLimit' });
  // The latest sets the time; on a tie the schedule's (a Retry-After or a pace that changed nothing was not waited for).
  return candidates.reduce<HeadDue | undefined>((latest, c) => (!latest || c.atMs > latest.atMs ? c : latest), undefined);
}

/**
 * The slot of the next paced attempt, asked at `nowMs`: an interval after the last one, or now when that has passed.
 * Never two within an interval: a late attempt is not made up for.
 */
export function nextPaceSlot(state: SubscriptionState, nowMs: number): number {
  if (state.rateLimit === undefined || state.pacedAtMs === undefined) return nowMs;
  return Math.max(state.pacedAtMs + paceIntervalMs(state.rateLimit), nowMs);
}

/**
 * The notifications a paced run takes, from the head: those due at `nowMs` (the first not due ends the run), at most
 * PACED_RUN_MS of slots, PACED_RUN_ITEMS and PACED_RUN_BYTES (the head always).
 */
export function pacedRun(state: SubscriptionState, nowMs: number): PendingNotification[] {
  if (state.rateLimit === undefined) return state.queue.slice(0, 1);
  const most = Math.min(PACED_RUN_ITEMS, Math.max(1, Math.floor(PACED_RUN_MS / paceIntervalMs(state.rateLimit))));
  const run: PendingNotification[] = [];
  let bytes = 0;
  for (const item of state.queue) {
    const due = dueAtMs(item);
    if (run.length > 0 && ((due !== undefined && due > nowMs) || run.length >= most || bytes + heldBytes(item) > PACED_RUN_BYTES)) break;
    run.push(item);
    bytes += heldBytes(item);
  }
  return run;
}

export type Settled = 'delivered' | 'retry' | 'deactivated';

/**
 * What an attempt's answer leaves: the head delivered (out of the queue, into the delivered summaries), or its next
 * attempt (the schedule, and the receiver's Retry-After), or the subscription deactivated after the last one, a 410, a
 * refused URL, or any failure under the `queue` policy.
 */
export function settle(state: SubscriptionState, head: PendingNotification, result: DeliveryAttemptResult, nowMs: number): Settled {
  state.retryScale = result.retryScale;
  if (result.ok) {
    const at = state.queue.indexOf(head);
    if (at >= 0) state.queue.splice(at, 1);
    state.delivered.push({
      id: head.notification.id,
      instanceId: head.instanceId,
      instanceName: head.notification.message.instanceName,
      resource: head.resource,
      events: head.notification.message.events.length,
      attempts: result.attempts,
      deliveredAtMs: nowMs,
      createdDate: head.notification.createdDate,
    });
    if (state.delivered.length > DELIVERED_KEPT) state.delivered.splice(0, state.delivered.length - DELIVERED_KEPT);
    hear(state, [head.instanceId]);
    return 'delivered';
  }
  head.attempts = result.attempts;
  head.lastError = result.error ?? `callback answered ${result.status}`;
  head.firstFailureAtMs ??= result.atMs;
  if (isLastAttempt(result, result.attempts)) {
    head.nextAttemptAtMs = undefined;
    head.retryAfterAtMs = undefined;
    deactivate(state, result.status === 410 || result.refused ? head.lastError : `delivery failed ${result.attempts} times: ${head.lastError}`);
    return 'deactivated';
  }
  const next = nextAttemptAfter({ attempts: result.attempts, firstFailureAtMs: head.firstFailureAtMs, failedAtMs: result.atMs, retryAfterMs: result.retryAfterMs, scale: result.retryScale });
  head.nextAttemptAtMs = next.nextAttemptAtMs;
  head.retryAfterAtMs = next.retryAfterAtMs;
  if (state.policy === 'queue') {
    deactivate(state, 'delivery failed and the failure policy is queue');
    return 'deactivated';
  }
  return 'retry';
}

export interface Health {
  state: SubscriptionHealthState;
  lastError?: string;
}

/** `retrying` while a held notification has failed and waits for its next attempt; a paced backlog is `active`. */
export function healthOf(state: SubscriptionState): Health {
  if (!state.active) return { state: 'deactivated', lastError: state.deactivatedReason };
  const failed = state.queue.find((p) => p.attempts > 0);
  return failed ? { state: 'retrying', lastError: failed.lastError } : { state: 'active' };
}

/** Remembers instances to tell of the next change; returns the ones not remembered before. */
function hear(state: SubscriptionState, instanceIds: readonly number[]): number[] {
  const fresh = [...new Set(instanceIds)].filter((id) => !state.audience.includes(id));
  state.audience.push(...fresh);
  if (state.audience.length > AUDIENCE_KEPT) state.audience.splice(0, state.audience.length - AUDIENCE_KEPT);
  return fresh;
}

/**
 * Instances that handed notifications over: remembered for the next change, and returned when they must be told the
 * current state at once (it is not `active`, and they had not heard of it).
 */
export function newcomers(state: SubscriptionState, added: readonly PendingNotification[]): number[] {
  const fresh = hear(state, added.map((p) => p.instanceId));
  return state.reported.state === 'active' ? [] : fresh;
}

/**
 * A change of health since the instances were last told: the new health, and who must hear it (the instances whose
 * notifications it holds, and those told before or delivered to since). Undefined when nothing changed.
 */
export function healthChange(state: SubscriptionState): { health: Health; recipients: number[] } | undefined {
  const health = healthOf(state);
  if (health.state === state.reported.state) return undefined;
  const held = [...new Set(state.queue.map((p) => p.instanceId))];
  const recipients = [...new Set([...state.audience, ...held])];
  state.reported = health;
  state.audience = held.slice(-AUDIENCE_KEPT);
  return { health, recipients };
}
