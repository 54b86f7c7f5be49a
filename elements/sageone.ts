/**
 * `sageone`: Sage Business Cloud Accounting API v3.1, OAuth2 code grant with rotating refresh tokens.
 * `/hubs/finance/customers?where=lastModifiedDate>='…' and attributes='created_at,updated_at'` →
 * `GET {root}/contacts?contact_type_id=CUSTOMER&updated_or_created_since=…&attributes=created_at,updated_at&items_per_page=N&page=1`.
 * Sage filters natively only by "changed since"; every other condition is evaluated on the fetched
 * records, whose attributes are requested for it (Sage returns only id/displayed_as/$path otherwise).
 */
import type { DateTime } from 'luxon';
import { conjuncts, type CeqlExpr } from './ceql';
import {
  apiRoot,
  badRequest,
  dateLiteral,
  fieldsOf,
  filterLocally,
  mapFields,
  pageNumber,
  parseHubUrl,
  requireKeys,
  utcSeconds,
  validatePollerUrls,
  type ConfigurationKeyIssue,
} from './hub';
import { accessToken, authorizationUrl, oauthAuthenticate } from './oauth2';
import { requestJson } from './providerHttp';
import { capRecords } from './providerLimits';
import { ProviderError } from './providerError';
import type { AdapterContext, AuthenticateRequest, ElementAdapter, PageRequest, PageResult } from './types';

const DEFAULT_ROOT = 'https://api.accounting.sage.com/v3.1';
const DEFAULT_AUTHORIZE_URL = 'https://www.sageone.com/oauth2/auth/central?filter=apiv3.1';
const DEFAULT_TOKEN_URL = 'https://oauth.accounting.sage.com/token';
const MAX_ITEMS_PER_PAGE = 200;

/** Hub resources: customers and vendors are contacts of one type; other names are Sage collections. */
const RESOURCES: Record<string, { collection: string; params: Record<string, string> }> = {
  customers: { collection: 'contacts', params: { contact_type_id: 'CUSTOMER' } },
  vendors: { collection: 'contacts', params: { contact_type_id: 'VENDOR' } },
  contacts: { collection: 'contacts', params: {} },
};

function resourceOf(name: string): { collection: string; params: Record<string, string> } {
  const known = RESOURCES[name.toLowerCase()];
  if (known) return known;
  if (!/^[a-z][a-z_]*$/.test(name)) throw badRequest(`'${name}' is not a Sage Accounting collection`);
  return { collection: name, params: {} };
}

/** Hub field names → Sage attributes (the hub's `lastModifiedDate` is Sage's `updated_at`). */
const ALIASES: Record<string, string> = { lastmodifieddate: 'updated_at', createddate: 'created_at', deleteddate: 'deleted_at' };
const rename = (field: string): string => ALIASES[field.toLowerCase()] ?? field;
const BASE_ATTRIBUTES = new Set(['id', 'displayed_as', '$path']);

export interface SageQuery {
  params: Record<string, string>;
  local: CeqlExpr[];
}

/**
 * `attributes='a,b'` is Cloud Elements' pseudo-field for Sage's `attributes`; `updated_at >= T` (or `>`) is
 * `updated_or_created_since=T`, inclusive like `>=` (a record's updated_at is never before its
 * created_at). `deleted_at > T` (or `>=`; the hub's `deletedDate`) is `deleted_since`, which lists the records
 * deleted after T instead (a deletion list, for tombstones). Everything else is kept for local evaluation.
 */
