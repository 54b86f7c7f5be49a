/**
 * What one provider answer may cost a worker: its size, how long it may take, and how many records a
 * page may hold. A hostile or broken provider then fails its own resource with a short error instead
 * of exhausting the worker's memory, holding an activity for minutes, or growing progress records
 * past Temporal's message limits.
 */
import { ProviderError } from './providerError';

export interface ProviderLimits {
  /** Bytes of one response body (`POLLSTER_PROVIDER_MAX_BYTES`). */
  maxBytes: number;
  /** Headers and body of one request, in all (`POLLSTER_PROVIDER_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Records in one page as the provider returned it (`POLLSTER_PROVIDER_MAX_RECORDS`). */
  maxRecords: number;
}

export const DEFAULT_PROVIDER_LIMITS: Readonly<ProviderLimits> = { maxBytes: 20 * 1024 * 1024, timeoutMs: 60_000, maxRecords: 10_000 };

const SETTINGS: Record<keyof ProviderLimits, string> = {
  maxBytes: 'POLLSTER_PROVIDER_MAX_BYTES',
  timeoutMs: 'POLLSTER_PROVIDER_TIMEOUT_MS',
  maxRecords: 'POLLSTER_PROVIDER_MAX_RECORDS',
};

export const limitSetting = (limit: keyof ProviderLimits): string => SETTINGS[limit];

/** The limits from the environment; a value that is not a positive integer throws, naming its variable. */
export function providerLimits(env: NodeJS.ProcessEnv = process.env): ProviderLimits {
  const limits = { ...DEFAULT_PROVIDER_LIMITS };
  for (const key of Object.keys(SETTINGS) as (keyof ProviderLimits)[]) {
    const raw = env[SETTINGS[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${SETTINGS[key]} must be a positive integer, not '${raw}'`);
    limits[key] = value;
  }
  return limits;
}

/** `host/path` of a provider URL, for messages: never the query, which may carry keys. */
export function endpointOf(url: string): string {
  try {
    const u = new URL(url);
    return oneLine(`${u.host}${u.pathname}`, 120);
  } catch {
    return '(invalid URL)';
  }
}

/** Text from a provider, fit for a status field or a log line: one line, at most `max` characters. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The page's records as the provider returned them, or a non-retryable ProviderError when there are
 * more than the cap (the next poll tries again; a smaller `pageSize` is the usual fix). Adapters call
 * this on the raw list, before any local filtering.
 */
export function capRecords<T>(records: T[], url: string, limits: ProviderLimits = providerLimits()): T[] {
  if (records.length > limits.maxRecords) {
    throw new ProviderError(
      `page from ${endpointOf(url)} has ${records.length} records, more than the ${limits.maxRecords} allowed (${SETTINGS.maxRecords}); lower the resource's pageSize`,
      200,
      'client',
    );
  }
  return records;
}
