import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import { elementsSignature, standardWebhookSignature } from '../../core/signature';
import { signedHeaders } from '../../activities/callback';

describe('Elements-Webhook-Signature: sha256= base64 HMAC-SHA256 of the exact body bytes', () => {
  // Vectors computed independently with Python's hmac module.
  const vectors: [key: string, body: string, header: string][] = [
    // Cloud Elements' signature: HMAC-SHA256 of the body, base64 (docs/notifications.md)
    ['MySecretEventSignatureKey', '{"message":{"eventId":"35149","events":[]}}', 'sha256=mJ6wBiTKFe69MR9LdUi94gtFtDP8Nqbo5+0nfZ6IfcM='],
    ['MySecretEventSignatureKey', '{"name":"Zoë 東京 🚀"}', 'sha256=HFDGOSF3t462jNZtbvyWRCEDRKCo8JQPKQikOq69IzY='], // UTF-8 bytes, not UTF-16
    ['k', '', 'sha256=i7mQxAp9YcuXWXqUISUCW+UKyL63RDbjc1uYiTp/ZiA='],
  ];
  for (const [key, body, header] of vectors) {
    test(`${key} / ${body || '(empty body)'}`, () => assert.equal(elementsSignature(key, body), header));
  }
  test('one changed byte changes the signature', () => {
    const body = '{"message":{"eventId":"35149","events":[]}}';
    assert.notEqual(elementsSignature('MySecretEventSignatureKey', body.replace('35149', '35148')), elementsSignature('MySecretEventSignatureKey', body));
    assert.notEqual(elementsSignature('MySecretEventSignatureKeY', body), elementsSignature('MySecretEventSignatureKey', body));
  });
});

/**
 * A Standard Webhooks receiver, written from the specification
 * (https://www.standardwebhooks.com, "Verifying webhook authenticity"): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`; the key is the base64 after `whsec_`; the header
 * is a space-delimited list of `v1,<base64 HMAC-SHA256>`; timestamps are checked for tolerance.
 */
function verifyStandardWebhook(secret: string, headers: Record<string, string | undefined>, body: string, nowSec: number, toleranceSec = 300): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(Buffer.from(`${id}.${timestamp}.${body}`, 'utf8')).digest();
  return signatures.split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    if (version !== 'v1' || !sig) return false;
    const given = Buffer.from(sig, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('Standard Webhooks webhook-signature', () => {
  test("the specification's example vector (whsec_ key, base64-decoded)", () => {
    assert.equal(
      standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
  test('a key without whsec_ is used as its UTF-8 bytes (vector computed with Python)', () => {
    assert.equal(standardWebhookSignature('plain-key', 'abc', 1700000000, '{"a":"é"}'), 'v1,kSjGx/IM+NmKYLCabUBq9z/l769QC+K4An2gIORMQTs=');
  });
});

describe('signedHeaders (activities/deliver.ts)', () => {
  const body = '{"id":"n1","message":{"eventId":"n1","events":[]}}';
  const now = Date.UTC(2024, 5, 1, 10, 0, 0, 750);

  test('without a key: content type and Elements-Webhook-Id only', () => {
    assert.deepEqual(signedHeaders('n1', body, undefined, now), { 'content-type': 'application/json', 'elements-webhook-id': 'n1' });
    assert.deepEqual(signedHeaders('n1', body, '', now), { 'content-type': 'application/json', 'elements-webhook-id': 'n1' });
  });

  test('with a key: both signatures, the same id in both header families, the timestamp in seconds', () => {
    const h = signedHeaders('n1', body, 'MySecretEventSignatureKey', now);
    assert.equal(h['content-type'], 'application/json');
    assert.equal(h['elements-webhook-id'], 'n1');
    assert.equal(h['webhook-id'], 'n1');
    assert.equal(h['webhook-timestamp'], String(Math.floor(now / 1000)));
    assert.equal(h['elements-webhook-signature'], elementsSignature('MySecretEventSignatureKey', body));
    assert.ok(verifyStandardWebhook('MySecretEventSignatureKey', h, body, Math.floor(now / 1000)));
  });

  test('property: a receiver following the specification accepts every signed delivery and refuses any tampering', () => {
    const key = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).filter((k) => !k.startsWith('whsec_')),
      fc.uint8Array({ minLength: 16, maxLength: 40 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
    );
    fc.assert(
      fc.property(key, fc.stringMatching(/^[0-9a-f]{32}$/), fc.json(), fc.integer({ min: 1e12, max: 4e12 }), (k, id, json, nowMs) => {
        const h = signedHeaders(id, json, k, nowMs);
        const nowSec = Math.floor(nowMs / 1000);
        assert.ok(verifyStandardWebhook(k, h, json, nowSec));
        assert.equal(h['elements-webhook-signature'], `sha256=${createHmac('sha256', Buffer.from(k, 'utf8')).update(Buffer.from(json, 'utf8')).digest('base64')}`);
        assert.ok(!verifyStandardWebhook(k, h, `${json} `, nowSec), 'body changed');
        assert.ok(!verifyStandardWebhook(k, { ...h, 'webhook-id': `${id}x` }, json, nowSec), 'id changed');
        assert.ok(!verifyStandardWebhook(k, { ...h, 'webhook-timestamp': String(nowSec + 1) }, json, nowSec), 'timestamp changed');
        const other = k.startsWith('whsec_') ? `whsec_${Buffer.from(`other:${k}`).toString('base64')}` : `${k}x`;
        assert.ok(!verifyStandardWebhook(other, h, json, nowSec), 'other key');
        assert.ok(!verifyStandardWebhook(k, h, json, nowSec + 3600), 'outside the tolerance');
      }),
    );
  });
});
