import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeResource, type ResourceConfig } from '../../core/settings';
import { resourceSchema } from '../../core/config';
import {
  classify,
  contentHash,
  dateUpperBound,
  diffRecords,
  keyId,
  MAX_KEY_ID_LENGTH,
  MAX_PROBLEM_KEYS,
  nextBoundary,
  patternUnit,
  PROBLEM_KEY_PREFIX,
  type Change,
  type DiffContext,
} from '../../core/diff';
import { formatJavaDate, parseJavaDate } from '../../core/javaDate';

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const ISO_S = "yyyy-MM-dd'T'HH:mm:ss'Z'";
const at = (iso: string): number => Date.parse(iso);

/** A resource as the configuration schema normalises it. */
function resource(input: Record<string, unknown> = {}): ResourceConfig {
  return normalizeResource(
    resourceSchema.parse({
      url: '/contacts',
      idField: 'id',
      datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
      ...input,
    }),
  );
}

const SINCE = at('2024-06-01T10:00:00.500Z');
const POLL_START = at('2024-06-01T10:05:00.000Z');
const ctx = (over: Partial<DiffContext> = {}): DiffContext => ({ sinceMs: SINCE, pollStartMs: POLL_START, seen: new Set(), ...over });
const rec = (id: unknown, updatedAt: unknown, createdAt: unknown = '2024-01-01T00:00:00.000Z', extra: object = {}) => ({ id, updatedAt, createdAt, ...extra });
const ids = (changes: readonly Change[]): string[] => changes.map((c) => c.objectId);

describe('diffRecords: filtering on the updated date (default)', () => {
  const cases: [name: string, updatedAt: string, kept: boolean][] = [
    ['after since', '2024-06-01T10:00:00.501Z', true],
    ['exactly since (strict: an inclusive query returns it again)', '2024-06-01T10:00:00.500Z', false],
    ['before since', '2024-06-01T09:59:59.999Z', false],
    ['after poll start (kept without filterByCurrentDate)', '2024-06-01T10:05:00.001Z', true],
  ];
  for (const [name, updatedAt, kept] of cases) {
    test(name, () => {
      const r = diffRecords([rec('1', updatedAt)], resource(), ctx());
      assert.deepEqual(ids(r.changes), kept ? ['1'] : []);
      assert.equal(r.skipped, kept ? 0 : 1);
      assert.deepEqual(r.problems, []);
    });
  }

  test('the change carries the record, its id, its date and a key of id and date', () => {
    const record = rec(42, '2024-06-01T10:01:02.345Z');
    const [c] = diffRecords([record], resource(), ctx()).changes;
    assert.ok(c);
    assert.equal(c.record, record);
    assert.equal(c.objectId, '42');
    assert.equal(c.recordDateMs, at('2024-06-01T10:01:02.345Z'));
    assert.equal(c.dateMs, c.recordDateMs, 'millisecond formats: identity instant = record date');
    assert.equal(c.key, `42@${at('2024-06-01T10:01:02.345Z')}`);
  });
});

describe('diffRecords: filterByUpdatedDate false filters on the created date', () => {
  const r = resource({ filterByUpdatedDate: 'false' });
  test('created after since: kept, even with an old updated date', () => {
    assert.deepEqual(ids(diffRecords([rec('1', '2024-01-01T00:00:00.000Z', '2024-06-01T10:00:01.000Z')], r, ctx()).changes), ['1']);
  });
  test('created before since: dropped, even when updated after since', () => {
    const d = diffRecords([rec('1', '2024-06-01T10:04:00.000Z', '2024-06-01T10:00:00.000Z')], r, ctx());
    assert.deepEqual(d.changes, []);
    assert.equal(d.skipped, 1);
  });
  test('no created date configured: no client-side filtering (the URL is trusted)', () => {
    const noCreated = resource({ filterByUpdatedDate: false, datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS } });
    assert.deepEqual(ids(diffRecords([rec('1', '2020-01-01T00:00:00.000Z')], noCreated, ctx()).changes), ['1']);
  });
  test('the archived spelling filterByUpdateDate works too', () => {
    assert.equal(resource({ filterByUpdateDate: false }).filterByUpdatedDate, false);
  });
  test('an unparseable created date is then a problem record, reported once', () => {
    const d = diffRecords([rec('1', '2024-06-01T10:04:00.000Z', 'yesterday')], r, ctx());
    assert.equal(d.changes.length, 1);
    assert.equal(d.problems[0]?.kind, 'badDate');
    assert.match(d.problems[0]!.detail, /createdAt "yesterday" does not parse/);
    assert.ok(d.changes[0]!.key.startsWith(PROBLEM_KEY_PREFIX));
  });
});

