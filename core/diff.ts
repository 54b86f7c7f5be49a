/**
 * The diff of one page of records against a resource's checkpoint (SPEC §5.3–§5.4): which records
 * changed since the last poll, and whether each was CREATED or UPDATED.
 */
import type { DateFieldConfig, ResourceConfig } from './config';
import { parseJavaDate } from './javaDate';
import { getPath } from './jsonPath';

export type EventType = 'CREATED' | 'UPDATED';

export interface Change {
  record: unknown;
  objectId: string;
  eventType: EventType;
  /** The record's updated date (or created date, or the poll start when neither parses). */
  dateMs: number;
  /** Identity of this change for the boundary set: the same record at the same date is one event. */
  key: string;
}

export type ProblemKind = 'missingId' | 'badDate';

export interface Problem {
  kind: ProblemKind;
  objectId?: string;
  detail: string;
}

export interface DiffContext {
  sinceMs: number;
  pollStartMs: number;
  /** Keys already reported near the checkpoint (the boundary set) and problem records already reported. */
  seen: ReadonlySet<string>;
}

export interface DiffResult {
  changes: Change[];
  /** Records that were reported despite a missing id or unparseable date (each once). */
  problems: Problem[];
  /** Records dropped as unchanged, too new (filterByCurrentDate) or already reported. */
  skipped: number;
}

/** Problem records have no usable (id, date) identity, so they are keyed by content. */
export const PROBLEM_KEY_PREFIX = '!';

function readDate(record: unknown, config: DateFieldConfig | undefined): { ms?: number; bad?: string } {
  if (!config) return {};
  const raw = getPath(record, config.field);
  const ms = parseJavaDate(raw, config.format, config.timezone);
  if (ms === undefined) {
    const shown = raw === undefined ? 'missing' : JSON.stringify(raw);
    return { bad: `${config.field} ${shown} does not parse as ${config.format ?? 'ISO-8601'}` };
  }
  return { ms };
}

export function diffRecords(records: readonly unknown[], resource: ResourceConfig, ctx: DiffContext): DiffResult {
  const result: DiffResult = { changes: [], problems: [], skipped: 0 };
  for (const record of records) {
    const rawId = resource.idField === '' ? '' : getPath(record, resource.idField);
    const hasId = rawId !== undefined && rawId !== null && (typeof rawId !== 'object');
    const objectId = hasId ? String(rawId) : '';
    const updated = readDate(record, resource.updated);
    const created = readDate(record, resource.created);

    const filterOn = resource.filterByUpdatedDate ? resource.updated : (resource.created ?? undefined);
    const filterDate = resource.filterByUpdatedDate ? updated : created;
    const problem = !hasId && resource.idField !== '' ? `${resource.idField} missing` : filterOn ? filterDate.bad : undefined;

    if (problem !== undefined) {
      const key = PROBLEM_KEY_PREFIX + contentHash(record);
      if (ctx.seen.has(key)) {
        result.skipped++;
        continue;
      }
      result.problems.push({ kind: hasId || resource.idField === '' ? 'badDate' : 'missingId', objectId: objectId || undefined, detail: problem });
      result.changes.push({ record, objectId, eventType: 'UPDATED', dateMs: ctx.pollStartMs, key });
      continue;
    }

    if (filterOn && filterDate.ms !== undefined && filterDate.ms <= ctx.sinceMs) {
      result.skipped++;
      continue;
    }
    if (resource.filterByCurrentDate && updated.ms !== undefined && updated.ms > ctx.pollStartMs) {
      result.skipped++;
      continue;
    }
    const dateMs = updated.ms ?? created.ms ?? ctx.pollStartMs;
    const key = `${objectId}@${dateMs}`;
    if (ctx.seen.has(key)) {
      result.skipped++;
      continue;
    }
    result.changes.push({ record, objectId, eventType: classify(updated.ms, created.ms, resource, ctx.sinceMs), dateMs, key });
  }
  return result;
}

/** CREATED when the created date is after `since`, or within the tolerance of the updated date. */
export function classify(updatedMs: number | undefined, createdMs: number | undefined, resource: ResourceConfig, sinceMs: number): EventType {
  if (createdMs === undefined) return 'UPDATED';
  if (createdMs > sinceMs) return 'CREATED';
  if (updatedMs !== undefined && Math.abs(updatedMs - createdMs) <= resource.createdCheckToleranceSec * 1000) return 'CREATED';
  return 'UPDATED';
}

/** FNV-1a over canonical JSON: pure and deterministic, enough to recognise a record seen before. */
export function contentHash(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

const MAX_PROBLEM_KEYS = 500;

/**
 * The boundary set to keep with a new checkpoint: keys of reported changes whose date is after the
 * next poll's `since` (they may be returned again by an inclusive or delayed query), plus the most
 * recent problem keys (so a record that never parses is reported once, not every poll).
 */
export function nextBoundary(previous: readonly string[], reported: readonly { key: string; dateMs: number }[], nextSinceMs: number): string[] {
  const problems = previous.filter((k) => k.startsWith(PROBLEM_KEY_PREFIX));
  const keep = new Set<string>();
  for (const key of previous) {
    if (key.startsWith(PROBLEM_KEY_PREFIX)) continue;
    const at = Number(key.slice(key.lastIndexOf('@') + 1));
    if (at > nextSinceMs) keep.add(key);
  }
  for (const { key, dateMs } of reported) {
    if (key.startsWith(PROBLEM_KEY_PREFIX)) problems.push(key);
    else if (dateMs > nextSinceMs) keep.add(key);
  }
  return [...keep, ...[...new Set(problems)].slice(-MAX_PROBLEM_KEYS)];
}
