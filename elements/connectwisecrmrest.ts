/**
 * `connectwisecrmrest`: ConnectWise Manage / PSA REST (`…/v4_6_release/apis/3.0`).
 * `/hubs/crm/contacts?where=lastUpdated>'…'` → `GET {root}/company/contacts?conditions=lastUpdated>[…]&orderBy=id asc&page=1&pageSize=N`
 * with Basic `company+publicKey:privateKey`, the integration's `clientId` header, and the media type
 * of a pinned API version in Accept (ConnectWise's OpenAPI declares no other response type). Every
 * CEQL operator has a `conditions` counterpart, so the whole clause is filtered by ConnectWise.
 */
import type { CeqlExpr, CeqlValue } from './ceql';
import { nextLink } from './http';
import { apiRoot, badRequest, dateLiteral, pageNumber, parseHubUrl, requireKeys, utcSeconds, validatePollerUrls, type ConfigurationKeyIssue } from './hub';
import { requestJson } from './providerHttp';
import { capRecords } from './providerLimits';
import { ProviderError } from './providerError';
import type { AdapterContext, ElementAdapter, PageRequest, PageResult } from './types';

const ENDPOINTS: Record<string, string> = {
  contacts: 'company/contacts',
  organizations: 'company/companies',
  incidents: 'service/tickets',
};

const MAX_PAGE_SIZE = 1000; // ConnectWise's documented hard limit
const VERSION_KEY = 'connectwise.api.version';
/** The API version whose contract this element was checked against (ConnectWise's OpenAPI 2025.8). */
export const DEFAULT_API_VERSION = '2025.8';
const VERSION = /^\d{4}\.\d{1,2}$/;

/** ConnectWise's versioned media type, for Accept. */
export function mediaType(c: Readonly<Record<string, string>>): string {
  return `application/vnd.connectwise.com+json; version=${c[VERSION_KEY]?.trim() || DEFAULT_API_VERSION}`;
}
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function endpointOf(resource: string): string {
  const endpoint = ENDPOINTS[resource.toLowerCase()];
  if (!endpoint) throw badRequest(`unknown ConnectWise resource '${resource}' (expected one of ${Object.keys(ENDPOINTS).join(', ')})`);
  return endpoint;
}

/** CEQL paths are dotted, ConnectWise's use `/`; `_info.lastUpdated` is filtered as `lastUpdated`. */
function conditionField(field: string): string {
  const f = field.replace(/^_info\./, '').replaceAll('.', '/');
  if (!FIELD.test(f)) throw badRequest(`'${field}' cannot be used in ConnectWise conditions`);
  return f;
}

/** A conditions literal: strings in double quotes, date-times in square brackets (UTC). */
function literal(value: CeqlValue): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const date = dateLiteral(value);
  if (date) return `[${date.wholeSecond ? utcSeconds(date.at) : date.at.toISO()}]`;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** CEQL → ConnectWise `conditions` (exact: nothing is left for local evaluation). */
export function toConditions(expr: CeqlExpr): string {
  switch (expr.kind) {
    case 'and':
    case 'or': {
      // and/or are associative: only a child of the other kind needs parentheses.
      const wrap = (e: CeqlExpr): string => ((e.kind === 'and' || e.kind === 'or') && e.kind !== expr.kind ? `(${toConditions(e)})` : toConditions(e));
      return `${wrap(expr.left)} ${expr.kind} ${wrap(expr.right)}`;
    }
    case 'cmp': {
      const op = expr.op === '<>' ? '!=' : expr.op;
      if (expr.value === null && op !== '=' && op !== '!=') throw badRequest(`'${expr.field} ${expr.op} null' cannot be filtered`);
      return `${conditionField(expr.field)}${op}${literal(expr.value)}`;
    }
    case 'in':
      return `${conditionField(expr.field)} ${expr.negated ? 'not in' : 'in'} (${expr.values.map(literal).join(', ')})`;
    case 'like':
      return `${conditionField(expr.field)} ${expr.negated ? 'not like' : 'like'} ${literal(expr.pattern)}`;
    case 'isNull':
      return `${conditionField(expr.field)}${expr.negated ? '!=' : '='}null`;
  }
}