describe('diffRecords: filterByCurrentDate drops records updated after the poll start', () => {
  const r = resource({ filterByCurrentDate: true });
  const cases: [updatedAt: string, kept: boolean][] = [
    ['2024-06-01T10:05:00.001Z', false],
    ['2024-06-01T10:05:00.000Z', true],
    ['2024-06-01T10:04:59.999Z', true],
  ];
  for (const [updatedAt, kept] of cases) {
    test(`${updatedAt} → ${kept ? 'kept' : 'dropped'}`, () => {
      const d = diffRecords([rec('1', updatedAt)], r, ctx());
      assert.equal(d.changes.length, kept ? 1 : 0);
    });
  }
  test('at second precision a record dated in the poll start second is kept (it may predate the start)', () => {
    const s = resource({ filterByCurrentDate: true, datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_S } });
    const start = at('2024-06-01T10:05:00.400Z');
    assert.equal(diffRecords([rec('1', '2024-06-01T10:05:00Z')], s, ctx({ pollStartMs: start })).changes.length, 1);
    assert.equal(diffRecords([rec('1', '2024-06-01T10:05:01Z')], s, ctx({ pollStartMs: start })).changes.length, 0);
  });
  test('the next poll (since = this poll start) reports what this one dropped', () => {
    const record = rec('1', '2024-06-01T10:05:00.001Z');
    assert.equal(diffRecords([record], r, ctx()).changes.length, 0);
    assert.equal(diffRecords([record], r, ctx({ sinceMs: POLL_START, pollStartMs: POLL_START + 60_000 })).changes.length, 1);
  });
  test('with filterByUpdatedDate false it still uses the updated date', () => {
    const both = resource({ filterByCurrentDate: true, filterByUpdatedDate: false });
    assert.equal(diffRecords([rec('1', '2024-06-01T10:06:00.000Z', '2024-06-01T10:01:00.000Z')], both, ctx()).changes.length, 0);
  });
});

describe('diffRecords: the boundary set keeps inclusive queries from repeating events', () => {
  test('a key already reported is skipped; the same id at a new date is reported (as UPDATED)', () => {
    const first = diffRecords([rec('1', '2024-06-01T10:01:00.000Z', '2024-06-01T10:01:00.000Z')], resource(), ctx());
    assert.equal(first.changes[0]?.eventType, 'CREATED');
    const seen = new Set(first.changes.map((c) => c.key));
    const again = diffRecords([rec('1', '2024-06-01T10:01:00.000Z', '2024-06-01T10:01:00.000Z')], resource(), ctx({ seen }));
    assert.deepEqual(again.changes, []);
    assert.equal(again.skipped, 1);
    const updated = diffRecords([rec('1', '2024-06-01T10:02:00.000Z', '2024-06-01T10:01:00.000Z')], resource(), ctx({ seen }));
    assert.deepEqual(updated.changes.map((c) => c.eventType), ['UPDATED'], 'created after since, but CREATED was reported already');
  });
  test('the same record twice on a page is reported once', () => {
    const d = diffRecords([rec('1', '2024-06-01T10:01:00.000Z'), rec('1', '2024-06-01T10:01:00.000Z')], resource(), ctx());
    assert.equal(d.changes.length, 1);
    assert.equal(d.skipped, 1);
  });
  test('two versions of one id on a page: the second is UPDATED', () => {
    const d = diffRecords(
      [rec('1', '2024-06-01T10:01:00.000Z', '2024-06-01T10:01:00.000Z'), rec('1', '2024-06-01T10:02:00.000Z', '2024-06-01T10:01:00.000Z')],
      resource(),
      ctx(),
    );
    assert.deepEqual(d.changes.map((c) => c.eventType), ['CREATED', 'UPDATED']);
  });
});

describe('diffRecords: dates at their format precision', () => {
  const seconds = resource({ datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_S, createdDateField: 'createdAt', createdDateFormat: ISO_S } });
  test('a record dated in the since second is kept: it may have changed after since', () => {
    const d = diffRecords([rec('1', '2024-06-01T10:00:00Z', '2024-06-01T10:00:00Z')], seconds, ctx());
    const [c] = d.changes;
    assert.ok(c);
    assert.equal(c.recordDateMs, at('2024-06-01T10:00:00Z'));
    assert.equal(c.dateMs, at('2024-06-01T10:00:00.999Z'), 'identity instant: the end of the second');
    assert.equal(c.eventType, 'CREATED', 'created in the since second: after since at that precision');
  });
  test('a record dated in the second before is dropped', () => {
    assert.equal(diffRecords([rec('1', '2024-06-01T09:59:59Z')], seconds, ctx()).changes.length, 0);
  });
  test('since at the last millisecond of the second drops it', () => {
    assert.equal(diffRecords([rec('1', '2024-06-01T10:00:00Z')], seconds, ctx({ sinceMs: at('2024-06-01T10:00:00.999Z') })).changes.length, 0);
  });
  test('its key is in the next boundary, so the next (inclusive) poll does not repeat it', () => {
    const first = diffRecords([rec('1', '2024-06-01T10:05:00Z')], seconds, ctx());
    const boundary = nextBoundary([], first.changes, POLL_START);
    assert.deepEqual(boundary, [`1@${at('2024-06-01T10:05:00.999Z')}`]);
    const next = diffRecords([rec('1', '2024-06-01T10:05:00Z')], seconds, ctx({ sinceMs: POLL_START, pollStartMs: POLL_START + 60_000, seen: new Set(boundary) }));
    assert.deepEqual(next.changes, []);
  });
});

