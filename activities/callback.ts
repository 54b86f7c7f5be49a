/**
 * POST one notification to a callback URL, signed. Success is any 2xx within 30 s; redirects are not followed
 * (undici's `request` never follows them); the address policy is checked again at connect time. A 429 or 503 may say
 * when to come back (Retry-After, seconds or an HTTP date): the outcome carries it.
 */
import { request, type Dispatcher } from 'undici';
import type { NotificationBody } from '../core/envelope';
import { elementsSignature, standardWebhookSignature } from '../core/signature';
import { parseRetryAfter } from '../elements/providerError';
import { KeyedLimiter } from './limiter';
import { CallbackRefused, checkOutboundUrl, guardedDispatcher } from '../net/outboundGuard';

export const DELIVERY_TIMEOUT_MS = 30_000;

export interface DeliveryOutcome {
  ok: boolean;
  status: number;
  error?: string;
  /** The callback URL is not allowed by the address policy: retrying will not help. */
  refused?: boolean;
  /** A 429 or 503 with Retry-After: how long the receiver asked to be left alone, in ms (uncapped; 0 for a date past). */
  retryAfterMs?: number;
}

/** Statuses whose Retry-After is honoured: the receiver is overloaded or down for a while. */
const ASKS_TO_WAIT = [429, 503];

/** Delivers one notification (`body`: its JSON, when the caller has it already); never throws (a failure is an outcome). */
export type CallbackPoster = (callbackUrl: string, notification: NotificationBody, signatureKey?: string, body?: string) => Promise<DeliveryOutcome>;

export function signedHeaders(id: string, body: string, signatureKey: string | undefined, nowMs: number): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'elements-webhook-id': id };
  if (signatureKey) {
    const timestamp = Math.floor(nowMs / 1000);
    headers['elements-webhook-signature'] = elementsSignature(signatureKey, body);
    headers['webhook-id'] = id;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = standardWebhookSignature(signatureKey, id, timestamp, body);
  }
  return headers;
}

/** Marks a replay's notification in a header too (its body says it in `message.replay`), read from the notification itself. */
export const REPLAY_HEADER = 'pollster-replay';

export function deliveryHeaders(notification: NotificationBody, body: string, signatureKey: string | undefined, nowMs: number): Record<string, string> {
  const headers = signedHeaders(notification.id, body, signatureKey, nowMs);
  const replay = notification.message.replay;
  return replay === undefined ? headers : { ...headers, [REPLAY_HEADER]: replay };
}

export interface CallbackPosterOptions {
  /** Concurrent deliveries per callback host (one slow receiver cannot take every slot of a worker). */
  perHostConcurrency: number;
  /** Callbacks on loopback, private or link-local addresses are allowed (the embedded default). */
  allowPrivate: boolean;
}

export function createCallbackPoster(options: CallbackPosterOptions): CallbackPoster {
  const limiter = new KeyedLimiter(options.perHostConcurrency);
  const dispatcher: Dispatcher = guardedDispatcher('callback', { allowPrivate: options.allowPrivate });
  return (callbackUrl, notification, signatureKey, serialized) => {
    const body = serialized ?? JSON.stringify(notification);
    return limiter.run(new URL(callbackUrl).host, async () => {
      try {
        await checkOutboundUrl(callbackUrl, 'callback', { allowPrivate: options.allowPrivate }); // again at delivery time: DNS can change after creation
        const res = await request(callbackUrl, {
          dispatcher,
          method: 'POST',
          headers: deliveryHeaders(notification, body, signatureKey, Date.now()),
          body,
          headersTimeout: DELIVERY_TIMEOUT_MS,
          bodyTimeout: DELIVERY_TIMEOUT_MS,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await res.body.dump();
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        if (ok) return { ok, status: res.statusCode };
        const retryAfterMs = ASKS_TO_WAIT.includes(res.statusCode) ? parseRetryAfter(res.headers['retry-after'], Date.now()) : undefined;
        return { ok, status: res.statusCode, error: `callback answered ${res.statusCode}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
      } catch (err) {
        const refused = err instanceof CallbackRefused || (err as Error).cause instanceof CallbackRefused;
        return { ok: false, status: 0, refused, error: refused ? `callback refused: ${(err as Error).message}` : `callback unreachable: ${(err as Error).message}` };
      }
    });
  };
}
