// Where a dry run reads each resource from, and the one-line verdict of the record explain call: pure, table-driven.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceTargets, newInstanceTargets } from '../../api/dryRun/targets';
import { verdict } from '../../api/explain/verdict';
import { ApiError } from '../../api/errors';
import { normalizeResource, type PollerSettings } from '../../core/settings';
import type { DryRunResource } from '../../source/answer';

const MIN = 60_000;
const NOW = Date.parse('2024-06-01T12:00:00.000Z');

function settings(over: Partial<PollerSettings> = {}, delays: Record<string, number> = { contacts: 0, leads: 30 }): PollerSettings {
  return {
    enabled: true,
    refreshIntervalMs: 15 * MIN,
    resources: Object.fromEntries(Object.entries(delays).map(([name, pollDelay]) => [name, normalizeResource({ url: `/${name}`, idField: 'id', pollDelay })])),
    ...over,
  };
}

describe('newInstanceTargets: one refresh interval back, or event.poller.since; pollDelay subtracted; nothing reported yet', () => {
  const cases: [name: string, s: PollerSettings, expected: Record<string, number>][] = [
    ['one interval back', settings(), { contacts: NOW - 15 * MIN, leads: NOW - 15 * MIN - 30_000 }],
    ['event.poller.since', settings({ sinceMs: Date.parse('2024-01-01T00:00:00Z') }), { contacts: Date.parse('2024-01-01T00:00:00Z'), leads: Date.parse('2024-01-01T00:00:00Z') - 30_000 }],
    ['a one-second interval', settings({ refreshIntervalMs: 1000 }), { contacts: NOW - 1000, leads: NOW - 1000 - 30_000 }],
  ];
  for (const [name, s, expected] of cases) {
    test(name, () => {
      const targets = newInstanceTargets(s, NOW);
      assert.deepEqual(Object.fromEntries(targets.map((t) => [t.name, t.sinceMs])), expected);
      assert.ok(targets.every((t) => t.boundary.length === 0));
    });
  }
});

describe('instanceTargets: where the next poll starts', () => {
  const position = { resources: { contacts: { checkpointMs: NOW - MIN, boundary: ['7@1'] } }, enabledAtMs: NOW - 60 * MIN };
  test('a polled resource from its checkpoint and boundary set; one not polled yet from events enabled (or since)', () => {
    const targets = instanceTargets(settings(), position);
    assert.deepEqual(targets.map((t) => [t.name, t.sinceMs, t.boundary]), [
      ['contacts', NOW - MIN, ['7@1']],
      ['leads', NOW - 60 * MIN - 30_000, []],
    ]);
    const withSince = instanceTargets(settings({ sinceMs: NOW - 5 * MIN }), position);
    assert.equal(withSince[1]!.sinceMs, NOW - 5 * MIN - 30_000, 'event.poller.since for a resource without a checkpoint');
    assert.equal(withSince[0]!.sinceMs, NOW - MIN, 'a checkpoint wins over since');
  });

  test('named resources, in the order configured', () => {
    assert.deepEqual(instanceTargets(settings(), position, ['leads']).map((t) => t.name), ['leads']);
    assert.deepEqual(instanceTargets(settings(), position, ['leads', 'contacts']).map((t) => t.name), ['contacts', 'leads']);
  });

  test('a name the instance does not poll is a 400 at its index', () => {
    assert.throws(
      () => instanceTargets(settings(), position, ['contacts', 'deals', '__proto__']),
      (e: unknown) => e instanceof ApiError && e.statusCode === 400 && JSON.stringify(e.issues?.map((i) => i.path)) === JSON.stringify(['resources[1]', 'resources[2]']),
    );
  });
});

describe('verdict: what a poll now would do with an object, in one line', () => {
  const base: DryRunResource = { since: '2024-06-01T11:59:00.000Z', complete: true, requests: [], records: 3, problems: 0, problemDetails: [], events: [], decisions: [], reasons: {} };
  const cases: [name: string, now: Partial<DryRunResource>, expected: RegExp][] = [
    ['reported', { decisions: [{ objectId: '7', decision: 'reported', reason: 'updated', detail: 'updatedAt …' }] }, /^reported \(updated\): updatedAt/],
    ['skipped', { decisions: [{ objectId: '7', decision: 'skipped', reason: 'already-reported', detail: 'this change…' }] }, /^skipped \(already-reported\)/],
    ['the last decision wins (the same object on two pages)', { decisions: [{ objectId: '7', decision: 'reported', reason: 'updated', detail: 'a' }, { objectId: '7', decision: 'skipped', reason: 'already-reported', detail: 'b' }] }, /^skipped/],
    ['the provider failed', { error: 'provider answered 500' }, /^not known: the provider failed \(provider answered 500\)/],
    ['cut short', { complete: false }, /^not known: the time limit came before a record with id 7 did/],
    ['not returned', {}, /^not reported: the provider returned no record with id 7 since 2024-06-01T11:59:00.000Z/],
  ];
  for (const [name, now, expected] of cases) test(name, () => assert.match(verdict('7', { ...base, ...now }), expected));
});
