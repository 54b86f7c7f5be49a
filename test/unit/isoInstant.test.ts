import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { offsetInstantMs, parseIsoDateTime } from '../../core/isoInstant';

const cases: [text: string, expected: { ms?: number; fraction?: string; hasTime?: boolean; offset?: number } | undefined][] = [
  ['2024-01-15T12:00:00Z', { ms: Date.UTC(2024, 0, 15, 12), fraction: '', hasTime: true, offset: 0 }],
  ['2024-01-15T12:00:00.123Z', { ms: Date.UTC(2024, 0, 15, 12, 0, 0, 123), fraction: '123' }],
  ['2024-01-15T12:00:00.1234567+00:00', { ms: Date.UTC(2024, 0, 15, 12, 0, 0, 123), fraction: '1234567' }],
  ['2024-01-15 13:00:00,5+0100', { ms: Date.UTC(2024, 0, 15, 12, 0, 0, 500), offset: 60 }],
  ['2024-01-15T07:00-05', { ms: Date.UTC(2024, 0, 15, 12), offset: -300 }],
  ['2024-01-15T12:00:00z', { ms: Date.UTC(2024, 0, 15, 12) }],
  ['2024-01-15T12:00:00', { hasTime: true, offset: undefined }], // a local time: no offset
  ['2024-01-15', { hasTime: false, offset: undefined }],
  ['  2024-01-15T12:00:00Z ', { ms: Date.UTC(2024, 0, 15, 12) }],
  ['0099-01-01T00:00:00Z', { ms: Date.parse('0099-01-01T00:00:00Z') }], // years 0-99 stay literal
  ['2023-02-29T00:00:00Z', undefined], // not rolled over into March
  ['2024-01-15T24:00:00Z', undefined],
  ['2024-01-15T12:60:00Z', undefined],
  ['2024-01-15T12:00:00+24:00', undefined],
  ['2024-01-15T12:00:00+05:60', undefined],
  ['2024-01-15T12:00:00 Z', undefined],
  ['2024-1-15T12:00:00Z', undefined],
  ['15/01/2024', undefined],
  ['', undefined],
];

for (const [text, expected] of cases) {
  test(`${JSON.stringify(text)}`, () => {
    const d = parseIsoDateTime(text);
    if (expected === undefined) return assert.equal(d, undefined);
    assert.ok(d);
    if ('offset' in expected) assert.equal(d.offsetMinutes, expected.offset);
    if (expected.fraction !== undefined) assert.equal(d.fraction, expected.fraction);
    if (expected.hasTime !== undefined) assert.equal(d.hasTime, expected.hasTime);
    if (expected.ms !== undefined) assert.equal(offsetInstantMs({ ...d, offsetMinutes: d.offsetMinutes! }), expected.ms);
  });
}

test('property: every instant written by toISOString, or with an offset, reads back to itself', () => {
  const instant = fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) });
  const offset = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });
  fc.assert(
    fc.property(instant, offset, (ms, off) => {
      const z = parseIsoDateTime(new Date(ms).toISOString())!;
      assert.equal(offsetInstantMs({ ...z, offsetMinutes: z.offsetMinutes! }), ms);
      const local = new Date(ms + off * 60_000).toISOString().slice(0, -1);
      const sign = off < 0 ? '-' : '+';
      const a = Math.abs(off);
      const text = `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
      const d = parseIsoDateTime(text)!;
      assert.equal(offsetInstantMs({ ...d, offsetMinutes: d.offsetMinutes! }), ms, text);
    }),
  );
});
