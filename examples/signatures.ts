/**
 * Verifying a Pollster notification, as a receiver would. Two signatures cover the same body:
 *
 * - `Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256(key, raw body)>`, as Cloud Elements signs;
 * - Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>`.
 *
 * The key is the instance's `event.notification.signature.key`. Always sign the raw bytes you
 * received: a body parsed and serialised again is not byte-identical.
 *
 * `npx tsx examples/signatures.ts` checks both against known test vectors.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value Cloud Elements (and Pollster) puts in `Elements-Webhook-Signature`. */
export function elementsSignature(key: string, rawBody: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', key).update(rawBody).digest('base64');
}

export function verifyElementsSignature(key: string, rawBody: Buffer | string, header: string | undefined): boolean {
  return header !== undefined && sameText(header, elementsSignature(key, rawBody));
}

/** Standard Webhooks: a `whsec_` key is base64 after the prefix; any other key is used as its UTF-8 bytes. */
export function standardWebhookSignature(key: string, id: string, timestamp: string, rawBody: Buffer | string): string {
  const secret = key.startsWith('whsec_') ? Buffer.from(key.slice('whsec_'.length), 'base64') : Buffer.from(key, 'utf8');
  const mac = createHmac('sha256', secret).update(`${id}.${timestamp}.`).update(rawBody).digest('base64');
  return `v1,${mac}`;
}

/**
 * `webhook-signature` may hold several space-separated signatures; one match is enough. The
 * timestamp must be within `toleranceSec` of now, so a captured request cannot be replayed later.
 */
export function verifyStandardWebhook(
  key: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  rawBody: Buffer | string,
  nowSec = Math.floor(Date.now() / 1000),
  toleranceSec = 300,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const expected = standardWebhookSignature(key, id, timestamp, rawBody);
  return signature.split(' ').some((candidate) => sameText(candidate, expected));
}

// Run directly: print the test vectors.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const body = '{"message":{"eventId":"35149","events":[]}}';
  console.log(`Elements-Webhook-Signature: ${elementsSignature('MySecretEventSignatureKey', body)}`);
  console.log(`webhook-signature:          ${standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}')}`);
}