export function translate(where: CeqlExpr | undefined): SageQuery {
  let since: DateTime | undefined;
  let deletedAfter: DateTime | undefined;
  let attributes: string[] | undefined;
  const local: CeqlExpr[] = [];
  for (const c of where ? conjuncts(where) : []) {
    if (c.kind === 'cmp' && c.field.toLowerCase() === 'attributes') {
      if (c.op !== '=' || typeof c.value !== 'string') throw badRequest("attributes takes the form attributes='name,name'");
      attributes = [...(attributes ?? []), ...c.value.split(',').map((a) => a.trim()).filter(Boolean)];
      continue;
    }
    const deleted = c.kind === 'cmp' && (c.op === '>=' || c.op === '>') && rename(c.field) === 'deleted_at' ? dateLiteral(c.value) : undefined;
    if (c.kind === 'cmp' && deleted) {
      // deleted_since is exclusive and whole seconds: `> T` is exact; `>= T` asks from the second before T (from
      // T's own second when T has a fraction), and a fractional bound is re-checked here exactly.
      const exact = c.op === '>' && deleted.wholeSecond;
      const second = deleted.at.startOf('second');
      const bound = exact ? second : c.op === '>=' && deleted.wholeSecond ? second.minus({ seconds: 1 }) : second;
      if (!deletedAfter || bound > deletedAfter) deletedAfter = bound;
      if (!exact) local.push(c);
      continue;
    }
    const date = c.kind === 'cmp' && (c.op === '>=' || c.op === '>') && rename(c.field) === 'updated_at' ? dateLiteral(c.value) : undefined;
    if (c.kind === 'cmp' && date) {
      const bound = date.at.startOf('second');
      if (!since || bound > since) since = bound;
      if (c.op === '>' || !date.wholeSecond) local.push(c); // the native bound is wider: re-check exactly
      continue;
    }
    local.push(c);
  }
  const mapped = local.map((e) => mapFields(e, rename));
  const params: Record<string, string> = {};
  if (since && deletedAfter) throw badRequest('a Sage Accounting list is either changed records (lastModifiedDate) or deleted ones (deletedDate), not both');
  if (since) params.updated_or_created_since = utcSeconds(since);
  if (deletedAfter) params.deleted_since = utcSeconds(deletedAfter);
  const wanted = new Set(attributes ?? []);
  if (!wanted.has('all')) {
    // Fields evaluated locally must be in the records, or their conditions would silently fail.
    for (const f of mapped.flatMap(fieldsOf)) {
      const top = f.split('.')[0] ?? f;
      if (!BASE_ATTRIBUTES.has(top)) wanted.add(top);
    }
  }
  if (wanted.size > 0) params.attributes = wanted.has('all') ? 'all' : [...wanted].join(',');
  return { params, local: mapped };
}

/** OAuth endpoints: explicit keys first; with base.url, the vendor's paths on its origin; else Sage's own. */
function oauthEndpoints(c: Readonly<Record<string, string>>): { authorize: string; token: string } {
  const base = c['base.url']?.trim();
  const origin = base ? new URL(base).origin : undefined;
  return {
    authorize: c['oauth.authorization.url']?.trim() || (origin ? `${origin}/oauth2/auth/central?filter=apiv3.1` : DEFAULT_AUTHORIZE_URL),
    token: c['oauth.token.url']?.trim() || (origin ? `${origin}/token` : DEFAULT_TOKEN_URL),
  };
}

