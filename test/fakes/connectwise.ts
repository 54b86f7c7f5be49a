// ConnectWise Manage (PSA) REST API simulator.
//
// Contract (what the simulator enforces, from the vendor's published OpenAPI):
//   ai-connor/connectwise, api/openapi.yaml, commit 07fea6cb4478ea021fa829c6ed35c10ab851fa49
//   ("Connectwise Manage Public Endpoints", info.version 2025.8):
//   - every GET answers one media type, `application/vnd.connectwise.com+json; version=2025.8`:
//     an Accept header that admits none of the served versions is a 406;
//   - list and count GETs define the query parameters conditions, childConditions,
//     customFieldConditions, orderBy, fields, page, pageSize and pageId, and the clientId header;
//     any other query parameter is refused (400);
//   - list bodies are JSON arrays; `_info` is a map of strings (the same repository's generated
//     client, model_contact.go at commit a3f48015240291288fc85ef2dc18b066e4ef082a, types it so), and
//     public samples show `_info.dateEntered` on service tickets only.
// Anything marked "assumed" below is not in that contract.
//
// `url` = {origin}/{codebase}apis/3.0   (default codebase "v4_6_release/")
// Paths served (GET only; Basic base64("{company}+{publicKey}:{privateKey}") and a `clientId`
// header on every request):
//   {url}/company/contacts      {url}/company/contacts/count      {url}/company/contacts/{id}
//   {url}/company/companies     {url}/company/companies/count     {url}/company/companies/{id}
//   {url}/service/tickets       {url}/service/tickets/count       {url}/service/tickets/{id}
// Paging: page (1-based), pageSize (at most 1000), pageId (forward-only); links in the `Link` header.
// Timestamps are UTC `YYYY-MM-DDTHH:MM:SSZ` in `_info.lastUpdated` (and `_info.dateEntered` where
// the entity has it).
import { DateTime } from 'luxon';
import {
  controlsOf,
  createClock,
  header,
  json,
  acceptsMediaType,
  likeToRegExp,
  parseBasic,
  startVendorServer,
  undefinedParams,
  type Clock,
  type SimRequest,
  type SimResponse,
  type SimulatorControls,
} from './vendorKit';

export const CONNECTWISE_DEFAULT_COMPANY = 'pollstertest';
export const CONNECTWISE_DEFAULT_PUBLIC_KEY = 'PubKey5QBrF9Eobsojj';
export const CONNECTWISE_DEFAULT_PRIVATE_KEY = 'PrivKeyq2M7Yv1Rz8';
export const CONNECTWISE_DEFAULT_CLIENT_ID = '3f5e8f2a-6f1c-4a53-9a7c-5d2f7c1b9e40';

export const CONNECTWISE_RESOURCES = ['company/contacts', 'company/companies', 'service/tickets'] as const;

export interface ConnectWiseSimulatorOptions {
  company?: string;
  publicKey?: string;
  privateKey?: string;
  /** Registered integration clientIds accepted in the `clientId` header. */
  clientIds?: string[];
  /** Path segment before `apis/3.0`. Default "v4_6_release/". */
  codebase?: string;
  /** assumed: default pageSize is undocumented; 25 is commonly assumed. */
  defaultPageSize?: number;
  /** Resources whose `_info` carries dateEntered/enteredBy. Default: only service/tickets, the only place it was seen. */
  dateEnteredOn?: string[];
  /** API versions served (the `version` of the media type). Default: the contract's, 2025.8. */
  apiVersions?: string[];
  clock?: Clock;
}

export type ConnectWiseRecord = Record<string, unknown> & { id: number; _info: Record<string, string> };

export interface ConnectWiseSimulator extends SimulatorControls {
  url: string;
  clock: Clock;
  close(): Promise<void>;
  /** `resource` is a path like "company/contacts". */
  create(resource: string, fields: Record<string, unknown>): ConnectWiseRecord;
  update(resource: string, id: number, fields: Record<string, unknown>): ConnectWiseRecord;
  records(resource: string): ConnectWiseRecord[];
}

const MAX_PAGE_SIZE = 1000; // documented hard limit
export const CONNECTWISE_MEDIA_TYPE = 'application/vnd.connectwise.com+json';
export const CONNECTWISE_CONTRACT_VERSION = '2025.8';
/** The query parameters the contract defines for list and count GETs. */
const LIST_PARAMS = ['conditions', 'childConditions', 'customFieldConditions', 'orderBy', 'fields', 'page', 'pageSize', 'pageId'];

