import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CeqlError,
  conjuncts,
  evaluateCeql,
  formatCeql,
  parseCeql,
  type CeqlCmpOp,
  type CeqlExpr,
  type CeqlValue,
} from '../../elements/ceql';
import { getPath } from '../../core/jsonPath';

// Small AST builders keep the tables readable.
const cmp = (field: string, op: CeqlCmpOp, value: CeqlValue): CeqlExpr => ({ kind: 'cmp', field, op, value });
const and = (left: CeqlExpr, right: CeqlExpr): CeqlExpr => ({ kind: 'and', left, right });
const or = (left: CeqlExpr, right: CeqlExpr): CeqlExpr => ({ kind: 'or', left, right });
const inList = (field: string, values: CeqlValue[], negated = false): CeqlExpr => ({ kind: 'in', field, values, negated });
const like = (field: string, pattern: string, negated = false): CeqlExpr => ({ kind: 'like', field, pattern, negated });
const isNull = (field: string, negated = false): CeqlExpr => ({ kind: 'isNull', field, negated });

// Placeholders are rendered for the poll instant 2020-01-01T00:00:00Z in each clause's own mask.
const T = '2020-01-01T00:00:00Z';

/** [source, where, expected AST] */
const PARSE_VECTORS: [string, string, CeqlExpr][] = [
  // Cloud Elements' published poller configurations: every where= clause, placeholders rendered.
  ['§3 ConnectWise contacts / §9.2 incidents, organizations', `lastUpdated>'${T}'`, cmp('lastUpdated', '>', T)],
  ['§4 deals, bare ISO datetime', 'mdate>=2017-02-28T16:11:29-06:00', cmp('mdate', '>=', '2017-02-28T16:11:29-06:00')],
  ['§4 Zoho-style yyyy-MM-dd HH:mm:ss', "update_time >= '2020-01-01 00:00:00'", cmp('update_time', '>=', '2020-01-01 00:00:00')],
  ['§4.5 legacy ${date} as yyyy-MM-ddTHH:mm:ssZ', 'LastModifiedDate>=2020-01-01T00:00:00+0000', cmp('LastModifiedDate', '>=', '2020-01-01T00:00:00+0000')],
  ['§4.5 ShareFile', `lastmodifieddate='${T}'`, cmp('lastmodifieddate', '=', T)],
  ['§4.5 DocuSign', `from_date='${T}'`, cmp('from_date', '=', T)],
  ['§5.1 finance customers, XXX renders Z', `lastModifiedDate>='${T}'`, cmp('lastModifiedDate', '>=', T)],
  ['§5.1 Stripe ${epoch:s}', "created >'1577836800'", cmp('created', '>', '1577836800')],
  ['§5.1 HubSpot ${date} as epoch ms', "lastmodifieddate='1577836800000'", cmp('lastmodifieddate', '=', '1577836800000')],
  [
    '§7.5 queued deliveries',
    "channel='webhook' and status='queued' and config.url= 'https://events.myservice.com/receiver'",
    and(and(cmp('channel', '=', 'webhook'), cmp('status', '=', 'queued')), cmp('config.url', '=', 'https://events.myservice.com/receiver')),
  ],
  ['§7.5 redeliver', "channel='webhook' and status='queued'", and(cmp('channel', '=', 'webhook'), cmp('status', '=', 'queued'))],
  ['§7.6 deliveries list', "channel='webhook'", cmp('channel', '=', 'webhook')],
  ['§8.1 example', "Department!='Procurement'", cmp('Department', '!=', 'Procurement')],
  [
    '§8.1 parentheses',
    "LastModifiedDate>'2018-01-15T00:00:00.000Z' AND (Name='Account Name' OR Industry='Apparel')",
    and(cmp('LastModifiedDate', '>', '2018-01-15T00:00:00.000Z'), or(cmp('Name', '=', 'Account Name'), cmp('Industry', '=', 'Apparel'))),
  ],
  ['§8.1 backticked field', '`metaData.lastUpdateTime` > 2015-01-06T09:31:38-07:00', cmp('metaData.lastUpdateTime', '>', '2015-01-06T09:31:38-07:00')],
  ['§8.1 Zoho single-quoted field', "'Modified Time'>'2020-01-01 00:00:00'", cmp('Modified Time', '>', '2020-01-01 00:00:00')],
  ['§8.1 Sage One pseudo-field', "attributes='created_at,updated_at'", cmp('attributes', '=', 'created_at,updated_at')],
  ['§9.1 Sage CRM accounts', `Comp_UpdatedDate>'${T}'`, cmp('Comp_UpdatedDate', '>', T)],
  ['§9.1 Sage CRM contacts', `Pers_UpdatedDate>'${T}'`, cmp('Pers_UpdatedDate', '>', T)],
  ['§9.1 Sage CRM leads', `Lead_UpdatedDate>'${T}'`, cmp('Lead_UpdatedDate', '>', T)],
  ['§9.1 Sage CRM opportunities', `Oppo_UpdatedDate>'${T}'`, cmp('Oppo_UpdatedDate', '>', T)],
  ['§9.1 Sage CRM users', `User_UpdatedDate>'${T}'`, cmp('User_UpdatedDate', '>', T)],
  [
    '§9.3 Sage One customers',
    `lastModifiedDate>='${T}' and attributes='created_at,updated_at'`,
    and(cmp('lastModifiedDate', '>=', T), cmp('attributes', '=', 'created_at,updated_at')),
  ],
  ['§9.4 Maximizer contacts/companies/addressbook-entries (XXX, UTC)', `LastModifyDate>'${T}'`, cmp('LastModifyDate', '>', T)],
  ['§9.4 Maximizer, ${date} on a UTC-7 server', "LastModifyDate>'2019-12-31T17:00:00-07:00'", cmp('LastModifyDate', '>', '2019-12-31T17:00:00-07:00')],
  // The one SData clause in Sage's examples that is also valid CEQL (%25 URL-decoded).
  ['SData like', "comp_name like 'A%'", like('comp_name', 'A%')],
  // Grammar coverage.
  ['<> operator', "status<>'queued'", cmp('status', '<>', 'queued')],
  ['< and <= with numbers', 'a<1 AND b<=-2.5', and(cmp('a', '<', 1), cmp('b', '<=', -2.5))],
  ['exponent number', 'n = 1e+21', cmp('n', '=', 1e21)],
  ['true/false/null, any case', 'a = TRUE or b = false OR c = Null', or(or(cmp('a', '=', true), cmp('b', '=', false)), cmp('c', '=', null))],
  ['escaped quote', "name = 'O''Brien'", cmp('name', '=', "O'Brien")],
  ['empty string', "name = ''", cmp('name', '=', '')],
  ['double-quoted field', '"Modified Time" <= \'x\'', cmp('Modified Time', '<=', 'x')],
  ['backtick escaped in backticks', '`a``b` = 1', cmp('a`b', '=', 1)],
  ['keyword as quoted field', '`and` = 1', cmp('and', '=', 1)],
  ['nested path', `_info.lastUpdated > '${T}'`, cmp('_info.lastUpdated', '>', T)],
  ['IN', "status IN ('queued', 'retry')", inList('status', ['queued', 'retry'])],
  ['NOT IN, mixed values, no spaces', "status not in('a',1,null,true)", inList('status', ['a', 1, null, true], true)],
  ['LIKE', "name LIKE '%x_%'", like('name', '%x_%')],
  ['NOT LIKE', "name Not Like 'a%'", like('name', 'a%', true)],
  ['IS NULL', 'deleted IS NULL', isNull('deleted')],
  ['IS NOT NULL', 'deleted is not null', isNull('deleted', true)],
  ['AND binds tighter than OR', 'a=1 OR b=2 AND c=3', or(cmp('a', '=', 1), and(cmp('b', '=', 2), cmp('c', '=', 3)))],
  ['AND is left-associative', 'a=1 AND b=2 AND c=3', and(and(cmp('a', '=', 1), cmp('b', '=', 2)), cmp('c', '=', 3))],
  ['parentheses override', '(a=1 OR b=2) AND c=3', and(or(cmp('a', '=', 1), cmp('b', '=', 2)), cmp('c', '=', 3))],
  ['redundant nested parentheses', '((a=1))', cmp('a', '=', 1)],
  ['flexible whitespace', "\n\ta\t=\n'x'\r\nAND(b>2)  ", and(cmp('a', '=', 'x'), cmp('b', '>', 2))],
  ['string after string, no spaces', "a='x'AND b='y'", and(cmp('a', '=', 'x'), cmp('b', '=', 'y'))],
  ['bare non-numeric token is a string', 'code = A-12', cmp('code', '=', 'A-12')],
  ['hex is not a number', 'code = 0x10', cmp('code', '=', '0x10')],
];

