// Maximizer CRM Octopus API simulator.
//
// Contract (what the simulator enforces, from the vendor's published Postman collection):
//   maximizercrm/octopus-api, postman/collections/OctopusAPI.json, commit
//   c4b59fbfe99ceb6de437b91f8fe14597eb91ad09 (526 requests):
//   - every Octopus method is POST {root}/<Method> with a JSON body and no query parameters
//     (VerifyToken and BinaryDownload are GETs); a query parameter is refused (Code -1);
//   - a Read body holds one object (AbEntry, Opportunity, …) plus optional Compatibility and
//     Configuration, and the object holds Scope, Criteria, OrderBy, FieldOptions, GroupBy, Options
//     or Culture; anything else is refused (Code -1);
//   - answers are HTTP 200 with Content-Type application/octet-stream and a `Code`; an error has
//     Code -1 and `Msg`, a list of strings ("Token is invalid") or of {Message, ErrorCode}
//     objects (the collection's saved validation responses); Read errors here use the latter;
//   - dates are ISO-8601 (the collection's notes on the DateTime type).
// Anything marked "assumed" below is not in that collection.
//
// `url` = {origin}/octopus   (stands for https://api.maximizer.com/octopus)
// Octopus paths (every method is a POST with a JSON body, except VerifyToken):
//   POST {url}/Authenticate   {Database, UID, Password, VendorId, AppKey} → {Code:0, Data:{Token}}   (no bearer needed)
//   POST {url}/Read           {"AbEntry"|"Opportunity": {Scope, Criteria, OrderBy}, Compatibility, Configuration}
//   POST {url}/TokenValid     always HTTP 200: {Code:0} or {Code:-1, Msg:["Token is invalid"]}
//   GET  {url}/VerifyToken    200 when valid, 401 + `WWW-Authenticate: Bearer` when not
// OAuth2 authorization-code endpoints (base {origin}/MaximizerWebAuthentication/OAuth2):
//   GET  {origin}/MaximizerWebAuthentication/OAuth2/Authorize   → 302 redirect_uri?code=…&state=…
//   POST {origin}/MaximizerWebAuthentication/OAuth2/Token       grant_type=authorization_code|refresh_token (form)
// Bearer tokens: Personal Access Tokens (static), /Authenticate tokens and OAuth access tokens. Non-PAT
// tokens last 10 minutes, sliding on each use, 24 h at most. Octopus answers logical errors, bad tokens
// included, with HTTP 200 and {Code: -1, Msg: [...]}; only VerifyToken uses 401.
// Dates are ISO-8601 UTC strings ("2015-01-20T20:37:51Z"), or {Value, DisplayValue} when the Scope
// asks for {"Value":1,"DisplayValue":1}.
import { DateTime } from 'luxon';
import {
  bearerToken,
  controlsOf,
  createClock,
  createOAuthIssuer,
  header,
  json,
  likeToRegExp,
  startVendorServer,
  type Clock,
  type SimRequest,
  type SimResponse,
  type SimulatorControls,
} from './vendorKit';

export const MAXIMIZER_DEFAULT_PAT = 'maximizer-pat-pollster-test';
export const MAXIMIZER_DEFAULT_CLIENT_ID = 'pollster-maximizer-client';
export const MAXIMIZER_DEFAULT_CLIENT_SECRET = 'pollster-maximizer-secret';
export const MAXIMIZER_DEFAULT_LOGIN = { Database: 'PollsterDemo', UID: 'MASTER', Password: 'control', VendorId: 'PollsterVendor', AppKey: 'PollsterAppKey' };
export const MAXIMIZER_ABENTRY_DRIVER = 'Maximizer.Model.Access.Sql.AbEntrySearcher';

export type AbEntryType = 'Company' | 'Individual' | 'Contact';
export type MaximizerObject = 'AbEntry' | 'Opportunity';

