// Sage CRM RESTful API simulator ("sagecrm2", SData 2.0 JSON).
//
// Contract (what the simulator enforces, and where it comes from):
//   - Sage/SData-2.0 (branch gh-pages, commit 33d9f7ea3af489a5db6a136f085f8465150a4419):
//     pages/core/0211.md defines the query parameters of collection and resource URLs (startIndex,
//     count, where, orderBy, search, include, precedence, select, includeSchema), pages/core/0315.md
//     the JSON mapping (requested with Accept: application/json or format=application/json; feeds as
//     $totalResults/$startIndex/$itemsPerPage/$resources, entries with $key; errors as $diagnoses),
//     pages/core/0314.md the language parameter, pages/core/0310.md the diagnosis codes
//     (BadQueryParameter, ResourceKindNotFound, BadWhereSyntax). Any other query parameter is a 400
//     BadQueryParameter; an Accept header that admits no JSON is a 406.
//   - Sage/sage_crm_rest_api_client (commit 10d829c8cdf68416a9aa864d6f01aeb89520a24c), Sage's own
//     client: the base URL {server}/sdata/{install}j/sagecrm2/-/, HTTP Basic user:password, entity
//     names as URL segments (it writes "company"), and the entities a record links to, modelled in
//     Sage.CRM.Rest.Api/Models/SingleRecord.cs: Person, Company, Address, Account, Opportunity, Cases,
//     Communication, Library, Users. So the users entity is `Users`; `User` is not served.
//   - Not attested anywhere public: a `Lead` entity (served here, assumed), the id columns
//     Lead_LeadId / User_UserId / Oppo_OpportunityId, and Sage CRM's exact JSON error body.
//
// `url` = {origin}/sdata/{installName}j/sagecrm2/-   (default installName "crm", like the CE base.url)
// Paths served (GET only, HTTP Basic user:password on every request):
//   {url}/{Entity}            feed: where, orderBy, select, startIndex (1-based), count
//   {url}/{Entity}('{id}')    single entry
// Entities (path segment matched case-insensitively, as Sage's client writes "company"): Company,
// Person, Lead, Opportunity, Users. Fields are Xxxx_Yyyy cased (Comp_UpdatedDate,
// Pers_CreatedDate…); `where`/`orderBy`/`select` match field names case-insensitively.
// Dates are emitted as YYYY-MM-DDTHH:MM:SS±HH:MM in the server time zone (option `timeZone`), and
// zone-less @…@ literals in `where` are read in that zone, as the SData spec says for local time.
import { DateTime } from 'luxon';
import {
  controlsOf,
  createClock,
  acceptsMediaType,
  header,
  json,
  likeToRegExp,
  parseBasic,
  startVendorServer,
  undefinedParams,
  type Clock,
  type SimRequest,
  type SimResponse,
  type SimulatorControls,
} from './vendorKit';

export const SAGECRM_DEFAULT_USERNAME = 'crm-api-user';
export const SAGECRM_DEFAULT_PASSWORD = 'crm-api-password';

export interface SageCrmSimulatorOptions {
  username?: string;
  password?: string;
  /** Install name; the URL uses `{installName}j`. Default "crm". */
  installName?: string;
  /** Server time zone (luxon zone name, e.g. "UTC", "UTC+2", "Europe/Dublin"). Default "UTC". */
  timeZone?: string;
  /** assumed: page size when `count` is absent (SData 1.1 feeds default to 100). */
  defaultCount?: number;
  /** assumed: the maximum `count` is undocumented; larger values are clamped to this. */
  maxCount?: number;
  clock?: Clock;
}

export type SageCrmRecord = Record<string, unknown> & { $key: number; $title: string; $url: string };

export interface SageCrmSimulator extends SimulatorControls {
  url: string;
  clock: Clock;
  close(): Promise<void>;
  create(entity: string, fields: Record<string, unknown>): SageCrmRecord;
  update(entity: string, id: number | string, fields: Record<string, unknown>): SageCrmRecord;
  records(entity: string): SageCrmRecord[];
}