async function fetchPage(req: PageRequest, ctx: AdapterContext): Promise<PageResult> {
  const c = ctx.configuration;
  const { resource, where } = parseHubUrl(req.url, 'finance');
  const { collection, params: fixed } = resourceOf(resource);
  const { params, local } = translate(where);
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken(ctx.credentials)}` };
  if (c['business.id']?.trim()) headers['x-business'] = c['business.id'].trim();
  let page = pageNumber(req.pageToken, 1);
  for (;;) {
    const query = new URLSearchParams({ ...fixed, ...params, items_per_page: String(Math.min(req.pageSize, MAX_ITEMS_PER_PAGE)), page: String(page) });
    // URLSearchParams writes spaces as '+'; Sage would read a '+' offset the same way, so use %20.
    const url = `${apiRoot(c, DEFAULT_ROOT)}/${collection}?${query.toString().replaceAll('+', '%20')}`;
    const res = await requestJson(url, { headers, signal: ctx.signal });
    const body = res.body as { $items?: unknown; $next?: unknown } | undefined;
    if (!Array.isArray(body?.$items)) throw new ProviderError(`Sage Accounting answered ${shapeOf(res.body)} where a page of ${collection} was expected: an object with an $items array (and $next)`, res.status, 'client');
    const next = typeof body.$next === 'string' && body.$next !== '' && body.$items.length > 0 ? String(page + 1) : undefined;
    const records = filterLocally(capRecords(body.$items, url), local, ctx.onFiltered);
    if (records.length > 0 || next === undefined) return { records, nextPageToken: next };
    page += 1;
  }
}

/** What a response body is, for an error message ("a JSON array of 3 items", "an object with keys a, b"). */
function shapeOf(body: unknown): string {
  if (Array.isArray(body)) return `a JSON array of ${body.length} item${body.length === 1 ? '' : 's'} (the bare list Sage's OpenAPI declares, without its paging envelope)`;
  if (body && typeof body === 'object') {
    const keys = Object.keys(body);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''} but no $items array`;
  }
  return body === undefined ? 'an empty body' : `a JSON ${body === null ? 'null' : typeof body}`;
}

function authenticate(request: AuthenticateRequest) {
  const c = request.configuration;
  return oauthAuthenticate(request, {
    tokenUrl: oauthEndpoints(c).token,
    clientId: c['oauth.api.key'] ?? '',
    clientSecret: c['oauth.api.secret'] ?? '',
    redirectUri: c['oauth.callback.url'] ?? '',
  });
}

const DATE_MASK = "yyyy-MM-dd'T'HH:mm:ss'Z'";

export const sageOneElement: ElementAdapter = {
  definition: {
    key: 'sageone',
    name: 'Sage Business Cloud Accounting',
    hub: 'finance',
    authType: 'oauth2',
    description: 'Sage Business Cloud Accounting API v3.1 (formerly Sage One): customers.',
    configuration: [
      { key: 'oauth.api.key', name: 'Client ID', type: 'TEXTFIELD_128', required: true },
      { key: 'oauth.api.secret', name: 'Client Secret', type: 'PASSWORD', required: true },
      { key: 'oauth.callback.url', name: 'Callback URL', type: 'TEXTFIELD_1000', required: true, description: 'The redirect URI registered with Sage; the code exchange repeats it' },
      { key: 'oauth.scope', name: 'OAuth scope', type: 'TEXTFIELD_128', required: false, defaultValue: 'full_access' },
      { key: 'oauth.authorization.url', name: 'Authorization URL', type: 'TEXTFIELD_1000', required: false, description: `Default ${DEFAULT_AUTHORIZE_URL} (with base.url: /oauth2/auth/central on its origin)` },
      { key: 'oauth.token.url', name: 'Token URL', type: 'TEXTFIELD_1000', required: false, description: `Default ${DEFAULT_TOKEN_URL} (with base.url: /token on its origin)` },
      { key: 'business.id', name: 'Business ID', type: 'TEXTFIELD_128', required: false, description: 'Sent as X-Business; default: the user’s lead business' },
      { key: 'country', name: 'Country', type: 'TEXTFIELD_128', required: false, description: 'Two-letter country code, passed to the authorization page' },
      { key: 'signature.secret', name: 'Signing Secret', type: 'PASSWORD', required: false, description: 'Accepted for Cloud Elements compatibility; not used by API v3.1' },
      { key: 'apim.subscription.key', name: 'APIM Subscription Key', type: 'PASSWORD', required: false, description: 'Accepted for Cloud Elements compatibility; not used by API v3.1' },
      { key: 'base.url', name: 'API root', type: 'TEXTFIELD_1000', required: false, description: `Overrides ${DEFAULT_ROOT}` },
    ],
    // The default Cloud Elements returned in instance responses, but for the date formats: Sage's
    // contract types created_at/updated_at as date-time (ISO-8601), so they are read as ISO-8601
    // (no format), which takes the milliseconds and offsets yyyy-MM-dd'T'HH:mm:ss'Z' refused.
    defaultPollerConfiguration: {
      customers: {
        url: `/hubs/finance/customers?where=lastModifiedDate>='\${date:${DATE_MASK}}' and attributes='created_at,updated_at'`,
        idField: 'id',
        datesConfiguration: {
          updatedDateField: 'updated_at',
          updatedDateTimezone: 'GMT',
          createdDateField: 'created_at',
          createdDateTimezone: 'GMT',
        },
      },
    },
  },
  validate(c) {
    const issues: ConfigurationKeyIssue[] = requireKeys(c, ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url']);
    issues.push(...validatePollerUrls(c, (url) => {
      const { resource, where } = parseHubUrl(url, 'finance');
      resourceOf(resource);
      translate(where);
    }));
    return issues;
  },
  fetchPage,
  authenticate,
  oauthUrl({ apiKey, callbackUrl, state, configuration: c }) {
    return authorizationUrl(oauthEndpoints(c).authorize, {
      response_type: 'code',
      client_id: apiKey,
      redirect_uri: callbackUrl,
      scope: c['oauth.scope']?.trim() || 'full_access',
      state,
      country: c['country']?.trim().toLowerCase(),
    });
  },
};
