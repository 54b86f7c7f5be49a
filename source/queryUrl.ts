/**
 * The request a resource's poll sends for "what changed since": its URL with the placeholders rendered. Shared by
 * the poll's page runs, its quick look and the dry run, so all three ask the provider the same question.
 */
import { renderPlaceholders } from '../core/placeholders';
import type { ResourceConfig } from '../core/settings';

/**
 * The query asks from one second before `since`: seed formats date to the second and vendors compare
 * with a strict `>`, which would hide a change made in the poll-start second after the fetch. The diff
 * (dates at their format's precision) and the boundary set drop what this returns twice.
 */
export const QUERY_SLACK_MS = 1000;

/** The resource's URL rendered for a poll whose lower bound is `sinceMs`. */
export function queryUrl(resource: Pick<ResourceConfig, 'url'>, sinceMs: number): string {
  return renderPlaceholders(resource.url, sinceMs - QUERY_SLACK_MS);
}
