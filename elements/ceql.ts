/**
 * CEQL: the Cloud Elements query language used in `?where=` clauses of hub
 * URLs and poller configurations. Pure: parse, format,
 * split into conjuncts and evaluate against a record. No I/O.
 *
 * Grammar (keywords case-insensitive, AND binds tighter than OR):
 *   where     := or EOF
 *   or        := and (OR and)*
 *   and       := primary (AND primary)*
 *   primary   := '(' or ')' | predicate
 *   predicate := field ( cmpOp value
 *                      | [NOT] IN '(' value (',' value)* ')'
 *                      | [NOT] LIKE 'pattern'
 *                      | IS [NOT] NULL )
 *   field     := bare | `back ticked` | "double quoted" | 'single quoted' (Zoho)
 *   value     := 'string' | number | true | false | null | bare token (e.g. an
 *                unquoted ISO datetime, kept as a string)
 */

import { parseIsoDateTime, offsetInstantMs } from '../core/isoInstant';
import { getPath } from '../core/jsonPath';

export type CeqlValue = string | number | boolean | null;
export type CeqlCmpOp = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';
export type CeqlExpr =
  | { kind: 'and' | 'or'; left: CeqlExpr; right: CeqlExpr }
  | { kind: 'cmp'; field: string; op: CeqlCmpOp; value: CeqlValue }
  | { kind: 'in'; field: string; values: CeqlValue[]; negated: boolean }
  | { kind: 'like'; field: string; pattern: string; negated: boolean }
  | { kind: 'isNull'; field: string; negated: boolean };

export class CeqlError extends Error {
  /** 0-based offset into the `where` text. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'CeqlError';
    this.position = position;
  }
}

// ---------------------------------------------------------------- lexer

type Token =
  | { type: 'word'; text: string; pos: number }
  | { type: 'string'; text: string; value: string; pos: number }
  | { type: 'ident'; text: string; value: string; pos: number } // `x` or "x"
  | { type: 'op'; text: CeqlCmpOp; pos: number }
  | { type: '(' | ')' | ','; text: string; pos: number }
  | { type: 'eof'; text: ''; pos: number };

// Everything else belongs to a bare word, which lets unquoted datetimes such
// as 2017-02-28T16:11:29-06:00 and dotted paths lex as one token.
const PUNCTUATION = new Set(['(', ')', ',', '=', '!', '<', '>', "'", '"', '`']);
const isSpace = (c: string): boolean => /\s/.test(c);

class Lexer {
  private pos = 0;
  private peeked: Token | undefined;
  constructor(private readonly src: string) {}

  peek(): Token {
    this.peeked ??= this.read();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private read(): Token {
    const s = this.src;
    while (this.pos < s.length && isSpace(s[this.pos] ?? '')) this.pos++;
    const start = this.pos;
    const c = s[start];
    if (c === undefined) return { type: 'eof', text: '', pos: start };
    if (c === '(' || c === ')' || c === ',') {
      this.pos++;
      return { type: c, text: c, pos: start };
    }
    if (c === "'" || c === '"' || c === '`') {
      const value = this.quoted(c);
      const text = s.slice(start, this.pos);
      return c === "'" ? { type: 'string', text, value, pos: start } : { type: 'ident', text, value, pos: start };
    }
    if (c === '=' || c === '<' || c === '>' || c === '!') {
      const two = s.slice(start, start + 2);
      const op = (['!=', '<>', '<=', '>='] as const).find((o) => o === two) ?? (c === '!' ? undefined : c);
      if (op === undefined) {
        const after = s[start + 1];
        const found = after === undefined ? 'the end of the input' : `'${after}'`;
        throw new CeqlError(`expected '=' after '!' at position ${start + 1} but found ${found}`, start + 1);
      }
      this.pos += op.length;
      return { type: 'op', text: op, pos: start };
    }
    while (this.pos < s.length && !PUNCTUATION.has(s[this.pos] ?? '') && !isSpace(s[this.pos] ?? '')) this.pos++;
    return { type: 'word', text: s.slice(start, this.pos), pos: start };
  }

  /** Reads a quoted run; a doubled quote char stands for itself (SQL style: 'it''s'). */
  private quoted(q: string): string {
    const start = this.pos;
    let out = '';
    this.pos++;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) {
        const where = this.src.length;
        throw new CeqlError(`expected closing ${q} (opened at position ${start}) at position ${where} but found the end of the input`, where);
      }
      this.pos++;
      if (c !== q) out += c;
      else if (this.src[this.pos] === q) {
        out += q;
        this.pos++;
      } else return out;
    }
  }
}

// ---------------------------------------------------------------- parser

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'is', 'null', 'true', 'false']);
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const isKeyword = (t: Token, kw: string): boolean => t.type === 'word' && t.text.toLowerCase() === kw;

