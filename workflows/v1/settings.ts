/**
 * The previous release's reading of an instance's configuration strings into poller settings, unchanged (see
 * ./instance.ts): runs of that release derive their settings with it, and migrate with them. The current workflow
 * gets its settings from the API. test/unit/settings.test.ts holds this reading equal to the API's for valid
 * configurations, so a migrated run polls exactly as it did.
 */
import { parseLegacyPollerUrls } from './legacyUrls';

export const ELEMENT_KEYS = ['sagecrm', 'connectwisecrmrest', 'sageone', 'maximizer', 'http'] as const;
export type ElementKey = (typeof ELEMENT_KEYS)[number];
export const ELEMENT_HUBS: Record<ElementKey, string> = {
  sagecrm: 'crm',
  connectwisecrmrest: 'crm',
  sageone: 'finance',
  maximizer: 'crm',
  http: 'general',
};
/** Elements whose credentials are OAuth2 tokens the poller must exchange and refresh. */
export const OAUTH_ELEMENTS: readonly ElementKey[] = ['sageone', 'maximizer'];

/** Keys of the notification's `raw` object: a resource of that name would overwrite them. */
export const RESERVED_RESOURCE_NAMES = ['objectType', 'eventId', 'instance_id'];

export const DEFAULT_REFRESH_INTERVAL_MINUTES = 15;
export const MIN_INTERVAL_MINUTES = 1 / 60;
/**
 * Longest wait between polls: ten years. Larger intervals are accepted (churros sets 999999999
 * minutes to stop polling) but wait this long, well inside what a Temporal timer can hold.
 */
export const MAX_INTERVAL_MINUTES = 10 * 365 * 24 * 60;

export function minutesToMs(minutes: number): number {
  return Math.round(minutes * 60_000);
}

export interface DateFieldConfig {
  field: string;
  format?: string;
  timezone?: string;
}

/** One resource of the poller, with every default applied. */
export interface ResourceConfig {
  url: string;
  idField: string;
  filterByUpdatedDate: boolean;
  filterByCurrentDate: boolean;
  updated?: DateFieldConfig;
  created?: DateFieldConfig;
  createdCheckToleranceSec: number;
  pageSize: number;
  pollDelaySec: number;
}

/** A resource as configured, values already typed (core/config.ts `ResourceInput` is one). */
export interface ResourceFields {
  url: string;
  idField: string;
  filterByUpdatedDate?: boolean;
  filterByUpdateDate?: boolean;
  filterByCurrentDate?: boolean;
  datesConfiguration?: {
    updatedDateField?: string;
    updatedDateFormat?: string;
    updatedDateTimezone?: string;
    createdDateField?: string;
    createdDateFormat?: string;
    createdDateTimezone?: string;
    createdCheckTolerance?: number;
  };
  createdCheckTolerance?: number;
  pageSize?: number;
  pollDelay?: number;
  updatedDateTimezone?: string;
}

export function normalizeResource(input: ResourceFields): ResourceConfig {
  const dates = input.datesConfiguration ?? {};
  const dateField = (field?: string, format?: string, timezone?: string): DateFieldConfig | undefined =>
    field && field.trim() !== '' ? { field, format: format || undefined, timezone: timezone || undefined } : undefined;
  return {
    url: input.url,
    idField: input.idField.trim(),
    filterByUpdatedDate: input.filterByUpdatedDate ?? input.filterByUpdateDate ?? true,
    filterByCurrentDate: input.filterByCurrentDate ?? false,
    updated: dateField(dates.updatedDateField, dates.updatedDateFormat, dates.updatedDateTimezone || input.updatedDateTimezone),
    created: dateField(dates.createdDateField, dates.createdDateFormat, dates.createdDateTimezone),
    createdCheckToleranceSec: input.createdCheckTolerance ?? dates.createdCheckTolerance ?? 0,
    pageSize: input.pageSize ?? 200,
    pollDelaySec: input.pollDelay ?? 0,
  };
}

export interface PollerSettings {
  enabled: boolean;
  refreshIntervalMs: number;
  callbackUrl?: string;
  signatureKey?: string;
  /** First poll's lower bound (ms); default: when events were enabled. */
  sinceMs?: number;
  resources: Record<string, ResourceConfig>;
}