describe('diffRecords: record dates in their timezone', () => {
  const zoned = (format: string, timezone?: string) =>
    resource({ datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: format, ...(timezone ? { updatedDateTimezone: timezone } : {}) } });
  const cases: [name: string, format: string, zone: string | undefined, value: unknown, iso: string][] = [
    ['America/Denver wall clock (MDT, UTC−6)', 'yyyy-MM-dd HH:mm:ss', 'America/Denver', '2024-06-01 04:01:00', '2024-06-01T10:01:00Z'],
    ['America/Denver in winter (MST, UTC−7)', 'yyyy-MM-dd HH:mm:ss', 'America/Denver', '2024-01-15 03:01:00', '2024-01-15T10:01:00Z'],
    ['offset zone -06:00', "yyyy-MM-dd'T'HH:mm:ss", '-06:00', '2024-06-01T04:01:00', '2024-06-01T10:01:00Z'],
    ['offset zone -6:00', "yyyy-MM-dd'T'HH:mm:ss", '-6:00', '2024-06-01T04:01:00', '2024-06-01T10:01:00Z'],
    ['MST abbreviation (fixed UTC−7)', 'MM/dd/yyyy HH:mm:ss', 'MST', '06/01/2024 03:01:00', '2024-06-01T10:01:00Z'],
    ["literal 'Z' read in the configured zone (EST)", ISO_S, 'EST', '2024-06-01T05:01:00Z', '2024-06-01T10:01:00Z'],
    ['offset in the value wins over the zone', "yyyy-MM-dd'T'HH:mm:ssXXX", 'America/Denver', '2024-06-01T04:01:00-06:00', '2024-06-01T10:01:00Z'],
    ['RFC 822 offset', "yyyy-MM-dd'T'HH:mm:ss.SSSZ", undefined, '2024-06-01T10:01:00.000+0000', '2024-06-01T10:01:00Z'],
    ['no zone: GMT', 'yyyy-MM-dd HH:mm:ss', undefined, '2024-06-01 10:01:00', '2024-06-01T10:01:00Z'],
    ['epoch milliseconds as a number', 'milliseconds', undefined, at('2024-06-01T10:01:00Z'), '2024-06-01T10:01:00Z'],
    ['epoch milliseconds as a string', 'milliseconds', undefined, String(at('2024-06-01T10:01:00Z')), '2024-06-01T10:01:00Z'],
    ['fractional seconds of any length', "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", undefined, '2024-06-01T10:01:00.451000+00:00', '2024-06-01T10:01:00Z'],
    ['no format: ISO-8601', '', undefined, '2024-06-01T10:01:00.123456Z', '2024-06-01T10:01:00Z'],
  ];
  for (const [name, format, zone, value, iso] of cases) {
    test(name, () => {
      const d = diffRecords([{ id: 'x', updatedAt: value }], zoned(format, zone), ctx({ sinceMs: at(iso) - 60_000, pollStartMs: at(iso) + 60_000 }));
      assert.deepEqual(d.problems, []);
      assert.equal(d.changes.length, 1);
      assert.equal(new Date(d.changes[0]!.recordDateMs).toISOString().replace(/\.\d+Z$/, 'Z'), iso);
    });
  }
  test('a Denver wall time one hour before the UTC since is dropped (the zone is applied, not ignored)', () => {
    const d = diffRecords([{ id: 'x', updatedAt: '2024-06-01 03:59:00' }], zoned('yyyy-MM-dd HH:mm:ss', 'America/Denver'), ctx());
    assert.equal(d.changes.length, 0);
  });
  test('resource-level updatedDateTimezone is used when datesConfiguration has none', () => {
    const r = resource({ updatedDateTimezone: 'America/Denver', datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: 'yyyy-MM-dd HH:mm:ss' } });
    assert.equal(diffRecords([{ id: 'x', updatedAt: '2024-06-01 04:01:00' }], r, ctx()).changes[0]?.recordDateMs, at('2024-06-01T10:01:00Z'));
  });
  test('datesConfiguration wins over a resource-level zone (the archived example)', () => {
    const r = resource({ updatedDateTimezone: 'MST', datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: 'yyyy-MM-dd HH:mm:ss', updatedDateTimezone: 'GMT' } });
    assert.equal(diffRecords([{ id: 'x', updatedAt: '2024-06-01 10:01:00' }], r, ctx()).changes[0]?.recordDateMs, at('2024-06-01T10:01:00Z'));
  });
});

describe('diffRecords: JSON paths for the id and the dates', () => {
  test('nested, bracketed and case-insensitive paths', () => {
    const r = resource({
      idField: 'user.ID',
      datesConfiguration: { updatedDateField: "['Modified Time']", updatedDateFormat: 'yyyy-MM-dd HH:mm:ss', createdDateField: '_info.DATEENTERED', createdDateFormat: ISO_S },
    });
    const record = { user: { id: 5 }, 'modified time': '2024-06-01 10:02:00', _info: { dateEntered: '2024-06-01T10:02:00Z' } };
    const [c] = diffRecords([record], r, ctx()).changes;
    assert.equal(c?.objectId, '5');
    assert.equal(c?.eventType, 'CREATED');
    assert.equal(c?.recordDateMs, at('2024-06-01T10:02:00Z'));
  });
});

