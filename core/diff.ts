/**
 * The diff of one page of records against a resource's checkpoint: which records
 * changed since the last poll, and whether each was CREATED, UPDATED or (a deletion flag) DELETED.
 * Pure and deterministic; the pollPage activity and the dry run run it (the workflow needs only
 * ./boundary). Asked to explain, it also says what it decided for every record and why.
 *
 * Dates are compared at the precision their format writes them. A record dated
 * `2024-06-01T10:00:05Z` by a seconds-only format changed somewhere in 10:00:05.000–10:00:05.999,
 * so it is kept when that interval ends after `since` (for a millisecond format this is exactly
 * "updated after since"). Otherwise a change made in the same second as the poll start, but
 * after the fetch, would be dated before the next `since` and lost. The end of the interval is the
 * change's identity instant (`Change.dateMs`): it keys the boundary set, so a record kept twice
 * because of that precision is still reported once.
 */
import type { DateFieldConfig, Deletion, ResourceConfig } from './settings';
import { formatJavaDate, parseJavaDate } from './javaDate';
import { getPath } from './jsonPath';
import { PROBLEM_KEY_PREFIX } from './boundary';
import { canonicalJson } from './canonicalJson';

// The boundary set is kept apart (the workflow imports it without this module's luxon); re-exported for everyone else.
export { MAX_PROBLEM_KEYS, nextBoundary, PROBLEM_KEY_PREFIX } from './boundary';

export type EventType = 'CREATED' | 'UPDATED' | 'DELETED';

export interface Change {
  record: unknown;
  /** Value at `idField`, as a string; '' when the resource is configured without an id (`idField: ""`) or the id is missing. */
  objectId: string;
  eventType: EventType;
  /**
   * Identity instant of the change, used by the boundary set: the last millisecond the record's
   * updated date (else its created date) can stand for at its format's precision, or the poll
   * start when the record has neither. Equal to `recordDateMs` for millisecond formats.
   */
  dateMs: number;
  /** The record's updated date (else created date, else the poll start) as parsed: the event's `date`. */
  recordDateMs: number;
  /** Identity of this change for the boundary set: the same record at the same date is one event. */
  key: string;
  /** Found by a settle pass: the provider showed it only after the poll that should have (its event says so). */
  late?: boolean;
}

export type ProblemKind = 'missingId' | 'badDate';

export interface Problem {
  kind: ProblemKind;
  objectId?: string;
  detail: string;
}

export interface DiffContext {
  /** Lower bound: checkpoint − pollDelay. */
  sinceMs: number;
  pollStartMs: number;
  /** Keys already reported near the checkpoint (the boundary set) and problem records already reported. */
  seen: ReadonlySet<string>;
}

export interface DiffResult {
  changes: Change[];
  /** Reported records with a missing id or a filter date that is missing or does not parse (each record once, at the first report). */
  problems: Problem[];
  /** Records dropped as unchanged, too new (filterByCurrentDate) or already reported. */
  skipped: number;
  /** With `explain`: what was decided for each record, in the page's order. */
  decisions?: Decision[];
}

export interface DiffOptions {
  /** Say what was decided for each record and why (the dry run); a poll does not pay for it. */
  explain?: boolean;
}

/** Why a record was reported or skipped: a fixed vocabulary (docs/poller-configuration.md, "Why a record was or was not reported"). */
export const REPORTED_REASONS = ['created', 'updated', 'deleted'] as const;
export const SKIPPED_REASONS = ['not-changed', 'already-reported', 'after-poll-start', 'no-id', 'bad-date', 'filtered'] as const;
export type DecisionReason = (typeof REPORTED_REASONS)[number] | (typeof SKIPPED_REASONS)[number];

export interface Decision {
  /** The record's id ('' when it has none, or the resource is configured without one). */
  objectId: string;
  decision: 'reported' | 'skipped';
  reason: DecisionReason;
  /** The facts behind the reason, for a person: which date against which bound, which key, which condition. */
  detail: string;
}