// ---------- reading values the schema accepts (booleans and numbers typed or as strings) ----------

/** A plain Error: workflow code runs among frozen globals, where an Error subclass setting `name` would throw instead. */
function unreadable(where: string, expected: string): Error {
  return new Error(`configuration ${where}: expected ${expected}`);
}

function readBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const s = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (s === 'true' || s === 'false') return s === 'true';
  throw unreadable(where, 'true or false');
}

/** A number as configuration strings hold it: plain decimal notation. */
export const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function readNumber(value: unknown, where: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n) || n < min) throw unreadable(where, `a number of at least ${min}`);
  return n;
}

function readString(value: unknown, where: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw unreadable(where, 'a string');
}

function readObject(value: unknown, where: string): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw unreadable(where, 'an object');
}

function readResource(value: unknown, where: string): ResourceFields {
  const r = readObject(value, where);
  const url = readString(r.url, `${where}.url`);
  const idField = readString(r.idField, `${where}.idField`);
  if (url === undefined || url.trim() === '') throw unreadable(`${where}.url`, 'a URL');
  if (idField === undefined) throw unreadable(`${where}.idField`, 'a string');
  const pageSize = readNumber(r.pageSize, `${where}.pageSize`, 1);
  if (pageSize !== undefined && !Number.isInteger(pageSize)) throw unreadable(`${where}.pageSize`, 'a whole number');
  const d = r.datesConfiguration === undefined ? undefined : readObject(r.datesConfiguration, `${where}.datesConfiguration`);
  const at = `${where}.datesConfiguration`;
  return {
    url,
    idField,
    filterByUpdatedDate: readBoolean(r.filterByUpdatedDate, `${where}.filterByUpdatedDate`),
    filterByUpdateDate: readBoolean(r.filterByUpdateDate, `${where}.filterByUpdateDate`),
    filterByCurrentDate: readBoolean(r.filterByCurrentDate, `${where}.filterByCurrentDate`),
    datesConfiguration: d && {
      updatedDateField: readString(d.updatedDateField, `${at}.updatedDateField`),
      updatedDateFormat: readString(d.updatedDateFormat, `${at}.updatedDateFormat`),
      updatedDateTimezone: readString(d.updatedDateTimezone, `${at}.updatedDateTimezone`),
      createdDateField: readString(d.createdDateField, `${at}.createdDateField`),
      createdDateFormat: readString(d.createdDateFormat, `${at}.createdDateFormat`),
      createdDateTimezone: readString(d.createdDateTimezone, `${at}.createdDateTimezone`),
      createdCheckTolerance: readNumber(d.createdCheckTolerance, `${at}.createdCheckTolerance`),
    },
    createdCheckTolerance: readNumber(r.createdCheckTolerance, `${where}.createdCheckTolerance`),
    pageSize,
    pollDelay: readNumber(r.pollDelay, `${where}.pollDelay`),
    updatedDateTimezone: readString(r.updatedDateTimezone, `${where}.updatedDateTimezone`),
  };
}

/** `event.poller.configuration`: its JSON string (or the object itself), resource by resource. */
function readResources(value: unknown): Record<string, ResourceFields> {
  const where = "['event.poller.configuration']";
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw unreadable(where, 'JSON');
    }
  }
  const out: Record<string, ResourceFields> = {};
  for (const [name, resource] of Object.entries(readObject(parsed, where))) {
    if (name.trim() === '' || RESERVED_RESOURCE_NAMES.includes(name)) throw unreadable(`${where}['${name}']`, 'a resource name');
    out[name] = readResource(resource, `${where}['${name}']`);
  }
  return out;
}

// ---------- instants ----------

const ISO_INSTANT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?(Z|([+-])(\d\d)(?::?(\d\d))?)?$/i;

/**
 * ISO-8601 instant → epoch ms; no offset means UTC. Deterministic (no Date.parse: workflows read it).
 * The same instants as core/javaDate.ts parseJavaDate(s, undefined, 'UTC') with a time part, kept
 * here without luxon; test/unit/settings.test.ts compares the two.
 */
