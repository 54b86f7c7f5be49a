// The diff explained (every record decided, with a reason from the fixed vocabulary) and the deletion flag.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeResource, type ResourceConfig } from '../../core/settings';
import { resourceSchema } from '../../core/config';
import { diffRecords, REPORTED_REASONS, SKIPPED_REASONS, type DecisionReason, type DiffContext } from '../../core/diff';
import { buildNotifications } from '../../core/envelope';

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const at = (iso: string): number => Date.parse(iso);

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

const SINCE = at('2024-06-01T10:00:00.000Z');
const POLL_START = at('2024-06-01T10:05:00.000Z');
const ctx = (over: Partial<DiffContext> = {}): DiffContext => ({ sinceMs: SINCE, pollStartMs: POLL_START, seen: new Set(), ...over });
const rec = (id: unknown, updatedAt: unknown, createdAt: unknown = '2024-01-01T00:00:00.000Z', extra: object = {}) => ({ id, updatedAt, createdAt, ...extra });
const explain = { explain: true };

describe('diffRecords explains every record', () => {
  const updated = '2024-06-01T10:01:00.000Z';
  const seenKey = `7@${at(updated)}`;
  const cases: { name: string; records: unknown[]; resource?: ResourceConfig; seen?: string[]; objectId: string; decision: 'reported' | 'skipped'; reason: DecisionReason; detail: RegExp }[] = [
    { name: 'created after since', records: [rec('1', updated, updated)], objectId: '1', decision: 'reported', reason: 'created', detail: /created after since/ },
    { name: 'created before since, updated after', records: [rec('2', updated)], objectId: '2', decision: 'reported', reason: 'updated', detail: /updatedAt 2024-06-01T10:01:00.000Z; created before since/ },
    { name: 'flagged deleted', records: [rec('3', updated, undefined, { deleted: true })], resource: resource({ deletion: { field: 'deleted', value: true } }), objectId: '3', decision: 'reported', reason: 'deleted', detail: /deleted is true/ },
    { name: 'updated before since', records: [rec('4', '2024-06-01T09:59:59.999Z')], objectId: '4', decision: 'skipped', reason: 'not-changed', detail: /updatedAt 2024-06-01T09:59:59.999Z is not after since 2024-06-01T10:00:00.000Z/ },
    { name: 'updated exactly at since', records: [rec('5', '2024-06-01T10:00:00.000Z')], objectId: '5', decision: 'skipped', reason: 'not-changed', detail: /not after since/ },
    { name: 'in the boundary set', records: [rec('7', updated)], seen: [seenKey], objectId: '7', decision: 'skipped', reason: 'already-reported', detail: /earlier poll \(boundary set\)/ },
    {
      name: 'after the poll start, with filterByCurrentDate',
      records: [rec('8', '2024-06-01T10:05:00.001Z')],
      resource: resource({ filterByCurrentDate: true }),
      objectId: '8',
      decision: 'skipped',
      reason: 'after-poll-start',
      detail: /after the poll start 2024-06-01T10:05:00.000Z/,
    },
    { name: 'a problem record without an id, first seen', records: [rec(undefined, updated)], objectId: '', decision: 'reported', reason: 'updated', detail: /problem record \(id is missing\)/ },
  ];
  for (const c of cases) {
    test(`${c.decision} ${c.reason}: ${c.name}`, () => {
      const r = diffRecords(c.records, c.resource ?? resource(), ctx({ seen: new Set(c.seen ?? []) }), explain);
      assert.equal(r.decisions?.length, 1);
      const [d] = r.decisions!;
      assert.equal(d!.objectId, c.objectId);
      assert.equal(d!.decision, c.decision);
      assert.equal(d!.reason, c.reason);
      assert.match(d!.detail, c.detail);
    });
  }

  test('a problem record is reported once; seen again it is skipped as no-id or bad-date', () => {
    const noId = rec(undefined, '2024-06-01T10:01:00.000Z');
    const badDate = rec('9', 'yesterday');
    const first = diffRecords([noId, badDate], resource(), ctx(), explain);
    assert.deepEqual(first.decisions!.map((d) => `${d.decision}:${d.reason}`), ['reported:updated', 'reported:updated']);
    const seen = new Set(first.changes.map((c) => c.key));
    const again = diffRecords([noId, badDate], resource(), ctx({ seen }), explain);
    assert.deepEqual(again.changes, []);
    assert.deepEqual(again.decisions!.map((d) => `${d.objectId}:${d.decision}:${d.reason}`), [':skipped:no-id', '9:skipped:bad-date']);
    assert.match(again.decisions![1]!.detail, /updatedAt "yesterday" does not parse/);
  });

  test('the same change twice in one read: the second is already-reported', () => {
    const r = diffRecords([rec('1', '2024-06-01T10:01:00.000Z'), rec('1', '2024-06-01T10:01:00.000Z')], resource(), ctx(), explain);
    assert.deepEqual(r.decisions!.map((d) => d.reason), ['updated', 'already-reported']);
    assert.match(r.decisions![1]!.detail, /came twice in this read/);
  });

  test('without explain, no decisions are built', () => {
    assert.equal(diffRecords([rec('1', '2024-06-01T10:01:00.000Z')], resource(), ctx()).decisions, undefined);
  });

  test('the vocabulary is the fixed one', () => {
    assert.deepEqual([...REPORTED_REASONS], ['created', 'updated', 'deleted']);
    assert.deepEqual([...SKIPPED_REASONS], ['not-changed', 'already-reported', 'after-poll-start', 'no-id', 'bad-date', 'filtered']);
  });
});