/** `filter.response.nulls` (default true, as on Cloud Elements): drop null-valued fields from records. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

function root(c: Readonly<Record<string, string>>): string {
  return apiRoot(c, c['baseUrl'] ?? '');
}

async function fetchPage(req: PageRequest, ctx: AdapterContext): Promise<PageResult> {
  const c = ctx.configuration;
  const { resource, where } = parseHubUrl(req.url, 'crm');
  const endpoint = endpointOf(resource);
  const page = pageNumber(req.pageToken, 1);
  const pageSize = Math.min(req.pageSize, MAX_PAGE_SIZE);
  const params: [string, string][] = [
    ...(where ? [['conditions', toConditions(where)] as [string, string]] : []),
    // An id scan needs the ids only: `fields` is a documented list parameter (with `id` always, for paging).
    ...(req.fields?.length ? [['fields', [...new Set(['id', ...req.fields.map(conditionField)])].join(',')] as [string, string]] : []),
    // id order keeps page paging stable while records change: an update never moves a record.
    ['orderBy', 'id asc'],
    ['page', String(page)],
    ['pageSize', String(pageSize)],
  ];
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const credentials = Buffer.from(`${c['company'] ?? ''}+${c['public.key'] ?? ''}:${c['private.key'] ?? ''}`).toString('base64');
  const res = await requestJson(`${root(c)}/${endpoint}?${query}`, {
    headers: { accept: mediaType(c), authorization: `Basic ${credentials}`, clientId: c['clientId'] ?? '' },
    signal: ctx.signal,
  });
  if (!Array.isArray(res.body)) throw new ProviderError('ConnectWise answered without a JSON array', res.status, 'client');
  capRecords(res.body, `${root(c)}/${endpoint}`);
  // Link rel="next" is the documented end-of-list signal; without any Link header, a full page implies more.
  const more = res.headers['link'] !== undefined ? nextLink(res.headers['link']) !== undefined : res.body.length >= pageSize;
  const records = c['filter.response.nulls'] === 'false' ? res.body : res.body.map(withoutNulls);
  return { records, nextPageToken: more && res.body.length > 0 ? String(page + 1) : undefined };
}

const DATE_MASK = "yyyy-MM-dd'T'HH:mm:ss'Z'";
/**
 * Cloud Elements published only `contacts`, with `_info.lastUpdated` as both dates (every event
 * CREATED). Here the created date is `_info.dateEntered`: where a record has it, a change is
 * CREATED or UPDATED correctly; where it has none (contacts and companies, in every public sample),
 * the event is UPDATED, and the record is not a problem record.
 */
function defaultResource(resource: string): Record<string, unknown> {
  return {
    url: `/hubs/crm/${resource}?where=lastUpdated>'\${gmtDate:${DATE_MASK}}'`,
    idField: 'id',
    datesConfiguration: {
      updatedDateField: '_info.lastUpdated',
      updatedDateFormat: DATE_MASK,
      updatedDateTimezone: 'GMT',
      createdDateField: '_info.dateEntered',
      createdDateFormat: DATE_MASK,
      createdDateTimezone: 'GMT',
    },
  };
}

export const connectWiseElement: ElementAdapter = {
  definition: {
    key: 'connectwisecrmrest',
    name: 'ConnectWise CRM REST',
    hub: 'crm',
    authType: 'custom',
    description: 'ConnectWise Manage / PSA REST API: contacts, organizations (companies), incidents (service tickets).',
    configuration: [
      { key: 'baseUrl', name: 'ConnectWise URL', type: 'TEXTFIELD_1000', required: true, description: 'https://api-<region>.myconnectwise.net/v4_6_release/apis/3.0 (not needed with base.url)' },
      { key: 'company', name: 'Company', type: 'TEXTFIELD_128', required: true },
      { key: 'public.key', name: 'Public Key', type: 'TEXTFIELD_128', required: true },
      { key: 'private.key', name: 'Private Key', type: 'PASSWORD', required: true },
      { key: 'clientId', name: 'Client ID', type: 'TEXTFIELD_128', required: true, description: "Your integration's clientId GUID, sent as the clientId header" },
      { key: 'filter.response.nulls', name: 'Filter null values from the response', type: 'BOOLEAN', required: false, defaultValue: 'true' },
      { key: VERSION_KEY, name: 'API version', type: 'TEXTFIELD_128', required: false, defaultValue: DEFAULT_API_VERSION, description: 'Sent as Accept: application/vnd.connectwise.com+json; version=<this>' },
      { key: 'base.url', name: 'API root', type: 'TEXTFIELD_1000', required: false, description: 'Overrides baseUrl' },
    ],
    defaultPollerConfiguration: {
      contacts: defaultResource('contacts'),
      organizations: defaultResource('organizations'),
      incidents: defaultResource('incidents'),
    },
  },
  validate(c) {
    const issues: ConfigurationKeyIssue[] = requireKeys(c, ['company', 'public.key', 'private.key']);
    issues.push(...requireKeys(c, ['clientId'], "required: ConnectWise requires your integration's clientId on every call"));
    if (!c['baseUrl']?.trim() && !c['base.url']?.trim()) issues.push({ key: 'baseUrl', message: 'required (or base.url)' });
    const version = c[VERSION_KEY]?.trim();
    if (version && !VERSION.test(version)) issues.push({ key: VERSION_KEY, message: `expected a ConnectWise API version such as ${DEFAULT_API_VERSION}` });
    issues.push(...validatePollerUrls(c, (url) => {
      const { resource, where } = parseHubUrl(url, 'crm');
      endpointOf(resource);
      if (where) toConditions(where);
    }));
    return issues;
  },
  fetchPage,
};
