/**
 * Rewinding an instance: which checkpoints may be set. One rule for the API (which answers a 400 naming the field)
 * and the instance workflow's validator (which refuses the update): only the instance's resources, each to an instant
 * no later than now. Pure: the workflow bundle imports it.
 */
import { formatPath, type Issue } from '../core/issues';

/**
 * The workflow checks "no later than now" by its own clock with this much slack: the API has refused a future
 * instant by its clock already, and the two clocks may differ a little. The workflow never sets a checkpoint later
 * than its own now.
 */
export const CHECKPOINT_CLOCK_SLACK_MS = 60_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** What is wrong with moving these checkpoints (epoch ms by resource name), or nothing. */
export function checkpointIssues(checkpoints: Readonly<Record<string, number>>, known: readonly string[], nowMs: number): Issue[] {
  const names = Object.keys(checkpoints);
  if (names.length === 0) return [{ path: 'resources', message: 'name at least one resource and its checkpoint' }];
  const issues: Issue[] = [];
  for (const name of names) {
    const ms = checkpoints[name];
    if (!known.includes(name)) {
      issues.push({ path: formatPath(['resources', name]), message: `the instance has no resource '${name}' (it has ${known.length > 0 ? known.map((k) => `'${k}'`).join(', ') : 'none'})` });
    } else if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
      issues.push({ path: formatPath(['resources', name, 'checkpoint']), message: 'expected an ISO-8601 instant' });
    } else if (ms > nowMs) {
      issues.push({ path: formatPath(['resources', name, 'checkpoint']), message: `${iso(ms)} is later than now (${iso(nowMs)}): a checkpoint moves back, or forward no later than now` });
    }
  }
  return issues;
}

/** A rewind as the API takes it: ISO instants by resource name, read into epoch ms; what does not read is an issue. */
export function readCheckpoints(resources: Readonly<Record<string, { checkpoint: string }>>, parse: (text: string) => number | undefined): { checkpoints: Record<string, number>; issues: Issue[] } {
  const checkpoints: Record<string, number> = {};
  const issues: Issue[] = [];
  for (const [name, { checkpoint }] of Object.entries(resources)) {
    const ms = parse(checkpoint);
    if (ms === undefined) issues.push({ path: formatPath(['resources', name, 'checkpoint']), message: `expected an ISO-8601 instant, got '${checkpoint.slice(0, 40)}'` });
    else checkpoints[name] = ms;
  }
  return { checkpoints, issues };
}
