/**
 * The subscription workflow of the previous release (input without a version), kept unchanged so that runs started
 * on it replay: its retries are Temporal's, of the deliverNotification activity. Such a run moves to the current
 * workflow at its first live turn of the loop (patch `subscription-v2`): it continues as new with its state
 * converted. Delete this file (and deliverNotification) once no run of it is left.
 *
 * One callback URL (a "subscription"): notifications that could not be delivered at once wait here,
 * in order, and are retried on the 4^x schedule. When the last retry fails the subscription is
 * deactivated and everything it holds, and everything handed to it later, is `queued` until a
 * redeliver signal (PUT /notifications/subscriptions/deliveries) reactivates it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import type { PollsterActivities } from '../../contract/activities';
import type { DeliveryView, PendingNotification, SubscriptionInput as CurrentInput, SubscriptionStatus } from '../../contract/delivery';
import { FailureType } from '../../contract/failures';
import { deliveries, enqueue, redeliver, subscriptionStatus } from '../../contract/messages';
import { deliveryActivityOptions, MAX_DELIVERY_ATTEMPTS, QUEUE_BYTES_LIMIT } from '../../contract/retryPolicy';
import type { SubscriptionInput, SubscriptionState } from './subscriptionTypes';

/** Runs of this workflow continue as new into the current one at their first live turn of the loop. */
export const SUBSCRIPTION_V2 = 'subscription-v2';

const DELIVERED_KEPT = 200;

const { deliverNotification } = proxyActivities<PollsterActivities>(deliveryActivityOptions);

export async function subscriptionWorkflowV1(input: SubscriptionInput): Promise<void> {
  const state: SubscriptionState = input.state ?? { active: true, queue: [], delivered: [] };
  let queuedBytes = state.queue.reduce((n, p) => n + approximateBytes(p), 0);
  let delivering = false;

  setHandler(enqueue, ({ items, policy, deactivate: reason }) => {
    const known = new Set([...state.queue.map((p) => p.notification.id), ...state.delivered.map((d) => d.id)]);
    for (const item of items) {
      if (known.has(item.notification.id)) continue; // a retried hand-off: same notification, same id
      state.queue.push(item);
      queuedBytes += approximateBytes(item);
    }
    if (reason) deactivate(reason);
    else if (policy === 'queue' && items.some((i) => i.attempts > 0)) deactivate('delivery failed and the failure policy is queue');
  });
  setHandler(redeliver, () => {
    state.active = true;
    state.deactivatedReason = undefined;
    for (const item of state.queue) {
      item.attempts = 0;
      item.firstFailureAtMs = undefined;
      item.nextAttemptAtMs = undefined;
    }
  });
  setHandler(subscriptionStatus, (): SubscriptionStatus => ({
    url: input.url,
    state: !state.active ? 'deactivated' : state.queue.length > 0 || delivering ? 'retrying' : 'active',
    pending: state.queue.length,
    full: queuedBytes > QUEUE_BYTES_LIMIT,
    deactivatedReason: state.deactivatedReason,
  }));
  setHandler(deliveries, () => view(input.url, state));

  function deactivate(reason: string): void {
    state.active = false;
    state.deactivatedReason = reason;
  }

  /** Into the current workflow: the same queue, its bookkeeping as it stands; the retries then run there. */
  const migrate = async (): Promise<void> => {
    await condition(allHandlersFinished);
    await continueAsNew<(input: CurrentInput) => Promise<void>>({ url: input.url, version: 2, state: currentState(state) });
  };

  for (;;) {
    if (patched(SUBSCRIPTION_V2)) await migrate();
    await condition(() => (state.active && state.queue.length > 0) || workflowInfo().continueAsNewSuggested);
    if (patched(SUBSCRIPTION_V2)) await migrate();
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof subscriptionWorkflowV1>({ url: input.url, state });
    }
    const head = state.queue[0]!;
    if (head.nextAttemptAtMs !== undefined && head.nextAttemptAtMs > Date.now()) {
      // Wake early if a redeliver resets the schedule or the subscription is deactivated meanwhile.
      const due = head.nextAttemptAtMs;
      await condition(() => head.nextAttemptAtMs !== due || !state.active, due - Date.now());
      continue;
    }
    delivering = true;
    try {
      const attempts = await deliverNotification(head);
      state.queue.shift();
      queuedBytes -= approximateBytes(head);
      state.delivered.push({
        id: head.notification.id,
        instanceId: head.instanceId,
        resource: head.resource,
        events: head.notification.message.events.length,
        attempts,
        deliveredAtMs: Date.now(),
      });
      if (state.delivered.length > DELIVERED_KEPT) state.delivered.splice(0, state.delivered.length - DELIVERED_KEPT);
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : undefined;
      head.lastError = cause?.message ?? (err as Error).message;
      const details = cause?.details?.[0] as { attempts?: number } | undefined;
      head.attempts = details?.attempts ?? MAX_DELIVERY_ATTEMPTS;
      deactivate(cause?.type === FailureType.deliveryFailed ? `delivery failed ${head.attempts} times: ${head.lastError}` : head.lastError);
    } finally {
      delivering = false;
    }
  }
}

/**
 * The current workflow's state from this one's. The instances are told the state at the current workflow's first turn
 * (this release told them nothing), so it starts from `active`.
 */
function currentState(state: SubscriptionState): NonNullable<CurrentInput['state']> {
  return { active: state.active, deactivatedReason: state.deactivatedReason, policy: 'retry', queue: state.queue, delivered: state.delivered, reported: { state: 'active' }, audience: [] };
}

function approximateBytes(item: PendingNotification): number {
  return JSON.stringify(item.notification).length;
}

function view(url: string, state: SubscriptionState): DeliveryView[] {
  const pending: DeliveryView[] = state.queue.map((p) => ({
    id: p.notification.id,
    channel: 'webhook',
    status: state.active ? 'retry' : 'queued',
    config: { url },
    instanceId: p.instanceId,
    resource: p.resource,
    events: p.notification.message.events.length,
    attempts: p.attempts,
    lastError: p.lastError,
    nextAttemptAt: state.active && p.nextAttemptAtMs ? new Date(p.nextAttemptAtMs).toISOString() : undefined,
    createdDate: new Date(p.enqueuedAtMs).toISOString(),
    payload: p.notification,
  }));
  const delivered: DeliveryView[] = state.delivered.map((d) => ({
    id: d.id,
    channel: 'webhook',
    status: 'delivered',
    config: { url },
    instanceId: d.instanceId,
    resource: d.resource,
    events: d.events,
    attempts: d.attempts,
    createdDate: new Date(d.deliveredAtMs).toISOString(),
    deliveredDate: new Date(d.deliveredAtMs).toISOString(),
  }));
  return [...pending, ...delivered];
}