export interface MaximizerSimulatorOptions {
  /** Static Personal Access Tokens accepted as bearer tokens. */
  personalAccessTokens?: string[];
  clientId?: string;
  clientSecret?: string;
  /** Sliding lifetime of non-PAT tokens (Maximizer: 10 minutes). */
  accessTokenTtlSec?: number;
  /** Hard cap on a sliding token's life (Maximizer: 24 h). */
  maxTokenLifetimeSec?: number;
  /** assumed: refresh token lifetime (undocumented). Default 30 days. */
  refreshTokenTtlSec?: number;
  /** assumed: authorization code lifetime (undocumented). Default 60 s. */
  codeTtlSec?: number;
  /** /Authenticate credentials; set VendorId/AppKey to null to simulate on-premise (not required). */
  login?: { Database: string; UID: string; Password: string; VendorId: string | null; AppKey: string | null };
  /** Reads of AbEntry without Configuration.Drivers.IAbEntrySearcher return an empty list (reported by a third party). Default true. */
  requireAbEntryDriver?: boolean;
  clock?: Clock;
}

export type MaximizerRecord = Record<string, unknown> & { Key: string; CreationDate: string; LastModifyDate: string };

export interface MaximizerSimulator extends SimulatorControls {
  url: string;
  oauthUrl: { authorize: string; token: string };
  clock: Clock;
  close(): Promise<void>;
  /** AbEntry needs `Type` (Company | Individual | Contact; a Contact needs `ParentKey`); Opportunity needs AbEntryKey and Objective. */
  create(object: MaximizerObject, fields: Record<string, unknown>): MaximizerRecord;
  update(object: MaximizerObject, key: string, fields: Record<string, unknown>): MaximizerRecord;
  records(object: MaximizerObject): MaximizerRecord[];
  expireAccessTokens(): void;
  readonly counters: { authorizations: number; codeExchanges: number; refreshes: number };
}

const BASE_FIELDS: Record<MaximizerObject, string[]> = {
  AbEntry: ['Key', 'Type', 'ParentKey', 'CompanyName', 'FirstName', 'LastName', 'Email', 'Phone', 'Creator', 'CreationDate', 'ModifiedBy', 'LastModifyDate', 'LastContactDate'],
  Opportunity: ['Key', 'AbEntryKey', 'Objective', 'Status', 'Description', 'Creator', 'CreationDate', 'ModifiedBy', 'LastModifyDate'],
};
const DATE_FIELDS = new Set(['CreationDate', 'LastModifyDate', 'LastContactDate']);

const fail = (...msg: string[]) => ({ Code: -1, Msg: msg });
/** An error as the collection's saved validation responses write it. assumed: the ErrorCode values. */
const failWith = (message: string, errorCode = -1) => ({ Code: -1, Msg: [{ Message: message, ErrorCode: errorCode }] });
/** What the collection's Read bodies hold, at the top and inside the object. */
const READ_TOP = ['Compatibility', 'Configuration'];
const READ_SPEC = ['Scope', 'Criteria', 'OrderBy', 'FieldOptions', 'GroupBy', 'Options', 'Culture'];

function defaultErrorBody(status: number) {
  // assumed: HTTP-level failures (throttling, outages) are not documented; reuse the Code/Msg shape.
  if (status === 429) return fail('Too many requests');
  if (status === 408) return fail('Request timeout');
  if (status === 401) return fail('Token is invalid');
  return fail(`HTTP ${status}`);
}

class ReadError extends Error {}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export async function startMaximizerSimulator(options: MaximizerSimulatorOptions = {}): Promise<MaximizerSimulator> {
  const clock = options.clock ?? createClock();
  const pats = new Set(options.personalAccessTokens ?? [MAXIMIZER_DEFAULT_PAT]);
  const login = options.login ?? MAXIMIZER_DEFAULT_LOGIN;
  const requireDriver = options.requireAbEntryDriver ?? true;
  const oauth = createOAuthIssuer(clock, {
    clientId: options.clientId ?? MAXIMIZER_DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? MAXIMIZER_DEFAULT_CLIENT_SECRET,
    accessTokenTtlSec: options.accessTokenTtlSec ?? 600,
    slidingMaxSec: options.maxTokenLifetimeSec ?? 86_400,
    refreshTokenTtlSec: options.refreshTokenTtlSec ?? 30 * 86_400,
    codeTtlSec: options.codeTtlSec ?? 60,
    tokenPrefix: 'mx_',
  });
  const stores: Record<MaximizerObject, Map<string, MaximizerRecord>> = { AbEntry: new Map(), Opportunity: new Map() };
  const contactCounters = new Map<string, number>();
  let seq = 0;