function describeToken(t: Token): string {
  return t.type === 'eof' ? 'the end of the input' : `'${t.text}'`;
}

function fail(expected: string, t: Token): never {
  throw new CeqlError(`expected ${expected} at position ${t.pos} but found ${describeToken(t)}`, t.pos);
}

export function parseCeql(where: string): CeqlExpr {
  const lx = new Lexer(where);

  const expect = (type: Token['type'], what: string): Token => {
    const t = lx.next();
    return t.type === type ? t : fail(what, t);
  };

  const parseOr = (): CeqlExpr => {
    let left = parseAnd();
    while (isKeyword(lx.peek(), 'or')) {
      lx.next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };

  const parseAnd = (): CeqlExpr => {
    let left = parsePrimary();
    while (isKeyword(lx.peek(), 'and')) {
      lx.next();
      left = { kind: 'and', left, right: parsePrimary() };
    }
    return left;
  };

  const parsePrimary = (): CeqlExpr => {
    if (lx.peek().type !== '(') return parsePredicate();
    lx.next();
    const inner = parseOr();
    expect(')', "')'");
    return inner;
  };

  const parseField = (): string => {
    const t = lx.next();
    // Zoho writes quoted field names in single quotes ('Modified Time'>'...'); the
    // left side of a predicate is always a field, so that is unambiguous here.
    if ((t.type === 'ident' || t.type === 'string') && t.value !== '') return t.value;
    if (t.type === 'word' && !KEYWORDS.has(t.text.toLowerCase())) return t.text;
    return fail('a field name', t);
  };

  const parseValue = (): CeqlValue => {
    const t = lx.next();
    if (t.type === 'string') return t.value;
    if (t.type !== 'word') return fail('a value', t);
    const lower = t.text.toLowerCase();
    if (lower === 'null') return null;
    if (lower === 'true' || lower === 'false') return lower === 'true';
    if (KEYWORDS.has(lower)) return fail('a value', t);
    return NUMBER.test(t.text) ? Number(t.text) : t.text;
  };

  const parsePredicate = (): CeqlExpr => {
    const field = parseField();
    const t = lx.next();
    if (t.type === 'op') return { kind: 'cmp', field, op: t.text, value: parseValue() };
    if (isKeyword(t, 'is')) {
      const negated = isKeyword(lx.peek(), 'not');
      if (negated) lx.next();
      const n = lx.next();
      if (!isKeyword(n, 'null')) fail(negated ? 'NULL' : 'NULL or NOT NULL', n);
      return { kind: 'isNull', field, negated };
    }
    const negated = isKeyword(t, 'not');
    const kw = negated ? lx.next() : t;
    if (isKeyword(kw, 'like')) {
      const p = lx.next();
      if (p.type !== 'string') fail("a quoted LIKE pattern such as '%x%'", p);
      return { kind: 'like', field, pattern: p.value, negated };
    }
    if (isKeyword(kw, 'in')) {
      expect('(', "'(' after IN");
      const values = [parseValue()];
      while (lx.peek().type === ',') {
        lx.next();
        values.push(parseValue());
      }
      expect(')', "',' or ')' in the IN list");
      return { kind: 'in', field, values, negated };
    }
    return fail(negated ? 'IN or LIKE after NOT' : 'a comparison operator, IN, NOT IN, LIKE, NOT LIKE or IS', kw);
  };

  const expr = parseOr();
  const rest = lx.peek();
  if (rest.type !== 'eof') fail('AND, OR or the end of the input', rest);
  return expr;
}

// ---------------------------------------------------------------- formatter

const BARE_FIELD = /^[A-Za-z_$][\w$.]*$/;

function formatField(field: string): string {
  if (field === '') throw new RangeError('CEQL field names cannot be empty');
  if (BARE_FIELD.test(field) && !KEYWORDS.has(field.toLowerCase())) return field;
  return '`' + field.replaceAll('`', '``') + '`';
}

function formatValue(v: CeqlValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`CEQL cannot express the number ${v}`);
    return Object.is(v, -0) ? '-0' : String(v); // String(-0) is '0', which would not round-trip
  }
  return "'" + v.replaceAll("'", "''") + "'";
}

