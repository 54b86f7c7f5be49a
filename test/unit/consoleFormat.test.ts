// The console's words and times (console/format.js, plain browser JavaScript run here in Node):
// plurals, and times shown as wall time with their zone, read back to the same instant.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

// Local time is the browser's: here, a zone with a half-hour offset and no DST, then one with DST.
process.env.TZ = 'Asia/Kolkata';

/** The console's modules are untyped browser files: loaded by URL and typed here. */
const { plural, zoneLabel, formatAt, formatLocal, relative, waitsOf, durationText } = (await import(new URL('../../console/format.js', import.meta.url).href)) as {
  plural(n: number | string, one: string, other?: string): string;
  durationText(ms: number): string;
  waitsOf(d: Record<string, unknown>): string[];
  zoneLabel(offsetMinutes: number): string;
  formatAt(epochMs: number, offsetMinutes: number): string;
  formatLocal(date: Date): string;
  relative(date: Date, now?: number): string;
};

/** The shown text as an ISO-8601 instant: "2026-12-07 01:15:04 UTC+05:30" → "2026-12-07T01:15:04+05:30". */
const toIso = (text: string): string => {
  const m = /^([+-]?\d{4,6}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC(?:([+-]\d\d:\d\d))?$/.exec(text);
  assert.ok(m, `"${text}" has the form date time zone`);
  return `${m[1]}T${m[2]}${m[3] ?? 'Z'}`;
};

describe('plural', () => {
  const cases: [number | string, string, string | undefined, string][] = [
    [0, 'record', undefined, '0 records'],
    [1, 'record', undefined, '1 record'],
    [2, 'record', undefined, '2 records'],
    [1, 'event', undefined, '1 event'],
    [1, 'delivery', 'deliveries', '1 delivery'],
    [3, 'delivery', 'deliveries', '3 deliveries'],
    ['1', 'minute', undefined, '1 minute'],
    ['0.05', 'minute', undefined, '0.05 minutes'],
    ['15', 'minute', undefined, '15 minutes'],
  ];
  for (const [n, one, other, expected] of cases) {
    test(`${n} ${one} → ${expected}`, () => assert.equal(plural(n, one, other), expected));
  }

  test('singular for exactly one, plural for every other count', () => {
    fc.assert(fc.property(fc.nat(), (n) => {
      assert.equal(plural(n, 'event'), n === 1 ? '1 event' : `${n} events`);
    }));
  });
});

describe('times with their zone', () => {
  const t = Date.UTC(2026, 11, 6, 19, 45, 4, 321);
  const cases: [number, number, string][] = [
    [t, 0, '2026-12-06 19:45:04 UTC'],
    [t, 330, '2026-12-07 01:15:04 UTC+05:30'],
    [t, -480, '2026-12-06 11:45:04 UTC-08:00'],
    [t, 345, '2026-12-07 01:30:04 UTC+05:45'],
    [t, -210, '2026-12-06 16:15:04 UTC-03:30'],
    [Date.UTC(2026, 0, 1, 0, 0, 0), 840, '2026-01-01 14:00:00 UTC+14:00'],
    [Date.UTC(2026, 0, 1, 0, 0, 0), -1, '2025-12-31 23:59:00 UTC-00:01'],
  ];
  for (const [epoch, offset, expected] of cases) {
    test(`${new Date(epoch).toISOString()} at ${offset} min → ${expected}`, () => assert.equal(formatAt(epoch, offset), expected));
  }

  test('zone labels', () => {
    assert.equal(zoneLabel(0), 'UTC');
    assert.equal(zoneLabel(60), 'UTC+01:00');
    assert.equal(zoneLabel(-570), 'UTC-09:30');
  });

  test('the text, read back with its zone, is the same instant (to the second), for any instant and offset', () => {
    const instant = fc.integer({ min: Date.parse('0001-01-02T00:00:00Z'), max: Date.parse('9999-12-30T00:00:00Z') });
    const offset = fc.integer({ min: -12 * 60, max: 14 * 60 });
    fc.assert(fc.property(instant, offset, (epoch, minutes) => {
      const text = formatAt(epoch, minutes);
      assert.equal(Date.parse(toIso(text)), epoch - (((epoch % 1000) + 1000) % 1000), text);
    }), { numRuns: 500 });
  });

  test("local time carries the browser's offset in force at that instant", () => {
    assert.equal(formatLocal(new Date(t)), '2026-12-07 01:15:04 UTC+05:30');
    process.env.TZ = 'America/New_York';
    try {
      assert.equal(formatLocal(new Date(Date.UTC(2026, 0, 15, 12, 0, 0))), '2026-01-15 07:00:00 UTC-05:00', 'winter');
      assert.equal(formatLocal(new Date(Date.UTC(2026, 6, 15, 12, 0, 0))), '2026-07-15 08:00:00 UTC-04:00', 'summer time');
    } finally {
      process.env.TZ = 'Asia/Kolkata';
    }
  });
});

describe('relative', () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  const cases: [number, string][] = [
    [0, 'just now'],
    [-2_000, 'just now'],
    [14_000, 'in 14 s'],
    [-180_000, '3 min ago'],
    [-2 * 3_600_000, '2 h ago'],
    [3 * 86_400_000, 'in 3 d'],
  ];
  for (const [delta, expected] of cases) {
    test(`${delta} ms → ${expected}`, () => assert.equal(relative(new Date(now + delta), now), expected));
  }
});

describe('what a pending delivery waits for', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{}, []],
    [{ waitingBehind: '5800ad856166d2f1c2b7e0a9a1b2c3d4' }, ['behind 5800ad856166…']],
    [{ rateLimited: 5, rateLimitedWaits: 1 }, ['paced at 5/s', 'waited 1 time for the rate limit']],
    [{ waitingBehind: 'abcdefabcdefabcd', retryAfterWaits: 2 }, ['behind abcdefabcdef…', 'waited 2 times for a Retry-After']],
  ];
  for (const [view, words] of cases) {
    test(JSON.stringify(view), () => assert.deepEqual(waitsOf(view), words));
  }
});

describe('durations (a settle pass’s lateness)', () => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [850, '850 ms'],
    [999.6, '1 s'],
    [1000, '1 s'],
    [1234, '1.2 s'],
    [42_400, '42 s'],
    [210_000, '3.5 min'],
    [7_560_000, '2.1 h'],
    [-1, '—'],
    [Number.NaN, '—'],
  ];
  for (const [ms, text] of cases) test(`${ms} ms → ${text}`, () => assert.equal(durationText(ms), text));
});
