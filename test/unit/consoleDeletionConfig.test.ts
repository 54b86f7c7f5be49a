// A resource's deletion and settleDelay as the console's form controls show them (console/deletionConfig.js, plain
// browser JavaScript run here in Node), and back: by table, and as properties of every value the controls can write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resourceSchema } from '../../core/config';

type Controls = { mode: string; settleDelay: string; fields: Record<string, string> };
type Resource = Record<string, unknown>;

/** The console's modules are untyped browser files: loaded by URL and typed here. */
const { modeOf, valueFromText, valueText, controlsOf, withDeletion, describeDeletion, startingFields } = (await import(new URL('../../console/deletionConfig.js', import.meta.url).href)) as {
  modeOf(deletion: unknown): string;
  valueFromText(text: string): unknown;
  valueText(value: unknown): string;
  controlsOf(resource: unknown): Controls;
  withDeletion(resource: unknown, controls: Omit<Controls, 'settleDelay'> & { settleDelay?: string }): Resource;
  describeDeletion(resource: unknown): string;
  startingFields(mode: string, resource: unknown): Record<string, string>;
};

const base: Resource = { url: '/contacts?since=${gmtDate:yyyy-MM-dd}', idField: 'contactId', pageSize: 50 };

describe('a resource written by the controls', () => {
  const cases: [string, Controls, Resource][] = [
    ['no deletion, no settle', { mode: 'none', settleDelay: '', fields: {} }, base],
    ['a flag', { mode: 'flag', settleDelay: '', fields: { field: 'deletedFlag', value: 'true' } }, { ...base, deletion: { field: 'deletedFlag', value: true } }],
    ['a flag whose value is the text "true"', { mode: 'flag', settleDelay: '', fields: { field: 'state', value: '"true"' } }, { ...base, deletion: { field: 'state', value: 'true' } }],
    ['a flag with text', { mode: 'flag', settleDelay: '', fields: { field: 'status', value: 'Deleted' } }, { ...base, deletion: { field: 'status', value: 'Deleted' } }],
    ['a flag with null', { mode: 'flag', settleDelay: '', fields: { field: 'deletedAt', value: 'null' } }, { ...base, deletion: { field: 'deletedAt', value: null } }],
    ['tombstones without a date', { mode: 'tombstones', settleDelay: '', fields: { url: '/deleted', idField: 'id', dateField: '', dateFormat: '', dateTimezone: '' } }, { ...base, deletion: { url: '/deleted', idField: 'id' } }],
    [
      'tombstones with a date',
      { mode: 'tombstones', settleDelay: '', fields: { url: '/deleted', idField: 'id', dateField: 'deletedAt', dateFormat: 'yyyy-MM-dd', dateTimezone: 'Europe/Paris' } },
      { ...base, deletion: { url: '/deleted', idField: 'id', dateField: 'deletedAt', dateFormat: 'yyyy-MM-dd', dateTimezone: 'Europe/Paris' } },
    ],
    ['a scan and a settle delay', { mode: 'scan', settleDelay: '5', fields: { url: '/contacts/ids', idField: 'id', every: '0.05' } }, { ...base, deletion: { scan: { url: '/contacts/ids', idField: 'id', every: 0.05 } }, settleDelay: 5 }],
    ['a scan every "soon": left for the API to name', { mode: 'scan', settleDelay: ' 2.5 ', fields: { url: '/ids', idField: 'id', every: 'soon' } }, { ...base, deletion: { scan: { url: '/ids', idField: 'id', every: 'soon' } }, settleDelay: 2.5 }],
  ];
  for (const [name, controls, expected] of cases) {
    test(name, () => {
      const written = withDeletion({ ...base, deletion: { field: 'old', value: 1 }, settleDelay: 9 }, controls);
      assert.deepEqual(written, expected);
      assert.deepEqual(controlsOf(written).mode, controls.mode);
    });
  }

  test('keys the controls do not own are kept, in the same form too', () => {
    const resource = { ...base, deletion: { scan: { url: '/ids', idField: 'id', every: 1, extra: 'x' }, note: 'y' } };
    assert.deepEqual(withDeletion(resource, { mode: 'scan', settleDelay: '', fields: { url: '/ids2', idField: 'id', every: '2' } }), { ...base, deletion: { scan: { url: '/ids2', idField: 'id', every: 2, extra: 'x' }, note: 'y' } });
  });

  test('a deletion of no known form is shown as "other" and left as written', () => {
    const resource = { ...base, deletion: { kind: 'magic' } };
    assert.equal(controlsOf(resource).mode, 'other');
    assert.deepEqual(withDeletion(resource, { mode: 'other', settleDelay: '3', fields: {} }), { ...resource, settleDelay: 3 });
    assert.equal(describeDeletion(resource), 'deletion as written in the code view');
  });
});