/** Canonical text: upper-case keywords, single spaces, only the parentheses the tree needs. */
export function formatCeql(expr: CeqlExpr): string {
  const not = (negated: boolean): string => (negated ? 'NOT ' : '');
  switch (expr.kind) {
    case 'and':
    case 'or': {
      // Both operators parse left-associatively, so a right operand of the same
      // (or looser) operator needs parentheses; a left OR under AND does too.
      const wrap = (e: CeqlExpr, when: boolean): string => (when ? `(${formatCeql(e)})` : formatCeql(e));
      const left = wrap(expr.left, expr.kind === 'and' && expr.left.kind === 'or');
      const right = wrap(expr.right, expr.right.kind === 'or' || (expr.kind === 'and' && expr.right.kind === 'and'));
      return `${left} ${expr.kind.toUpperCase()} ${right}`;
    }
    case 'cmp':
      return `${formatField(expr.field)} ${expr.op} ${formatValue(expr.value)}`;
    case 'in':
      if (expr.values.length === 0) throw new RangeError('CEQL IN lists cannot be empty');
      return `${formatField(expr.field)} ${not(expr.negated)}IN (${expr.values.map(formatValue).join(', ')})`;
    case 'like':
      return `${formatField(expr.field)} ${not(expr.negated)}LIKE ${formatValue(expr.pattern)}`;
    case 'isNull':
      return `${formatField(expr.field)} IS ${not(expr.negated)}NULL`;
  }
}

/** Flatten a top-level AND chain into its conjuncts (for pushing some down to a vendor and evaluating the rest locally). */
export function conjuncts(expr: CeqlExpr): CeqlExpr[] {
  return expr.kind === 'and' ? [...conjuncts(expr.left), ...conjuncts(expr.right)] : [expr];
}

// ---------------------------------------------------------------- evaluator

type Instant = { seconds: number; fraction: string };

/** An ISO-8601 date-time WITH an offset; a local time is not an instant, so it compares as a string. */
function parseInstant(s: string): Instant | undefined {
  const d = parseIsoDateTime(s);
  if (!d?.hasTime || d.offsetMinutes === undefined) return undefined;
  // Whole seconds plus the fraction's digits keep microsecond (and finer) precision exact.
  const seconds = Math.floor(offsetInstantMs({ ...d, offsetMinutes: d.offsetMinutes }) / 1000);
  return { seconds, fraction: d.fraction.replace(/0+$/, '') };
}

function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  const len = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(len, '0');
  const fb = b.fraction.padEnd(len, '0');
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** Sign of (actual - literal), or undefined when the two cannot be ordered. */
function compare(actual: unknown, literal: CeqlValue): number | undefined {
  if (actual === null || actual === undefined || literal === null || typeof actual === 'object') return undefined;
  if (typeof actual === 'string' && typeof literal === 'string') {
    const [a, b] = [parseInstant(actual), parseInstant(literal)];
    if (a && b) return compareInstants(a, b);
  }
  // Numeric only when one side really is a number, so '01234' = '1234' stays false for string columns.
  if (typeof actual === 'number' || typeof literal === 'number') {
    const [a, b] = [toNumber(actual), toNumber(literal)];
    if (a !== undefined && b !== undefined) return a === b ? 0 : a < b ? -1 : 1;
  }
  const [a, b] = [String(actual), String(literal)];
  return a === b ? 0 : a < b ? -1 : 1;
}

function likeToRegExp(pattern: string): RegExp {
  let src = '';
  for (const c of pattern) {
    src += c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/]/, '\\$&');
  }
  return new RegExp(`^${src}$`, 'isu');
}

const isNull = (v: unknown): boolean => v === null || v === undefined;

/**
 * Evaluate against a record (post-fetch filtering of what a vendor cannot filter natively).
 * Field names are JSON paths (core/jsonPath.ts): an exact match wins, else a case-insensitive one.
 * Comparison: ISO-8601 instants (with offsets) compare as instants, numbers numerically,
 * otherwise as strings. LIKE uses % and _ wildcards, case-insensitive.
 * A missing or null field satisfies only IS NULL and `= null`. CEQL has no bare NOT,
 * so treating SQL's "unknown" as false gives exactly SQL's WHERE semantics.
 */
export function evaluateCeql(expr: CeqlExpr, record: unknown): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluateCeql(expr.left, record) && evaluateCeql(expr.right, record);
    case 'or':
      return evaluateCeql(expr.left, record) || evaluateCeql(expr.right, record);
    case 'isNull':
      return isNull(getPath(record, expr.field)) !== expr.negated;
    case 'cmp': {
      const actual = getPath(record, expr.field);
      if (expr.value === null) {
        if (expr.op === '=') return isNull(actual);
        return expr.op === '!=' || expr.op === '<>' ? !isNull(actual) : false;
      }
      const c = compare(actual, expr.value);
      if (c === undefined) return false;
      switch (expr.op) {
        case '=': return c === 0;
        case '!=':
        case '<>': return c !== 0;
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
      }
      return false;
    }
    case 'in': {
      const actual = getPath(record, expr.field);
      if (isNull(actual)) return false;
      return expr.values.some((v) => compare(actual, v) === 0) !== expr.negated;
    }
    case 'like': {
      const actual = getPath(record, expr.field);
      if (isNull(actual) || typeof actual === 'object') return false;
      return likeToRegExp(expr.pattern).test(String(actual)) !== expr.negated;
    }
  }
}
