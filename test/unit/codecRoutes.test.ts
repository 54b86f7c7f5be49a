/**
 * The codec endpoint through the real API app (app.inject, no Temporal needed): the path key only
 * decodes (masked), garbage is a 400 naming the payload, browsers may call it from the Temporal UI's
 * origin only, and the path key never reaches the API's log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { Client } from '@temporalio/client';
import { buildApi, temporalServices } from '../../api/app';
import { apiLogger } from '../../api/logging';
import { codecAllowedOrigins, codecPathKey, maskCodecPathKey } from '../../api/routes/codec';
import { EncryptionCodec } from '../../temporal/codec';

const SECRETS = { userSecret: 'codec-user-secret', organizationSecret: 'codec-org-secret' };
const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;
const KEY = codecPathKey(SECRETS);
const UI = 'http://127.0.0.1:8233';
const BASE = '/elements/api-v2/codec';

const json = (value: unknown) => ({ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify(value)).toString('base64') });
const readJson = (payload: { data: string }) => JSON.parse(Buffer.from(payload.data, 'base64').toString());

describe('codec endpoint', () => {
  let app: FastifyInstance;
  const logLines: string[] = [];

  before(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await buildApi({
      services: temporalServices(new Client()), // lazy: the codec routes never reach Temporal
      secrets: SECRETS,
      codec: new EncryptionCodec(randomBytes(32)),
      consoleUiUrl: UI,
      // Requests are logged at debug: the path key must not reach those lines either.
      loggerInstance: apiLogger({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' }, stream),
    });
  });
  after(() => app.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: `${BASE}${path}`, payload: body as object, headers: { 'content-type': 'application/json', ...headers } });

  async function encrypted(value: unknown) {
    const res = await post('/encode', { payloads: [json(value)] }, { authorization: AUTH });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().payloads[0];
  }

  test('the path key decodes, with credentials masked; the API credentials decode in full', async () => {
    const payload = await encrypted({ configuration: { password: 'hunter2', 'base.url': 'https://x.example' } });
    const masked = await post(`/${KEY}/decode`, { payloads: [payload] });
    assert.equal(masked.statusCode, 200, masked.body);
    assert.deepEqual(readJson(masked.json().payloads[0]), { configuration: { password: '********', 'base.url': 'https://x.example' } });
    const full = await post('/decode', { payloads: [payload] }, { authorization: AUTH });
    assert.equal(readJson(full.json().payloads[0]).configuration.password, 'hunter2');
  });

  test('/encode refuses the path key: only the API credentials encode', async () => {
    const refused = await post(`/${KEY}/encode`, { payloads: [json({ forged: true })] });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().message, /path key only decodes/);
    assert.equal((await post('/encode', { payloads: [json({ forged: true })] })).statusCode, 401);
    assert.equal((await post('/wrong-key/decode', { payloads: [] })).statusCode, 401);
  });

  test('garbage to decode is a 400 naming the payload, with either credential', async () => {
    const good = await encrypted({ ok: true });
    const garbage = [
      { metadata: { ...good.metadata }, data: randomBytes(64).toString('base64') },
      { metadata: { ...good.metadata }, data: '' },
      { metadata: { ...good.metadata }, data: 'not base64 at all!!' },
      { metadata: { ...good.metadata, 'encryption-key-id': Buffer.from('0123456789abcdef').toString('base64') }, data: good.data },
    ];
    for (const [i, bad] of garbage.entries()) {
      for (const [path, headers] of [['/decode', { authorization: AUTH }], [`/${KEY}/decode`, {}]] as const) {
        const res = await post(path, { payloads: [good, bad] }, headers);
        assert.equal(res.statusCode, 400, `garbage ${i} via ${path}: ${res.body}`);
        assert.equal(res.json().issues[0].path, 'payloads[1]');
        assert.match(res.json().issues[0].message, i === 3 ? /unknown key 0123456789abcdef/ : /damaged or not encrypted by Pollster/);
      }
    }
  });

  test('property: no payload body makes decode answer anything but 200 or 400', async () => {
    const b64 = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64'));
    const payload = fc.record({ metadata: fc.option(fc.dictionary(fc.constantFrom('encoding', 'encryption-key-id', 'x'), fc.oneof(b64, fc.constant(Buffer.from('binary/encrypted').toString('base64')))), { nil: undefined }), data: fc.option(b64, { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ payloads: fc.array(payload, { maxLength: 3 }) }), fc.anything()), async (body) => {
        const res = await post('/decode', body, { authorization: AUTH });
        return res.statusCode === 200 || res.statusCode === 400;
      }),
      { numRuns: 200 },
    );
  });

  test('CORS: the Temporal UI’s origin (and its loopback twin) only; other browser origins are refused', async () => {
    const payload = await encrypted({ ok: true });
    for (const origin of [UI, 'http://localhost:8233']) {
      const res = await post(`/${KEY}/decode`, { payloads: [payload] }, { origin });
      assert.equal(res.statusCode, 200, origin);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      const preflight = await app.inject({ method: 'OPTIONS', url: `${BASE}/${KEY}/decode`, headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], origin);
    }
    for (const origin of ['https://evil.example', 'http://127.0.0.1:3000', 'http://127.0.0.1:8234', 'null']) {
      const res = await post(`/${KEY}/decode`, { payloads: [payload] }, { origin });
      assert.equal(res.statusCode, 403, origin);
      assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
      const preflight = await app.inject({ method: 'OPTIONS', url: `${BASE}/${KEY}/decode`, headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, origin);
    }
    const cli = await post('/decode', { payloads: [payload] }, { authorization: AUTH });
    assert.equal(cli.statusCode, 200, 'no Origin (the CLI): allowed, no CORS headers');
    assert.equal(cli.headers['access-control-allow-origin'], undefined);
  });

  test('the path key never reaches the log', async () => {
    logLines.length = 0;
    await post(`/${KEY}/decode`, { payloads: [] }, { origin: UI });
    await post(`/${KEY}/encode`, { payloads: [] });
    const log = logLines.join('');
    assert.ok(logLines.length >= 2, 'requests are logged');
    assert.ok(!log.includes(KEY), 'no path key in the log');
    assert.match(log, /"url":"\/elements\/api-v2\/codec\/\*\*\*\/decode"/);
    assert.ok(!log.includes(SECRETS.userSecret));
  });
});

test('maskCodecPathKey and codecAllowedOrigins: tables', () => {
  const masks: [string, string][] = [
    ['/elements/api-v2/codec/abcDEF_-123/decode', '/elements/api-v2/codec/***/decode'],
    ['/elements/api-v2/codec/decode-abc/encode?x=1', '/elements/api-v2/codec/***/encode?x=1'],
    ['/elements/api-v2/codec/decode', '/elements/api-v2/codec/decode'],
    ['/elements/api-v2/codec/encode?x', '/elements/api-v2/codec/encode?x'],
    ['/elements/api-v2/instances/1', '/elements/api-v2/instances/1'],
  ];
  for (const [url, masked] of masks) assert.equal(maskCodecPathKey(url), masked, url);
  assert.deepEqual([...codecAllowedOrigins(undefined, {})], ['http://127.0.0.1:8233', 'http://localhost:8233']);
  assert.deepEqual([...codecAllowedOrigins(undefined, { POLLSTER_TEMPORAL_UI_URL: 'https://temporal.example.com/ui/' })], ['https://temporal.example.com']);
  assert.deepEqual([...codecAllowedOrigins('http://127.0.0.1:9999', {})], ['http://127.0.0.1:9999', 'http://localhost:9999']);
  assert.deepEqual([...codecAllowedOrigins(undefined, { POLLSTER_CODEC_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443/' })], ['https://a.example', 'https://b.example:8443']);
});
