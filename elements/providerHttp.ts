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
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Extracts the provider's own error text from the common error body shapes. */
function providerMessage(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['message', 'Message', 'Msg', 'error_description', 'error', '$diagnoses', 'errors', '$message']) {
      const v = b[key];
      if (typeof v === 'string' && v) return v;
      if (Array.isArray(v) && v.length > 0) return JSON.stringify(v).slice(0, 500);
    }
  }
  return text.slice(0, 500);
}

export async function requestJson(url: string, options: JsonRequest = {}): Promise<JsonResponse> {
  const timeout = options.timeoutMs ?? 30_000;
  let res;
  try {
    res = await request(url, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
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
