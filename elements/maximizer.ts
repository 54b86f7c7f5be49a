/**
 * `maximizer`: Maximizer CRM Octopus API. Every read is `POST {root}/Read` with
 * the object (AbEntry / Opportunity), Scope, Criteria.SearchQuery and OrderBy paging in the body.
 * `/hubs/crm/contacts?where=LastModifyDate>'…'` →
 * `{"AbEntry": {"Criteria": {"SearchQuery": {"$AND": [{"Type": {"$IN": ["Individual","Contact"]}}, {"LastModifyDate": {"$GT": "…"}}]}}, …}}`.
 * Octopus answers errors, a bad token included, with HTTP 200 and `{"Code": -1, "Msg": [...]}`.
 */
import { Buffer } from 'node:buffer';
import { conjuncts, type CeqlExpr, type CeqlValue } from './ceql';
import { apiRoot, badRequest, dateLiteral, fieldsOf, filterLocally, parseHubUrl, requireKeys, validatePollerUrls, type ConfigurationKeyIssue } from './hub';
import { accessToken, authorizationUrl, oauthAuthenticate } from './oauth2';
import { requestJson } from './providerHttp';
import { capRecords } from './providerLimits';
import { ProviderError } from './providerError';
import type { AdapterContext, AuthenticateRequest, Credentials, ElementAdapter, PageRequest, PageResult } from './types';

const DEFAULT_ROOT = 'https://api.maximizer.com/octopus';
const ABENTRY_DRIVER = 'Maximizer.Model.Access.Sql.AbEntrySearcher';

type MaxObject = 'AbEntry' | 'Opportunity';

/** contacts/companies/addressbook-entries are AbEntry rows told apart by Type (a Contact belongs to a Company). */
const RESOURCES: Record<string, { object: MaxObject; types?: string[] }> = {
  contacts: { object: 'AbEntry', types: ['Individual', 'Contact'] },
  companies: { object: 'AbEntry', types: ['Company'] },
  'addressbook-entries': { object: 'AbEntry' },
  opportunities: { object: 'Opportunity' },
};

/** Fields of each object the vendor documents; others can be added by configuration. */
const FIELDS: Record<MaxObject, string[]> = {
  AbEntry: ['Key', 'Type', 'ParentKey', 'CompanyName', 'FirstName', 'LastName', 'Creator', 'CreationDate', 'ModifiedBy', 'LastModifyDate', 'LastContactDate'],
  Opportunity: ['Key', 'AbEntryKey', 'Objective', 'Status', 'CreationDate', 'ModifiedBy', 'LastModifyDate'],
};
const FIELD_KEYS: Record<MaxObject, string> = { AbEntry: 'maximizer.abentry.fields', Opportunity: 'maximizer.opportunity.fields' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** One DNS label: `caw`, `cae`, `ukw`… */
const DATACENTER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const OPS: Record<string, string> = { '=': '$EQ', '!=': '$NE', '<>': '$NE', '<': '$LT', '<=': '$LE', '>': '$GT', '>=': '$GE' };

function resourceOf(name: string): { object: MaxObject; types?: string[] } {
  const r = RESOURCES[name.toLowerCase()];
  if (!r) throw badRequest(`unknown Maximizer resource '${name}' (expected one of ${Object.keys(RESOURCES).join(', ')})`);
  return r;
}

/**
 * Request date literals are zone-less UTC, as in the vendor's examples. Octopus dates have whole
 * seconds, so a fractional bound is widened to the enclosing second (and re-checked locally).
 */
function value(v: CeqlValue, op: string): { value: unknown; exact: boolean } | undefined {
  if (v === null) return undefined;
  const date = dateLiteral(v);
  if (!date) return { value: v, exact: true };
  if (date.wholeSecond) return { value: date.at.toFormat("yyyy-MM-dd'T'HH:mm:ss"), exact: true };
  const widened = op === '$GT' || op === '$GE' ? date.at.startOf('second') : op === '$LT' || op === '$LE' ? date.at.startOf('second').plus({ seconds: 1 }) : undefined;
  return widened ? { value: widened.toFormat("yyyy-MM-dd'T'HH:mm:ss"), exact: false } : undefined;
}

/** CEQL → SearchQuery v2; `exact: false` means the vendor returns a superset that must be re-checked. */
export function toSearchQuery(expr: CeqlExpr): { query: Record<string, unknown>; exact: boolean } | undefined {
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const [l, r] = [toSearchQuery(expr.left), toSearchQuery(expr.right)];
      if (!l || !r) return undefined;
      const exact = l.exact && r.exact;
      if (expr.kind === 'or' && !exact) return undefined; // a widened branch cannot be re-checked inside an OR
      return { query: { [expr.kind === 'and' ? '$AND' : '$OR']: [l.query, r.query] }, exact };
    }
    case 'cmp': {
      const op = OPS[expr.op];
      const v = op && NAME.test(expr.field) ? value(expr.value, op) : undefined;
      return op && v ? { query: { [expr.field]: { [op]: v.value } }, exact: v.exact } : undefined;
    }
    case 'in': {
      const values = expr.values.map((x) => value(x, '$EQ'));
      if (!NAME.test(expr.field) || values.some((x) => !x)) return undefined;
      return { query: { [expr.field]: { [expr.negated ? '$NIN' : '$IN']: values.map((x) => x?.value) } }, exact: true };
    }
    case 'like':
      return NAME.test(expr.field) ? { query: { [expr.field]: { [expr.negated ? '$NLIKE' : '$LIKE']: expr.pattern } }, exact: true } : undefined;
    case 'isNull':
      return undefined; // Octopus documents no null test
  }
}