interface EntityDef {
  name: string;
  prefix: string;
  idField: string;
  title(r: Record<string, unknown>): string;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const ENTITIES: EntityDef[] = [
  { name: 'Company', prefix: 'Comp', idField: 'Comp_CompanyId', title: (r) => str(r.Comp_Name) },
  {
    name: 'Person',
   
    prefix: 'Pers',
    idField: 'Pers_PersonId',
    title: (r) => [r.Pers_FirstName, r.Pers_LastName].filter(Boolean).join(' '),
  },
  // assumed: entity `Lead` and id `Lead_LeadId` (no public source names them).
  { name: 'Lead', prefix: 'Lead', idField: 'Lead_LeadId', title: (r) => str(r.Lead_Description) },
  { name: 'Opportunity', prefix: 'Oppo', idField: 'Oppo_OpportunityId', title: (r) => str(r.Oppo_Description) },
  // `Users`, as Sage's client models it; assumed: the id column User_UserId.
  { name: 'Users', prefix: 'User', idField: 'User_UserId', title: (r) => str(r.User_Logon) },
];

function entityDef(name: string): EntityDef | undefined {
  const n = name.toLowerCase();
  return ENTITIES.find((e) => e.name.toLowerCase() === n);
}

const diagnoses = (sdataCode: string, message: string, severity = 'Error', applicationCode = '') => ({
  // SData 3.10 diagnosis fields with the JSON `$` prefix. assumed: Sage CRM's exact JSON error
  // body was not found; this follows the SData spec naming.
  $diagnoses: [{ $severity: severity, $sdataCode: sdataCode, $applicationCode: applicationCode, $message: message, $stackTrace: '', $payloadPath: '' }],
});

function defaultErrorBody(status: number) {
  if (status === 401) return diagnoses('ApplicationDiagnosis', 'Authentication failed', 'Error', 'Unauthorized');
  if (status === 404) return diagnoses('ResourceKindNotFound', 'Resource not found');
  if (status === 429 || status === 503) return diagnoses('ApplicationUnavailable', 'Service temporarily unavailable', 'Transient');
  if (status >= 500) return diagnoses('ApplicationDiagnosis', 'Internal server error', 'Fatal', 'ServerError');
  return diagnoses('ApplicationDiagnosis', `HTTP ${status}`);
}

/** The query parameters SData 2.0 defines for collection and resource URLs, the JSON format and language. */
const SDATA_PARAMS = ['startIndex', 'count', 'where', 'orderBy', 'search', 'include', 'precedence', 'select', 'includeSchema', 'format', 'language'];

class WhereError extends Error {}

// ---- SData `where` language: eq ne lt le gt ge, between…and, in (…), like, not, and, or, ( ) ----

type Lit = { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'date'; v: string } | { t: 'null' };
type Cond =
  | { k: 'and' | 'or'; a: Cond; b: Cond }
  | { k: 'not'; a: Cond }
  | { k: 'cmp'; field: string; op: string; v: Lit }
  | { k: 'between'; field: string; lo: Lit; hi: Lit }
  | { k: 'in'; field: string; vs: Lit[] };

type Tok = { t: 'punct'; v: string } | { t: 'lit'; v: Lit } | { t: 'word'; v: string };

const TOKEN = /\s*(?:([(),])|'((?:[^']|'')*)'|"((?:[^"]|"")*)"|@([^@]*)@|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_$][\w$.]*))/y;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (src.slice(TOKEN.lastIndex).trim() !== '') {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new WhereError(`Invalid query syntax near '${src.slice(at).trim()}'`);
    if (m[1]) out.push({ t: 'punct', v: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'lit', v: { t: 'str', v: m[2].replace(/''/g, "'") } });
    else if (m[3] !== undefined) out.push({ t: 'lit', v: { t: 'str', v: m[3].replace(/""/g, '"') } });
    else if (m[4] !== undefined) {
      if (!DateTime.fromISO(m[4]).isValid) throw new WhereError(`Invalid date literal '@${m[4]}@'`);
      out.push({ t: 'lit', v: { t: 'date', v: m[4] } });
    }
    else if (m[5] !== undefined) out.push({ t: 'lit', v: { t: 'num', v: Number(m[5]) } });
    else if (m[6]) out.push(m[6].toLowerCase() === 'null' ? { t: 'lit', v: { t: 'null' } } : { t: 'word', v: m[6] });
  }
  return out;
}

const COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'like'];