/** Records of a resource configured without an id (`idField: ""`) are keyed by content and date. */
export const CONTENT_KEY_PREFIX = '#';

// ---------------------------------------------------------------------------------------------
// Date precision

const HOUR = 3_600_000;
/** Steps that always land in the next calendar unit (DST days are 23–25 h, months 28–31 days). */
const CALENDAR_STEP = { day: 25 * HOUR, month: 32 * 24 * HOUR, year: 367 * 24 * HOUR } as const;
type Unit = number | keyof typeof CALENDAR_STEP;

/** The finest field of a Java pattern (quoted text ignored); undefined when it has no date field. */
export function patternUnit(pattern: string): Unit | undefined {
  const letters = pattern.replace(/'[^']*(?:'|$)/g, '');
  if (/S/.test(letters)) return 1;
  if (/s/.test(letters)) return 1000;
  if (/m/.test(letters)) return 60_000;
  if (/[HkKh]/.test(letters)) return HOUR;
  if (/[dDEFu]/.test(letters)) return 'day';
  if (/[ML]/.test(letters)) return 'month';
  if (/[yYG]/.test(letters)) return 'year';
  return undefined;
}

const ISO_PARTS = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,](\d+))?)?)?/i;

/** Precision of an ISO-8601 text (no configured format): from the fields it actually has. */
function isoUnit(text: string): Unit | undefined {
  const m = ISO_PARTS.exec(text.trim());
  if (!m) return undefined;
  const s = m[0];
  if (m[1] !== undefined) return 10 ** (3 - Math.min(3, m[1].length));
  if (/[T ]\d\d:\d\d:\d\d$/i.test(s)) return 1000;
  if (/[T ]\d\d:\d\d$/i.test(s)) return 60_000;
  return 'day';
}

const EPOCH_SECONDS = /^10 digit integer Unix time$/i;
const EPOCH_MS = /^milliseconds'?$/i;

/** Last epoch ms that a record date `ms` (as `raw`, parsed with `config`) can stand for. */
export function dateUpperBound(ms: number, raw: unknown, config: Pick<DateFieldConfig, 'format' | 'timezone'>): number {
  const format = config.format?.trim() || undefined;
  let unit: Unit | undefined;
  let calendarPattern: string | undefined;
  if (format === undefined) {
    if (typeof raw !== 'string') return ms; // epoch milliseconds
    unit = isoUnit(raw);
    calendarPattern = 'yyyy-MM-dd';
  } else if (EPOCH_MS.test(format)) {
    return ms;
  } else if (EPOCH_SECONDS.test(format)) {
    unit = ms % 1000 === 0 ? 1000 : 1;
  } else {
    unit = patternUnit(format);
    calendarPattern = format;
  }
  if (unit === undefined) return ms;
  if (typeof unit === 'number') return ms + unit - 1;
  // Calendar units: the start of the next unit, found by a round trip through the pattern.
  try {
    const pattern = calendarPattern!;
    const at = ms + CALENDAR_STEP[unit];
    const next = parseJavaDate(formatJavaDate(at, pattern, config.timezone), pattern, config.timezone);
    return next !== undefined && next > ms && next <= at ? next - 1 : ms;
  } catch {
    return ms;
  }
}

interface ReadDate {
  ms?: number;
  upper?: number;
  bad?: string;
}

function dateReader(config: DateFieldConfig | undefined): (record: unknown) => ReadDate {
  if (!config) return () => ({});
  return (record) => {
    const raw = getPath(record, config.field);
    const ms = parseJavaDate(raw, config.format, config.timezone);
    if (ms === undefined) {
      const shown = raw === undefined || raw === null ? 'is missing' : `${JSON.stringify(raw)} does not parse as ${config.format ?? 'ISO-8601'}`;
      return { bad: `${config.field} ${shown}` };
    }
    return { ms, upper: dateUpperBound(ms, raw, config) };
  };
}

