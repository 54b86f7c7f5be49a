import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { getPath, parseJsonPath } from '../../core/jsonPath';

describe('parseJsonPath: dotted, bracketed and mixed steps', () => {
  const cases: [path: string, steps: string[]][] = [
    ['id', ['id']],
    ['_info.lastUpdated', ['_info', 'lastUpdated']],
    ['properties.lastmodifieddate.value', ['properties', 'lastmodifieddate', 'value']],
    ["['Modified Time']", ['Modified Time']],
    ['["Modified Time"]', ['Modified Time']],
    ["data['Modified Time'].value", ['data', 'Modified Time', 'value']],
    ['items[0].id', ['items', '0', 'id']],
    ['items[ 12 ]', ['items', '12']],
    ["['a.b']", ['a.b']],
    ["['it\\'s']", ["it's"]],
    ['["say \\"hi\\""]', ['say "hi"']],
    ['$.user.id', ['user', 'id']],
    ["$['user'].id", ['user', 'id']],
    ['$', []],
    ['  user . id  ', ['user', 'id']],
    ['a..b', ['a', 'b']],
    ['', []],
    ['$key', ['$key']], // Sage CRM's SData key is a plain key that starts with '$'
  ];
  for (const [path, steps] of cases) {
    test(JSON.stringify(path), () => assert.deepEqual(parseJsonPath(path), steps));
  }
});

describe('getPath: exact match first, then case-insensitive', () => {
  const record = {
    id: 7,
    key: 'Comp-1',
    Key: 'upper',
    _info: { lastUpdated: '2024-06-01T10:00:00Z', dateEntered: '2024-05-01T10:00:00Z' },
    Lead_CreatedDate: '2024-01-01T00:00:00Z',
    'Modified Time': '2024-06-01 10:00:00',
    'Comp.Id': 'dotted-key',
    items: [{ id: 'a' }, { id: 'b' }],
    user: { id: 0, updated_at: null },
    flag: false,
    empty: '',
    $key: 'sdata',
  };
  const cases: [path: string, expected: unknown][] = [
    ['id', 7],
    ['key', 'Comp-1'], // exact wins over the case-insensitive "Key"
    ['Key', 'upper'],
    ['KEY', 'Comp-1'], // no exact match: the first key equal ignoring case, in key order
    ['_info.lastUpdated', '2024-06-01T10:00:00Z'],
    ['_INFO.LASTUPDATED', '2024-06-01T10:00:00Z'],
    ['lead_createddate', '2024-01-01T00:00:00Z'], // Sage CRM's lowercase default for leads
    ["['Modified Time']", '2024-06-01 10:00:00'],
    ["['modified time']", '2024-06-01 10:00:00'],
    ["['Comp.Id']", 'dotted-key'],
    ['Comp.Id', 'dotted-key'], // a dotted key written without brackets still resolves
    ['items[1].id', 'b'],
    ['items.0.id', 'a'],
    ['items[5].id', undefined],
    ['user.id', 0], // falsy values are values
    ['user.updated_at', null],
    ['flag', false],
    ['empty', ''],
    ['$key', 'sdata'],
    ['missing', undefined],
    ['id.deeper', undefined], // stepping into a number
    ['user.id.x', undefined],
    ['constructor', undefined], // only own properties
    ['__proto__', undefined],
    ['toString', undefined],
    ['items.length', 2], // an array's own property
  ];
  for (const [path, expected] of cases) {
    test(`${path} → ${JSON.stringify(expected)}`, () => assert.deepEqual(getPath(record, path), expected));
  }

  test('the empty path is the value itself; non-objects have no children', () => {
    assert.equal(getPath(record, ''), record);
    assert.equal(getPath(null, 'a'), undefined);
    assert.equal(getPath('text', 'length'), undefined);
    assert.equal(getPath(undefined, ''), undefined);
  });

  test('a JSON-parsed "__proto__" key is an own property and is found', () => {
    const parsed = JSON.parse('{"__proto__": {"id": 1}}');
    assert.deepEqual(getPath(parsed, '__proto__.id'), 1);
  });

  test('property: every key of a flat object is found by its bracketed and (if plain) dotted path', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.integer()), (obj) => {
        for (const [k, v] of Object.entries(obj)) {
          const bracketed = `['${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
          assert.equal(getPath(obj, bracketed), v, bracketed);
          if (/^[A-Za-z_][\w]*$/.test(k)) assert.equal(getPath(obj, k), v, k);
        }
      }),
    );
  });

  test('property: nested paths built from random plain keys resolve to the leaf', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 5 }), fc.anything(), (keys, leaf) => {
        let obj: unknown = leaf;
        for (const k of [...keys].reverse()) obj = { [k]: obj };
        assert.deepEqual(getPath(obj, keys.join('.')), leaf);
        assert.deepEqual(getPath(obj, keys.map((k) => `['${k}']`).join('')), leaf);
        assert.deepEqual(getPath(obj, keys.join('.').toUpperCase()), leaf);
      }),
    );
  });
});

describe('getPath: one precedence rule for dotted keys (the diff and CEQL share it)', () => {
  const cases: [record: Record<string, unknown>, path: string, expected: unknown, why: string][] = [
    [{ 'a.b': 1, a: { b: 2 } }, 'a.b', 1, 'the whole key written exactly wins over descending'],
    [{ 'A.B': 1, a: { b: 2 } }, 'a.b', 2, 'an exact descent wins over the whole key ignoring case'],
    [{ 'a.b': 1, A: { B: 2 } }, 'a.b', 1, 'the exact whole key wins over a case-insensitive descent'],
    [{ 'A.B': 1, A: { B: 2 } }, 'a.b', 2, 'neither exact: descending (ignoring case) before the whole key'],
    [{ 'A.B': 1 }, 'a.b', 1, 'the whole key ignoring case, when nothing else resolves'],
    [{ a: { 'b.c': 3 } }, "a['b.c']", 3, 'brackets reach a dotted key below the top'],
    [{ a: { b: 2 } }, "['a.b']", undefined, 'a bracketed step is one key, never split'],
  ];
  for (const [record, path, expected, why] of cases) {
    test(`${why}: ${path} in ${JSON.stringify(record)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(getPath(record, path), expected));
  }
});
