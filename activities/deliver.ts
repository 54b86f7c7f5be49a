/**
 * POST one notification to the callback URL, signed (SPEC §6). Success is any 2xx within 30 s;
 * redirects are not followed (undici's `request` never follows them).
 */
import { request } from 'undici';
import type { NotificationBody } from '../core/envelope';
import { elementsSignature, standardWebhookSignature } from '../core/signature';
import { KeyedLimiter } from './limiter';
import { CallbackRefused, checkOutboundUrl, guardedDispatcher } from '../net/outboundGuard';

export const DELIVERY_TIMEOUT_MS = 30_000;
/** Concurrent deliveries per callback host, per worker: one slow receiver cannot take every slot. */
export const PER_HOST_CONCURRENCY = Number(process.env.POLLSTER_DELIVERY_CONCURRENCY || 8);
const limiter = new KeyedLimiter(PER_HOST_CONCURRENCY);
const dispatcher = guardedDispatcher('callback');

export interface DeliveryOutcome {
  ok: boolean;
  status: number;
  error?: string;
  /** The callback URL is not allowed (SPEC §6): retrying will not help. */
  refused?: boolean;
}

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

export async function postNotification(callbackUrl: string, notification: NotificationBody, signatureKey?: string): Promise<DeliveryOutcome> {
  const body = JSON.stringify(notification);
  const host = new URL(callbackUrl).host;
  return limiter.run(host, async () => {
    try {
      await checkOutboundUrl(callbackUrl, 'callback'); // again at delivery time: DNS can change after creation
      const res = await request(callbackUrl, {
        dispatcher,
        method: 'POST',
        headers: signedHeaders(notification.id, body, signatureKey, Date.now()),
        body,
        headersTimeout: DELIVERY_TIMEOUT_MS,
        bodyTimeout: DELIVERY_TIMEOUT_MS,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, status: res.statusCode, error: ok ? undefined : `callback answered ${res.statusCode}` };
    } catch (err) {
      const refused = err instanceof CallbackRefused || (err as Error).cause instanceof CallbackRefused;
      return { ok: false, status: 0, refused, error: refused ? `callback refused: ${(err as Error).message}` : `callback unreachable: ${(err as Error).message}` };
    }
  });
}
