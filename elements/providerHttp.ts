/**
 * JSON over HTTP to a provider, with errors turned into short ProviderErrors. Every request goes
 * through the outbound address policy (net/outboundGuard.ts, `provider`), and every answer is
 * capped: its size, and the time for headers and body together (elements/providerLimits.ts).
 */
import { errors, request, type Agent } from 'undici';
import { guardedDispatcher, OutboundRefused } from '../net/outboundGuard';
import { noteRequest } from './requestLog';
import { maskUrl } from '../core/maskUrl';
import { ProviderError, classifyStatus, hintFor, parseRetryAfter, problemOfCause, problemOfStatus, type ProblemClass, type ProviderErrorKind } from './providerError';
import { limitSetting, oneLine, providerLimits, type ProviderLimits } from './providerLimits';

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface JsonRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  /** An `application/x-www-form-urlencoded` body (OAuth2 token endpoints) instead of JSON. */
  form?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const MESSAGE_KEYS = ['message', 'Message', 'Msg', 'error_description', 'error', '$message'];

/** The messages of an array of vendor error objects (Sage's `[{$message}]`, SData's `$diagnoses`). */
function arrayMessages(items: unknown[]): string | undefined {
  const texts = items.flatMap((item) => {
    if (typeof item === 'string') return [item];
    if (!item || typeof item !== 'object') return [];
    const o = item as Record<string, unknown>;
    const key = MESSAGE_KEYS.find((k) => typeof o[k] === 'string' && o[k] !== '');
    return key ? [String(o[key])] : [];
  });
  return texts.length > 0 ? texts.join('; ') : undefined;
}

/**
 * The provider's own error text from the common JSON error shapes, as one short line; undefined when
 * the body has none. A body that is not such a JSON error (an HTML page, an internal service's dump)
 * is never echoed: status fields and logs get its size and type instead.
 */
export function providerMessage(body: unknown): string | undefined {
  let text: string | undefined;
  if (Array.isArray(body)) text = arrayMessages(body);
  else if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['message', 'Message', 'Msg', 'error_description', 'error', '$diagnoses', 'errors', '$message']) {
      const v = b[key];
      if (typeof v === 'string' && v) text = v;
      else if (Array.isArray(v) && v.length > 0) text = arrayMessages(v);
      else if (v && typeof v === 'object') text = arrayMessages([v]); // `{"error": {"message": …}}`
      if (text) break;
    }
  }
  return text === undefined ? undefined : oneLine(text);
}

function contentType(options: JsonRequest): Record<string, string> {
  if (options.form) return { 'content-type': 'application/x-www-form-urlencoded' };
  return options.body !== undefined ? { 'content-type': 'application/json' } : {};
}

/** One dispatcher per size limit (normally one): connections are pooled, and each is checked by the policy. */
const dispatchers = new Map<number, Agent>();
function dispatcherFor(limits: ProviderLimits): Agent {
  let dispatcher = dispatchers.get(limits.maxBytes);
  if (!dispatcher) {
    dispatcher = guardedDispatcher('provider', { agent: { maxResponseSize: limits.maxBytes } });
    dispatchers.set(limits.maxBytes, dispatcher);
  }
  return dispatcher;
}

/** `(GET https://host/path?query)`: the request as an error names it, credentials masked, on one line. */
function requestLabel(method: string, url: string): string {
  return `(${method} ${oneLine(maskUrl(url), 300)})`;
}

/** `host:port` of a URL, for hints. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

/** An error of one request: what happened, the request, and (for a known class) what to check. */
export function requestError(what: string, o: { method: string; url: string; status: number; kind: ProviderErrorKind; problem?: ProblemClass; retryAfterMs?: number }): ProviderError {
  const hint = o.problem ? `; ${hintFor(o.problem, { host: hostOf(o.url), retryAfterMs: o.retryAfterMs })}` : '';
  return new ProviderError(`${what} ${requestLabel(o.method, o.url)}${hint}`, o.status, o.kind, o.retryAfterMs, o.problem);
}

/** Why a request failed before a complete answer, as a ProviderError that names the limit, the refusal or the cause. */
function requestFailure(err: unknown, method: string, url: string, limits: ProviderLimits, deadline: AbortSignal, caller: AbortSignal | undefined): ProviderError {
  const at = { method, url, status: 0 };
  const refused = err instanceof OutboundRefused ? err : (err as Error)?.cause instanceof OutboundRefused ? ((err as Error).cause as OutboundRefused) : undefined;
  if (refused) return requestError(`request refused: ${oneLine(refused.message)}`, { ...at, kind: 'client' });
  if (err instanceof errors.ResponseExceededMaxSizeError) {
    return requestError(`answer larger than ${limits.maxBytes} bytes (${limitSetting('maxBytes')})`, { ...at, kind: 'client' });
  }
  if (deadline.aborted && !caller?.aborted) {
    return requestError(`no complete answer within ${limits.timeoutMs} ms (${limitSetting('timeoutMs')})`, { ...at, kind: 'retryable', problem: 'timeout' });
  }
  return requestError(`request failed: ${oneLine((err as Error)?.message ?? String(err))}`, { ...at, kind: 'retryable', problem: problemOfCause(err) });
}

/** One request, noted in the request log of the work it belongs to (elements/requestLog.ts). */
export async function requestJson(url: string, options: JsonRequest = {}): Promise<JsonResponse> {
  const method = options.method ?? 'GET';
  const startedAt = performance.now();
  const ms = (): number => Math.round(performance.now() - startedAt);
  try {
    const response = await sendJson(url, options);
    noteRequest({ method, url, status: response.status, ms: ms() });
    return response;
  } catch (err) {
    noteRequest({ method, url, status: err instanceof ProviderError ? err.status : 0, ms: ms(), error: (err as Error).message });
    throw err;
  }
}

async function sendJson(url: string, options: JsonRequest): Promise<JsonResponse> {
  const method = options.method ?? 'GET';
  const limits = providerLimits();
  const idle = Math.min(options.timeoutMs ?? 30_000, limits.timeoutMs);
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  let status: number;
  let headers: JsonResponse['headers'];
  let text: string;
  try {
    const res = await request(url, {
      dispatcher: dispatcherFor(limits),
      method,
      headers: { accept: 'application/json', ...contentType(options), ...options.headers },
      body: options.form ? new URLSearchParams(options.form).toString() : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal,
      headersTimeout: idle,
      bodyTimeout: idle,
    });
    status = res.statusCode;
    headers = res.headers;
    // A declared size over the limit is refused before reading a byte of it.
    if (Number(headers['content-length']) > limits.maxBytes) {
      res.body.destroy();
      throw new errors.ResponseExceededMaxSizeError();
    }
    text = await res.body.text();
  } catch (err) {
    throw requestFailure(err, method, url, limits, deadline, options.signal);
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    if (status < 300) throw requestError(`provider answered ${status} with malformed JSON`, { method, url, status, kind: 'retryable' });
  }
  if (status >= 300) {
    const message = providerMessage(body) ?? `${text.length} characters of ${oneLine(String(headers['content-type'] ?? 'no content type'), 60)}`;
    const retryAfterMs = parseRetryAfter(headers['retry-after'], Date.now());
    throw requestError(`provider answered ${status}: ${message}`, { method, url, status, kind: classifyStatus(status), problem: problemOfStatus(status), retryAfterMs });
  }
  return { status, headers, body };
}
