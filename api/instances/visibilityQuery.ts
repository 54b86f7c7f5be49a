/**
 * GET /instances through Temporal's visibility store: the query, and the check that makes its answer exact. A
 * KeywordList match is only as good as the store behind it: the dev server's SQLite store matches keywords as
 * full-text tokens, ignoring case and splitting on `♡`, and cannot search for `"` (its query fails), `\` or some `'`
 * at all. So the store is asked only for the tags it can search for, a superset comes back, and every listed
 * instance is checked against every tag, exactly, from its own record.
 */
import type { InstanceRecord } from '../../contract/instance';
import { WorkflowType } from '../../contract/names';

/** A string literal of Temporal's visibility query language: backslashes and quotes escaped. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Characters some visibility store cannot match a keyword on (see above): such tags are checked here only. */
const UNSEARCHABLE = /["'\\♡]/;

const RUNNING_INSTANCES = `WorkflowType = '${WorkflowType.instance}' AND ExecutionStatus = 'Running'`;

/** The visibility query for running instances carrying `tags` (a superset when a tag cannot be searched for). */
export function listQuery(tags: readonly string[]): string {
  return [RUNNING_INSTANCES, ...tags.filter((t) => !UNSEARCHABLE.test(t)).map((t) => `InstanceTags = ${queryLiteral(t)}`)].join(' AND ');
}

/** Whether the instance carries every one of `tags`, exactly as written. */
export function carriesTags(record: InstanceRecord, tags: readonly string[]): boolean {
  return tags.every((tag) => record.spec.tags.includes(tag));
}