export interface MaximizerQuery {
  object: MaxObject;
  searchQuery?: Record<string, unknown>;
  fields: string[];
  local: CeqlExpr[];
}

/** `only`: the fields the request needs (an id scan: its id), instead of the resource's usual Scope. */
export function translate(resource: string, where: CeqlExpr | undefined, extraFields: string[] = [], only?: string[]): MaximizerQuery {
  const { object, types } = resourceOf(resource);
  const parts: Record<string, unknown>[] = [];
  if (types) parts.push({ Type: types.length === 1 ? { $EQ: types[0] } : { $IN: types } });
  const local: CeqlExpr[] = [];
  for (const c of where ? conjuncts(where) : []) {
    const t = toSearchQuery(c);
    if (t) parts.push(t.query);
    if (!t?.exact) local.push(c);
  }
  // Octopus returns only the Scope's fields: add those the where clause reads, or local checks would fail.
  const referenced = (where ? fieldsOf(where) : []).map((f) => f.split('.')[0] ?? f).filter((f) => NAME.test(f));
  const wanted = only?.length ? ['Key', ...only.map((f) => f.split('.')[0] ?? f).filter((f) => NAME.test(f))] : [...FIELDS[object], ...extraFields];
  const fields = [...new Set([...wanted, ...referenced])];
  const searchQuery = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { $AND: parts };
  return { object, searchQuery, fields, local };
}

export function readBody(q: MaximizerQuery, pageSize: number, pageKey: string | undefined): Record<string, unknown> {
  const spec = {
    Scope: { Fields: Object.fromEntries(q.fields.map((f) => [f, 1])) },
    ...(q.searchQuery ? { Criteria: { SearchQuery: q.searchQuery } } : {}),
    // Creation order: an update never moves a record, so offset-based PageKeys neither skip nor repeat.
    OrderBy: { PageKey: pageKey ?? null, PageSize: pageSize, Fields: [{ CreationDate: 'ASC' }] },
  };
  return q.object === 'AbEntry'
    ? { AbEntry: spec, Compatibility: { AbEntryKey: '2.0' }, Configuration: { Drivers: { IAbEntrySearcher: ABENTRY_DRIVER } } }
    : { [q.object]: spec };
}

/** One entry of Octopus' `Msg`: a string, or `{Message, ErrorCode}` as its validation errors write it. */
function messageText(m: unknown): string {
  if (m && typeof m === 'object') {
    const { Message, ErrorCode } = m as Record<string, unknown>;
    if (typeof Message === 'string') return ErrorCode === undefined ? Message : `${Message} (ErrorCode ${String(ErrorCode)})`;
    return JSON.stringify(m);
  }
  return String(m);
}

