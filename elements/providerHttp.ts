/** JSON over HTTP to a provider, with errors turned into ProviderError. */
import { request } from 'undici';
import { ProviderError, classifyStatus, parseRetryAfter } from './providerError';

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
  return texts.length > 0 ? texts.join('; ').slice(0, 500) : undefined;
}

/** Extracts the provider's own error text from the common error body shapes. */
export function providerMessage(body: unknown, text: string): string {
  if (Array.isArray(body)) return arrayMessages(body) ?? text.slice(0, 500);
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['message', 'Message', 'Msg', 'error_description', 'error', '$diagnoses', 'errors', '$message']) {
      const v = b[key];
      if (typeof v === 'string' && v) return v;
      if (Array.isArray(v) && v.length > 0) return arrayMessages(v) ?? JSON.stringify(v).slice(0, 500);
    }
  }
  return text.slice(0, 500);
}

function contentType(options: JsonRequest): Record<string, string> {
  if (options.form) return { 'content-type': 'application/x-www-form-urlencoded' };
  return options.body !== undefined ? { 'content-type': 'application/json' } : {};
}

export async function requestJson(url: string, options: JsonRequest = {}): Promise<JsonResponse> {
  const timeout = options.timeoutMs ?? 30_000;
  let res;
  try {
    res = await request(url, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...contentType(options), ...options.headers },
      body: options.form ? new URLSearchParams(options.form).toString() : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  } catch (err) {
    throw new ProviderError(`request to ${new URL(url).host} failed: ${(err as Error).message}`, 0, 'retryable');
  }
  const text = await res.body.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    if (res.statusCode < 300) throw new ProviderError(`provider answered ${res.statusCode} with malformed JSON`, res.statusCode, 'retryable');
  }
  if (res.statusCode >= 300) {
    const kind = classifyStatus(res.statusCode);
    throw new ProviderError(`provider answered ${res.statusCode}: ${providerMessage(body, text)}`, res.statusCode, kind, parseRetryAfter(res.headers['retry-after'], Date.now()));
  }
  return { status: res.statusCode, headers: res.headers, body };
}
