// Sage Business Cloud Accounting API v3.1 simulator (formerly Sage One).
//
// Contract (what the simulator enforces, from Sage's published OpenAPI as vendored by a client):
//   nook-io/python-sage, openapi.json, commit aee129ca09649b3d7ddea209bb314f6d33c2523f (Swagger 2.0,
//   info.version 3.1, host api.accounting.sage.com, basePath /v3.1):
//   - every operation produces application/json: an Accept header that admits it not is a 406;
//   - GET /contacts defines the query parameters updated_or_created_since, deleted_since,
//     contact_type_id, exclude_system, nested_attributes, show_balance, context_date, search,
//     email, show_unfinished_recurring_invoices_status, items_per_page (1..200), page and
//     attributes; any other is refused (400). Other collections are served with the parameters
//     most of the contract's lists share (attributes, page, items_per_page, updated_or_created_since,
//     deleted_since, search: assumed for each);
//   - Contact.created_at / updated_at / deleted_at are `date-time`: any RFC 3339 instant, so the
//     simulator can stamp them with milliseconds or an offset (option `timestamps`);
//   - the 200 response of GET /contacts is declared a bare array of Contact. Sage's guides and the
//     live API answer the `$items` envelope with relative `$next`/`$back`, which is the default here;
//     option `listShape: 'contract'` serves the declared bare array instead.
// Errors are arrays of {$severity, $dataCode, $message, $source}.
//
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import {
  bearerToken,
  acceptsMediaType,
  controlsOf,
  createClock,
  createOAuthIssuer,
  header,
  json,
  startVendorServer,
  undefinedParams,
  type Clock,
  type SimRequest,
  type SimResponse,
  type SimulatorControls,
} from './vendorKit';

export const SAGE_ACCOUNTING_DEFAULT_CLIENT_ID = 'pollster-sage-client-id';
export const SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET = 'pollster-sage-client-secret';
export const SAGE_ACCOUNTING_DEFAULT_BUSINESS_ID = '8c3f9e2a41d74b6f9a0e5b7c2d1f4e6a';

const CONTACT_TYPES: Record<string, string> = { CUSTOMER: 'Customer', VENDOR: 'Supplier' };

export interface SageAccountingSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** Access token lifetime (Sage: 300 s). */
  accessTokenTtlSec?: number;
  /** Refresh token lifetime (Sage: 31 days). */
  refreshTokenTtlSec?: number;
  /** Authorization code lifetime (Sage: 60 s, single use). */
  codeTtlSec?: number;
  /** `country` appended to the authorize redirect. Default "GB". */
  country?: string;
  /** The lead business; an `X-Business` header naming another business is rejected. */
  businessId?: string;
  /** How created_at/updated_at are written: whole seconds with Z (default, as the live API), with milliseconds, or with a +00:00 offset. */
  timestamps?: 'seconds' | 'milliseconds' | 'offset';
  /** `envelope` (default): the live API's `$items` page; `contract`: the bare array the OpenAPI declares. */
  listShape?: 'envelope' | 'contract';
  clock?: Clock;
}

export type SageAccountingRecord = Record<string, unknown> & {
  id: string;
  displayed_as: string;
  $path: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
};

export interface SageAccountingSimulator extends SimulatorControls {
  url: string;
  oauthUrl: { authorize: string; token: string };
  clock: Clock;
  close(): Promise<void>;
  /** For contacts, `contact_types` may be given as ["CUSTOMER"] / ["VENDOR"] (default CUSTOMER). */
  create(collection: string, fields: Record<string, unknown>): SageAccountingRecord;
  update(collection: string, id: string, fields: Record<string, unknown>): SageAccountingRecord;
  /** Soft-deletes a record: it leaves normal lists and shows up under `deleted_since`. */
  remove(collection: string, id: string): SageAccountingRecord;
  records(collection: string): SageAccountingRecord[];
  /** Makes every access token issued so far expired (the next API call answers 401). */
  expireAccessTokens(): void;
  readonly counters: { authorizations: number; codeExchanges: number; refreshes: number };
}