describe('diffRecords: CREATED or UPDATED', () => {
  const cases: [name: string, input: Record<string, unknown>, updatedAt: string, createdAt: string | undefined, type: 'CREATED' | 'UPDATED'][] = [
    ['created after since', {}, '2024-06-01T10:03:00.000Z', '2024-06-01T10:01:00.000Z', 'CREATED'],
    ['created before since, updated later', {}, '2024-06-01T10:03:00.000Z', '2024-06-01T09:00:00.000Z', 'UPDATED'],
    ['created exactly at since', {}, '2024-06-01T10:03:00.000Z', '2024-06-01T10:00:00.500Z', 'UPDATED'],
    ['created before since, updated at the same instant (tolerance 0)', {}, '2024-06-01T10:00:01.000Z', '2024-06-01T10:00:01.000Z', 'CREATED'],
    ['within createdCheckTolerance', { createdCheckTolerance: 2 }, '2024-06-01T10:00:02.000Z', '2024-06-01T09:59:59.000Z', 'UPDATED'],
    ['within createdCheckTolerance (3 s ≤ 3 s)', { createdCheckTolerance: '3' }, '2024-06-01T10:00:02.000Z', '2024-06-01T09:59:59.000Z', 'CREATED'],
    ['tolerance inside datesConfiguration (HubSpot example)', { datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS, createdCheckTolerance: 10 } }, '2024-06-01T10:00:05.000Z', '2024-06-01T09:59:58.000Z', 'CREATED'],
    ['no created date configured', { datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS } }, '2024-06-01T10:03:00.000Z', undefined, 'UPDATED'],
    ['created and updated the same field (ConnectWise default)', { datesConfiguration: { updatedDateField: 'updatedAt', createdDateField: 'updatedAt' } }, '2024-06-01T10:03:00.000Z', undefined, 'CREATED'],
  ];
  for (const [name, input, updatedAt, createdAt, type] of cases) {
    test(name, () => {
      const d = diffRecords([rec('1', updatedAt, createdAt)], resource(input), ctx());
      assert.equal(d.changes[0]?.eventType, type);
    });
  }

  test('classify: the rule table', () => {
    const tol = (s: number) => ({ createdCheckToleranceSec: s });
    assert.equal(classify(100, undefined, tol(0), 50), 'UPDATED');
    assert.equal(classify(100, 60, tol(0), 50), 'CREATED');
    assert.equal(classify(100, 40, tol(0), 50), 'UPDATED');
    assert.equal(classify(100, 40, tol(0), 50, { createdUpperMs: 51 }), 'CREATED');
    assert.equal(classify(1000, 40, tol(1), 50), 'CREATED');
    assert.equal(classify(1041, 40, tol(1), 50), 'UPDATED');
    assert.equal(classify(40, 45, tol(0), 50), 'CREATED', 'created after its own update: never updated since');
    assert.equal(classify(undefined, 40, tol(0), 50), 'UPDATED');
    assert.equal(classify(100, 60, tol(0), 50, { reportedBefore: true }), 'UPDATED');
  });
});

