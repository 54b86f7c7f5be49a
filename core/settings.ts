/**
 * The poller's settings: every default applied, values typed. The API derives them from a validated configuration
 * (core/pollerSettings.ts) and hands them to the instance workflow, which imports this module for its types and
 * constants only: no zod, no luxon, no parsing in the workflow bundle.
 */

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
  /** How DELETED events are found, if they are. */
  deletion?: Deletion;
  /** A poll's window is read once more this long after it, for late records. */
  settleDelaySec?: number;
}

export type Deletion =
  /** The record says it is deleted: its `field` holds `value`. */
  | { kind: 'flag'; field: string; value: string | number | boolean | null }
  /** The provider lists deleted records since a date, at their own URL. */
  | { kind: 'tombstones'; url: string; idField: string; date?: DateFieldConfig }
  /** Every id is listed every `everyMs`; the ones gone since the last complete listing are deleted. */
  | { kind: 'scan'; url: string; idField: string; everyMs: number };

/** A deletion as configured (core/config.ts resource `deletion`). */
export type DeletionFields =
  | { field: string; value: string | number | boolean | null }
  | { url: string; idField: string; dateField?: string; dateFormat?: string; dateTimezone?: string }
  | { scan: { url: string; idField: string; every: number } };

function normalizeDeletion(d: DeletionFields | undefined): Deletion | undefined {
  if (!d) return undefined;
  if ('scan' in d) return { kind: 'scan', url: d.scan.url, idField: d.scan.idField.trim(), everyMs: minutesToMs(d.scan.every) };
  if ('field' in d) return { kind: 'flag', field: d.field, value: d.value };
  const date = d.dateField?.trim() ? { field: d.dateField, format: d.dateFormat || undefined, timezone: d.dateTimezone || undefined } : undefined;
  return { kind: 'tombstones', url: d.url, idField: d.idField.trim(), date };
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
  deletion?: DeletionFields;
  settleDelay?: number;
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
    ...(input.deletion ? { deletion: normalizeDeletion(input.deletion) } : {}),
    ...(input.settleDelay ? { settleDelaySec: input.settleDelay } : {}),
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