const sageError = (dataCode: string, message: string, source = '') => [{ $severity: 'error', $dataCode: dataCode, $message: message, $source: source }];

function defaultErrorBody(status: number) {
  switch (status) {
    case 401:
      return sageError('AuthorizationFailure', 'No active subscription. (MSE)');
    case 403:
      return sageError('MultiUserAccessDenied', 'The current user is not allowed to access that resource with that method.');
    case 404:
      return sageError('RecordNotFound', 'The requested resource could not be found.'); // assumed wording
    case 429:
      return sageError('TooManyRequests', 'Too many requests. Please wait and repeat.'); // assumed wording
    default:
      return status >= 500 ? sageError('UnexpectedError', 'An unexpected error occurred.') : sageError('BadRequest', `HTTP ${status}`);
  }
}

const MAX_ITEMS_PER_PAGE = 200;
const CONTACT_PARAMS = ['updated_or_created_since', 'deleted_since', 'contact_type_id', 'exclude_system', 'nested_attributes', 'show_balance', 'context_date', 'search', 'email', 'show_unfinished_recurring_invoices_status', 'items_per_page', 'page', 'attributes'];
const LIST_PARAMS = ['attributes', 'page', 'items_per_page', 'updated_or_created_since', 'deleted_since', 'search'];
const DEFAULT_ITEMS_PER_PAGE = 20;
const BASE_ATTRIBUTES = ['id', 'displayed_as', '$path'];