function parseWhere(src: string): Cond {
  const toks = tokenize(src);
  let i = 0;
  const peekWord = () => {
    const t = toks[i];
    return t?.t === 'word' ? t.v.toLowerCase() : undefined;
  };
  const literal = (): Lit => {
    const t = toks[i++];
    if (t?.t !== 'lit') throw new WhereError('Invalid query syntax: literal expected');
    return t.v;
  };
  const punct = (p: string) => {
    const t = toks[i++];
    if (t?.t !== 'punct' || t.v !== p) throw new WhereError(`Invalid query syntax: '${p}' expected`);
  };
  const or = (): Cond => {
    let a = and();
    while (peekWord() === 'or') {
      i++;
      a = { k: 'or', a, b: and() };
    }
    return a;
  };
  const and = (): Cond => {
    let a = unary();
    while (peekWord() === 'and') {
      i++;
      a = { k: 'and', a, b: unary() };
    }
    return a;
  };
  const unary = (): Cond => {
    if (peekWord() === 'not') {
      i++;
      return { k: 'not', a: unary() };
    }
    const t = toks[i];
    if (t?.t === 'punct' && t.v === '(') {
      i++;
      const c = or();
      punct(')');
      return c;
    }
    if (t?.t !== 'word') throw new WhereError('Invalid query syntax: field name expected');
    i++;
    const op = peekWord();
    i++;
    if (op && COMPARISONS.includes(op)) return { k: 'cmp', field: t.v, op, v: literal() };
    if (op === 'between') {
      const lo = literal();
      if (peekWord() !== 'and') throw new WhereError("Invalid query syntax: 'and' expected after between");
      i++;
      return { k: 'between', field: t.v, lo, hi: literal() };
    }
    if (op === 'in') {
      punct('(');
      const vs = [literal()];
      while (toks[i]?.t === 'punct' && toks[i]?.v === ',') {
        i++;
        vs.push(literal());
      }
      punct(')');
      return { k: 'in', field: t.v, vs };
    }
    // SData has no symbolic operators (=, >, …): only the keyword forms.
    throw new WhereError(`Invalid query syntax: unknown operator after '${t.v}'`);
  };
  const c = or();
  if (i < toks.length) throw new WhereError('Invalid query syntax: unexpected trailing input');
  return c;
}

// ---- Simulator ----