// The server's help text for malformed conditions, as third-party reports quote it; the first sentence varies.
const CONDITIONS_HELP =
  'String values should be enclosed with double or single quotes; DateTime values should be enclosed in square brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean values should be indicated with the keywords true or false; null values should be indicated by the keyword null.';

const cwError = (code: string, message: string, errors?: unknown[]) => ({ code, message, ...(errors ? { errors } : {}) });

function defaultErrorBody(status: number) {
  // assumed: only the 400/404 bodies are documented; the others reuse the same {code, message} shape.
  switch (status) {
    case 401:
      return cwError('Unauthorized', 'The supplied authentication is incorrect.');
    case 403:
      return cwError('Forbidden', 'You do not have the security permissions to access this resource.');
    case 404:
      return cwError('ConnectWiseApi', 'The endpoint does not exist.');
    case 429:
      return cwError('TooManyRequests', 'Request volume exceeds capacity limits. Retry after the number of seconds in Retry-After.');
    default:
      return status >= 500 ? cwError('UnexpectedError', 'An unexpected error occurred.') : cwError('BadRequest', `HTTP ${status}`);
  }
}

class ConditionError extends Error {}

// ---- conditions language: = != < <= > >= contains like in not, and/or, ( ) ----

type Val =
  | { t: 'string'; v: string }
  | { t: 'numeric'; v: number }
  | { t: 'datetime'; v: number }
  | { t: 'boolean'; v: boolean }
  | { t: 'null' };
type Cond =
  | { k: 'and' | 'or'; a: Cond; b: Cond }
  | { k: 'not'; a: Cond }
  | { k: 'cmp'; field: string; op: string; v: Val }
  | { k: 'in'; field: string; vs: Val[]; negate: boolean };
type Tok = { t: 'op' | 'word' | 'punct'; v: string } | { t: 'val'; v: Val };

