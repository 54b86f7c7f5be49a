/**
 * The empty poll made cheap: each resource's first page read and diffed inside the workflow task (a local
 * activity), nothing delivered. Most polls find nothing, and then this is the whole poll: no page run, no progress
 * record, no hand-off. A page with changes, a next page, or any failure is left to the page runs.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { diffRecords } from '../core/diff';
import type { CheckFailure, CheckResourcesInput, PollsterActivities, ResourceCheck } from '../contract/activities';
import { CHECK_REQUEST_MS } from '../contract/retryPolicy';
import type { ActivityDeps } from './deps';
import { toFailure } from './failures';
import { withRequestLog, type ProviderRequest } from '../elements/requestLog';
import { lookedPageKey } from './lookedPages';
import { countRecords } from './metrics';
import { queryUrl } from '../source/queryUrl';

export function createCheckResources(deps: Pick<ActivityDeps, 'elementAdapter' | 'lookedPages' | 'journal'>): PollsterActivities['checkResources'] {
  return async function checkResources(input: CheckResourcesInput) {
    const adapter = deps.elementAdapter(input.instance.elementKey);
    const checks: Record<string, ResourceCheck> = {};
    for (const { name, resource, sinceMs, boundary } of input.resources) {
      checks[name] = { quiet: false };
      if (!adapter) continue;
      const requests: ProviderRequest[] = [];
      try {
        const url = queryUrl(resource, sinceMs);
        const page = await withRequestLog(requests, () =>
          adapter.fetchPage(
            { url, pageSize: resource.pageSize },
            { configuration: input.configuration, credentials: input.credentials, signal: AbortSignal.any([Context.current().cancellationSignal, AbortSignal.timeout(CHECK_REQUEST_MS)]) },
          ),
        );
        countRecords(page.records.length, input.instance.elementKey);
        const lastPage = page.records.length === 0 || page.nextPageToken === undefined;
        if (!lastPage) {
          deps.lookedPages.put(lookedPageKey(input.instance.id, name, url, input.pollStartMs), page);
          continue;
        }
        const diff = diffRecords(page.records, resource, { sinceMs, pollStartMs: input.pollStartMs, seen: new Set(boundary) });
        if (diff.changes.length === 0) checks[name] = { quiet: true, records: page.records.length };
        else deps.lookedPages.put(lookedPageKey(input.instance.id, name, url, input.pollStartMs), page);
      } catch (err) {
        checks[name] = { quiet: false, failure: checkFailure(err) };
      }
      // The look's request in the poll's history; when a page run follows, it counts the records.
      const check = checks[name]!;
      await deps.journal.pollEntry({
        instanceId: input.instance.id,
        pollStartMs: input.pollStartMs,
        resource: name,
        atMs: Date.now(),
        requests,
        records: check.quiet ? check.records : 0,
        events: 0,
        problems: 0,
        quiet: check.quiet,
        error: check.quiet ? undefined : check.failure?.message,
      });
    }
    return checks;
  };
}

/** How a read failed, classified as a page run's failure would be. */
function checkFailure(err: unknown): CheckFailure {
  const f = toFailure(err);
  if (f instanceof ApplicationFailure) {
    return { type: f.type ?? 'Error', message: f.message, nonRetryable: f.nonRetryable === true, retryAfterMs: typeof f.nextRetryDelay === 'number' ? f.nextRetryDelay : undefined };
  }
  return { type: 'Error', message: f.message, nonRetryable: false };
}
