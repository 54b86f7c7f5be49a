/**
 * What the four vendor adapters share: reading a hub URL (`/hubs/<hub>/<resource>?where=<CEQL>`),
 * splitting its CEQL into what the vendor filters natively and what is evaluated after the fetch,
 * and checking poller URLs when an instance is created (so a bad URL is a 400, not a failing poll).
 */
import { DateTime } from 'luxon';
import { renderPlaceholders } from '../core/placeholders';
import { CeqlError, evaluateCeql, formatCeql, parseCeql, type CeqlExpr, type CeqlValue } from './ceql';
import { ProviderError } from './providerError';

export interface HubRequest {
  hub: string;
  resource: string;
  where?: CeqlExpr;
}

/** A client-side problem with the poller URL: the resource fails with this message, and it is not retried. */
export function badRequest(message: string): ProviderError {
  return new ProviderError(message, 400, 'client');
}

/**
 * Decodes a query value. Poller URLs are sent "as written" with only the rendered placeholders
 * encoded, so a raw `%` (a LIKE wildcard) may sit next to `%3A`: decode what decodes, keep the rest.
 * `+` stays a plus: unencoded offsets such as `+02:00` are far more common here than form spaces.
 */
export function decodeQueryValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw.replace(/(%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * The published Sage One default ends `attributes='created_at,updated_at` without its closing quote
 * (in Cloud Elements' example instance); Cloud Elements accepted it, so a missing final quote is closed here.
 * Any other CEQL error stands.
 */
export function parseWhere(where: string): CeqlExpr {
  try {
    return parseCeql(where);
  } catch (err) {
    if (err instanceof CeqlError && /^expected closing '/.test(err.message) && err.position === where.length) return parseCeql(`${where}'`);
    throw err;
  }
}

/** Hub query parameters the poller may carry; paging ones are ignored because the adapter pages itself. */
const PAGING_PARAMS = new Set(['page', 'pagesize', 'nextpage']);

/** Parses a hub URL for an element of hub `hub`. A bare `/<resource>` is accepted too. */
export function parseHubUrl(url: string, hub: string): HubRequest {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^https?:\/\/[^/]+/i, '');
  const segments = path.split('/').filter(Boolean).map(decodeQueryValue);
  let resource: string | undefined;
  if (segments[0]?.toLowerCase() === 'hubs') {
    if (segments[1]?.toLowerCase() !== hub) throw badRequest(`poller URL ${path} is not on the ${hub} hub (expected /hubs/${hub}/<resource>)`);
    if (segments.length !== 3) throw badRequest(`poller URL ${path}: expected /hubs/${hub}/<resource>`);
    resource = segments[2];
  } else if (segments.length === 1) {
    resource = segments[0];
  }
  if (!resource) throw badRequest(`poller URL ${path}: expected /hubs/${hub}/<resource>`);

  let where: CeqlExpr | undefined;
  for (const pair of q < 0 ? [] : url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeQueryValue(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryValue(pair.slice(eq + 1));
    if (name === 'where') {
      if (where) throw badRequest('poller URL has more than one where parameter');
      if (value.trim() === '') continue;
      try {
        where = parseWhere(value);
      } catch (err) {
        if (err instanceof CeqlError) throw badRequest(`CEQL where: ${err.message}`);
        throw err;
      }
    } else if (!PAGING_PARAMS.has(name.toLowerCase())) {
      // Never drop a query silently: an unsupported parameter could be a filter the user relies on.
      throw badRequest(`hub parameter '${name}' is not supported by the poller (only where)`);
    }
  }
  return { hub, resource, where };
}

// ---------------------------------------------------------------- CEQL helpers

/** Rewrites every field name of an expression (hub names to record paths, for local evaluation). */
export function mapFields(expr: CeqlExpr, rename: (field: string) => string): CeqlExpr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { ...expr, left: mapFields(expr.left, rename), right: mapFields(expr.right, rename) };
    default:
      return { ...expr, field: rename(expr.field) };
  }
}

/** Every field an expression mentions. */
export function fieldsOf(expr: CeqlExpr): string[] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return [...fieldsOf(expr.left), ...fieldsOf(expr.right)];
    default:
      return [expr.field];
  }
}

/** Told of each record local filtering drops, with the condition it failed (as CEQL text). */
export type FilteredSink = (record: unknown, condition: string) => void;

/**
 * The records that satisfy every locally evaluated condition. `dropped` (a dry run's: a poll passes none) hears of
 * every other record and the first condition it failed, so it can say why the record was not reported.
 */
export function filterLocally(records: unknown[], local: readonly CeqlExpr[], dropped?: FilteredSink): unknown[] {
  if (local.length === 0) return records;
  if (!dropped) return records.filter((r) => local.every((e) => evaluateCeql(e, r)));
  return records.filter((r) => {
    const failed = local.find((e) => !evaluateCeql(e, r));
    if (failed) dropped(r, formatCeql(failed));
    return failed === undefined;
  });
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** A CEQL literal that is a date-time: its instant (zone-less text read as UTC) and whether it had a zone. */
export function dateLiteral(value: CeqlValue): { at: DateTime; zoned: boolean; wholeSecond: boolean } | undefined {
  if (typeof value !== 'string' || !DATE_LIKE.test(value.trim())) return undefined;
  const text = value.trim().replace(' ', 'T');
  const at = DateTime.fromISO(text, { zone: 'utc', setZone: false }).toUTC();
  if (!at.isValid) return undefined;
  return { at, zoned: /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text), wholeSecond: at.millisecond === 0 };
}

/** `2024-01-31T10:00:00Z`: the UTC, whole-second form every vendor here accepts. */
export function utcSeconds(at: DateTime): string {
  return at.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
}

// ---------------------------------------------------------------- page tokens

/** Page tokens are the vendor's own page numbers / keys; a garbled one is the caller's bug, not the vendor's. */
export function pageNumber(token: string | undefined, first = 1): number {
  if (token === undefined) return first;
  const n = Number(token);
  if (!Number.isInteger(n) || n < first) throw badRequest(`invalid page token '${token}'`);
  return n;
}

// ---------------------------------------------------------------- validation

/** A problem with one configuration key of an instance, as an element reports it. */
export interface ConfigurationKeyIssue {
  key: string;
  message: string;
}

/**
 * Checks each resource URL of `event.poller.configuration` with the adapter's own translation, so an
 * instance whose poller cannot work is refused at creation. Placeholders are rendered at the epoch.
 */
export function validatePollerUrls(configuration: Readonly<Record<string, string>>, check: (url: string) => void): ConfigurationKeyIssue[] {
  const raw = configuration['event.poller.configuration'];
  if (!raw) return [];
  let resources: unknown;
  try {
    resources = JSON.parse(raw);
  } catch {
    return []; // the core schema already reports malformed JSON
  }
  if (!resources || typeof resources !== 'object') return [];
  const issues: ConfigurationKeyIssue[] = [];
  for (const [name, resource] of Object.entries(resources as Record<string, unknown>)) {
    const r = resource as { url?: unknown; deletion?: { url?: unknown; scan?: { url?: unknown } | null } | null } | null;
    // The resource's URL, and its deletion list's or id scan's: each is a request to the same vendor.
    const urls: [string, unknown][] = [['url', r?.url], ['deletion.url', r?.deletion?.url], ['deletion.scan.url', r?.deletion?.scan?.url]];
    for (const [label, url] of urls) {
      if (typeof url !== 'string') continue;
      try {
        check(renderPlaceholders(url, 0));
      } catch (err) {
        issues.push({ key: 'event.poller.configuration', message: `${name}.${label}: ${(err as Error).message}` });
      }
    }
  }
  return issues;
}

/** Required configuration keys that are missing or blank. */
export function requireKeys(configuration: Readonly<Record<string, string>>, keys: readonly string[], why = 'required'): ConfigurationKeyIssue[] {
  return keys.filter((k) => !configuration[k]?.trim()).map((key) => ({ key, message: why }));
}

/** `base.url` (every element honours it) or the element's own root, without a trailing slash. */
export function apiRoot(configuration: Readonly<Record<string, string>>, fallback: string): string {
  return (configuration['base.url']?.trim() || fallback).replace(/\/+$/, '');
}