describe('diffRecords: records with no id or an unparseable date are reported once, never dropped silently', () => {
  const cases: [name: string, record: Record<string, unknown>, kind: 'missingId' | 'badDate', detail: RegExp][] = [
    ['no id', { updatedAt: '2024-06-01T10:01:00.000Z', name: 'x' }, 'missingId', /^id is missing$/],
    ['null id', { id: null, updatedAt: '2024-06-01T10:01:00.000Z' }, 'missingId', /^id is missing$/],
    ['empty id', { id: '', updatedAt: '2024-06-01T10:01:00.000Z' }, 'missingId', /^id is missing$/],
    ['object id', { id: { v: 1 }, updatedAt: '2024-06-01T10:01:00.000Z' }, 'missingId', /^id is not an id: \{"v":1\}$/],
    ['unparseable updated date', { id: '1', updatedAt: '01/06/2024' }, 'badDate', /^updatedAt "01\/06\/2024" does not parse as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'$/],
    ['missing updated date', { id: '1' }, 'badDate', /^updatedAt is missing$/],
    ['no id and no date', { name: 'y' }, 'missingId', /^id is missing; updatedAt is missing$/],
  ];
  for (const [name, record, kind, detail] of cases) {
    test(name, () => {
      const d = diffRecords([record], resource({ datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS } }), ctx());
      assert.equal(d.changes.length, 1);
      assert.equal(d.problems.length, 1);
      assert.equal(d.problems[0]!.kind, kind);
      assert.match(d.problems[0]!.detail, detail);
      const c = d.changes[0]!;
      assert.equal(c.eventType, 'UPDATED');
      assert.equal(c.key, PROBLEM_KEY_PREFIX + contentHash(record));
      // Reported once: with its key in the boundary the same record is skipped.
      const again = diffRecords([record], resource(), ctx({ seen: new Set([c.key]), sinceMs: POLL_START, pollStartMs: POLL_START + 60_000 }));
      assert.deepEqual(again.changes, []);
      assert.deepEqual(again.problems, []);
    });
  }
  test('a problem record carries its id when it has one, and the poll start as its date when no date parses', () => {
    const [c] = diffRecords([{ id: 9, updatedAt: 'soon' }], resource(), ctx()).changes;
    assert.equal(c?.objectId, '9');
    assert.equal(c?.recordDateMs, POLL_START);
  });
  test('a record without id but with an old date is unchanged, not a problem', () => {
    const d = diffRecords([{ updatedAt: '2024-01-01T00:00:00.000Z' }], resource(), ctx());
    assert.deepEqual(d.changes, []);
    assert.deepEqual(d.problems, []);
  });
  test('two identical problem records on one page: one event', () => {
    const d = diffRecords([{ name: 'a' }, { name: 'a' }, { name: 'b' }], resource(), ctx());
    assert.equal(d.changes.length, 2);
    assert.equal(d.problems.length, 2);
  });
  test('a changed problem record (other content) is reported again', () => {
    const first = diffRecords([{ name: 'a', updatedAt: 'x' }], resource(), ctx());
    const d = diffRecords([{ name: 'a', updatedAt: 'y' }], resource(), ctx({ seen: new Set(first.changes.map((c) => c.key)) }));
    assert.equal(d.changes.length, 1);
  });
  test('never a problem: an id and a readable updated date, whatever the created date (missing, null or unreadable)', () => {
    const records = [rec('1', '2024-06-01T10:01:00.000Z', 'n/a'), rec('2', '2024-06-01T10:01:00.000Z', null), rec('3', '2024-06-01T10:01:00.000Z')];
    delete (records[2] as Record<string, unknown>).createdAt;
    const d = diffRecords(records, resource(), ctx());
    assert.deepEqual(d.problems, []);
    assert.deepEqual(d.changes.map((c) => [c.objectId, c.eventType, c.key]), ['1', '2', '3'].map((id) => [id, 'UPDATED', `${id}@${at('2024-06-01T10:01:00.000Z')}`]));
  });
  test('with filterByUpdatedDate false, an unreadable updated date is no problem either (the created date filters)', () => {
    const d = diffRecords([rec('1', 'soon', '2024-06-01T10:01:00.000Z')], resource({ filterByUpdatedDate: false }), ctx());
    assert.deepEqual(d.problems, []);
    assert.equal(d.changes[0]?.eventType, 'CREATED');
  });
  test('idField "" (documented for resources without ids): no problem, keyed by content and date', () => {
    const r = resource({ idField: ' ' });
    const record = rec(undefined, '2024-06-01T10:01:00.000Z');
    const d = diffRecords([record, rec(undefined, '2024-06-01T10:01:00.000Z', '2024-01-01T00:00:00.000Z', { other: 1 })], r, ctx());
    assert.deepEqual(d.problems, []);
    assert.equal(d.changes.length, 2, 'two records at the same date are two events');
    assert.equal(d.changes[0]!.objectId, '');
    assert.equal(d.changes[0]!.key, `#${contentHash(record)}@${at('2024-06-01T10:01:00.000Z')}`);
  });
  test('a poll never throws on odd records', () => {
    const odd: unknown[] = [null, 3, 'text', [], [1, 2], { id: Symbol.for('x') as unknown }, { id: 1, updatedAt: { nested: true } }, { id: 1n }];
    const d = diffRecords(odd, resource(), ctx());
    assert.equal(d.changes.length + d.skipped, odd.length);
    assert.equal(d.problems.length, d.changes.filter((c) => c.key.startsWith(PROBLEM_KEY_PREFIX)).length);
  });
});

describe('diffRecords: no date configuration (Gmail default): every record is a change, dated at the poll start', () => {
  test('the URL is trusted', () => {
    const r = resource({ datesConfiguration: undefined });
    const d = diffRecords([{ id: 'm1' }, { id: 'm2' }], r, ctx());
    assert.deepEqual(ids(d.changes), ['m1', 'm2']);
    assert.ok(d.changes.every((c) => c.recordDateMs === POLL_START && c.eventType === 'UPDATED'));
    assert.deepEqual(d.problems, []);
  });
});