describe('modes, summaries and starting values', () => {
  const modes: [unknown, string][] = [[undefined, 'none'], ['x', 'other'], [{ field: 'f', value: 1 }, 'flag'], [{ url: '/d', idField: 'id' }, 'tombstones'], [{ scan: {} }, 'scan'], [{}, 'other']];
  for (const [deletion, mode] of modes) test(`${JSON.stringify(deletion)} is ${mode}`, () => assert.equal(modeOf(deletion), mode));

  const summaries: [Resource, string][] = [
    [base, 'none'],
    [{ ...base, settleDelay: 900 }, 'settle 900 s'],
    [{ ...base, deletion: { scan: { url: '/ids', idField: 'id', every: 0.05 } }, settleDelay: 5 }, 'id scan every 0.05 min; settle 5 s'],
    [{ ...base, deletion: { field: 'deletedFlag', value: true } }, 'flag deletedFlag = true'],
    [{ ...base, deletion: { url: '/deleted', idField: 'id' } }, 'tombstones list'],
  ];
  for (const [resource, text] of summaries) test(`summary: ${text}`, () => assert.equal(describeDeletion(resource), text));

  test('a new scan or tombstones list starts with the resource’s id field', () => {
    assert.equal(startingFields('scan', base).idField, 'contactId');
    assert.equal(startingFields('tombstones', base).idField, 'contactId');
    assert.equal(startingFields('scan', {}).idField, 'id');
  });
});

describe('properties', () => {
  const flagValue = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());

  test('a flag value typed back reads as the same JSON value', () => {
    fc.assert(fc.property(flagValue, (v) => assert.deepEqual(valueFromText(valueText(v)), typeof v === 'number' ? JSON.parse(JSON.stringify(v)) : v)));
  });

  const text = fc.string({ minLength: 1 }).filter((s) => s.trim() === s);
  const controls = fc.oneof(
    fc.record({ mode: fc.constant('none'), fields: fc.constant({}) }),
    fc.record({ mode: fc.constant('flag'), fields: fc.record({ field: text, value: fc.string() }) }),
    fc.record({ mode: fc.constant('tombstones'), fields: fc.record({ url: text, idField: text, dateField: fc.string(), dateFormat: fc.string(), dateTimezone: fc.string() }) }),
    fc.record({ mode: fc.constant('scan'), fields: fc.record({ url: text, idField: text, every: fc.double({ min: 0.02, max: 1000, noNaN: true }).map(String) }) }),
  );
  const settle = fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 3600 }).map(String));

  test('what the controls write, read back, writes the same resource again', () => {
    fc.assert(
      fc.property(controls, settle, (c, settleDelay) => {
        const once = withDeletion(base, { ...c, settleDelay });
        const twice = withDeletion(once, controlsOf(once));
        assert.deepEqual(twice, once);
        assert.equal(controlsOf(once).mode, c.mode);
        assert.equal(controlsOf(once).settleDelay, settleDelay);
      }),
    );
  });

  test('the resource keeps every key the controls do not own', () => {
    fc.assert(
      fc.property(controls, settle, (c, settleDelay) => {
        const { deletion: _d, settleDelay: _s, ...rest } = withDeletion(base, { ...c, settleDelay });
        assert.deepEqual(rest, base);
      }),
    );
  });

  test('a scan with a number of minutes and a settle delay as the controls write them passes the API’s check', () => {
    fc.assert(
      fc.property(fc.double({ min: 1 / 60, max: 1000, noNaN: true }), fc.integer({ min: 1, max: 3600 }), (every, seconds) => {
        const resource = withDeletion({ url: '/contacts', idField: 'id' }, { mode: 'scan', fields: { url: '/contacts/ids', idField: 'id', every: String(every) }, settleDelay: String(seconds) });
        assert.ok(resourceSchema.safeParse(resource).success, JSON.stringify(resource));
      }),
    );
  });
});
