/**
 * Pages of one resource: fetch each through the element adapter, diff it against the checkpoint,
 * and deliver its notifications, or hand them durably to the callback's subscription. Records stay
 * inside this activity; only counts, boundary keys and notification summaries reach history.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { diffRecords, PROBLEM_KEY_PREFIX } from '../core/diff';
import { batchChanges, notificationsFor, type NotificationBody } from '../core/envelope';
import { renderPlaceholders } from '../core/placeholders';
import { elementAdapter } from '../elements/registry';
import type { PageRunProgress, PollPageInput, PollPageResult } from '../workflows/types';
import type { NotificationSummary, PendingNotification } from '../workflows/deliveryTypes';
import { postNotification } from './deliver';
import { toFailure, withProgress } from './failures';
import { countDelivered, countDeliveryFailure, countRecords } from './metrics';
import type { RecordProgress } from './progress';
import { retryDueAt } from './retrySchedule';
import type { SubscriptionGateway } from './subscriptions';

/**
 * The query asks from one second before `since`: seed formats date to the second and vendors compare
 * with a strict `>`, which would hide a change made in the poll-start second after the fetch. The diff
 * (dates at their format's precision) and the boundary set drop what this returns twice.
 */
export const QUERY_SLACK_MS = 1000;

/**
 * One activity runs pages until the resource is done or this much time has passed: each activity
 * costs a round trip through Temporal and two history events, so a long backfill batches its pages.
 */
export const PAGE_RUN_BUDGET_MS = 5_000;
/** The workflow keeps this many recent notifications; more would only grow history. */
const SUMMARIES_RETURNED = 100;

export function createPollPage(subscriptions: SubscriptionGateway, recordProgress: RecordProgress) {
  return async function pollPage(input: PollPageInput): Promise<PollPageResult> {
    const adapter = elementAdapter(input.instance.elementKey);
    if (!adapter) throw ApplicationFailure.nonRetryable(`unknown element ${input.instance.elementKey}`, 'ConfigurationError');
    const context = Context.current();
    const url = renderPlaceholders(input.resource.url, input.sinceMs - QUERY_SLACK_MS);
    const callbackUrl = input.configuration['event.notification.callback.url'];
    const nextSinceMs = input.pollStartMs - input.resource.pollDelaySec * 1000;
    const boundary = new Set(input.boundary);
    const startedAt = Date.now();
    // A retried attempt resumes at the page the previous attempt was delivering (see PageRunProgress).
    const progress = context.info.heartbeatDetails as PageRunProgress | undefined;
    // `recorded` is what the server holds; `current` is where a retry should start now.
    let recorded = progress;
    let current = progress;
    if (progress?.done) return progress.result;
    let result: PollPageResult = progress?.result ?? { records: 0, events: 0, problems: 0, boundaryCandidates: [], pageKeys: [], notifications: [] };
    let pageToken = progress ? progress.pageToken : input.pageToken;
    let previousPageKeys: string[] = progress?.previousPageKeys ?? [];
    let plan = progress ? progress.plan : input.plan;
    for (const key of previousPageKeys) boundary.add(key);

    try {
    for (;;) {
      let page;
      try {
        page = await adapter.fetchPage(
          { url, pageSize: input.resource.pageSize, pageToken },
          { configuration: input.configuration, credentials: input.credentials, signal: context.cancellationSignal },
        );
      } catch (err) {
        throw toFailure(err);
      }
      countRecords(page.records.length, input.instance.elementKey);
      const diff = diffRecords(page.records, input.resource, { sinceMs: input.sinceMs, pollStartMs: input.pollStartMs, seen: boundary });
      const batches = batchChanges(diff.changes, undefined, plan);
      plan = undefined;
      if (callbackUrl && batches.length > 0) {
        const planned: PageRunProgress = { pageToken, result, previousPageKeys, plan: batches.map((b) => [...b.idKeys]) };
        await recordProgress(planned);
        recorded = current = planned;
        const notifications = notificationsFor(input.instance, input.resourceName, input.pollStartMs, batches);
        result = { ...result, notifications: [...result.notifications, ...(await deliver(subscriptions, callbackUrl, input, notifications))].slice(-SUMMARIES_RETURNED) };
      }

      result = {
        ...result,
        records: result.records + page.records.length,
        events: result.events + diff.changes.length,
        problems: result.problems + diff.problems.length,
        lastProblem: diff.problems.at(-1)?.detail ?? result.lastProblem,
        boundaryCandidates: [
          ...result.boundaryCandidates,
          ...diff.changes.filter((c) => c.key.startsWith(PROBLEM_KEY_PREFIX) || c.dateMs > nextSinceMs).map((c) => ({ key: c.key, dateMs: c.dateMs })),
        ],
        pageKeys: diff.changes.map((c) => c.key),
      };
      // The next page skips this page's keys (offset pages shift when records change mid-poll).
      for (const key of previousPageKeys) boundary.delete(key);
      previousPageKeys = diff.changes.map((c) => c.key).filter((k) => !boundary.has(k));
      for (const key of previousPageKeys) boundary.add(key);
      pageToken = page.records.length > 0 ? page.nextPageToken : undefined;
      result.nextPageToken = pageToken;
      current = { pageToken, result, previousPageKeys };
      if (pageToken === undefined || Date.now() - startedAt >= PAGE_RUN_BUDGET_MS) return result;
    }
    } catch (err) {
      // A retry starts at the page that failed, not at the last one delivered; a pass that fails for
      // good is finished from there by the next poll (ResumePoint).
      if (current !== recorded) await recordProgress(current).then(() => (recorded = current), () => undefined);
      throw withProgress(err, recorded);
    }
  };
}