  const fmt = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
  // assumed: zone-less request literals are UTC (one tenant script converts to UTC before sending).
  const toMs = (v: unknown) => {
    if (typeof v !== 'string') return undefined;
    const d = DateTime.fromISO(v, { zone: 'utc' });
    return d.isValid ? d.toMillis() : undefined;
  };
  const octopus = (body: unknown): SimResponse => json(200, body, { 'Content-Type': 'application/octet-stream' });
  const knownFields = (obj: MaximizerObject) => {
    const names = new Set(BASE_FIELDS[obj]);
    for (const r of stores[obj].values()) for (const k of Object.keys(r)) names.add(k);
    return names;
  };
  const authorized = (req: SimRequest) => {
    const token = bearerToken(header(req, 'authorization'));
    return token !== undefined && (pats.has(token) || oauth.check(token) === 'valid');
  };

  // ---- Read: SearchQuery evaluation ----

  const comparable = (field: string, v: unknown): number | string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (DATE_FIELDS.has(field)) {
      if (typeof v === 'string' && v.startsWith('$')) throw new ReadError(`Date function ${v} is not supported by the simulator`);
      const ms = toMs(v);
      if (ms === undefined) throw new ReadError(`Invalid DateTime value '${String(v)}' for field ${field}`);
      return ms;
    }
    if (typeof v === 'number') return v;
    // assumed: string comparisons are case-insensitive, except opaque keys.
    return field.endsWith('Key') ? String(v) : String(v).toLowerCase();
  };

  const evalOp = (field: string, op: string, arg: unknown, value: unknown): boolean => {
    const list = (a: unknown) => {
      if (!Array.isArray(a)) throw new ReadError(`Operator ${op} on field ${field} expects an array`);
      return a.map((x) => comparable(field, x));
    };
    const v = comparable(field, value);
    switch (op) {
      case '$EQ':
        return v !== undefined && v === comparable(field, arg);
      case '$NE':
        return v !== comparable(field, arg);
      case '$GT':
      case '$GE':
      case '$LT':
      case '$LE': {
        const a = comparable(field, arg);
        if (v === undefined || a === undefined) return false;
        return op === '$GT' ? v > a : op === '$GE' ? v >= a : op === '$LT' ? v < a : v <= a;
      }
      case '$IN':
        return v !== undefined && list(arg).includes(v);
      case '$NIN':
        return !list(arg).includes(v);
      case '$LIKE':
      case '$NLIKE': {
        const hit = value != null && likeToRegExp(String(arg)).test(String(value));
        return op === '$LIKE' ? hit : !hit;
      }
      case '$RANGE':
      case '$NRANGE': {
        const [lo, hi] = list(arg);
        const inside = v !== undefined && lo !== undefined && hi !== undefined && v >= lo && v <= hi;
        return op === '$RANGE' ? inside : !inside;
      }
      default:
        // Documented behaviour: "an error message indicating that the operator is unsupported for that field".
        throw new ReadError(`Operator ${op} is unsupported for field ${field}.`);
    }
  };

  // Validates the whole query up front, so a bad query fails even when no record would reach the bad branch.
  const OPERATORS = new Set(['$EQ', '$NE', '$GT', '$GE', '$LT', '$LE', '$IN', '$NIN', '$LIKE', '$NLIKE', '$RANGE', '$NRANGE']);
  const checkQuery = (obj: MaximizerObject, q: unknown): void => {
    if (q === null || typeof q !== 'object' || Array.isArray(q)) throw new ReadError('SearchQuery must be an object');
    for (const [key, cond] of Object.entries(q as Record<string, unknown>)) {
      if (key === '$AND' || key === '$OR') {
        if (!Array.isArray(cond)) throw new ReadError(`${key} expects an array`);
        cond.forEach((c) => checkQuery(obj, c));
        continue;
      }
      if (!knownFields(obj).has(key)) throw new ReadError(`Field ${key} is not a valid field of ${obj}.`);
      const ops = cond !== null && typeof cond === 'object' && !Array.isArray(cond) ? Object.entries(cond as Record<string, unknown>) : [['$EQ', cond] as const];
      for (const [op, arg] of ops) {
        if (!OPERATORS.has(op)) throw new ReadError(`Operator ${op} is unsupported for field ${key}.`);
        const listOp = ['$IN', '$NIN', '$RANGE', '$NRANGE'].includes(op);
        if (listOp && (!Array.isArray(arg) || (op.endsWith('RANGE') && arg.length !== 2))) throw new ReadError(`Operator ${op} on field ${key} expects ${op.endsWith('RANGE') ? 'two values' : 'an array'}`);
        for (const a of listOp ? (arg as unknown[]) : [arg]) comparable(key, a); // throws on bad dates / date functions
      }
    }
  };

  const matches = (obj: MaximizerObject, q: unknown, rec: MaximizerRecord): boolean => {
    if (q === null || typeof q !== 'object' || Array.isArray(q)) throw new ReadError('SearchQuery must be an object');
    // assumed: several keys in one object are ANDed.
    return Object.entries(q as Record<string, unknown>).every(([key, cond]) => {
      if (key === '$AND' || key === '$OR') {
        if (!Array.isArray(cond)) throw new ReadError(`${key} expects an array`);
        return key === '$AND' ? cond.every((c) => matches(obj, c, rec)) : cond.some((c) => matches(obj, c, rec));
      }
      if (!knownFields(obj).has(key)) throw new ReadError(`Field ${key} is not a valid field of ${obj}.`);
      if (cond !== null && typeof cond === 'object' && !Array.isArray(cond)) {
        return Object.entries(cond as Record<string, unknown>).every(([op, arg]) => evalOp(key, op, arg, rec[key]));
      }
      return evalOp(key, '$EQ', cond, rec[key]); // assumed: a bare value means $EQ
    });
  };

  const project = (rec: MaximizerRecord, fields: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [f, want] of Object.entries(fields)) {
      if (!(f in rec)) continue; // assumed: fields the record lacks are omitted
      const value = rec[f];
      if (DATE_FIELDS.has(f) && want !== null && typeof want === 'object') {
        const w = want as Record<string, unknown>;
        const ms = toMs(value);
        out[f] = {
          ...(w.Value ? { Value: value } : {}),
          ...(w.DisplayValue && ms !== undefined ? { DisplayValue: DateTime.fromMillis(ms, { zone: 'utc' }).toFormat('MMMM d, yyyy h:mm a') } : {}),
        };
      } else out[f] = structuredClone(value);
    }
    return out;
  };

  const read = (req: SimRequest): SimResponse => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return octopus(fail('The request body is not valid JSON.')); // assumed wording
    }
    const obj = (['AbEntry', 'Opportunity'] as const).find((o) => o in body);
    if (!obj) return octopus(failWith('No supported object in the Read request.')); // assumed: other objects are not simulated
    const extra = Object.keys(body).filter((k) => k !== obj && !READ_TOP.includes(k));
    if (extra.length > 0) return octopus(failWith(`Unexpected member(s) of the Read request: ${extra.join(', ')}.`)); // assumed wording
    const spec = (body[obj] ?? {}) as { Scope?: { Fields?: unknown }; Criteria?: { SearchQuery?: unknown; Top?: unknown }; OrderBy?: { PageKey?: unknown; PageSize?: unknown; Fields?: unknown } };
    const extraSpec = Object.keys(spec).filter((k) => !READ_SPEC.includes(k));
    if (extraSpec.length > 0) return octopus(failWith(`Unexpected member(s) of ${obj}: ${extraSpec.join(', ')}.`)); // assumed wording
    const fields = spec.Scope?.Fields;
    if (!fields || typeof fields !== 'object' || Array.isArray(fields)) return octopus(failWith('Scope.Fields is required.'));
    for (const f of Object.keys(fields)) if (!knownFields(obj).has(f)) return octopus(failWith(`Field ${f} is not a valid field of ${obj}.`));

    const config = body.Configuration as { Drivers?: Record<string, unknown> } | undefined;
    if (obj === 'AbEntry' && requireDriver && config?.Drivers?.IAbEntrySearcher !== MAXIMIZER_ABENTRY_DRIVER) {
      return octopus({ Code: 0, AbEntry: { Data: [] } });
    }

    let rows = [...stores[obj].values()];
    const order = spec.OrderBy ?? {};
    try {
      const query = spec.Criteria?.SearchQuery;
      if (query !== undefined) {
        checkQuery(obj, query);
        rows = rows.filter((r) => matches(obj, query, r));
      }
      const sortKeys = Array.isArray(order.Fields) ? (order.Fields as Record<string, string>[]).flatMap((o) => Object.entries(o)) : [];
      for (const [f] of sortKeys) if (!knownFields(obj).has(f)) throw new ReadError(`Field ${f} is not sortable.`);
      rows.sort((a, b) => {
        for (const [f, dir] of sortKeys) {
          const x = comparable(f, a[f]);
          const y = comparable(f, b[f]);
          if (x !== y) return (x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1) * (String(dir).toUpperCase() === 'DESC' ? -1 : 1);
        }
        return 0; // stable: insertion order breaks ties
      });
    } catch (err) {
      if (err instanceof ReadError) return octopus(failWith(err.message));
      throw err;
    }
    const top = Number(spec.Criteria?.Top);
    if (Number.isInteger(top) && top > 0) rows = rows.slice(0, top);

    // PageKey is base64 of the offset ("MTA=" = "10"); assumed: the next key is returned as <Object>.PageKey.
    const pageSize = Number(order.PageSize);
    let offset = 0;
    if (typeof order.PageKey === 'string' && order.PageKey !== '') {
      offset = Number(Buffer.from(order.PageKey, 'base64').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) return octopus(failWith('Invalid PageKey.'));
    }
    const paged = Number.isInteger(pageSize) && pageSize > 0;
    const slice = paged ? rows.slice(offset, offset + pageSize) : rows.slice(offset);
    const next = paged && offset + pageSize < rows.length ? b64(String(offset + pageSize)) : null;
    const data = slice.map((r) => project(r, fields as Record<string, unknown>));
    return octopus({ Code: 0, [obj]: paged ? { Data: data, PageKey: next } : { Data: data } });
  };

  const authenticate = (req: SimRequest): SimResponse => {
    let b: Record<string, unknown> = {};
    try {
      b = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      // fall through to the credential check
    }
    const ok =
      b.Database === login.Database &&
      b.UID === login.UID &&
      b.Password === login.Password &&
      (login.VendorId === null || b.VendorId === login.VendorId) &&
      (login.AppKey === null || b.AppKey === login.AppKey);
    return octopus(ok ? { Code: 0, Data: { Token: oauth.issueAccessToken() } } : fail('Invalid login information.')); // assumed wording
  };

  const handle = (req: SimRequest): SimResponse => {
    const p = req.path;
    if (p === '/MaximizerWebAuthentication/OAuth2/Authorize' && req.method === 'GET') return oauth.authorize(req);
    if (p === '/MaximizerWebAuthentication/OAuth2/Token' && req.method === 'POST') return oauth.token(req);
    if (p === '/octopus/VerifyToken' && req.method === 'GET') {
      return authorized(req) ? octopus({ Code: 0 }) : { status: 401, headers: { 'WWW-Authenticate': 'Bearer' }, raw: '' };
    }
    // assumed: unknown methods answer 404 with an empty body.
    if (req.method !== 'POST' || !p.startsWith('/octopus/')) return { status: 404, raw: '' };
    // assumed: how Octopus answers a query parameter (the collection never sends one).
    if ([...req.query.keys()].length > 0) return octopus(failWith(`Octopus methods take no query parameters: ${[...new Set(req.query.keys())].join(', ')}.`));
    if (p === '/octopus/Authenticate') return authenticate(req);
    if (!authorized(req)) return octopus(fail('Token is invalid')); // HTTP 200, as Octopus does
    if (p === '/octopus/TokenValid') return octopus({ Code: 0 });
    if (p === '/octopus/Read') return read(req);
    return { status: 404, raw: '' };
  };

  const server = await startVendorServer({ handle, errorBody: defaultErrorBody, isApi: (p) => p.startsWith('/octopus/'), clock });

  const keyFor = (obj: MaximizerObject, fields: Record<string, unknown>): string => {
    seq++;
    const ident = `${String(seq).padStart(21, '0')}C`;
    if (obj === 'Opportunity') return b64(`Opportunity\t${ident}`); // assumed shape
    const type = fields.Type as AbEntryType;
    if (type === 'Contact') {
      // Contact keys embed the parent's identifier and a per-parent number ("Contact\t<parent>\t5").
      const parentKey = String(fields.ParentKey ?? '');
      const parent = stores.AbEntry.get(parentKey);
      if (!parent || parent.Type === 'Contact') throw new Error('Maximizer simulator: a Contact needs the ParentKey of a Company or Individual');
      const parentIdent = Buffer.from(parentKey, 'base64').toString('utf8').split('\t')[1] ?? ident;
      const n = (contactCounters.get(parentKey) ?? 0) + 1;
      contactCounters.set(parentKey, n);
      return b64(`Contact\t${parentIdent}\t${n}`);
    }
    return b64(`${type}\t${ident}\t0`);
  };

  return {
    ...controlsOf(server),
    url: `${server.origin}/octopus`,
    oauthUrl: {
      authorize: `${server.origin}/MaximizerWebAuthentication/OAuth2/Authorize`,
      token: `${server.origin}/MaximizerWebAuthentication/OAuth2/Token`,
    },
    clock,
    close: server.close,
    get counters() {
      return { ...oauth.counters };
    },
    expireAccessTokens: oauth.expireAccessTokens,
    create(obj, fields) {
      if (obj === 'AbEntry' && !['Company', 'Individual', 'Contact'].includes(String(fields.Type))) {
        throw new Error('Maximizer simulator: AbEntry Type must be Company, Individual or Contact');
      }
      if (obj === 'Opportunity' && (!fields.AbEntryKey || !fields.Objective)) {
        throw new Error('Maximizer simulator: Opportunity needs AbEntryKey and Objective');
      }
      const now = fmt(clock.now());
      const rec: MaximizerRecord = {
        ...structuredClone(fields),
        Key: keyFor(obj, fields),
        Creator: 'MASTER',
        CreationDate: now,
        ModifiedBy: 'MASTER',
        LastModifyDate: now,
      };
      stores[obj].set(rec.Key, rec);
      return structuredClone(rec);
    },
    update(obj, key, fields) {
      const rec = stores[obj].get(key);
      if (!rec) throw new Error(`Maximizer simulator: no ${obj} ${key}`);
      const { Key: _k, Type: _t, CreationDate: _c, LastModifyDate: _m, ...rest } = structuredClone(fields);
      Object.assign(rec, rest, { LastModifyDate: fmt(clock.now()) });
      return structuredClone(rec);
    },
    records(obj) {
      return [...stores[obj].values()].map((r) => structuredClone(r));
    },
  };
}