const TOKEN = /\s*(?:(<=|>=|!=|=|<|>)|([(),])|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|\[([^\]]*)\]|(-?\d+(?:\.\d+)?)(?![\w/.])|([A-Za-z_][\w/.]*))/y;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (src.slice(TOKEN.lastIndex).trim() !== '') {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new ConditionError(`Unexpected input at '${src.slice(at).trim()}'. ${CONDITIONS_HELP}`);
    if (m[1]) out.push({ t: 'op', v: m[1] });
    else if (m[2]) out.push({ t: 'punct', v: m[2] });
    else if (m[3] !== undefined || m[4] !== undefined) out.push({ t: 'val', v: { t: 'string', v: (m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1') } });
    else if (m[5] !== undefined) {
      const d = DateTime.fromISO(m[5].trim(), { zone: 'utc' });
      if (!d.isValid) throw new ConditionError(`Invalid DateTime value [${m[5]}]. ${CONDITIONS_HELP}`);
      out.push({ t: 'val', v: { t: 'datetime', v: d.toMillis() } });
    } else if (m[6] !== undefined) out.push({ t: 'val', v: { t: 'numeric', v: Number(m[6]) } });
    else if (m[7]) {
      const w = m[7].toLowerCase();
      if (w === 'true' || w === 'false') out.push({ t: 'val', v: { t: 'boolean', v: w === 'true' } });
      else if (w === 'null') out.push({ t: 'val', v: { t: 'null' } });
      else out.push({ t: 'word', v: m[7] });
    }
  }
  return out;
}

function parseConditions(src: string): Cond {
  const toks = tokenize(src);
  let i = 0;
  const word = () => {
    const t = toks[i];
    return t?.t === 'word' ? t.v.toLowerCase() : undefined;
  };
  const value = (): Val => {
    const t = toks[i++];
    if (t?.t !== 'val') throw new ConditionError(`Expected a value. ${CONDITIONS_HELP}`);
    return t.v;
  };
  const or = (): Cond => {
    let a = and();
    while (word() === 'or') {
      i++;
      a = { k: 'or', a, b: and() };
    }
    return a;
  };
  const and = (): Cond => {
    let a = unary();
    while (word() === 'and') {
      i++;
      a = { k: 'and', a, b: unary() };
    }
    return a;
  };
  const unary = (): Cond => {
    if (word() === 'not') {
      i++;
      return { k: 'not', a: unary() };
    }
    const t = toks[i++];
    if (t?.t === 'punct' && t.v === '(') {
      const c = or();
      const close = toks[i++];
      if (close?.t !== 'punct' || close.v !== ')') throw new ConditionError("Expected ')'");
      return c;
    }
    if (t?.t !== 'word') throw new ConditionError(`Expected a field name. ${CONDITIONS_HELP}`);
    const opTok = toks[i++];
    let op = opTok?.t === 'op' ? opTok.v : opTok?.t === 'word' ? opTok.v.toLowerCase() : '';
    let negate = false;
    if (op === 'not') {
      // `field not in (…)` / `field not like "…"`
      const next = toks[i++];
      op = next?.t === 'word' ? next.v.toLowerCase() : '';
      negate = true;
    }
    if (op === 'in') {
      const open = toks[i++];
      if (open?.t !== 'punct' || open.v !== '(') throw new ConditionError("Expected '(' after in");
      const vs = [value()];
      while (toks[i]?.t === 'punct' && (toks[i] as { v: string }).v === ',') {
        i++;
        vs.push(value());
      }
      const close = toks[i++];
      if (close?.t !== 'punct' || close.v !== ')') throw new ConditionError("Expected ')' after in list");
      return { k: 'in', field: t.v, vs, negate };
    }
    if (!['=', '!=', '<', '<=', '>', '>=', 'contains', 'like'].includes(op)) throw new ConditionError(`Unknown operator '${op}'. ${CONDITIONS_HELP}`);
    const c: Cond = { k: 'cmp', field: t.v, op, v: value() };
    return negate ? { k: 'not', a: c } : c;
  };
  const c = or();
  if (i < toks.length) throw new ConditionError(`Unexpected input after condition. ${CONDITIONS_HELP}`);
  return c;
}

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function typeOf(v: unknown): Val['t'] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'numeric';
  if (typeof v === 'string') return ISO_Z.test(v) ? 'datetime' : 'string';
  return undefined;
}

/** Case-insensitive `a/b/c` path lookup; a field missing at the top level falls back to `_info` (lastUpdated → _info.lastUpdated). */
function lookup(rec: Record<string, unknown>, path: string): unknown {
  const get = (obj: unknown, segs: string[]): unknown => {
    let cur = obj;
    for (const seg of segs) {
      if (cur === null || typeof cur !== 'object') return undefined;
      const o = cur as Record<string, unknown>;
      const k = Object.keys(o).find((key) => key.toLowerCase() === seg.toLowerCase());
      cur = k === undefined ? undefined : o[k];
    }
    return cur;
  };
  const segs = path.split('/');
  const direct = get(rec, segs);
  return direct === undefined && segs.length === 1 ? get(rec, ['_info', ...segs]) : direct;
}

function comparable(field: string, actual: unknown, v: Val): number | string | boolean | undefined {
  const t = typeOf(actual);
  if (t === undefined || v.t === 'null') return undefined;
  // Types must match exactly, as the real server insists (hence its long error message).
  if (t !== v.t) throw new ConditionError(`Expected a ${t} value, not a ${v.t} for field ${field}. ${CONDITIONS_HELP}`);
  return t === 'datetime' ? Date.parse(actual as string) : (actual as number | string | boolean);
}

function evaluate(c: Cond, rec: Record<string, unknown>): boolean {
  switch (c.k) {
    case 'and':
      return evaluate(c.a, rec) && evaluate(c.b, rec);
    case 'or':
      return evaluate(c.a, rec) || evaluate(c.b, rec);
    case 'not':
      return !evaluate(c.a, rec);
    case 'in': {
      const actual = lookup(rec, c.field);
      const hit = c.vs.some((v) => {
        const a = comparable(c.field, actual, v);
        const b = 'v' in v ? v.v : undefined;
        return a !== undefined && (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b);
      });
      return c.negate ? !hit : hit;
    }
    case 'cmp': {
      const actual = lookup(rec, c.field);
      if (c.v.t === 'null') return c.op === '=' ? actual == null : c.op === '!=' ? actual != null : false;
      const a = comparable(c.field, actual, c.v);
      if (a === undefined) return c.op === '!=';
      const b = c.v.v;
      if (c.op === 'contains') return String(a).toLowerCase().includes(String(b).toLowerCase());
      if (c.op === 'like') return likeToRegExp(String(b)).test(String(a));
      // assumed: string comparisons are case-insensitive (SQL Server collation).
      const [x, y] = typeof a === 'string' ? [a.toLowerCase(), String(b).toLowerCase()] : [a, b];
      switch (c.op) {
        case '=':
          return x === y;
        case '!=':
          return x !== y;
        case '<':
          return x < y;
        case '<=':
          return x <= y;
        case '>':
          return x > y;
        default:
          return x >= y;
      }
    }
  }
}

function project(rec: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = lookup(rec, f);
    if (v === undefined) continue;
    const segs = f.split('/');
    let cur = out;
    segs.forEach((seg, idx) => {
      if (idx === segs.length - 1) cur[seg] = v;
      else cur = (cur[seg] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

export async function startConnectWiseSimulator(options: ConnectWiseSimulatorOptions = {}): Promise<ConnectWiseSimulator> {
  const company = options.company ?? CONNECTWISE_DEFAULT_COMPANY;
  const publicKey = options.publicKey ?? CONNECTWISE_DEFAULT_PUBLIC_KEY;
  const privateKey = options.privateKey ?? CONNECTWISE_DEFAULT_PRIVATE_KEY;
  const clientIds = options.clientIds ?? [CONNECTWISE_DEFAULT_CLIENT_ID];
  const defaultPageSize = options.defaultPageSize ?? 25;
  const dateEnteredOn = options.dateEnteredOn ?? ['service/tickets'];
  const versions = options.apiVersions ?? [CONNECTWISE_CONTRACT_VERSION];
  const mediaType = (version: string) => `${CONNECTWISE_MEDIA_TYPE}; version=${version}`;
  const clock = options.clock ?? createClock();
  const prefix = `/${options.codebase ?? 'v4_6_release/'}apis/3.0`;
  const stores = new Map<string, Map<number, ConnectWiseRecord>>(CONNECTWISE_RESOURCES.map((r) => [r, new Map()]));
  let nextId = 1001;

  const fmt = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
  const storeOf = (resource: string) => {
    const s = stores.get(resource.replace(/^\/+|\/+$/g, ''));
    if (!s) throw new Error(`ConnectWise simulator: unknown resource ${resource}`);
    return s;
  };
  const copy = (r: ConnectWiseRecord) => structuredClone(r);

  const listRecords = (resource: string, req: SimRequest, countOnly: boolean): SimResponse => {
    const q = req.query;
    let rows = [...storeOf(resource).values()];
    try {
      const conditions = q.get('conditions');
      if (conditions) {
        const cond = parseConditions(conditions);
        rows = rows.filter((r) => evaluate(cond, r));
      }
    } catch (err) {
      // assumed: code "InvalidObject"-style codes are for bodies; bad conditions answer a generic 400.
      if (err instanceof ConditionError) return json(400, cwError('BadRequest', err.message));
      throw err;
    }
    if (countOnly) return json(200, { count: rows.length });

    const pageIdRaw = q.get('pageId');
    const forwardOnly = pageIdRaw !== null || (header(req, 'pagination-type') ?? '').toLowerCase() === 'forward-only';
    if (pageIdRaw !== null) {
      // Forward-only paging: "Treated like an additional condition of Id > pageId".
      rows = rows.filter((r) => r.id > Number(pageIdRaw));
    }
    // assumed: without orderBy, records come back in id order; forward-only paging always is.
    const orderBy = forwardOnly ? 'id asc' : (q.get('orderBy') ?? 'id asc');
    const keys = orderBy.split(',').map((part) => {
      const [field = 'id', dir = 'asc'] = part.trim().split(/\s+/);
      return { field, desc: dir.toLowerCase() === 'desc' };
    });
    rows.sort((a, b) => {
      for (const k of keys) {
        const x = lookup(a, k.field) as string | number | undefined;
        const y = lookup(b, k.field) as string | number | undefined;
        if (x !== y) return (x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1) * (k.desc ? -1 : 1);
      }
      return a.id - b.id;
    });

    const pageSize = Math.min(Math.max(Number(q.get('pageSize') ?? defaultPageSize) || defaultPageSize, 1), MAX_PAGE_SIZE);
    const page = forwardOnly ? 1 : Math.max(Number(q.get('page') ?? 1) || 1, 1);
    const slice = rows.slice((page - 1) * pageSize, page * pageSize);
    const fields = q.get('fields')?.split(',').map((f) => f.trim()).filter(Boolean);
    const body = slice.map((r) => (fields ? project(r, fields) : copy(r)));

    // Link header: absolute URLs that keep every other parameter (conditions, pageSize, …).
    const link = (rel: string, set: Record<string, string>) => {
      const params = new URLSearchParams(q);
      for (const [k, v] of Object.entries(set)) params.set(k, v);
      return `<${req.origin}${req.path}?${params.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (forwardOnly) {
      const last = slice[slice.length - 1];
      if (last && rows.length > pageSize) links.push(link('next', { pageId: String(last.id) }));
    } else {
      const lastPage = Math.max(1, Math.ceil(rows.length / pageSize));
      // assumed: first/prev/last accompany the documented rel="next".
      if (page > 1) links.push(link('first', { page: '1' }), link('prev', { page: String(Math.min(page - 1, lastPage)) }));
      if (page < lastPage) links.push(link('next', { page: String(page + 1) }), link('last', { page: String(lastPage) }));
    }
    return json(200, body, links.length ? { Link: links.join(', ') } : undefined);
  };

  const handle = (req: SimRequest): SimResponse => {
    const creds = parseBasic(header(req, 'authorization'));
    if (!creds || creds.user !== `${company}+${publicKey}` || creds.pass !== privateKey) return json(401, defaultErrorBody(401));
    // assumed: a missing/unknown clientId is rejected as unauthenticated (the guide only says it is required).
    const clientId = header(req, 'clientid');
    if (!clientId || !clientIds.includes(clientId)) return json(401, cwError('Unauthorized', 'A valid clientId header is required for all API calls.'));
    // The contract serves one media type per version; assumed: the error body for a 406.
    const version = versions.find((v) => acceptsMediaType(req, mediaType(v)));
    if (version === undefined) {
      return json(406, cwError('NotAcceptable', `The Accept header must admit ${versions.map(mediaType).join(' or ')}.`));
    }
    if (!req.path.startsWith(`${prefix}/`)) return json(404, defaultErrorBody(404));
    const rest = req.path.slice(prefix.length + 1).replace(/\/+$/, '');
    const m = /^([a-z]+\/[a-z]+)(?:\/(count|\d+))?$/i.exec(rest);
    const resource = m?.[1]?.toLowerCase();
    if (!m || !resource || !stores.has(resource)) return json(404, defaultErrorBody(404));
    // assumed: only reads are simulated; records are written through create()/update().
    if (req.method !== 'GET') return json(405, cwError('MethodNotAllowed', 'The requested resource does not support this method.'));
    const typed = (res: SimResponse): SimResponse => (res.body === undefined ? res : { ...res, headers: { 'Content-Type': mediaType(version), ...res.headers } });
    if (m[2] === 'count' || m[2] === undefined) {
      // assumed: the status and body for a parameter the contract does not define.
      const unknown = undefinedParams(req.query, LIST_PARAMS);
      if (unknown.length > 0) return json(400, cwError('InvalidParameter', `Unknown query parameter(s): ${unknown.join(', ')}.`));
      return typed(listRecords(resource, req, m[2] === 'count'));
    }
    const rec = stores.get(resource)?.get(Number(m[2]));
    // assumed: record-not-found body.
    return rec ? typed(json(200, copy(rec))) : json(404, cwError('NotFound', `Record with id ${m[2]} not found.`));
  };

  const server = await startVendorServer({ handle, errorBody: defaultErrorBody, isApi: (p) => p.startsWith(prefix), clock });

  return {
    ...controlsOf(server),
    url: server.origin + prefix,
    clock,
    close: server.close,
    create(resource, fields) {
      const key = resource.replace(/^\/+|\/+$/g, '');
      const store = storeOf(key);
      const now = fmt(clock.now());
      const info: Record<string, string> = { lastUpdated: now, updatedBy: 'PollsterSim' };
      if (dateEnteredOn.includes(key)) Object.assign(info, { dateEntered: now, enteredBy: 'PollsterSim' });
      const rec: ConnectWiseRecord = { ...structuredClone(fields), id: nextId++, _info: info };
      store.set(rec.id, rec);
      return copy(rec);
    },
    update(resource, id, fields) {
      const rec = storeOf(resource).get(id);
      if (!rec) throw new Error(`ConnectWise simulator: no ${resource} ${id}`);
      const { id: _id, _info: _ignored, ...rest } = structuredClone(fields);
      Object.assign(rec, rest);
      rec._info.lastUpdated = fmt(clock.now());
      return copy(rec);
    },
    records(resource) {
      return [...storeOf(resource).values()].map(copy);
    },
  };
}
