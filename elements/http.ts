/**
 * `http`: any JSON REST API (Pollster's own element). The poller URL is a path relative to `base.url`, sent as
 * written; records are found at `response.items.path` (or the usual places), and pages follow one of
 * `page`, `cursor` or `link` pagination.
 */
import { getPath } from '../core/jsonPath';
import { renderPlaceholders } from '../core/placeholders';
import { pollerSettings } from '../core/pollerSettings';
import type { AdapterContext, ElementAdapter, PageRequest, PageResult } from './types';
import { requestJson } from './providerHttp';
import { ProviderError } from './providerError';
import { capRecords } from './providerLimits';

const AUTH_TYPES = ['none', 'basic', 'bearer', 'header'];
const PAGINATION_TYPES = ['none', 'page', 'cursor', 'link'];

/**
 * Throws unless `url` is on `base`'s origin (scheme, host and port): every request carries the
 * instance's credentials, so an absolute resource URL or a next link may not send them elsewhere.
 */
export function assertSameOrigin(base: string, url: string, what: string): void {
  let origin: string, baseOrigin: string;
  try {
    baseOrigin = new URL(base).origin;
    origin = new URL(url, base).origin;
  } catch {
    throw new ProviderError(`${what} is not a valid URL on base.url`, 400, 'client');
  }
  if (origin !== baseOrigin) throw new ProviderError(`${what} ${origin} is not on base.url's origin ${baseOrigin}: the instance's credentials go nowhere else`, 400, 'client');
}

/** A poller URL relative to `base.url`, as written; an absolute one only on `base.url`'s origin. */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) {
    assertSameOrigin(base, path, 'resource URL');
    return path;
  }
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Resource URLs that leave `base.url`'s origin, as validation issues (checked at creation, and again per request). */
function offOriginResources(c: Readonly<Record<string, string>>): { key: string; message: string }[] {
  let resources;
  try {
    resources = pollerSettings({ ...c }).resources;
  } catch {
    return []; // unreadable poller settings are reported by the configuration schema
  }
  let inJson: string[] = [];
  try {
    inJson = Object.keys(JSON.parse(c['event.poller.configuration'] ?? '{}') ?? {});
  } catch {
    // as above
  }
  const issues: { key: string; message: string }[] = [];
  for (const [name, resource] of Object.entries(resources)) {
    try {
      joinUrl(c['base.url'] ?? '', renderPlaceholders(resource.url, 0));
    } catch (err) {
      issues.push({ key: inJson.includes(name) ? 'event.poller.configuration' : 'event.poller.urls', message: `${name}.url: ${(err as Error).message}` });
    }
  }
  return issues;
}

function withParams(url: string, params: Record<string, string>): string {
  const extra = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  if (!extra) return url;
  return url + (url.includes('?') ? '&' : '?') + extra;
}

function authHeaders(c: Readonly<Record<string, string>>): Record<string, string> {
  switch (c['auth.type'] ?? 'none') {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${c['username'] ?? ''}:${c['password'] ?? ''}`).toString('base64')}` };
    case 'bearer':
      return { authorization: `Bearer ${c['auth.token'] ?? ''}` };
    case 'header':
      return { [c['auth.header.name'] ?? 'authorization']: c['auth.header.value'] ?? '' };
    default:
      return {};
  }
}

function findItems(body: unknown, itemsPath: string | undefined, url: string): unknown[] {
  if (itemsPath) {
    const items = getPath(body, itemsPath);
    if (Array.isArray(items)) return capRecords(items, url);
    throw new ProviderError(`response has no array at '${itemsPath}'`, 200, 'client');
  }
  if (Array.isArray(body)) return capRecords(body, url);
  for (const key of ['items', 'data', 'results', 'records']) {
    const items = getPath(body, key);
    if (Array.isArray(items)) return capRecords(items, url);
  }
  throw new ProviderError('response is not an array and has no items, data, results or records array; set response.items.path', 200, 'client');
}