describe('diffRecords: a deletion flag', () => {
  const flagged = (value: unknown, field = 'deleted') => resource({ deletion: { field, value } });
  const cases: [name: string, res: ResourceConfig, record: object, eventType: string][] = [
    ['the field equals the value: DELETED', flagged(true), { deleted: true }, 'DELETED'],
    ['the field holds another value: CREATED/UPDATED as usual', flagged(true), { deleted: false }, 'UPDATED'],
    ['the field is missing', flagged(true), {}, 'UPDATED'],
    ['compared as JSON values: "true" is not true', flagged(true), { deleted: 'true' }, 'UPDATED'],
    ['a string value', flagged('Deleted', 'status'), { status: 'Deleted' }, 'DELETED'],
    ['a number value', flagged(1, 'state'), { state: 1 }, 'DELETED'],
    ['null matches an explicit null only', flagged(null, 'active'), { active: null }, 'DELETED'],
    ['null does not match a missing field', flagged(null, 'active'), {}, 'UPDATED'],
    ['a nested path', flagged(true, '_info.deletedFlag'), { _info: { deletedFlag: true } }, 'DELETED'],
    ['instead of CREATED', flagged(true), { deleted: true, createdAt: '2024-06-01T10:00:30.000Z' }, 'DELETED'],
  ];
  for (const [name, res, extra, eventType] of cases) {
    test(name, () => {
      const [change] = diffRecords([rec('1', '2024-06-01T10:01:00.000Z', undefined, extra)], res, ctx()).changes;
      assert.equal(change?.eventType, eventType);
    });
  }

  test('the event is dated with the record’s updated date (the deletion’s), keyed and batched like any event', () => {
    const record = rec('1', '2024-06-01T10:02:03.456Z', undefined, { deleted: true });
    const { changes } = diffRecords([record], flagged(true), ctx());
    assert.equal(changes[0]!.key, `1@${at('2024-06-01T10:02:03.456Z')}`);
    const [notification] = buildNotifications({ id: 1, name: 'n', tags: [], elementKey: 'http', hubKey: 'general' }, 'contacts', POLL_START, changes);
    assert.deepEqual(notification!.message.events.map((e) => [e.eventType, e.objectId, e.date]), [['DELETED', '1', '2024-06-01T10:02:03Z']]);
    assert.deepEqual((notification!.message.raw as Record<string, unknown>).contacts, [record]);
  });

  test('a flagged record already reported at that date is not reported again', () => {
    const record = rec('1', '2024-06-01T10:02:03.456Z', undefined, { deleted: true });
    const first = diffRecords([record], flagged(true), ctx());
    const again = diffRecords([record], flagged(true), ctx({ seen: new Set(first.changes.map((c) => c.key)) }), explain);
    assert.deepEqual(again.changes, []);
    assert.equal(again.decisions![0]!.reason, 'already-reported');
  });

  test('a flagged problem record is DELETED too', () => {
    const { changes, problems } = diffRecords([rec('1', 'not a date', undefined, { deleted: true })], flagged(true), ctx());
    assert.equal(changes[0]!.eventType, 'DELETED');
    assert.equal(problems.length, 1);
  });
});

describe('diffRecords: explaining changes nothing', () => {
  const dates = ['2024-06-01T09:59:00.000Z', '2024-06-01T10:00:00.000Z', '2024-06-01T10:01:00.000Z', '2024-06-01T10:06:00.000Z', 'garbage'];
  const arbRecord = fc.record({
    id: fc.oneof(fc.constantFrom('1', '2', '3', ''), fc.constant(undefined)),
    updatedAt: fc.constantFrom(...dates),
    createdAt: fc.constantFrom(...dates),
    deleted: fc.boolean(),
  });
  const arbResource = fc.record({ filterByCurrentDate: fc.boolean(), flag: fc.boolean(), idField: fc.constantFrom('id', '') }).map((o) =>
    resource({ filterByCurrentDate: o.filterByCurrentDate, idField: o.idField, ...(o.flag ? { deletion: { field: 'deleted', value: true } } : {}) }),
  );

  test('one decision per record; the reported ones are the changes, in order, with their event type; the skipped ones are counted', () => {
    fc.assert(
      fc.property(fc.array(arbRecord, { maxLength: 12 }), arbResource, fc.subarray(['1@' + at(dates[2]!), '2@' + at(dates[2]!)]), (records, res, seen) => {
        const plain = diffRecords(records, res, ctx({ seen: new Set(seen) }));
        const explained = diffRecords(records, res, ctx({ seen: new Set(seen) }), explain);
        const { decisions: explainedDecisions, ...rest } = explained;
        assert.deepEqual(rest, plain);
        const decisions = explainedDecisions!;
        assert.equal(decisions.length, records.length);
        const reported = decisions.filter((d) => d.decision === 'reported');
        assert.deepEqual(reported.map((d) => [d.objectId, d.reason]), plain.changes.map((c) => [c.objectId, c.eventType.toLowerCase()]));
        assert.equal(decisions.length - reported.length, plain.skipped);
        for (const d of decisions) {
          const vocabulary: readonly string[] = d.decision === 'reported' ? REPORTED_REASONS : SKIPPED_REASONS;
          assert.ok(vocabulary.includes(d.reason), `${d.decision} ${d.reason}`);
          assert.ok(d.detail.length > 0);
        }
      }),
    );
  });
});
