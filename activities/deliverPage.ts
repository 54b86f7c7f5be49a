/**
 * A group of pages' notifications on their way: straight to the callback, or to its subscription when it is
 * backlogged or the instance sets a rate limit (one subscription per URL paces the whole deployment).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Outgoing } from '../core/envelope';
import type { PollPageInput } from '../contract/activities';
import type { DeliveryStatus, EnqueueRequest, FailurePolicy, NotificationSummary, PendingNotification } from '../contract/delivery';
import { FailureType } from '../contract/failures';
import { HANDOFF_CHUNK_BYTES, NOTIFICATION_BYTES } from '../contract/limits';
import { dueAtMs, nextAttemptAfter } from '../contract/retryPolicy';
import type { NotificationRecord } from '../store/types';
import type { ActivityDeps } from './deps';
import type { DeliveryOutcome } from './callback';
import { countDelivered, countDeliveryFailure } from './metrics';

type Deps = Pick<ActivityDeps, 'subscriptions' | 'postNotification' | 'retryScale' | 'journal'>;

/** The instance's `event.notification.rate_limit`: notifications per second to its callback URL, when it sets one. */
export function rateLimitOf(configuration: Record<string, string>): number | undefined {
  const raw = configuration['event.notification.rate_limit'];
  const rate = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/**
 * Delivers the notifications of a group of pages just read (one plan) concurrently, unless the callback's
 * subscription is backlogged or the instance sets a rate limit (then they queue in its subscription, keeping order).
 * What fails is handed to the subscription before this returns, so the workflow may move the checkpoint: nothing is
 * lost. A failure whose receiver asked to be left alone (Retry-After) is handed over with that time.
 */
export async function deliverPage(deps: Deps, callbackUrl: string, input: Pick<PollPageInput, 'instance' | 'resourceName' | 'configuration'>, outgoing: Outgoing[]): Promise<NotificationSummary[]> {
  const signatureKey = input.configuration['event.notification.signature.key'] || undefined;
  const rateLimit = rateLimitOf(input.configuration);
  const nowMs = Date.now();
  const pending = (o: Outgoing, failedAtMs?: number, outcome?: DeliveryOutcome): PendingNotification => ({
    notification: o.notification,
    callbackUrl,
    signatureKey,
    instanceId: input.instance.id,
    resource: input.resourceName,
    attempts: failedAtMs === undefined ? 0 : 1,
    firstFailureAtMs: failedAtMs,
    lastError: outcome?.error,
    enqueuedAtMs: nowMs,
    ...(failedAtMs === undefined ? {} : nextAttemptAfter({ attempts: 1, firstFailureAtMs: failedAtMs, failedAtMs, retryAfterMs: outcome?.retryAfterMs, scale: deps.retryScale })),
  });
  const summary = (o: Outgoing, status: NotificationSummary['status']): NotificationSummary => ({
    id: o.notification.id,
    resource: input.resourceName,
    events: o.notification.message.events.length,
    status,
    atMs: nowMs,
  });

  /** The delivery log's record of each notification, as this run leaves it. */
  const logged = (o: Outgoing, change: Pick<NotificationRecord, 'status' | 'attempts' | 'lastError' | 'deliveredAtMs' | 'nextAttemptAtMs'>): NotificationRecord => ({
    id: o.notification.id,
    instanceId: input.instance.id,
    resource: input.resourceName,
    callbackUrl,
    createdAtMs: nowMs,
    payload: o.notification,
    ...change,
  });

  const [subscription, policy] = await Promise.all([deps.subscriptions.status(callbackUrl), deps.subscriptions.failurePolicy()]);
  if (rateLimit !== undefined || (subscription && (subscription.state !== 'active' || subscription.pending > 0))) {
    await handOff(deps, callbackUrl, { policy, rateLimit }, outgoing.map((o) => ({ outgoing: o, item: pending(o) })), subscription?.full ?? false);
    const status = subscription?.state === 'deactivated' ? 'queued' : 'retry';
    await deps.journal.notifications(outgoing.map((o) => logged(o, { status, attempts: 0 })));
    return outgoing.map((o) => summary(o, status));
  }

  const outcomes = await Promise.all(outgoing.map((o) => deps.postNotification(callbackUrl, o.notification, signatureKey, o.body)));
  const failed = outgoing.flatMap((o, i) => (outcomes[i]!.ok ? [] : [{ o, outcome: outcomes[i]! }]));
  countDelivered(outcomes.length - failed.length);
  for (const f of failed) countDeliveryFailure(f.outcome.status);
  const final = failed.find((f) => f.outcome.status === 410 || f.outcome.refused);
  if (failed.length > 0) {
    const failedAtMs = Date.now();
    await handOff(deps, callbackUrl, { policy, rateLimit, deactivate: final?.outcome.error }, failed.map((f) => ({ outgoing: f.o, item: pending(f.o, failedAtMs, f.outcome) })), false);
    Context.current().log.warn('notifications handed to the retry path', { failed: failed.length, of: outgoing.length, error: failed[0]!.outcome.error });
  }
  const queued = policy === 'queue' || final !== undefined;
  const deliveredAtMs = Date.now();
  const statuses = outgoing.map((_, i): DeliveryStatus => (outcomes[i]!.ok ? 'delivered' : queued ? 'queued' : 'retry'));
  const nextAt = (outcome: DeliveryOutcome): number | undefined =>
    dueAtMs(nextAttemptAfter({ attempts: 1, firstFailureAtMs: deliveredAtMs, failedAtMs: deliveredAtMs, retryAfterMs: outcome.retryAfterMs, scale: deps.retryScale }));
  await deps.journal.notifications(
    outgoing.map((o, i) =>
      logged(o, {
        status: statuses[i]!,
        attempts: 1,
        deliveredAtMs: outcomes[i]!.ok ? deliveredAtMs : undefined,
        lastError: outcomes[i]!.error,
        nextAttemptAtMs: statuses[i] === 'retry' ? nextAt(outcomes[i]!) : undefined,
      }),
    ),
  );
  return outgoing.map((o, i) => summary(o, statuses[i]!));
}

/**
 * Hands notifications to the callback's subscription in chunks that each fit one signal, checking before each chunk
 * that its queue has room (a full queue keeps these records at the provider: the checkpoint holds).
 */
async function handOff(
  deps: Deps,
  callbackUrl: string,
  terms: { policy: FailurePolicy; rateLimit?: number; deactivate?: string },
  items: { outgoing: Outgoing; item: PendingNotification }[],
  full: boolean,
): Promise<void> {
  const tooLarge = items.find(({ outgoing }) => Buffer.byteLength(outgoing.body) > NOTIFICATION_BYTES);
  if (tooLarge) {
    throw ApplicationFailure.nonRetryable(
      `notification ${tooLarge.outgoing.notification.id} takes ${Buffer.byteLength(tooLarge.outgoing.body)} bytes, more than the ${NOTIFICATION_BYTES} a retry queue holds: it waits at the provider until the callback takes it directly`,
      FailureType.notificationTooLarge,
    );
  }
  const chunks: PendingNotification[][] = [[]];
  let bytes = 0;
  for (const { outgoing, item } of items) {
    const size = Buffer.byteLength(outgoing.body);
    if (bytes > 0 && bytes + size > HANDOFF_CHUNK_BYTES) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push(item);
    bytes += size;
  }
  for (const [i, chunk] of chunks.entries()) {
    if (i > 0) full = (await deps.subscriptions.status(callbackUrl))?.full ?? false;
    if (full) {
      // The queue is as long as workflow state should hold: leave these records at the provider.
      throw ApplicationFailure.retryable(`subscription for ${new URL(callbackUrl).host} holds its maximum backlog; checkpoint held`, FailureType.backlogFull);
    }
    const request: EnqueueRequest = { items: chunk, policy: terms.policy, deactivate: i === chunks.length - 1 ? terms.deactivate : undefined };
    if (terms.rateLimit !== undefined) request.rateLimit = terms.rateLimit;
    await deps.subscriptions.handOff(callbackUrl, request);
  }
}
