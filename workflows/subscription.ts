/**
 * One callback URL (a "subscription"): notifications that could not be delivered at once, or that a rate limit paces,
 * wait here in order. The workflow drives every retry itself: one attempt per activity (attemptDelivery answers how it
 * went), then a timer until the next is due (the 4^x schedule, a receiver's Retry-After), so its state, and the
 * `deliveries` query, always say what is pending and why. Under a rate limit the due notifications go out a few
 * seconds' worth at a time, at its pace, by one activity (deliverPaced), stopping at the first failure. When the last retry fails the
 * subscription is deactivated: everything it holds, and everything handed to it later, is `queued` until redeliver
 * or retry now reactivates it. Each change of its health is signalled to the instances concerned (deliveryHealth).
 *
 * Runs started by the previous release (their input has no version) run its code until their first live turn of the
 * loop, then continue as new into this one (workflows/v1/subscription.ts).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PollsterActivities } from '../contract/activities';
import type { DeliveryAttemptResult, PacedDeliveriesResult, PendingNotification, SubscriptionInput, SubscriptionState } from '../contract/delivery';
import { deliveries, deliveryHealth, enqueue, redeliver, retryNow, subscriptionStatus } from '../contract/messages';
import { instanceWorkflowId } from '../contract/names';
import { deliveryAttemptOptions, pacedDeliveryOptions } from '../contract/retryPolicy';
import * as queue from './subscriptionQueue';
import { deliveryViews, subscriptionStatusOf } from './subscriptionView';
import { subscriptionWorkflowV1 } from './v1/subscription';
import type { SubscriptionInput as SubscriptionInputV1 } from './v1/subscriptionTypes';

/**
 * A run continues as new past this many history events (an attempt writes about six) or this much growth of
 * its history (attempts carry their notification): a worker without it in its cache replays the run, and its queue
 * travels in the new run's input.
 */
export const CONTINUE_AS_NEW_EVENTS = 1000;
export const CONTINUE_AS_NEW_GROWTH_BYTES = 2_000_000;

const { attemptDelivery } = proxyActivities<PollsterActivities>(deliveryAttemptOptions);
const { deliverPaced } = proxyActivities<PollsterActivities>(pacedDeliveryOptions);

export async function subscriptionWorkflow(input: SubscriptionInput | SubscriptionInputV1): Promise<void> {
  if (!('version' in input) || input.version !== 2) return subscriptionWorkflowV1(input);
  return subscriptionLoop(input);
}