export function parseInstant(s: string): number | undefined {
  const m = ISO_INSTANT.exec(s.trim());
  if (!m) return undefined;
  const num = (i: number): number => Number(m[i] ?? 0);
  const w: Wall = { y: num(1), M: num(2), d: num(3), H: num(4), m: num(5), s: num(6), ms: m[7] === undefined ? 0 : fractionMs(m[7]) };
  if (!validWall(w)) return undefined;
  const offsetH = num(10), offsetM = num(11);
  if (offsetH > 23 || offsetM > 59) return undefined;
  const offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetH * 60 + offsetM);
  return wallAsUtc(w) - offsetMinutes * 60_000;
}

// ---------- the poller's settings ----------

/** Derives the poller settings from validated configuration strings. Throws on values it cannot read. */
export function pollerSettings(configuration: Record<string, string>): PollerSettings {
  const c = configuration as Record<string, unknown>;
  const json = c['event.poller.configuration'] === undefined ? undefined : readResources(c['event.poller.configuration']);
  const all = json ?? {};
  const urls = readString(c['event.poller.urls'], "['event.poller.urls']");
  // Without a JSON configuration names are not checked (the element's default applies), as in the schema.
  const legacy = urls === undefined ? undefined : parseLegacyPollerUrls(urls, json && Object.keys(json));
  if (legacy && legacy.errors.length > 0) throw unreadable("['event.poller.urls']", `poller lines or resource names (${legacy.errors[0]})`);
  const inputs: Record<string, ResourceFields> = {};
  // Poller lines first, then the JSON configuration (which wins for a resource in both).
  for (const [name, resource] of Object.entries(legacy?.resources ?? {})) inputs[name] = readResource(resource, `['event.poller.urls'] ${name}`);
  for (const [name, resource] of Object.entries(all)) {
    if (!legacy?.names || legacy.names.includes(name)) inputs[name] = resource;
  }
  const resources: Record<string, ResourceConfig> = {};
  for (const [name, resource] of Object.entries(inputs)) resources[name] = normalizeResource(resource);

  const interval = readNumber(c['event.poller.refresh_interval'], "['event.poller.refresh_interval']", MIN_INTERVAL_MINUTES);
  const since = readString(c['event.poller.since'], "['event.poller.since']");
  const sinceMs = since === undefined ? undefined : parseInstant(since);
  if (since !== undefined && sinceMs === undefined) throw unreadable("['event.poller.since']", 'an ISO-8601 instant');
  return {
    enabled: readBoolean(c['event.notification.enabled'], "['event.notification.enabled']") ?? false,
    refreshIntervalMs: minutesToMs(Math.min(interval ?? DEFAULT_REFRESH_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES)),
    callbackUrl: readString(c['event.notification.callback.url'], "['event.notification.callback.url']"),
    signatureKey: readString(c['event.notification.signature.key'], "['event.notification.signature.key']") || undefined,
    sinceMs,
    resources,
  };
}

// ---------- wall-clock arithmetic (as core/wallClock.ts had it) ----------

interface Wall {
  y: number;
  M: number;
  d: number;
  H: number;
  m: number;
  s: number;
  ms: number;
}

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

function validWall(w: Wall): boolean {
  return w.M >= 1 && w.M <= 12 && w.d >= 1 && w.d <= daysInMonth(w.y, w.M) && w.H >= 0 && w.H <= 23 && w.m >= 0 && w.m <= 59 && w.s >= 0 && w.s <= 59;
}

/** Wall clock → epoch ms, read as if it were UTC (setUTCFullYear keeps years 0–99 literal). */
function wallAsUtc(w: Wall): number {
  const t = new Date(0);
  t.setUTCFullYear(w.y, w.M - 1, w.d);
  t.setUTCHours(w.H, w.m, w.s, w.ms);
  return t.getTime();
}

/** Fraction digits → ms: ".4" = 400, ".451000" = 451, ".1234567" = 123 (truncated). */
const fractionMs = (digits: string): number => Number((digits + '00').slice(0, 3));