export async function startSageAccountingSimulator(options: SageAccountingSimulatorOptions = {}): Promise<SageAccountingSimulator> {
  const clock = options.clock ?? createClock();
  const businessId = options.businessId ?? SAGE_ACCOUNTING_DEFAULT_BUSINESS_ID;
  const country = options.country ?? 'GB';
  const oauth = createOAuthIssuer(clock, {
    clientId: options.clientId ?? SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
    clientSecret: options.clientSecret ?? SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
    accessTokenTtlSec: options.accessTokenTtlSec ?? 300,
    refreshTokenTtlSec: options.refreshTokenTtlSec ?? 2_678_400,
    codeTtlSec: options.codeTtlSec ?? 60,
    redirectExtras: () => ({ country: country.toLowerCase() }),
    tokenExtras: () => ({ refresh_token_expires_in: options.refreshTokenTtlSec ?? 2_678_400, requested_by_id: 'a1b2c3d4-pollster-sim-user' }),
    tokenPrefix: 'sage_',
  });
  const stores = new Map<string, Map<string, SageAccountingRecord>>([['contacts', new Map()]]);
  const stampFormat = { seconds: "yyyy-MM-dd'T'HH:mm:ss'Z'", milliseconds: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", offset: "yyyy-MM-dd'T'HH:mm:ssZZ" }[options.timestamps ?? 'seconds'];
  const fmt = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toFormat(stampFormat);
  const ms = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();

  const storeOf = (collection: string, createIfMissing = false) => {
    let s = stores.get(collection);
    if (!s && createIfMissing) stores.set(collection, (s = new Map()));
    if (!s) throw new Error(`Sage Accounting simulator: unknown collection ${collection}`);
    return s;
  };
  // assumed: contacts display as "Name (REFERENCE)", other records by name.
  const displayed = (collection: string, r: Record<string, unknown>) =>
    collection === 'contacts' && r.reference ? `${String(r.name)} (${String(r.reference)})` : String(r.name ?? r.reference ?? r.id);
  const contactTypes = (v: unknown) =>
    (Array.isArray(v) ? v : ['CUSTOMER']).map((t) => {
      const id = typeof t === 'string' ? t : String((t as { id?: unknown }).id);
      if (!CONTACT_TYPES[id]) throw new Error(`Sage Accounting simulator: contact type must be CUSTOMER or VENDOR, got ${id}`);
      return { id, displayed_as: CONTACT_TYPES[id], $path: `/contact_types/${id}` };
    });
  const clean = (fields: Record<string, unknown>) => {
    const { id: _id, created_at: _c, updated_at: _u, deleted_at: _d, $path: _p, displayed_as: _s, ...rest } = structuredClone(fields);
    return rest;
  };

  const view = (r: SageAccountingRecord, attributes: string | null): Record<string, unknown> => {
    // "These are in addition to the base attributes": without `attributes`, only id/displayed_as/$path.
    if (attributes?.trim().toLowerCase() === 'all') return structuredClone(r);
    const wanted = new Set([...BASE_ATTRIBUTES, ...(attributes ?? '').split(',').map((a) => a.trim()).filter(Boolean)]);
    return Object.fromEntries(Object.entries(r).filter(([k]) => wanted.has(k)).map(([k, v]) => [k, structuredClone(v)]));
  };

  const list = (collection: string, req: SimRequest): SimResponse => {
    const q = req.query;
    // assumed: the status and body for a parameter the contract does not define.
    const unknown = undefinedParams(q, collection === 'contacts' ? CONTACT_PARAMS : LIST_PARAMS);
    if (unknown.length > 0) return json(400, sageError('InvalidParameter', `Unknown parameter(s): ${unknown.join(', ')}`, unknown[0]));
    let rows = [...storeOf(collection).values()];
    const deletedSince = q.get('deleted_since');
    const changedSince = q.get('updated_or_created_since');
    for (const [name, value] of [['deleted_since', deletedSince], ['updated_or_created_since', changedSince]] as const) {
      // assumed: an unparsable timestamp (e.g. an unencoded "+" that arrived as a space) is a 400.
      if (value !== null && !DateTime.fromISO(value, { setZone: true }).isValid) {
        return json(400, sageError('InvalidParameter', `${name} is not a valid date-time`, name));
      }
    }
    if (deletedSince !== null) {
      // "Not inclusive of the passed timestamp."
      rows = rows.filter((r) => r.deleted_at !== null && ms(r.deleted_at) > ms(deletedSince));
    } else {
      rows = rows.filter((r) => r.deleted_at === null);
      // "Inclusive of the passed timestamp."
      if (changedSince !== null) rows = rows.filter((r) => ms(r.updated_at) >= ms(changedSince));
    }
    const typeId = q.get('contact_type_id');
    if (collection === 'contacts' && typeId !== null) {
      // assumed: an unknown contact type is rejected (the types are CUSTOMER and VENDOR; there is no SUPPLIER id).
      if (!CONTACT_TYPES[typeId]) return json(422, sageError('RecordInvalid', `contact_type_id '${typeId}' is not valid`, 'contact_type_id'));
      rows = rows.filter((r) => (r.contact_types as { id: string }[] | undefined)?.some((t) => t.id === typeId));
    }
    const search = q.get('search')?.toLowerCase();
    if (search) rows = rows.filter((r) => [r.name, r.reference, r.email].some((v) => typeof v === 'string' && v.toLowerCase().includes(search)));

    // assumed: out-of-range items_per_page is clamped into 1..200 rather than rejected.
    const perPage = Math.min(Math.max(Number(q.get('items_per_page') ?? DEFAULT_ITEMS_PER_PAGE) || DEFAULT_ITEMS_PER_PAGE, 1), MAX_ITEMS_PER_PAGE);
    const lastPage = Math.max(1, Math.ceil(rows.length / perPage));
    // "If the value for page is greater than the actual number of pages, the last page will be returned automatically."
    const page = Math.min(Math.max(Number(q.get('page') ?? 1) || 1, 1), lastPage);
    const attributes = q.get('attributes');
    const items = rows
      .slice((page - 1) * perPage, page * perPage)
      .map((r) => (deletedSince !== null ? { ...view(r, null), deleted_at: r.deleted_at } : view(r, attributes)));

    // Relative links, as documented. assumed: the other query parameters are carried along.
    const link = (p: number) => {
      const params = new URLSearchParams(q);
      params.delete('page');
      params.delete('items_per_page');
      params.set('page', String(p));
      params.set('items_per_page', String(perPage));
      return `/${collection}?${params.toString()}`;
    };
    if (options.listShape === 'contract') return json(200, items);
    return json(200, {
      $total: rows.length,
      $page: page,
      $next: page < lastPage ? link(page + 1) : null,
      $back: page > 1 ? link(page - 1) : null,
      $itemsPerPage: perPage,
      $items: items,
    });
  };

  const handle = (req: SimRequest): SimResponse => {
    if (req.path === '/oauth2/auth/central' || req.path === '/oauth2/auth') {
      return req.method === 'GET' ? oauth.authorize(req) : json(405, { error: 'invalid_request' });
    }
    if (req.path === '/token') return req.method === 'POST' ? oauth.token(req) : json(405, { error: 'invalid_request' });
    if (!req.path.startsWith('/v3.1/')) return json(404, defaultErrorBody(404));

    const access = oauth.check(bearerToken(header(req, 'authorization')));
    if (access !== 'valid') {
      // assumed wording; the $dataCode is the documented 401 code.
      const msg = access === 'expired' ? 'The access token has expired.' : 'The access token is missing or invalid.';
      return json(401, sageError('AuthorizationFailure', msg));
    }
    const business = header(req, 'x-business');
    // assumed: a business the user cannot access answers 401 (Apideck reports 401 for X-Business problems).
    if (business !== undefined && business !== businessId) return json(401, sageError('AuthorizationFailure', 'Business not found for this user.'));

    // assumed: the error body for a 406.
    if (!acceptsMediaType(req, 'application/json')) return json(406, sageError('NotAcceptable', 'Only application/json is served.'));
    const [collection = '', id, ...extra] = req.path.slice('/v3.1/'.length).split('/').filter(Boolean);
    if (!stores.has(collection) || extra.length) return json(404, defaultErrorBody(404));
    if (req.method !== 'GET') return json(405, sageError('MethodNotAllowed', 'Only GET is simulated')); // assumed
    if (id === undefined) return list(collection, req);
    const rec = stores.get(collection)?.get(id);
    return rec && rec.deleted_at === null ? json(200, view(rec, 'all')) : json(404, defaultErrorBody(404));
  };

  const server = await startVendorServer({ handle, errorBody: defaultErrorBody, isApi: (p) => p.startsWith('/v3.1/'), clock });

  return {
    ...controlsOf(server),
    url: `${server.origin}/v3.1`,
    oauthUrl: { authorize: `${server.origin}/oauth2/auth/central`, token: `${server.origin}/token` },
    clock,
    close: server.close,
    get counters() {
      return { ...oauth.counters };
    },
    expireAccessTokens: oauth.expireAccessTokens,
    create(collection, fields) {
      const store = storeOf(collection, true);
      const id = randomBytes(16).toString('hex');
      const now = fmt(clock.now());
      const rest = clean(fields);
      if (collection === 'contacts') rest.contact_types = contactTypes(rest.contact_types);
      const rec: SageAccountingRecord = {
        id,
        displayed_as: '',
        $path: `/${collection}/${id}`,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        ...rest,
      };
      rec.displayed_as = displayed(collection, rec);
      store.set(id, rec);
      return structuredClone(rec);
    },
    update(collection, id, fields) {
      const rec = storeOf(collection).get(id);
      if (!rec) throw new Error(`Sage Accounting simulator: no ${collection} ${id}`);
      const rest = clean(fields);
      if (collection === 'contacts' && 'contact_types' in rest) rest.contact_types = contactTypes(rest.contact_types);
      Object.assign(rec, rest, { updated_at: fmt(clock.now()) });
      rec.displayed_as = displayed(collection, rec);
      return structuredClone(rec);
    },
    remove(collection, id) {
      const rec = storeOf(collection).get(id);
      if (!rec) throw new Error(`Sage Accounting simulator: no ${collection} ${id}`);
      rec.deleted_at = fmt(clock.now());
      return structuredClone(rec);
    },
    records(collection) {
      return [...storeOf(collection).values()].map((r) => structuredClone(r));
    },
  };
}
