import { createHmac } from 'node:crypto';

/** `Elements-Webhook-Signature`: base64 HMAC-SHA256 of the exact body bytes, as Cloud Elements signs. */
export function elementsSignature(key: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('base64')}`;
}

/**
 * Standard Webhooks `webhook-signature` (v1): HMAC-SHA256 over `id.timestamp.body`. A `whsec_` key is
 * base64 after its prefix, per the spec; any other key is used as its UTF-8 bytes.
 */
export function standardWebhookSignature(key: string, id: string, timestampSec: number, body: string): string {
  const secret = key.startsWith('whsec_') ? Buffer.from(key.slice(6), 'base64') : Buffer.from(key, 'utf8');
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestampSec}.${body}`, 'utf8').digest('base64')}`;
}