/** [source, where, position, what the message must mention] */
const ERROR_VECTORS: [string, string, number, RegExp][] = [
  ['empty input', '', 0, /expected a field name at position 0 but found the end/],
  ['whitespace only', '   ', 3, /a field name/],
  ['no operator', 'lastUpdated', 11, /comparison operator/],
  ['no value', 'lastUpdated >', 13, /expected a value at position 13/],
  ['unterminated string', "a = 'abc", 8, /closing ' \(opened at position 4\)/],
  ['unterminated backtick', '`abc = 1', 8, /closing `/],
  ['missing conjunction', 'a = 1 b = 2', 6, /AND, OR or the end of the input at position 6 but found 'b'/],
  ['unclosed parenthesis', '(a = 1', 6, /expected '\)'/],
  ['stray close parenthesis', 'a = 1)', 5, /AND, OR or the end/],
  ['lone !', 'a ! 1', 3, /'=' after '!'/],
  ['== is not an operator', 'a == 1', 3, /expected a value at position 3 but found '='/],
  ['empty IN list', 'a IN ()', 6, /a value/],
  ['IN without parenthesis', "a IN 'x'", 5, /'\(' after IN/],
  ['IN list missing comma', "a IN ('x' 'y')", 10, /',' or '\)'/],
  ['LIKE needs a quoted pattern', 'a LIKE 5', 7, /quoted LIKE pattern/],
  ['IS without NULL', 'a IS 5', 5, /NULL or NOT NULL/],
  ['IS NOT without NULL', 'a IS NOT x', 9, /expected NULL/],
  ['NOT followed by =', 'a NOT = 1', 6, /IN or LIKE after NOT/],
  ['no field', '= 1', 0, /a field name/],
  ['keyword as field', 'AND a = 1', 0, /a field name at position 0 but found 'AND'/],
  ['trailing AND', 'a = 1 AND', 9, /a field name at position 9 but found the end/],
  ['keyword as value', 'a = or', 4, /a value/],
  ['double quotes are identifiers, not values', 'a = "x"', 4, /a value/],
  ['empty quoted field', '`` = 1', 0, /a field name/],
  ['unrendered placeholder', "lastUpdated>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'", 34, /AND, OR or the end of the input at position 34 but found 'T'/],
  // SData clauses are the vendor's native syntax, not CEQL: rejected where SData diverges.
  ['SData eq', "comp_name like 'A%' and comp_type eq 'customer'", 34, /comparison operator.* but found 'eq'/],
  ['SData between', 'comp_companyid between 43 and 50', 15, /but found 'between'/],
  ['SData gt @date@', 'comp_updateddate gt @2014-03-14@', 17, /but found 'gt'/],
  ['SData ge @datetime@', 'comp_updateddate ge @2024-01-01T00:00:00@', 17, /but found 'ge'/],
  ['SData eq on key', "pers_personid eq '30'", 14, /but found 'eq'/],
];

/** [description, where, record, expected] */
const EVAL_VECTORS: [string, string, unknown, boolean][] = [
  // Dates across offsets.
  ['same instant, different offsets', `d = '${T}'`, { d: '2020-01-01T01:00:00+01:00' }, true],
  ['later instant, negative offset', `d > '${T}'`, { d: '2019-12-31T19:00:01-05:00' }, true],
  ['earlier instant, positive offset', `d > '${T}'`, { d: '2020-01-01T00:59:59+01:00' }, false],
  ['lexically larger but earlier instant', "d > '2020-01-01T01:00:00Z'", { d: '2020-01-01T05:00:00+05:00' }, false],
  ['+0000 offset without colon', `d = '${T}'`, { d: '2020-01-01T00:00:00+0000' }, true],
  ['fractional seconds', `d > '${T}'`, { d: '2020-01-01T00:00:00.5Z' }, true],
  ['microseconds are not lost', `d > '${T}'`, { d: '2020-01-01T00:00:00.000001Z' }, true],
  ['trailing fraction zeros are equal', "d = '2020-01-01T00:00:00.000Z'", { d: T }, true],
  ['bare datetime vs UTC record', 'mdate>=2017-02-28T16:11:29-06:00', { mdate: '2017-02-28T22:11:29Z' }, true],
  ['across a day boundary', "d < '2020-03-01T00:30:00+01:00'", { d: '2020-02-29T23:00:00Z' }, true],
  ['no offset: compared as strings', "update_time >= '2020-01-01 00:00:00'", { update_time: '2020-01-02 00:00:00' }, true],
  ['invalid date is just a string', "d > '2020-13-01T00:00:00Z'", { d: '2020-02-01T00:00:00Z' }, false],
  // Numbers.
  ['numeric, not lexical', 'n > 9', { n: 10 }, true],
  ['number vs numeric string literal', "created > '1577836800'", { created: 1577836900 }, true],
  ['numeric string vs number literal', 'Key = 30', { Key: '30' }, true],
  ['two strings stay strings', "zip = '1234'", { zip: '01234' }, false],
  // Paths and casing.
  ['nested path', `_info.lastUpdated >= '${T}'`, { _info: { lastUpdated: '2020-01-02T00:00:00Z' } }, true],
  ['key containing dots wins', '`metaData.lastUpdateTime` = 1', { 'metaData.lastUpdateTime': 1, metaData: { lastUpdateTime: 2 } }, true],
  ['dotted path falls back to descent', '`metaData.lastUpdateTime` = 2', { metaData: { lastUpdateTime: 2 } }, true],
  ['case-insensitive fallback', `comp_updateddate > '2019-01-01T00:00:00Z'`, { Comp_UpdatedDate: T }, true],
  ['case-insensitive nested', "CONFIG.URL = 'u'", { config: { url: 'u' } }, true],
  ['exact match preferred', "status = 'b'", { Status: 'a', status: 'b' }, true],
  ['Zoho field with a space', "'Modified Time' > '2019-12-31 00:00:00'", { 'Modified Time': '2020-01-01 00:00:00' }, true],
  ['path through a non-object', 'a.b = 1', { a: 'x' }, false],
  // LIKE.
  ['LIKE prefix', "comp_name like 'A%'", { comp_name: 'Acme' }, true],
  ['LIKE is case-insensitive', "comp_name like 'A%'", { comp_name: 'acme' }, true],
  ['LIKE is anchored', "comp_name like 'A%'", { comp_name: 'Bacme' }, false],
  ['LIKE _ matches one char', "c like 'A_me'", { c: 'Acme' }, true],
  ['LIKE _ does not match two', "c like 'A_e'", { c: 'Acme' }, false],
  ['LIKE regex chars are literal', "c like '1.5%'", { c: '105' }, false],
  ['LIKE on a number', "n like '12%'", { n: 123 }, true],
  ['NOT LIKE', "c not like '%x%'", { c: 'abc' }, true],
  // IN.
  ['IN hit', "status IN ('queued','retry')", { status: 'retry' }, true],
  ['IN miss', "status IN ('queued','retry')", { status: 'delivered' }, false],
  ['NOT IN', "status NOT IN ('queued','retry')", { status: 'delivered' }, true],
  ['IN compares numerically', 'n IN (1, 2)', { n: '2' }, true],
  // Null handling.
  ['IS NULL on missing', 'x IS NULL', {}, true],
  ['IS NULL on null', 'x IS NULL', { x: null }, true],
  ['IS NULL on empty string', 'x IS NULL', { x: '' }, false],
  ['IS NOT NULL', 'x IS NOT NULL', { x: 0 }, true],
  ['= null', 'x = null', { x: null }, true],
  ['!= null', 'x != null', { x: 1 }, true],
  ['missing field fails !=', "x != 'a'", {}, false],
  ['missing field fails NOT IN', "x NOT IN ('a')", {}, false],
  ['missing field fails NOT LIKE', "x NOT LIKE 'a'", {}, false],
  ['objects do not compare', "x = '[object Object]'", { x: {} }, false],
  ['non-object record', 'x IS NULL', null, true],
  // Booleans.
  ['boolean literal', 'active = true', { active: true }, true],
  ['boolean vs string', "active = 'true'", { active: true }, true],
  // Precedence.
  ['OR of AND: left arm', 'a=1 OR b=2 AND c=3', { a: 1, b: 0, c: 0 }, true],
  ['OR of AND: right arm needs both', 'a=1 OR b=2 AND c=3', { a: 0, b: 2, c: 0 }, false],
  ['parenthesised OR under AND', '(a=1 OR b=2) AND c=3', { a: 1, b: 0, c: 0 }, false],
  [
    'queued deliveries filter',
    "channel='webhook' and status='queued' and config.url= 'https://events.myservice.com/receiver'",
    { channel: 'webhook', status: 'queued', config: { url: 'https://events.myservice.com/receiver' } },
    true,
  ],
];

describe('parseCeql', () => {
  for (const [source, where, expected] of PARSE_VECTORS) {
    test(`${source}: ${where.trim()}`, () => {
      const parsed = parseCeql(where);
      assert.deepEqual(parsed, expected);
      assert.deepEqual(parseCeql(formatCeql(parsed)), parsed, 'canonical text re-parses to the same tree');
    });
  }

  for (const [source, where, position, message] of ERROR_VECTORS) {
    test(`rejects ${source}: ${where}`, () => {
      assert.throws(
        () => parseCeql(where),
        (e: unknown) => {
          assert.ok(e instanceof CeqlError, `expected CeqlError, got ${String(e)}`);
          assert.equal(e.position, position, e.message);
          assert.match(e.message, message);
          assert.match(e.message, new RegExp(`position ${position}\\b`));
          return true;
        },
      );
    });
  }
});

describe('formatCeql', () => {
  const cases: [CeqlExpr, string][] = [
    [and(cmp('a', '=', 1), or(cmp('b', '=', 2), cmp('c', '<>', 3))), 'a = 1 AND (b = 2 OR c <> 3)'],
    [or(cmp('a', '=', 1), and(cmp('b', '=', 2), cmp('c', '=', 3))), 'a = 1 OR b = 2 AND c = 3'],
    [and(cmp('a', '=', 1), and(cmp('b', '=', 2), cmp('c', '=', 3))), 'a = 1 AND (b = 2 AND c = 3)'],
    [or(and(cmp('a', '=', 1), cmp('b', '=', 2)), cmp('c', '=', 3)), 'a = 1 AND b = 2 OR c = 3'],
    [cmp('Modified Time', '>', "it's"), "`Modified Time` > 'it''s'"],
    [cmp('null', '=', null), '`null` = null'],
    [cmp('n', '=', -0), 'n = -0'],
    [inList('s', ['a', 1, true, null], true), "s NOT IN ('a', 1, true, null)"],
    [like('s', '%a%', true), "s NOT LIKE '%a%'"],
    [isNull('_info.x', true), '_info.x IS NOT NULL'],
  ];
  for (const [expr, text] of cases) {
    test(text, () => assert.equal(formatCeql(expr), text));
  }

  test('rejects trees CEQL cannot express', () => {
    assert.throws(() => formatCeql(cmp('', '=', 1)), RangeError);
    assert.throws(() => formatCeql(cmp('a', '=', Number.NaN)), RangeError);
    assert.throws(() => formatCeql(inList('a', [])), RangeError);
  });
});

describe('conjuncts', () => {
  const a = cmp('a', '=', 1);
  const b = cmp('b', '=', 2);
  const c = cmp('c', '=', 3);
  test('single predicate', () => assert.deepEqual(conjuncts(a), [a]));
  test('left-nested chain', () => assert.deepEqual(conjuncts(parseCeql('a=1 and b=2 and c=3')), [a, b, c]));
  test('right-nested chain', () => assert.deepEqual(conjuncts(and(a, and(b, c))), [a, b, c]));
  test('OR is one conjunct', () => assert.deepEqual(conjuncts(parseCeql('a=1 or b=2 and c=3')), [or(a, and(b, c))]));
  test('Sage One: push the date down, keep the pseudo-field', () => {
    const [date, attrs] = conjuncts(parseCeql(`lastModifiedDate>='${T}' and attributes='created_at,updated_at'`));
    assert.deepEqual(date, cmp('lastModifiedDate', '>=', T));
    assert.deepEqual(attrs, cmp('attributes', '=', 'created_at,updated_at'));
  });
});

describe('evaluateCeql', () => {
  for (const [description, where, record, expected] of EVAL_VECTORS) {
    test(`${description}: ${where}`, () => assert.equal(evaluateCeql(parseCeql(where), record), expected));
  }
});

// ------------------------------------------------------------------ properties

const fieldArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z_][A-Za-z0-9_]{0,8}){0,2}$/),
  fc.constantFrom('and', 'OR', 'null', 'True', 'Modified Time', 'a`b', "it's", '"q"', '1st', 'x-y'),
  fc.string({ minLength: 1, maxLength: 8, unit: 'binary' }),
);
const valueArb: fc.Arbitrary<CeqlValue> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', "'", "''", '2020-01-01T00:00:00Z', 'AND', '%_'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const opArb = fc.constantFrom<CeqlCmpOp>('=', '!=', '<>', '<', '<=', '>', '>=');
const negArb = fc.boolean();
// fast-check records default to null prototypes, which deepStrictEqual would tell apart from parsed objects.
const plain = { noNullPrototype: true };

const { expr: exprArb } = fc.letrec<{ expr: CeqlExpr; leaf: CeqlExpr }>((tie) => ({
  leaf: fc.oneof(
    fc.record({ kind: fc.constant('cmp' as const), field: fieldArb, op: opArb, value: valueArb }, plain),
    fc.record({ kind: fc.constant('in' as const), field: fieldArb, values: fc.array(valueArb, { minLength: 1, maxLength: 4 }), negated: negArb }, plain),
    fc.record({ kind: fc.constant('like' as const), field: fieldArb, pattern: fc.string({ unit: 'binary' }), negated: negArb }, plain),
    fc.record({ kind: fc.constant('isNull' as const), field: fieldArb, negated: negArb }, plain),
  ),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('expr'), right: tie('expr') }, plain),
  ),
}));