/**
 * Delivers a page's notifications concurrently, unless the callback's subscription is backlogged (then
 * they queue behind it, keeping order). What fails is handed to the subscription before this returns,
 * so the workflow may move the checkpoint: nothing is lost.
 */
async function deliver(subscriptions: SubscriptionGateway, callbackUrl: string, input: PollPageInput, notifications: NotificationBody[]): Promise<NotificationSummary[]> {
  const signatureKey = input.configuration['event.notification.signature.key'] || undefined;
  const nowMs = Date.now();
  const pending = (n: NotificationBody, failedAtMs?: number, error?: string): PendingNotification => ({
    notification: n,
    callbackUrl,
    signatureKey,
    instanceId: input.instance.id,
    resource: input.resourceName,
    attempts: failedAtMs === undefined ? 0 : 1,
    firstFailureAtMs: failedAtMs,
    nextAttemptAtMs: failedAtMs === undefined ? undefined : retryDueAt(failedAtMs, 1),
    lastError: error,
    enqueuedAtMs: nowMs,
  });
  const summary = (n: NotificationBody, status: NotificationSummary['status']): NotificationSummary => ({
    id: n.id,
    resource: input.resourceName,
    events: n.message.events.length,
    status,
    atMs: nowMs,
  });

  const [subscription, policy] = await Promise.all([subscriptions.status(callbackUrl), subscriptions.failurePolicy()]);
  if (subscription && (subscription.state !== 'active' || subscription.pending > 0)) {
    if (subscription.full) {
      // The queue is as long as workflow state should hold: leave these records at the provider.
      throw ApplicationFailure.retryable(`subscription for ${new URL(callbackUrl).host} holds its maximum backlog; checkpoint held`, 'SubscriptionBacklogFull');
    }
    await subscriptions.handOff(callbackUrl, { items: notifications.map((n) => pending(n)), policy });
    return notifications.map((n) => summary(n, subscription.state === 'deactivated' ? 'queued' : 'retry'));
  }

  const outcomes = await Promise.all(notifications.map((n) => postNotification(callbackUrl, n, signatureKey)));
  const failed = notifications.flatMap((n, i) => (outcomes[i]!.ok ? [] : [{ n, outcome: outcomes[i]! }]));
  countDelivered(outcomes.length - failed.length);
  for (const f of failed) countDeliveryFailure(f.outcome.status);
  const final = failed.find((f) => f.outcome.status === 410 || f.outcome.refused);
  if (failed.length > 0) {
    const failedAtMs = Date.now();
    await subscriptions.handOff(callbackUrl, { items: failed.map((f) => pending(f.n, failedAtMs, f.outcome.error)), policy, deactivate: final?.outcome.error });
    Context.current().log.warn('notifications handed to the retry path', { failed: failed.length, of: notifications.length, error: failed[0]!.outcome.error });
  }
  const queued = policy === 'queue' || final !== undefined;
  return notifications.map((n, i) => summary(n, outcomes[i]!.ok ? 'delivered' : queued ? 'queued' : 'retry'));
}
