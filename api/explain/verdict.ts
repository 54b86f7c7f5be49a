/** One line on what a poll now would do with an object, from a dry run filtered to it. */
import type { DryRunResource } from '../../source/answer';

export function verdict(objectId: string, now: DryRunResource): string {
  const last = now.decisions.at(-1);
  if (last) return `${last.decision === 'reported' ? 'reported' : 'skipped'} (${last.reason}): ${last.detail}`;
  if (now.error) return `not known: the provider failed (${now.error})`;
  if (!now.complete) return `not known: the time limit came before a record with id ${objectId} did`;
  return `not reported: the provider returned no record with id ${objectId} since ${now.since}`;
}