export async function startSageCrmSimulator(options: SageCrmSimulatorOptions = {}): Promise<SageCrmSimulator> {
  const username = options.username ?? SAGECRM_DEFAULT_USERNAME;
  const password = options.password ?? SAGECRM_DEFAULT_PASSWORD;
  const zone = options.timeZone ?? 'UTC';
  if (!DateTime.now().setZone(zone).isValid) throw new Error(`Invalid time zone ${zone}`);
  const defaultCount = options.defaultCount ?? 100;
  const maxCount = options.maxCount ?? 1000;
  const clock = options.clock ?? createClock();
  const prefix = `/sdata/${options.installName ?? 'crm'}j/sagecrm2/-`;
  const stores = new Map<string, Map<number, Record<string, unknown>>>(ENTITIES.map((e) => [e.name, new Map()]));
  const nextIds = new Map<string, number>(ENTITIES.map((e) => [e.name, 1]));
  let base = '';

  const fmt = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
  const toMs = (v: unknown): number | undefined => {
    if (typeof v !== 'string') return undefined;
    const d = DateTime.fromISO(v, { zone });
    return d.isValid ? d.toMillis() : undefined;
  };
  const looksLikeDate = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T|$)/.test(v);

  const mustEntity = (name: string) => {
    const def = entityDef(name);
    if (!def) throw new Error(`Sage CRM simulator: unknown entity ${name}`);
    return def;
  };
  const systemFields = (def: EntityDef) => [def.idField, `${def.prefix}_CreatedDate`, `${def.prefix}_UpdatedDate`].map((f) => f.toLowerCase());
  const withoutSystem = (def: EntityDef, fields: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(fields).filter(([k]) => !systemFields(def).includes(k.toLowerCase())));

  const entry = (def: EntityDef, r: Record<string, unknown>): SageCrmRecord => {
    const id = r[def.idField] as number;
    return { $key: id, $title: def.title(r), $url: `${base}/${def.name}('${id}')`, ...r };
  };

  // Field lookup is case-insensitive on input, as in all observed where clauses.
  const fieldOf = (r: Record<string, unknown>, name: string): unknown => {
    const n = name.toLowerCase();
    const k = Object.keys(r).find((key) => key.toLowerCase() === n);
    return k === undefined ? undefined : r[k];
  };
  const knownField = (def: EntityDef, name: string) => {
    const n = name.toLowerCase();
    if (systemFields(def).includes(n)) return true;
    for (const r of stores.get(def.name)?.values() ?? []) if (Object.keys(r).some((k) => k.toLowerCase() === n)) return true;
    return false;
  };

  const literalMs = (lit: Lit): number => {
    const d = DateTime.fromISO(lit.t === 'date' || lit.t === 'str' ? lit.v : '', { zone });
    if (!d.isValid) throw new WhereError(`Invalid date literal '${lit.t === 'date' || lit.t === 'str' ? lit.v : ''}'`);
    return d.toMillis();
  };

  /** <0, 0, >0, or undefined when the values are not comparable (which never matches). */
  const compare = (value: unknown, lit: Lit): number | undefined => {
    if (value === undefined || value === null || lit.t === 'null') return undefined;
    if (lit.t === 'date' || (lit.t === 'str' && looksLikeDate(value))) {
      // assumed: a quoted string compared with a date column is converted like SQL Server does.
      const ms = toMs(value);
      return ms === undefined ? undefined : ms - literalMs(lit);
    }
    if (lit.t === 'num') {
      const n = Number(value);
      return Number.isNaN(n) ? undefined : n - lit.v;
    }
    // assumed: case-insensitive string comparison (default SQL Server collation).
    const a = String(value).toLowerCase();
    const b = lit.v.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  };

  const matches = (def: EntityDef, c: Cond, r: Record<string, unknown>): boolean => {
    switch (c.k) {
      case 'and':
        return matches(def, c.a, r) && matches(def, c.b, r);
      case 'or':
        return matches(def, c.a, r) || matches(def, c.b, r);
      case 'not':
        return !matches(def, c.a, r);
      case 'in':
        return c.vs.some((v) => compare(fieldOf(r, c.field), v) === 0);
      case 'between': {
        const lo = compare(fieldOf(r, c.field), c.lo);
        const hi = compare(fieldOf(r, c.field), c.hi);
        return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
      }
      case 'cmp': {
        const value = fieldOf(r, c.field);
        if (c.v.t === 'null') return c.op === 'eq' ? value == null : c.op === 'ne' ? value != null : false;
        if (c.op === 'like') return value != null && c.v.t === 'str' && likeToRegExp(c.v.v).test(String(value));
        const d = compare(value, c.v);
        if (d === undefined) return false;
        return { eq: d === 0, ne: d !== 0, lt: d < 0, le: d <= 0, gt: d > 0, ge: d >= 0 }[c.op] ?? false;
      }
    }
  };

  const checkFields = (def: EntityDef, c: Cond): void => {
    switch (c.k) {
      case 'and':
      case 'or':
        checkFields(def, c.a);
        return checkFields(def, c.b);
      case 'not':
        return checkFields(def, c.a);
      default:
        // assumed: an unknown column is a where-syntax error rather than an empty result.
        if (!knownField(def, c.field)) throw new WhereError(`Invalid column name '${c.field}'`);
    }
  };

  const sortValue = (v: unknown): number | string => {
    if (typeof v === 'number') return v;
    if (looksLikeDate(v)) return toMs(v) ?? String(v);
    return str(v).toLowerCase();
  };

  const listFeed = (def: EntityDef, req: SimRequest): SimResponse => {
    const q = req.query;
    let rows = [...(stores.get(def.name)?.values() ?? [])];
    const where = q.get('where');
    if (where) {
      try {
        const cond = parseWhere(where);
        checkFields(def, cond);
        rows = rows.filter((r) => matches(def, cond, r));
      } catch (err) {
        if (err instanceof WhereError) return json(400, diagnoses('BadWhereSyntax', err.message));
        throw err;
      }
    }
    const orderBy = q.get('orderBy');
    // assumed: without orderBy, rows come back in primary-key order.
    const keys = orderBy
      ? orderBy.split(',').map((part) => {
          const [field = '', dir = 'asc'] = part.trim().split(/\s+/);
          return { field, desc: dir.toLowerCase() === 'desc' };
        })
      : [{ field: def.idField, desc: false }];
    for (const k of keys) if (!knownField(def, k.field)) return json(400, diagnoses('BadQueryParameter', `Invalid orderBy field '${k.field}'`));
    rows.sort((a, b) => {
      for (const k of keys) {
        const x = sortValue(fieldOf(a, k.field));
        const y = sortValue(fieldOf(b, k.field));
        if (x !== y) return (x < y ? -1 : 1) * (k.desc ? -1 : 1);
      }
      return (a[def.idField] as number) - (b[def.idField] as number);
    });
    const startIndex = q.has('startIndex') ? Number(q.get('startIndex')) : 1;
    const count = q.has('count') ? Number(q.get('count')) : defaultCount;
    if (!Number.isInteger(startIndex) || !Number.isInteger(count) || count < 0) {
      return json(400, diagnoses('BadQueryParameter', 'startIndex and count must be integers'));
    }
    const size = Math.min(count, maxCount);
    const start = Math.max(1, startIndex);
    const select = q.get('select')?.split(',').map((f) => f.trim().toLowerCase());
    const page = rows.slice(start - 1, start - 1 + size).map((r) => {
      const e = entry(def, r);
      if (!select) return e;
      return Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith('$') || select.includes(k.toLowerCase())));
    });
    return json(200, { $totalResults: rows.length, $startIndex: start, $itemsPerPage: size, $resources: page });
  };

  const handle = (req: SimRequest): SimResponse => {
    const creds = parseBasic(header(req, 'authorization'));
    if (!creds || creds.user !== username || creds.pass !== password) {
      return { ...json(401, defaultErrorBody(401)), headers: { 'WWW-Authenticate': 'Basic realm="Sage CRM"' } };
    }
    // assumed: the diagnosis of a 406 (SData names no code for it).
    if (!acceptsMediaType(req, 'application/json')) return json(406, diagnoses('ApplicationDiagnosis', 'Only application/json is served', 'Error', 'NotAcceptable'));
    const unknown = undefinedParams(req.query, SDATA_PARAMS);
    if (unknown.length > 0) return json(400, diagnoses('BadQueryParameter', `Invalid query parameter(s): ${unknown.join(', ')}`));
    if (!req.path.startsWith(`${prefix}/`)) return json(404, diagnoses('ContractNotFound', 'Contract not found'));
    const rest = req.path.slice(prefix.length + 1);
    const m = /^([A-Za-z]+)(?:\('([^']*)'\))?\/?$/.exec(rest);
    const def = m?.[1] ? entityDef(m[1]) : undefined;
    if (!m || !def) return json(404, diagnoses('ResourceKindNotFound', `Resource kind '${rest}' does not exist`));
    // assumed: only reads are simulated; records are written through create()/update().
    if (req.method !== 'GET') return json(405, diagnoses('ApplicationDiagnosis', 'Method not allowed'));
    if (m[2] === undefined) return listFeed(def, req);
    const r = stores.get(def.name)?.get(Number(m[2]));
    return r ? json(200, entry(def, r)) : json(404, diagnoses('ApplicationDiagnosis', `Record '${m[2]}' not found`, 'Error', 'EntryNotFound'));
  };

  const server = await startVendorServer({
    handle,
    errorBody: defaultErrorBody,
    isApi: (p) => p.startsWith('/sdata/'),
    clock,
  });
  base = server.origin + prefix;

  return {
    ...controlsOf(server),
    url: base,
    clock,
    close: server.close,
    create(entity, fields) {
      const def = mustEntity(entity);
      const id = nextIds.get(def.name) ?? 1;
      nextIds.set(def.name, id + 1);
      const now = fmt(clock.now());
      const r = { [def.idField]: id, ...withoutSystem(def, fields), [`${def.prefix}_CreatedDate`]: now, [`${def.prefix}_UpdatedDate`]: now };
      stores.get(def.name)?.set(id, r);
      return entry(def, r);
    },
    update(entity, id, fields) {
      const def = mustEntity(entity);
      const r = stores.get(def.name)?.get(Number(id));
      if (!r) throw new Error(`Sage CRM simulator: no ${def.name} ${id}`);
      Object.assign(r, withoutSystem(def, fields), { [`${def.prefix}_UpdatedDate`]: fmt(clock.now()) });
      return entry(def, r);
    },
    records(entity) {
      const def = mustEntity(entity);
      return [...(stores.get(def.name)?.values() ?? [])].map((r) => entry(def, r));
    },
  };
}