/** HTTP 200 with a negative Code is an error; "Token is invalid" means refresh (the workflow does it once). */
export function checkCode(body: unknown, status: number): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.Code === 0) return b;
  const msg = (Array.isArray(b.Msg) ? b.Msg.map(messageText).join('; ') : typeof b.Msg === 'string' ? b.Msg : JSON.stringify(body)).slice(0, 500);
  const auth = /token/i.test(msg) && /invalid|expired/i.test(msg);
  throw new ProviderError(`Maximizer answered Code ${String(b.Code)}: ${msg}`, auth ? 401 : status, auth ? 'auth' : 'client');
}

/** The next PageKey: the one Octopus returns, else (vendor gap) base64 of the next offset when the page was full. */
function nextPageKey(data: Record<string, unknown>, rows: number, pageSize: number, pageKey: string | undefined): string | undefined {
  if ('PageKey' in data) return typeof data.PageKey === 'string' && data.PageKey !== '' && rows > 0 ? data.PageKey : undefined;
  if (rows < pageSize) return undefined;
  const offset = pageKey ? Number(Buffer.from(pageKey, 'base64').toString('utf8')) : 0;
  return Buffer.from(String((Number.isFinite(offset) ? offset : 0) + pageSize), 'utf8').toString('base64');
}

function extraFields(c: Readonly<Record<string, string>>, object: MaxObject): string[] {
  return (c[FIELD_KEYS[object]] ?? '').split(',').map((f) => f.trim()).filter((f) => NAME.test(f));
}

async function fetchPage(req: PageRequest, ctx: AdapterContext): Promise<PageResult> {
  const c = ctx.configuration;
  const { resource, where } = parseHubUrl(req.url, 'crm');
  const q = translate(resource, where, extraFields(c, resourceOf(resource).object), req.fields);
  const headers = { authorization: `Bearer ${accessToken(ctx.credentials)}` };
  let pageKey = req.pageToken;
  for (;;) {
    const res = await requestJson(`${apiRoot(c, DEFAULT_ROOT)}/Read`, { method: 'POST', body: readBody(q, req.pageSize, pageKey), headers, signal: ctx.signal });
    const body = checkCode(res.body, res.status);
    const data = (body[q.object] ?? {}) as Record<string, unknown>;
    if (!Array.isArray(data.Data)) throw new ProviderError(`Maximizer answered without ${q.object}.Data`, res.status, 'client');
    const next = nextPageKey(data, data.Data.length, req.pageSize, pageKey);
    const records = filterLocally(capRecords(data.Data, `${apiRoot(c, DEFAULT_ROOT)}/Read`), q.local, ctx.onFiltered);
    if (records.length > 0 || next === undefined) return { records, nextPageToken: next };
    pageKey = next;
  }
}

/**
 * OAuth endpoints: explicit keys first; with base.url, Maximizer's `/MaximizerWebAuthentication/OAuth2/…`
 * on its origin; else Cloud Elements' CRM Live form `https://{datacenter}.maximizercrmlive.com/OAuth2/{alias}/…`.
 */
function oauthEndpoints(c: Readonly<Record<string, string>>): { authorize: string; token: string } {
  const base = c['base.url']?.trim();
  const dc = c['maximizer.datacenter']?.trim() || 'caw';
  const alias = c['maximizer.alias']?.trim();
  const prefix = base
    ? `${new URL(base).origin}/MaximizerWebAuthentication/OAuth2`
    : alias
      ? `https://${dc}.maximizercrmlive.com/OAuth2/${encodeURIComponent(alias)}`
      : `https://${dc}.maximizercrmlive.com/MaximizerWebAuthentication/OAuth2`;
  return {
    authorize: c['oauth.authorization.url']?.trim() || `${prefix}/Authorize`,
    token: c['oauth.token.url']?.trim() || `${prefix}/Token`,
  };
}

/** A Personal Access Token: nothing to exchange or refresh. */
const directCredentials = {
  key: 'maximizer.token',
  read(c: Readonly<Record<string, string>>): Credentials | undefined {
    const pat = c['maximizer.token']?.trim();
    return pat ? { accessToken: pat } : undefined;
  },
};

async function authenticate(request: AuthenticateRequest): Promise<Credentials> {
  const c = request.configuration;
  const direct = directCredentials.read(c);
  if (direct) return direct;
  return oauthAuthenticate(request, {
    tokenUrl: oauthEndpoints(c).token,
    clientId: c['oauth.api.key'] ?? '',
    clientSecret: c['oauth.api.secret'] ?? '',
    redirectUri: c['oauth.callback.url'] ?? '',
  });
}