describe('dateUpperBound and patternUnit: what a record date can stand for', () => {
  const cases: [name: string, value: string | number, format: string | undefined, zone: string | undefined, upperIso: string][] = [
    ['milliseconds', '2024-06-01T10:00:00.123Z', ISO_MS, undefined, '2024-06-01T10:00:00.123Z'],
    ['seconds', '2024-06-01T10:00:05Z', ISO_S, undefined, '2024-06-01T10:00:05.999Z'],
    ['minutes', '2024-06-01 10:07', 'yyyy-MM-dd HH:mm', undefined, '2024-06-01T10:07:59.999Z'],
    ['minutes in a +05:45 zone', '2024-06-01 15:52', 'yyyy-MM-dd HH:mm', '+05:45', '2024-06-01T10:07:59.999Z'],
    ['hours', '2024-06-01 10h', "yyyy-MM-dd HH'h'", undefined, '2024-06-01T10:59:59.999Z'],
    ['days in UTC', '2024-06-01', 'yyyy-MM-dd', undefined, '2024-06-01T23:59:59.999Z'],
    ['days in Denver', '2024-06-01', 'yyyy-MM-dd', 'America/Denver', '2024-06-02T05:59:59.999Z'],
    ['a 23-hour Denver day (DST starts)', '2024-03-10', 'yyyy-MM-dd', 'America/Denver', '2024-03-11T05:59:59.999Z'],
    ['a 25-hour Denver day (DST ends)', '2024-11-03', 'yyyy-MM-dd', 'America/Denver', '2024-11-04T06:59:59.999Z'],
    ['months', '2024-02', 'yyyy-MM', undefined, '2024-02-29T23:59:59.999Z'],
    ['years', '2024', 'yyyy', undefined, '2024-12-31T23:59:59.999Z'],
    ['epoch ms', 1717236000123, 'milliseconds', undefined, '2024-06-01T10:00:00.123Z'],
    ['epoch seconds', '1717236000', '10 digit integer Unix time', undefined, '2024-06-01T10:00:00.999Z'],
    ['ISO text, seconds', '2024-06-01T10:00:05Z', undefined, undefined, '2024-06-01T10:00:05.999Z'],
    ['ISO text, tenths', '2024-06-01T10:00:05.4Z', undefined, undefined, '2024-06-01T10:00:05.499Z'],
    ['ISO text, microseconds', '2024-06-01T10:00:05.123456+00:00', undefined, undefined, '2024-06-01T10:00:05.123Z'],
    ['ISO text, minutes', '2024-06-01T10:07', undefined, undefined, '2024-06-01T10:07:59.999Z'],
    ['ISO date', '2024-06-01', undefined, undefined, '2024-06-01T23:59:59.999Z'],
    ['number without format: epoch ms', 1717236000000, undefined, undefined, '2024-06-01T10:00:00.000Z'],
  ];
  for (const [name, value, format, zone, upperIso] of cases) {
    test(name, () => {
      const ms = parseJavaDate(value, format, zone);
      assert.notEqual(ms, undefined);
      assert.equal(new Date(dateUpperBound(ms!, value, { format, timezone: zone })).toISOString(), upperIso);
    });
  }
  test('at the end of representable time the bound is the date itself (no next unit to find)', () => {
    const max = 8.64e15 - 1000;
    assert.equal(dateUpperBound(max, '+275760-09-13', { format: 'yyyy-MM-dd' }), max);
  });
  test('a pattern without date fields, or an unparseable ISO text: no widening', () => {
    assert.equal(dateUpperBound(5, 'x', { format: 'XXX' }), 5);
    assert.equal(dateUpperBound(5, 'not iso', {}), 5);
  });
  test('patternUnit ignores quoted text', () => {
    assert.equal(patternUnit("yyyy-MM-dd'T'HH:mm:ss'Z'"), 1000);
    assert.equal(patternUnit("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"), 1);
    assert.equal(patternUnit("'at' HH:mm"), 60_000);
    assert.equal(patternUnit('EEE MMM dd'), 'day');
    assert.equal(patternUnit("'mssS'"), undefined);
    assert.equal(patternUnit("yyyy-MM-dd'T'HH:mm:ssXXX'"), 1000, 'the documented unterminated quote');
  });
  test('property: for every format, the bound is the last instant formatting to the same text', () => {
    const formats: [string, string][] = [
      [ISO_MS, 'UTC'], [ISO_S, 'UTC'], ["yyyy-MM-dd'T'HH:mm:ss", 'America/Denver'], ['yyyy-MM-dd HH:mm', '-06:00'],
      ['yyyy-MM-dd', 'America/Denver'], ['yyyy-MM-dd', 'Asia/Kolkata'], ['MM/dd/yyyy HH', 'Australia/Adelaide'],
    ];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...formats), (t, [format, zone]) => {
        const text = formatJavaDate(t, format, zone);
        const ms = parseJavaDate(text, format, zone)!;
        const upper = dateUpperBound(ms, text, { format, timezone: zone });
        assert.ok(ms <= t && t <= upper, `${text}: ${ms} ≤ ${t} ≤ ${upper}`);
        assert.equal(formatJavaDate(upper, format, zone), text);
        assert.notEqual(formatJavaDate(upper + 1, format, zone), text);
      }),
    );
  });
});

describe('nextBoundary', () => {
  test('keeps keys dated after the next since, drops the rest, dedupes', () => {
    const b = nextBoundary(['a@100', 'b@200', 'c@300', 'f@201'], [{ key: 'd@150', dateMs: 150 }, { key: 'e@250', dateMs: 250 }, { key: 'c@300', dateMs: 300 }], 200);
    assert.deepEqual(b, ['c@300', 'f@201', 'e@250']);
  });
  test('ids with "@" (e-mail addresses) and content keys parse by their last "@"', () => {
    assert.deepEqual(nextBoundary(['ada@example.com@500', '#0123abcd@100'], [], 200), ['ada@example.com@500']);
  });
  test('problem keys are kept whatever their date, the most recent ' + MAX_PROBLEM_KEYS, () => {
    const previous = Array.from({ length: MAX_PROBLEM_KEYS }, (_, i) => `!old${i}`);
    const b = nextBoundary(previous, [{ key: '!new', dateMs: 0 }, { key: '!old0', dateMs: 0 }, { key: 'x@10', dateMs: 10 }], 100);
    assert.equal(b.length, MAX_PROBLEM_KEYS);
    assert.ok(b.includes('!new'));
    assert.ok(b.includes('!old0'), 'reported again: recent again');
    assert.ok(!b.includes('!old1'), 'the oldest is dropped');
    assert.ok(!b.includes('x@10'));
  });
});

