/**
 * A provider's answer that is not a page of records, classified for the poll's failure handling:
 * 429 and 5xx are retried (honouring Retry-After), 401 is an auth error, other 4xx fail the resource.
 * Each error of a request also says what to check: its problem class and the hint for it.
 */
export type ProviderErrorKind = 'retryable' | 'auth' | 'client';

/** What kind of trouble a failed request is: each class has one hint (hintFor). */
export type ProblemClass = 'dns' | 'tls' | 'connection' | 'timeout' | 'unauthorized' | 'forbidden' | 'notFound' | 'rateLimited' | 'server';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    message: string,
    readonly status: number,
    readonly kind: ProviderErrorKind,
    readonly retryAfterMs?: number,
    /** Set for a failed request whose class is known (the message then ends with its hint). */
    readonly problem?: ProblemClass,
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

/** The class of an HTTP status a provider answered, when it has a hint. */
export function problemOfStatus(status: number): ProblemClass | undefined {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'notFound';
  if (status === 429) return 'rateLimited';
  if (status >= 500 && status <= 599) return 'server';
  return undefined;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'EAI_ADDRFAMILY']);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
// Node names certificate failures by OpenSSL's codes (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, …) or ERR_TLS_/ERR_SSL_.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_)|CERT|_SIGNATURE$|^EPROTO$/;

/** The class of an error thrown before a complete answer (a network error, its causes read too). */
export function problemOfCause(err: unknown): ProblemClass | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (DNS_CODES.has(code)) return 'dns';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (CONNECTION_CODES.has(code)) return 'connection';
    if (TLS_CODE.test(code)) return 'tls';
  }
  return undefined;
}

export interface HintContext {
  /** The host (and port) the request went to. */
  host: string;
  /** The provider's Retry-After, when it sent one. */
  retryAfterMs?: number;
}

/** What to check, as a clause that follows the error: one per class, naming the setting to look at. */
export function hintFor(problem: ProblemClass, { host, retryAfterMs }: HintContext): string {
  switch (problem) {
    case 'dns':
      return `the host ${host} does not resolve: check it in base.url (or the subdomain) for a typo, and the worker's DNS`;
    case 'tls':
      return `the TLS connection to ${host} failed: check its certificate (expired, self-signed or for another name) and that base.url's scheme and port are right`;
    case 'connection':
      return `nothing accepts the connection at ${host}: check the host and port in base.url, and that the provider is up`;
    case 'timeout':
      return `${host} did not answer in time: check that it is up and reachable from the worker (POLLSTER_PROVIDER_TIMEOUT_MS is the limit)`;
    case 'unauthorized':
      return 'the provider refused the credentials: check the username and password, API key or token, then save the instance again';
    case 'forbidden':
      return "the credentials lack permission for this resource: check the user's role or the key's scopes";
    case 'notFound':
      return "the provider has nothing at this URL: check the resource's url in event.poller.configuration, and base.url";
    case 'rateLimited':
      return `rate limited: ${retryAfterMs === undefined ? 'the provider sent no Retry-After' : `the provider asks to wait ${Math.ceil(retryAfterMs / 1000)} s (Retry-After)`}; the next poll tries again, and a longer refresh interval asks less often`;
    case 'server':
      return "the provider failed on its side: the next poll tries again; if it persists, check the provider's status";
  }
}
