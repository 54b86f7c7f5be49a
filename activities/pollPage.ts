/**
 * One page of one resource: fetch it through the element adapter, diff it against the checkpoint,
 * and deliver its notifications. Records stay inside this activity; only counts and boundary keys
 * return to the workflow's history.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { diffRecords, PROBLEM_KEY_PREFIX } from '../core/diff';
import { buildNotifications } from '../core/envelope';
import { renderPlaceholders } from '../core/placeholders';
import { elementAdapter } from '../elements/registry';
import type { PollPageInput, PollPageResult } from '../workflows/types';
import { postNotification } from './deliver';
import { toFailure } from './failures';

export async function pollPage(input: PollPageInput): Promise<PollPageResult> {
  const adapter = elementAdapter(input.instance.elementKey);
  if (!adapter) throw ApplicationFailure.nonRetryable(`unknown element ${input.instance.elementKey}`, 'ConfigurationError');
  const url = renderPlaceholders(input.resource.url, input.sinceMs);
  let page;
  try {
    page = await adapter.fetchPage(
      { url, pageSize: input.resource.pageSize, pageToken: input.pageToken },
      { configuration: input.configuration, credentials: input.credentials, signal: Context.current().cancellationSignal },
    );
  } catch (err) {
    throw toFailure(err);
  }

  const diff = diffRecords(page.records, input.resource, { sinceMs: input.sinceMs, pollStartMs: input.pollStartMs, seen: new Set(input.boundary) });
  const notifications = buildNotifications(input.instance, input.resourceName, input.pollStartMs, diff.changes);
  const callbackUrl = input.configuration['event.notification.callback.url'];
  if (notifications.length > 0 && callbackUrl) {
    const signatureKey = input.configuration['event.notification.signature.key'] || undefined;
    const outcomes = await Promise.all(notifications.map((n) => postNotification(callbackUrl, n, signatureKey)));
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) {
      // Not handed off: fail the page so the checkpoint holds and the page is tried again.
      throw ApplicationFailure.retryable(`${failed.length} of ${outcomes.length} notifications not delivered: ${failed[0]?.error}`, 'DeliveryError');
    }
  }
  const nextSinceMs = input.pollStartMs - input.resource.pollDelaySec * 1000;
  return {
    nextPageToken: page.records.length > 0 ? page.nextPageToken : undefined,
    records: page.records.length,
    events: diff.changes.length,
    problems: diff.problems.length,
    lastProblem: diff.problems.at(-1)?.detail,
    boundaryCandidates: diff.changes.filter((c) => c.key.startsWith(PROBLEM_KEY_PREFIX) || c.dateMs > nextSinceMs).map((c) => ({ key: c.key, dateMs: c.dateMs })),
  };
}
