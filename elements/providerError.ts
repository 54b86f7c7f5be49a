/**
 * A provider's answer that is not a page of records, classified for the poll's failure handling:
 * 429 and 5xx are retried (honouring Retry-After), 401 is an auth error, other 4xx fail the resource.
 */
export type ProviderErrorKind = 'retryable' | 'auth' | 'client';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    message: string,
    readonly status: number,
    readonly kind: ProviderErrorKind,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function classifyStatus(status: number): ProviderErrorKind {
  if (status === 429 || status >= 500) return 'retryable';
  if (status === 401) return 'auth';
  return 'client';
}

/** `Retry-After` as seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
