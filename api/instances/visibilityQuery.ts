/**
 * GET /instances through Temporal's visibility store: the query, and the check that makes its answer exact. A
 * KeywordList match is only as good as the store behind it: the dev server's SQLite store matches keywords as
 * full-text tokens, ignoring case and splitting on `♡`, and cannot search for `"` (its query fails), `\` or some `'`
 * at all. So the store is asked only for the tags it can search for, a superset comes back, and every listed
 * instance is checked against every tag, exactly, from its own record.
 */
import type { HealthState, InstanceRecord } from '../../contract/instance';
import { WorkflowType } from '../../contract/names';

/** A string literal of Temporal's visibility query language: backslashes and quotes escaped. */
export function queryLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Characters some visibility store cannot match a keyword on (see above): such tags are checked here only. */
const UNSEARCHABLE = /["'\\♡]/;

const RUNNING_INSTANCES = `WorkflowType = '${WorkflowType.instance}' AND ExecutionStatus = 'Running'`;

/** Every health state, worst first: the order of GET /instances?orderBy=health. */
export const HEALTH_WORST_FIRST: readonly HealthState[] = ['failing', 'degraded', 'healthy'];

/** The search attribute's value as a health state: an instance not judged yet (no value) is healthy, as its status says. */
export function healthOf(value: unknown): HealthState {
  return HEALTH_WORST_FIRST.includes(value as HealthState) ? (value as HealthState) : 'healthy';
}

/** The condition on the Health search attribute for `states`; none when every state (or none) is asked for. */
export function healthCondition(states: readonly HealthState[]): string | undefined {
  const wanted = HEALTH_WORST_FIRST.filter((s) => states.includes(s));
  if (wanted.length === 0 || wanted.length === HEALTH_WORST_FIRST.length) return undefined;
  const terms = wanted.map((s) => `Health = ${queryLiteral(s)}`);
  if (wanted.includes('healthy')) terms.push('Health IS NULL');
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}

/**
 * The visibility query for running instances carrying `tags` (a superset when a tag cannot be searched for) whose
 * health is one of `health` (any when empty).
 */
export function listQuery(tags: readonly string[], health: readonly HealthState[] = []): string {
  const healthy = healthCondition(health);
  return [RUNNING_INSTANCES, ...tags.filter((t) => !UNSEARCHABLE.test(t)).map((t) => `InstanceTags = ${queryLiteral(t)}`), ...(healthy ? [healthy] : [])].join(' AND ');
}

/** Whether the instance carries every one of `tags`, exactly as written. */
export function carriesTags(record: InstanceRecord, tags: readonly string[]): boolean {
  return tags.every((tag) => record.spec.tags.includes(tag));
}
