/**
 * The empty poll made cheap: each resource's first page read and diffed inside the workflow task (a local
 * activity), nothing delivered. Most polls find nothing, and then this is the whole poll: no page run, no progress
 * record, no hand-off. A page with changes, a next page, or any failure is left to the page runs.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { diffRecords } from '../core/diff';
import { renderPlaceholders } from '../core/placeholders';
import type { CheckFailure, CheckResourcesInput, PollsterActivities, ResourceCheck } from '../contract/activities';
import type { ActivityDeps } from './deps';
import { toFailure } from './failures';
import { lookedPageKey } from './lookedPages';
import { countRecords } from './metrics';
import { QUERY_SLACK_MS } from './pollPage';

export function createCheckResources(deps: Pick<ActivityDeps, 'elementAdapter' | 'lookedPages'>): PollsterActivities['checkResources'] {
  return async function checkResources(input: CheckResourcesInput) {
    const adapter = deps.elementAdapter(input.instance.elementKey);
    const checks: Record<string, ResourceCheck> = {};
    for (const { name, resource, sinceMs, boundary } of input.resources) {
      checks[name] = { quiet: false };
      if (!adapter) continue;
      try {
        const url = renderPlaceholders(resource.url, sinceMs - QUERY_SLACK_MS);
        const page = await adapter.fetchPage(
          { url, pageSize: resource.pageSize },
          { configuration: input.configuration, credentials: input.credentials, signal: Context.current().cancellationSignal },
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