async function subscriptionLoop(input: SubscriptionInput): Promise<void> {
  const { url } = input;
  const state = input.state ?? queue.newSubscriptionState();
  const startSize = workflowInfo().historySize;
  let heldBytes = state.queue.reduce((n, p) => n + queue.heldBytes(p), 0);
  /** deliveryHealth signals sent and not yet acknowledged (awaited before continuing as new). */
  const signals: Promise<void>[] = [];

  const tell = (instanceIds: readonly number[], health: queue.Health): void => {
    for (const id of instanceIds) {
      const report = { callbackUrl: url, state: health.state, lastError: health.lastError, atMs: Date.now() };
      // An instance deleted since is gone: nothing to tell.
      signals.push(getExternalWorkflowHandle(instanceWorkflowId(id)).signal(deliveryHealth, report).catch(() => undefined));
    }
  };
  const showHealth = (): void => {
    const change = queue.healthChange(state);
    if (change) tell(change.recipients, change.health);
  };

  setHandler(enqueue, (request) => {
    const added = queue.enqueue(state, request);
    heldBytes += added.reduce((n, p) => n + queue.heldBytes(p), 0);
    showHealth();
    tell(queue.newcomers(state, added), state.reported);
  });
  setHandler(redeliver, () => {
    queue.reactivate(state);
    showHealth();
  });
  setHandler(retryNow, (ids) => {
    queue.retryNow(state, ids);
    showHealth();
  });
  setHandler(subscriptionStatus, () => subscriptionStatusOf(url, state, heldBytes));
  setHandler(deliveries, () => deliveryViews(url, state));

  const historyIsLong = (): boolean => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (input.maxHistoryEvents ?? CONTINUE_AS_NEW_EVENTS) || info.historySize - startSize > CONTINUE_AS_NEW_GROWTH_BYTES;
  };
  const ready = (): boolean => state.active && state.queue.length > 0;
  const dueOfHead = (): number | undefined => queue.headDue(state, false)?.atMs;

  /** Whether the head waited for a receiver's Retry-After before its attempt (the wait may take several turns). */
  let waited: { head: PendingNotification; retryAfter: boolean } | undefined;

  for (;;) {
    if (historyIsLong()) {
      await condition(allHandlersFinished);
      await Promise.all(signals);
      await continueAsNew<typeof subscriptionWorkflow>({ url, version: 2, state, maxHistoryEvents: input.maxHistoryEvents });
    }
    await condition(() => ready() || historyIsLong());
    if (!ready()) continue;
    const head = state.queue[0]!;
    if (waited?.head !== head) waited = { head, retryAfter: false };
    // The schedule and a Retry-After are waited for with a timer; a rate limit's pace inside the paced run.
    const due = queue.headDue(state, false);
    const now = Date.now();
    if (due && due.atMs > now) {
      if (due.reason === 'retryAfter') waited.retryAfter = true;
      // Wake early when the head or its time changes (retry now, redeliver) or it is deactivated.
      await condition(() => !ready() || state.queue[0] !== head || dueOfHead() !== due.atMs || historyIsLong(), Math.ceil(due.atMs - now));
      continue;
    }
    // A Retry-After that retry now cut short was not waited for.
    const retryAfter = waited.retryAfter && head.retryAfterAtMs !== undefined;
    if (retryAfter) head.retryAfterWaits = (head.retryAfterWaits ?? 0) + 1;
    waited = undefined;
    const items = queue.pacedRun(state, now);
    const run = state.rateLimit === undefined ? { results: [await attempt(head, retryAfter, state.retryScale)] } : await attemptPaced(state, items, now, retryAfter);
    for (const [i, result] of run.results.entries()) {
      const item = items[i]!;
      if (result.pacedMs) item.rateLimitedWaits = (item.rateLimitedWaits ?? 0) + 1;
      if (queue.settle(state, item, result, Date.now()) === 'delivered') heldBytes -= queue.heldBytes(item);
    }
    if ('lastSlotMs' in run && run.lastSlotMs !== undefined) state.pacedAtMs = run.lastSlotMs;
    showHealth();
  }
}

/** A failed attempt of the head for an activity that could not run at all (its own retries spent). */
function notRun(item: PendingNotification, err: unknown, retryScale: number | undefined): DeliveryAttemptResult {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : (err as Error);
  return { ok: false, status: 0, error: `the delivery attempt failed: ${cause.message}`, attempts: item.attempts + 1, atMs: Date.now(), retryScale: retryScale ?? 1 };
}

async function attempt(item: PendingNotification, waitedForRetryAfter: boolean, retryScale: number | undefined): Promise<DeliveryAttemptResult> {
  try {
    return await attemptDelivery({ item, waitedForRetryAfter });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return notRun(item, err, retryScale);
  }
}

/**
 * A rate-limited subscription's due notifications, in a row at its pace, by one activity: the server's timers fire a
 * second or so late, too coarse for intervals of a fraction of one.
 */
async function attemptPaced(state: SubscriptionState, items: PendingNotification[], nowMs: number, waitedForRetryAfter: boolean): Promise<PacedDeliveriesResult> {
  try {
    return await deliverPaced({ items, intervalMs: queue.paceIntervalMs(state.rateLimit!), firstSlotMs: queue.nextPaceSlot(state, nowMs), waitedForRetryAfter });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { results: [notRun(items[0]!, err, state.retryScale)] };
  }
}
