// The console's datetime-local values and instants (console/localInstant.js, plain browser JavaScript run here in
// Node): read in the browser's zone, refused when the wall time does not exist, and read back to the same second.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

// Local time is the browser's: a zone with a half-hour offset and no DST.
process.env.TZ = 'Asia/Kolkata';

const { localToIso, isoToLocal } = (await import(new URL('../../console/localInstant.js', import.meta.url).href)) as {
  localToIso(value: string): string | undefined;
  isoToLocal(instant: string | number): string;
};

describe('localToIso', () => {
  const cases: [string, string | undefined][] = [
    ['2026-12-07T10:15', '2026-12-07T04:45:00.000Z'],
    ['2026-12-07T10:15:30', '2026-12-07T04:45:30.000Z'],
    ['2026-12-07T10:15:30.5', '2026-12-07T04:45:30.500Z'],
    ['2026-12-07T00:00', '2026-12-06T18:30:00.000Z'],
    ['', undefined],
    ['2026-11-31T10:00', undefined],
    ['2026-02-29T10:00', undefined],
    ['2026-12-07 10:15', undefined],
    ['yesterday', undefined],
  ];
  for (const [value, expected] of cases) test(`'${value}' → ${expected}`, () => assert.equal(localToIso(value), expected));
});

describe('isoToLocal', () => {
  test('an instant as local wall time to the second; nothing for an unreadable one', () => {
    assert.equal(isoToLocal('2026-12-06T18:30:00.900Z'), '2026-12-07T00:00:00');
    assert.equal(isoToLocal('never'), '');
  });
  test('read back, any instant is the same second', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        assert.equal(localToIso(isoToLocal(ms)), new Date(Math.floor(ms / 1000) * 1000).toISOString());
      }),
    );
  });
});