describe('contentHash', () => {
  test('deterministic, independent of key order, sensitive to content', () => {
    assert.equal(contentHash({ a: 1, b: [1, { c: 2, d: 3 }] }), contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(contentHash({ a: 1 }), contentHash({ a: 2 }));
    assert.notEqual(contentHash([1, 2]), contentHash([2, 1]));
    assert.match(contentHash(undefined), /^[0-9a-f]{16}$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the poll loop, simulated purely, reports every change exactly once.

interface Version {
  id: string;
  t: number;
  createdT: number;
  visibleAt: number;
  n: number;
}

const FORMATS: { name: string; format: string; zone?: string; value: (t: number, format: string, zone?: string) => string | number }[] = [
  { name: 'ms UTC', format: ISO_MS, value: (t, f, z) => formatJavaDate(t, f, z) },
  { name: 'seconds Denver', format: "yyyy-MM-dd'T'HH:mm:ss", zone: 'America/Denver', value: (t, f, z) => formatJavaDate(t, f, z) },
  { name: 'seconds -06:00 with offset', format: "yyyy-MM-dd'T'HH:mm:ssXXX", zone: '-06:00', value: (t, f, z) => formatJavaDate(t, f, z) },
  { name: 'minutes -6:00', format: 'yyyy-MM-dd HH:mm', zone: '-6:00', value: (t, f, z) => formatJavaDate(t, f, z) },
  { name: 'days Denver', format: 'yyyy-MM-dd', zone: 'America/Denver', value: (t, f, z) => formatJavaDate(t, f, z) },
  { name: 'epoch ms', format: 'milliseconds', value: (t) => t },
];

/** Just before local midnight in Denver (06:00Z) in June: seconds, minutes and a day all roll over. */
const T0 = Date.UTC(2024, 5, 10, 5, 59, 30);

/** Offsets that often land exactly on, or one millisecond either side of, a second or a poll start. */
const offset = (max: number) =>
  fc.oneof(fc.integer({ min: -max, max }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -max / 1000, max: max / 1000 }).chain((n) => fc.constantFrom(n * 1000 - 1, n * 1000, n * 1000 + 1)));

const scenario = fc.record({
  fmt: fc.integer({ min: 0, max: FORMATS.length - 1 }),
  pollDelaySec: fc.constantFrom(0, 0, 1, 3),
  filterByCurrentDate: fc.boolean(),
  // Each change happens at some offset from a poll start (or from T0 when `poll` is past the last).
  ops: fc.array(fc.record({ id: fc.integer({ min: 1, max: 6 }), poll: fc.integer({ min: 0, max: 8 }), dt: offset(8_000), lag: fc.nat({ max: 3000 }) }), { maxLength: 40 }),
  gaps: fc.array(fc.oneof(fc.integer({ min: 1, max: 15_000 }), fc.integer({ min: 1, max: 15 }).map((n) => n * 1000)), { minLength: 1, maxLength: 7 }),
  fetchLags: fc.array(fc.oneof(fc.nat({ max: 400 }), fc.constant(0)), { minLength: 7, maxLength: 7 }),
  pageSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
});

describe('property: a simulated poll loop reports every change exactly once', () => {
  test('inclusive provider, boundary set, checkpoint = poll start, optional pollDelay and filterByCurrentDate', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const f = FORMATS[s.fmt]!;
        const D = s.pollDelaySec * 1000;
        const res = resource({
          pollDelay: s.pollDelaySec,
          filterByCurrentDate: s.filterByCurrentDate,
          datesConfiguration: {
            updatedDateField: 'updatedAt', updatedDateFormat: f.format, updatedDateTimezone: f.zone,
            createdDateField: 'createdAt', createdDateFormat: f.format, createdDateTimezone: f.zone,
          },
        });
        const trunc = (t: number): number => parseJavaDate(f.value(t, f.format, f.zone), f.format, f.zone)!;

        // History: the first op of an id creates it, later ones update it. Index lag ≤ pollDelay.
        const polls: number[] = [];
        let p = T0;
        for (const g of s.gaps) polls.push((p += g));
        const versions: Version[] = [];
        const createdAt = new Map<string, number>();
        s.ops
          .map((op) => ({ ...op, t: (polls[op.poll] ?? T0) + op.dt }))
          .sort((a, b) => a.t - b.t)
          .forEach((op, n) => {
            const id = `r${op.id}`;
            if (!createdAt.has(id)) createdAt.set(id, op.t);
            versions.push({ id, t: op.t, createdT: createdAt.get(id)!, visibleAt: op.t + (op.lag % (D + 1)), n });
          });
        const fetchAt = polls.map((pk, k) => Math.min(pk + s.fetchLags[k]!, (polls[k + 1] ?? Infinity) - 1));
        const latestVisible = (fetch: number): Map<string, Version> => {
          const m = new Map<string, Version>();
          for (const v of versions) if (v.visibleAt <= fetch && (m.get(v.id)?.t ?? -Infinity) <= v.t) m.set(v.id, v);
          return m;
        };
        const record = (v: Version) => ({ id: v.id, updatedAt: f.value(v.t, f.format, f.zone), createdAt: f.value(v.createdT, f.format, f.zone), n: v.n });

        let checkpoint = T0;
        let boundary: string[] = [];
        const reported: { id: string; dateMs: number; type: string; poll: number }[] = [];
        polls.forEach((pollStart, k) => {
          const since = checkpoint - D;
          // The provider answers `updated >= since` at its own precision (the URL renders `since` in the same format).
          const answer = [...latestVisible(fetchAt[k]!).values()].filter((v) => trunc(v.t) >= trunc(since)).map(record);
          const candidates: { key: string; dateMs: number }[] = [];
          for (let i = 0, page = 0; i < answer.length; page++) {
            const size = s.pageSizes[page % s.pageSizes.length]!;
            const diff = diffRecords(answer.slice(i, i + size), res, { sinceMs: since, pollStartMs: pollStart, seen: new Set(boundary) });
            assert.deepEqual(diff.problems, []);
            for (const c of diff.changes) reported.push({ id: c.objectId, dateMs: c.recordDateMs, type: c.eventType, poll: k });
            // As activities/pollPage.ts hands them to the workflow:
            candidates.push(...diff.changes.filter((c) => c.key.startsWith(PROBLEM_KEY_PREFIX) || c.dateMs > pollStart - D));
            i += size;
          }
          boundary = nextBoundary(boundary, candidates, pollStart - D);
          checkpoint = pollStart;
        });

        const initialSince = T0 - D;
        const seenKeys = new Set<string>();
        for (const r of reported) {
          const key = `${r.id}@${r.dateMs}`;
          assert.ok(!seenKeys.has(key), `reported twice: ${key} (${f.name})`);
          seenKeys.add(key);
          assert.ok(versions.some((v) => v.id === r.id && trunc(v.t) === r.dateMs), `reported a version that never existed: ${key}`);
          if (s.filterByCurrentDate) assert.ok(r.dateMs <= polls[r.poll]!, `filterByCurrentDate: ${key} is dated after its poll start`);
        }
        polls.forEach((pollStart, k) => {
          for (const v of latestVisible(fetchAt[k]!).values()) {
            if (v.t <= initialSince) continue;
            const mustReport = v.t <= pollStart || !s.filterByCurrentDate;
            if (mustReport) assert.ok(seenKeys.has(`${v.id}@${trunc(v.t)}`), `missed ${v.id} changed at ${new Date(v.t).toISOString()} (poll ${k}, ${f.name})`);
          }
        });
        // CREATED at most once per object; without filterByCurrentDate an object created after
        // the start is first reported as CREATED.
        const byId = new Map<string, string[]>();
        for (const r of reported) byId.set(r.id, [...(byId.get(r.id) ?? []), r.type]);
        for (const [id, types] of byId) {
          assert.ok(types.filter((t) => t === 'CREATED').length <= 1, `${id}: ${types.join(',')}`);
          if (!s.filterByCurrentDate && createdAt.get(id)! > initialSince) assert.equal(types[0], 'CREATED', `${id}: ${types.join(',')} (${f.name})`);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('change keys of long ids', () => {
  const resource = normalizeResource(resourceSchema.parse({ url: '/x', idField: 'id', datesConfiguration: { updatedDateField: 'u', createdDateField: 'c' } }));
  const longId = 'x'.repeat(MAX_KEY_ID_LENGTH + 1);

  test('an id longer than the bound stands as its hash: keys stay short whatever the provider uses', () => {
    const [change] = diffRecords([{ id: longId, u: '2024-06-01T10:00:00.000Z', c: '2024-06-01T10:00:00.000Z' }], resource, { sinceMs: 0, pollStartMs: Date.UTC(2024, 6), seen: new Set() }).changes;
    assert.equal(change!.objectId, longId, 'the event still carries the id');
    assert.ok(change!.key.length < 40, change!.key);
    assert.equal(change!.key, `${keyId(longId)}@${Date.UTC(2024, 5, 1, 10)}`);
  });

  test('a long id reported before is UPDATED the next time, as a short one is', () => {
    const first = diffRecords([{ id: longId, u: '2024-06-01T10:00:00.000Z', c: '2024-06-01T10:00:00.000Z' }], resource, { sinceMs: 0, pollStartMs: Date.UTC(2024, 6), seen: new Set() }).changes;
    const again = diffRecords([{ id: longId, u: '2024-06-01T11:00:00.000Z', c: '2024-06-01T10:00:00.000Z' }], resource, { sinceMs: Date.UTC(2024, 5, 1, 10, 0, 0, 1) - 1000, pollStartMs: Date.UTC(2024, 6), seen: new Set(first.map((c) => c.key)) }).changes;
    assert.equal(first[0]!.eventType, 'CREATED');
    assert.equal(again[0]!.eventType, 'UPDATED');
  });
});