/** RFC 8288 `Link` header: the target of rel="next". */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  for (const part of value.split(/,(?=\s*<)/)) {
    const m = /<([^>]*)>(.*)/.exec(part.trim());
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

async function fetchPage(req: PageRequest, ctx: AdapterContext): Promise<PageResult> {
  const c = ctx.configuration;
  const base = c['base.url'] ?? '';
  const type = c['pagination.type'] ?? 'none';
  const pageParam = c['pagination.page.param'] || 'page';
  const sizeParam = c['pagination.size.param'] || 'pageSize';
  let url = joinUrl(base, req.url);
  if (type === 'page') {
    url = withParams(url, { [pageParam]: req.pageToken ?? '1', [sizeParam]: String(req.pageSize) });
  } else if (type === 'cursor' && req.pageToken !== undefined) {
    url = withParams(url, { [c['pagination.cursor.param'] || 'cursor']: req.pageToken });
  } else if (type === 'link' && req.pageToken !== undefined) {
    assertSameOrigin(base, req.pageToken, 'next link');
    url = new URL(req.pageToken, base).toString();
  }
  const res = await requestJson(url, { headers: authHeaders(c), signal: ctx.signal });
  const records = findItems(res.body, c['response.items.path'], url);
  let nextPageToken: string | undefined;
  if (type === 'page') {
    if (records.length >= req.pageSize) nextPageToken = String(Number(req.pageToken ?? '1') + 1);
  } else if (type === 'cursor') {
    const cursor = getPath(res.body, c['pagination.cursor.path'] || 'nextCursor');
    if (cursor !== undefined && cursor !== null && cursor !== '' && records.length > 0) nextPageToken = String(cursor);
  } else if (type === 'link') {
    nextPageToken = nextLink(res.headers['link']);
  }
  return { records, nextPageToken };
}

export const httpElement: ElementAdapter = {
  definition: {
    key: 'http',
    name: 'HTTP (any JSON REST API)',
    hub: 'general',
    authType: 'custom',
    description: 'Polls any JSON REST API: the poller URL is a path relative to base.url.',
    configuration: [
      { key: 'base.url', name: 'Base URL', type: 'TEXTFIELD_1000', required: true },
      { key: 'auth.type', name: 'Authentication', type: 'SELECT', required: false, defaultValue: 'none', options: AUTH_TYPES },
      { key: 'username', name: 'Username (basic)', type: 'TEXTFIELD_128', required: false },
      { key: 'password', name: 'Password (basic)', type: 'PASSWORD', required: false },
      { key: 'auth.token', name: 'Bearer token', type: 'PASSWORD', required: false },
      { key: 'auth.header.name', name: 'Header name', type: 'TEXTFIELD_128', required: false },
      { key: 'auth.header.value', name: 'Header value', type: 'PASSWORD', required: false },
      { key: 'response.items.path', name: 'JSON path of the record array', type: 'TEXTFIELD_128', required: false },
      { key: 'pagination.type', name: 'Pagination', type: 'SELECT', required: false, defaultValue: 'none', options: PAGINATION_TYPES },
      { key: 'pagination.page.param', name: 'Page parameter', type: 'TEXTFIELD_128', required: false, defaultValue: 'page' },
      { key: 'pagination.size.param', name: 'Page size parameter', type: 'TEXTFIELD_128', required: false, defaultValue: 'pageSize' },
      { key: 'pagination.cursor.path', name: 'JSON path of the next cursor', type: 'TEXTFIELD_128', required: false },
      { key: 'pagination.cursor.param', name: 'Cursor parameter', type: 'TEXTFIELD_128', required: false, defaultValue: 'cursor' },
    ],
    defaultPollerConfiguration: {},
  },
  validate(c) {
    const issues: { key: string; message: string }[] = [];
    if (!c['base.url']) issues.push({ key: 'base.url', message: 'required for the http element' });
    const auth = c['auth.type'] ?? 'none';
    if (!AUTH_TYPES.includes(auth)) issues.push({ key: 'auth.type', message: `expected one of ${AUTH_TYPES.join(', ')}` });
    if (auth === 'basic' && !c['username']) issues.push({ key: 'username', message: 'required when auth.type is basic' });
    if (auth === 'bearer' && !c['auth.token']) issues.push({ key: 'auth.token', message: 'required when auth.type is bearer' });
    if (auth === 'header' && (!c['auth.header.name'] || !c['auth.header.value'])) {
      issues.push({ key: c['auth.header.name'] ? 'auth.header.value' : 'auth.header.name', message: 'required when auth.type is header' });
    }
    const pagination = c['pagination.type'] ?? 'none';
    if (!PAGINATION_TYPES.includes(pagination)) issues.push({ key: 'pagination.type', message: `expected one of ${PAGINATION_TYPES.join(', ')}` });
    if (pagination === 'cursor' && !c['pagination.cursor.path']) issues.push({ key: 'pagination.cursor.path', message: 'required when pagination.type is cursor' });
    if (c['base.url']) issues.push(...offOriginResources(c));
    return issues;
  },
  fetchPage,
};