// Strings biased towards CEQL's own alphabet reach deeper into the parser than uniform noise.
const ceqlishArb = fc
  .array(
    fc.constantFrom('a', 'b.c', ' ', '=', '!', '!=', '<>', '<', '>', '(', ')', ',', "'", '"', '`', 'AND', 'or', 'NOT', 'in', 'LIKE', 'is', 'null', '1', '-2.5e3', 'x%'),
    { maxLength: 20 },
  )
  .map((parts) => parts.join(''));

describe('properties', () => {
  test('parseCeql(formatCeql(e)) deep-equals e', () => {
    fc.assert(
      fc.property(exprArb, (e) => {
        assert.deepStrictEqual(parseCeql(formatCeql(e)), e);
      }),
      { numRuns: 1000 },
    );
  });

  test('parseCeql throws nothing but CeqlError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), ceqlishArb), (s) => {
        try {
          parseCeql(s);
        } catch (e) {
          if (!(e instanceof CeqlError)) throw e;
          assert.ok(e.position >= 0 && e.position <= s.length, `position ${e.position} outside the input`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('evaluation agrees with its conjuncts and never throws', () => {
    const recordArb = fc.dictionary(fc.constantFrom('a', 'A', 'b', 'x', 'Modified Time'), fc.oneof(valueArb, fc.constant({ b: 1 })));
    fc.assert(
      fc.property(exprArb, recordArb, (e, r) => {
        assert.equal(evaluateCeql(e, r), conjuncts(e).every((c) => evaluateCeql(c, r)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('CEQL reads fields through core/jsonPath (one lookup for the diff and CEQL)', () => {
  test('the shared precedence: an exact descent wins over a dotted key matched ignoring case', () => {
    assert.equal(evaluateCeql(parseCeql('`a.b` = 2'), { 'A.B': 1, a: { b: 2 } }), true);
    assert.equal(evaluateCeql(parseCeql("`a['b.c']` = 3"), { a: { 'b.c': 3 } }), true);
  });

  test('property: field = value holds exactly when getPath finds that value', () => {
    const key = fc.constantFrom('a', 'A', 'b', 'B', 'a.b', 'A.B');
    const record = fc.dictionary(key, fc.oneof(fc.integer({ min: 0, max: 3 }), fc.dictionary(key, fc.integer({ min: 0, max: 3 }))));
    fc.assert(
      fc.property(record, fc.constantFrom('a', 'b', 'a.b', 'A.b', 'b.a'), fc.integer({ min: 0, max: 3 }), (r, field, v) => {
        const expr: CeqlExpr = { kind: 'cmp', field, op: '=', value: v };
        assert.equal(evaluateCeql(expr, r), getPath(r, field) === v);
      }),
    );
  });
});