// ---------------------------------------------------------------------------------------------
// The diff

function readId(record: unknown, idField: string): { id?: string; bad?: string } {
  const raw = getPath(record, idField);
  if ((typeof raw === 'string' && raw.trim() !== '') || (typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'bigint' || typeof raw === 'boolean') {
    return { id: String(raw) };
  }
  return { bad: `${idField} ${raw === undefined || raw === null || raw === '' ? 'is missing' : `is not an id: ${JSON.stringify(raw)}`}` };
}

/** A record's id as events carry it: '' when it has none, or the resource is configured without one (`idField: ""`). */
export function recordId(record: unknown, idField: string): string {
  return idField === '' ? '' : (readId(record, idField).id ?? '');
}

/**
 * Ids longer than this stand in change keys as their hash: keys travel in plans, boundary sets and progress records,
 * which must stay small whatever a provider uses as ids.
 */
export const MAX_KEY_ID_LENGTH = 48;

/** The id as a change key carries it (`~<hash>` for a long one). */
export function keyId(objectId: string): string {
  return objectId.length > MAX_KEY_ID_LENGTH ? `~${contentHash(objectId)}` : objectId;
}

/** Object ids of reported changes in a boundary set (`<id>@<ms>` keys). */
function reportedIds(keys: Iterable<string>): Set<string> {
  const ids = new Set<string>();
  for (const key of keys) {
    if (key.startsWith(PROBLEM_KEY_PREFIX) || key.startsWith(CONTENT_KEY_PREFIX)) continue;
    const at = key.lastIndexOf('@');
    if (at > 0) ids.add(key.slice(0, at));
  }
  return ids;
}

/** A deletion flag as a test of a record: its field holds exactly the configured JSON value. */
function flagTest(deletion: Deletion | undefined): ((record: unknown) => boolean) | undefined {
  if (deletion?.kind !== 'flag') return undefined;
  const { field, value } = deletion;
  return (record) => getPath(record, field) === value;
}

/**
 * One page:
 * - keep a record when its updated date (created date with `filterByUpdatedDate: false`) is after
 *   `since` at the date's precision; with no such date configured, keep every record (the URL's
 *   `where` clause is trusted);
 * - with `filterByCurrentDate`, drop it when its updated date is after `pollStart`;
 * - drop it when the same id at the same date is in `seen` (or earlier on this page);
 * - classify the rest (see `classify`); a record whose deletion flag is set is DELETED instead.
 * A kept record with no id, or whose filter date is missing or unparseable, is reported as UPDATED
 * (DELETED when flagged), keyed by its content (so the same record is reported once), and listed in
 * `problems`. Nothing else is a problem: a record with an id and a readable filter date whose other
 * date is missing or unreadable is an ordinary change, classified without it (no created date:
 * UPDATED). Vendors leave created dates out routinely (ConnectWise writes `_info.dateEntered` on
 * tickets only).
 */
export function diffRecords(records: readonly unknown[], resource: ResourceConfig, ctx: DiffContext, options: DiffOptions = {}): DiffResult {
  const result: DiffResult = { changes: [], problems: [], skipped: 0 };
  const readUpdated = dateReader(resource.updated);
  const readCreated = dateReader(resource.created);
  const filterOnUpdated = resource.filterByUpdatedDate;
  const filterConfigured = filterOnUpdated ? resource.updated !== undefined : resource.created !== undefined;
  const flagged = flagTest(resource.deletion);
  const local = new Set<string>();
  let previousIds: Set<string> | undefined;
  const localIds = new Set<string>();
  const seen = (key: string): boolean => ctx.seen.has(key) || local.has(key);
  // Only when asked: a poll never builds these.
  const explain = options.explain ? explainer(resource, ctx, (result.decisions = [])) : undefined;

  for (const record of records) {
    const updated = readUpdated(record);
    const created = readCreated(record);
    const filterDate = filterOnUpdated ? updated : created;

    if (filterConfigured && filterDate.upper !== undefined && filterDate.upper <= ctx.sinceMs) {
      result.skipped++;
      explain?.notChanged(record, filterDate);
      continue;
    }
    if (resource.filterByCurrentDate && updated.ms !== undefined && updated.ms > ctx.pollStartMs) {
      result.skipped++;
      explain?.afterPollStart(record, updated.ms);
      continue;
    }

    const id = resource.idField === '' ? {} : readId(record, resource.idField);
    const objectId = id.id ?? '';
    const recordDateMs = updated.ms ?? created.ms ?? ctx.pollStartMs;
    const dateMs = updated.upper ?? created.upper ?? ctx.pollStartMs;
    const filterBad = filterConfigured ? filterDate.bad : undefined;

    if (id.bad !== undefined || filterBad !== undefined) {
      const key = PROBLEM_KEY_PREFIX + contentHash(record);
      const kind: ProblemKind = id.bad !== undefined ? 'missingId' : 'badDate';
      const detail = [id.bad, filterBad].filter((d): d is string => d !== undefined).join('; ');
      if (seen(key)) {
        result.skipped++;
        explain?.problemAgain(objectId, kind, detail);
        continue;
      }
      local.add(key);
      const eventType = flagged?.(record) ? 'DELETED' : 'UPDATED';
      result.problems.push({ kind, objectId: objectId || undefined, detail });
      result.changes.push({ record, objectId, eventType, dateMs, recordDateMs, key });
      explain?.problem(objectId, eventType, detail);
      continue;
    }

    const key = objectId !== '' ? `${keyId(objectId)}@${dateMs}` : `${CONTENT_KEY_PREFIX}${contentHash(record)}@${dateMs}`;
    if (seen(key)) {
      result.skipped++;
      explain?.alreadyReported(objectId, dateMs, ctx.seen.has(key));
      continue;
    }
    local.add(key);
    previousIds ??= reportedIds(ctx.seen);
    const reportedBefore = objectId !== '' && (previousIds.has(keyId(objectId)) || localIds.has(objectId));
    if (objectId !== '') localIds.add(objectId);
    const classified = { createdUpperMs: created.upper, reportedBefore };
    const eventType = flagged?.(record) ? 'DELETED' : classify(updated.ms, created.ms, resource, ctx.sinceMs, classified);
    result.changes.push({ record, objectId, eventType, dateMs, recordDateMs, key });
    explain?.reported(objectId, eventType, classifyRule(updated.ms, created.ms, resource, ctx.sinceMs, classified), { updated, created, recordDateMs });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Explaining the diff

const iso = (ms: number): string => new Date(ms).toISOString();

const CLASSIFY_WHY: Record<ClassifyRule, string> = {
  'reported-before': 'reported before at another date (in the boundary set or earlier in this read), so UPDATED',
  'no-created-date': 'no readable created date, so UPDATED',
  'created-after-since': 'created after since',
  'within-tolerance': 'updated within createdCheckTolerance of its creation',
  otherwise: 'created before since',
};

/** Writes one decision per record into `out`; each method is one way a record can go. */
function explainer(resource: ResourceConfig, ctx: DiffContext, out: Decision[]) {
  const idOf = (record: unknown): string => recordId(record, resource.idField);
  const filterField = (resource.filterByUpdatedDate ? resource.updated : resource.created)?.field ?? '';
  const add = (objectId: string, decision: Decision['decision'], reason: DecisionReason, detail: string): void => {
    out.push({ objectId, decision, reason, detail });
  };
  return {
    notChanged(record: unknown, date: ReadDate) {
      add(idOf(record), 'skipped', 'not-changed', `${filterField} ${iso(date.ms!)} is not after since ${iso(ctx.sinceMs)}`);
    },
    afterPollStart(record: unknown, updatedMs: number) {
      add(idOf(record), 'skipped', 'after-poll-start', `${resource.updated?.field} ${iso(updatedMs)} is after the poll start ${iso(ctx.pollStartMs)} (filterByCurrentDate): the next poll reports it`);
    },
    problemAgain(objectId: string, kind: ProblemKind, detail: string) {
      add(objectId, 'skipped', kind === 'missingId' ? 'no-id' : 'bad-date', `${detail}: reported once already as a problem record, and its content has not changed`);
    },
    problem(objectId: string, eventType: EventType, detail: string) {
      add(objectId, 'reported', eventType === 'DELETED' ? 'deleted' : 'updated', `a problem record (${detail}): reported once, identified by its content`);
    },
    alreadyReported(objectId: string, dateMs: number, inBoundary: boolean) {
      add(objectId, 'skipped', 'already-reported', `this change (dated ${iso(dateMs)}) ${inBoundary ? 'was reported by an earlier poll (boundary set)' : 'came twice in this read'}`);
    },
    reported(objectId: string, eventType: EventType, rule: ClassifyRule, dates: { updated: ReadDate; created: ReadDate; recordDateMs: number }) {
      if (eventType === 'DELETED') {
        const flag = resource.deletion as Extract<Deletion, { kind: 'flag' }>;
        add(objectId, 'reported', 'deleted', `${flag.field} is ${JSON.stringify(flag.value)} (the deletion flag), dated ${iso(dates.recordDateMs)}`);
        return;
      }
      const changed = dates.updated.ms !== undefined ? `${resource.updated?.field} ${iso(dates.updated.ms)}` : dates.created.ms !== undefined ? `${resource.created?.field} ${iso(dates.created.ms)}` : 'no date configured';
      add(objectId, 'reported', eventType === 'CREATED' ? 'created' : 'updated', `${changed}; ${CLASSIFY_WHY[rule]}`);
    },
  };
}

export interface ClassifyOptions {
  /** End of the interval the created date stands for at its precision (default: the created date). */
  createdUpperMs?: number;
  /** The same object was already reported at another date (its key is in the boundary set). */
  reportedBefore?: boolean;
}

/** The rule of "CREATED or UPDATED" that decides a change, in the order they are tried. */
export type ClassifyRule = 'reported-before' | 'no-created-date' | 'created-after-since' | 'within-tolerance' | 'otherwise';

/**
 * CREATED when the created date is after `since`, or the updated date is at most
 * `createdCheckTolerance` seconds after the created date; otherwise UPDATED. No created date:
 * UPDATED. An object already reported (its earlier change is in the boundary set, e.g. a record
 * created just before the last poll start and re-fetched because of `pollDelay`) is UPDATED: it
 * was CREATED once already.
 */
export function classify(
  updatedMs: number | undefined,
  createdMs: number | undefined,
  resource: Pick<ResourceConfig, 'createdCheckToleranceSec'>,
  sinceMs: number,
  options: ClassifyOptions = {},
): EventType {
  const rule = classifyRule(updatedMs, createdMs, resource, sinceMs, options);
  return rule === 'created-after-since' || rule === 'within-tolerance' ? 'CREATED' : 'UPDATED';
}

/** Which rule of `classify` applies. */
export function classifyRule(
  updatedMs: number | undefined,
  createdMs: number | undefined,
  resource: Pick<ResourceConfig, 'createdCheckToleranceSec'>,
  sinceMs: number,
  options: ClassifyOptions = {},
): ClassifyRule {
  if (options.reportedBefore) return 'reported-before';
  if (createdMs === undefined) return 'no-created-date';
  if ((options.createdUpperMs ?? createdMs) > sinceMs) return 'created-after-since';
  if (updatedMs !== undefined && updatedMs - createdMs <= resource.createdCheckToleranceSec * 1000) return 'within-tolerance';
  return 'otherwise';
}

/** FNV-1a-style 64-bit hash over canonical JSON: pure and deterministic, enough to recognise a record seen before. */
export function contentHash(value: unknown): string {
  const text = canonicalJson(value);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