const DATE_MASK = "yyyy-MM-dd'T'HH:mm:ssXXX";
/**
 * Cloud Elements' published contacts/companies default plus `CreationDate`, and the two it left as
 * `{ }`. Octopus documents its dates as ISO-8601, so they are read as ISO-8601 (no format): any
 * fraction or offset, which `yyyy-MM-dd'T'HH:mm:ssXXX` would refuse. URLs keep Cloud Elements' mask.
 */
function defaultResource(resource: string): Record<string, unknown> {
  return {
    url: `/hubs/crm/${resource}?where=LastModifyDate>'\${date:${DATE_MASK}}'`,
    idField: 'Key',
    datesConfiguration: {
      updatedDateField: 'LastModifyDate',
      createdDateField: 'CreationDate',
    },
  };
}

export const maximizerElement: ElementAdapter = {
  definition: {
    key: 'maximizer',
    name: 'Maximizer CRM',
    hub: 'crm',
    authType: 'oauth2',
    description: 'Maximizer CRM Octopus API: contacts, companies, addressbook-entries (AbEntry), opportunities.',
    configuration: [
      { key: 'oauth.api.key', name: 'Client ID', type: 'TEXTFIELD_128', required: true, description: 'Not needed with maximizer.token' },
      { key: 'oauth.api.secret', name: 'Client Secret', type: 'PASSWORD', required: true, description: 'Not needed with maximizer.token' },
      { key: 'oauth.callback.url', name: 'Redirect URI', type: 'TEXTFIELD_1000', required: true, description: 'Not needed with maximizer.token' },
      { key: 'maximizer.token', name: 'Personal Access Token', type: 'PASSWORD', required: false, description: 'Instead of the OAuth2 code grant' },
      { key: 'maximizer.datacenter', name: 'Data center', type: 'TEXTFIELD_128', required: false, defaultValue: 'caw' },
      { key: 'maximizer.alias', name: 'Account alias', type: 'TEXTFIELD_128', required: false, description: 'The <alias> of https://caw.maximizercrmlive.com/<alias>; names the OAuth2 endpoints' },
      { key: 'maximizer.url', name: 'Maximizer URL', type: 'TEXTFIELD_1000', required: false, description: 'Accepted for Cloud Elements compatibility; the Octopus API root is base.url' },
      { key: 'maximizer.abentry.fields', name: 'Extra AbEntry fields', type: 'TEXTFIELD_1000', required: false, description: 'Comma-separated Scope fields added to contacts/companies/addressbook-entries records' },
      { key: 'maximizer.opportunity.fields', name: 'Extra Opportunity fields', type: 'TEXTFIELD_1000', required: false, description: 'Comma-separated Scope fields added to opportunities records' },
      { key: 'oauth.authorization.url', name: 'Authorization URL', type: 'TEXTFIELD_1000', required: false },
      { key: 'oauth.token.url', name: 'Token URL', type: 'TEXTFIELD_1000', required: false },
      { key: 'base.url', name: 'API root', type: 'TEXTFIELD_1000', required: false, description: `Overrides ${DEFAULT_ROOT}` },
    ],
    defaultPollerConfiguration: Object.fromEntries(Object.keys(RESOURCES).map((r) => [r, defaultResource(r)])),
  },
  validate(c) {
    const issues: ConfigurationKeyIssue[] = c['maximizer.token']?.trim() ? [] : requireKeys(c, ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url'], 'required (or maximizer.token)');
    // It becomes the first label of the token endpoint's host: anything else could name another host (`127.0.0.1:80/`).
    const dc = c['maximizer.datacenter']?.trim();
    if (dc && !DATACENTER.test(dc)) issues.push({ key: 'maximizer.datacenter', message: 'expected a data center name such as caw (letters, digits and hyphens)' });
    issues.push(...validatePollerUrls(c, (url) => {
      const { resource, where } = parseHubUrl(url, 'crm');
      translate(resource, where);
    }));
    return issues;
  },
  fetchPage,
  authenticate,
  directCredentials,
  oauthUrl({ apiKey, callbackUrl, state, configuration: c }) {
    return authorizationUrl(oauthEndpoints(c).authorize, { response_type: 'code', client_id: apiKey, redirect_uri: callbackUrl, scope: c['oauth.scope']?.trim() || 'data', state });
  },
};
