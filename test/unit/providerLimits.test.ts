/**
 * What a provider answer may cost: the limits' settings, the short error texts, the records cap, and
 * base.url's origin for absolute resource URLs and next links (tables; no network).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSameOrigin, httpElement, joinUrl } from '../../elements/http';
import { ProviderError } from '../../elements/providerError';
import { providerMessage } from '../../elements/providerHttp';
import { capRecords, DEFAULT_PROVIDER_LIMITS, endpointOf, oneLine, providerLimits } from '../../elements/providerLimits';

test('providerLimits: defaults, settings, and a clear error naming a bad setting', () => {
  assert.deepEqual(providerLimits({}), { maxBytes: 20 * 1024 * 1024, timeoutMs: 60_000, maxRecords: 10_000 });
  assert.deepEqual(providerLimits({ POLLSTER_PROVIDER_MAX_BYTES: '1048576', POLLSTER_PROVIDER_TIMEOUT_MS: '5000', POLLSTER_PROVIDER_MAX_RECORDS: '500' }), {
    maxBytes: 1_048_576,
    timeoutMs: 5000,
    maxRecords: 500,
  });
  for (const [name, value] of [
    ['POLLSTER_PROVIDER_MAX_BYTES', '0'],
    ['POLLSTER_PROVIDER_MAX_BYTES', '20MB'],
    ['POLLSTER_PROVIDER_TIMEOUT_MS', '-1'],
    ['POLLSTER_PROVIDER_MAX_RECORDS', '1.5'],
    ['POLLSTER_PROVIDER_MAX_RECORDS', '1e400'],
  ] as const) {
    assert.throws(() => providerLimits({ [name]: value }), new RegExp(`${name} must be a positive integer, not '${value.replace('.', '\\.')}'`));
  }
});

test('oneLine: one line, at most the given length, for any text', () => {
  assert.equal(oneLine('a\n  b\r\n\tc\u0000d'), 'a b c d');
  assert.equal(oneLine('x'.repeat(500)).length, 200);
  assert.ok(oneLine('x'.repeat(500)).endsWith('…'));
  fc.assert(
    fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 2, max: 300 }), (text, max) => {
      const line = oneLine(text, max);
      return line.length <= max && [...line].every((ch) => ch.charCodeAt(0) >= 0x20);
    }),
  );
});

test('endpointOf: host and path, never the query', () => {
  assert.equal(endpointOf('https://api.example.com:8443/v1/contacts?api_key=s3cret&page=2'), 'api.example.com:8443/v1/contacts');
  assert.equal(endpointOf('not a url'), '(invalid URL)');
});

test('providerMessage: the provider’s own text from the usual JSON shapes, as one short line; anything else is not echoed', () => {
  const table: [unknown, string | undefined][] = [
    [{ message: 'Invalid column name' }, 'Invalid column name'],
    [{ error_description: 'grant expired' }, 'grant expired'],
    [{ error: { code: 7, message: 'quota exceeded' } }, 'quota exceeded'],
    [[{ $message: 'a' }, { $message: 'b' }], 'a; b'],
    [{ $diagnoses: [{ message: 'bad where' }] }, 'bad where'],
    [{ message: `line one\n${'x'.repeat(1000)}` }, `line one ${'x'.repeat(190)}…`],
    [{ rows: [1, 2, 3] }, undefined],
    ['<html>internal</html>', undefined],
    [undefined, undefined],
  ];
  for (const [body, expected] of table) assert.equal(providerMessage(body), expected, JSON.stringify(body)?.slice(0, 60));
});

test('capRecords: up to the cap passes; over it is a non-retryable error naming the endpoint and the setting', () => {
  const limits = { ...DEFAULT_PROVIDER_LIMITS, maxRecords: 3 };
  assert.deepEqual(capRecords([1, 2, 3], 'https://x.example/a', limits), [1, 2, 3]);
  assert.throws(
    () => capRecords([1, 2, 3, 4], 'https://x.example/a?key=s', limits),
    (err: unknown) =>
      err instanceof ProviderError &&
      err.kind === 'client' &&
      err.message === 'page from x.example/a has 4 records, more than the 3 allowed (POLLSTER_PROVIDER_MAX_RECORDS); lower the resource\'s pageSize',
  );
});

test('absolute resource URLs and next links stay on base.url’s origin', () => {
  const base = 'https://api.example.com/v2';
  const table: [string, string | RegExp][] = [
    ['/contacts', 'https://api.example.com/v2/contacts'],
    ['contacts?x=1', 'https://api.example.com/v2/contacts?x=1'],
    ['//evil.example/x', 'https://api.example.com/v2/evil.example/x'],
    ['https://api.example.com/other/contacts', 'https://api.example.com/other/contacts'],
    ['HTTPS://API.EXAMPLE.COM:443/x', 'HTTPS://API.EXAMPLE.COM:443/x'],
    ['https://evil.example/contacts', /resource URL https:\/\/evil\.example is not on base\.url's origin https:\/\/api\.example\.com/],
    ['http://api.example.com/contacts', /is not on base\.url's origin/],
    ['https://api.example.com:8443/contacts', /is not on base\.url's origin/],
    ['https://api.example.com.evil.example/x', /is not on base\.url's origin/],
    ['https://api.example.com@evil.example/x', /is not on base\.url's origin/],
  ];
  for (const [path, expected] of table) {
    if (typeof expected === 'string') assert.equal(joinUrl(base, path), expected, path);
    else assert.throws(() => joinUrl(base, path), (err: unknown) => err instanceof ProviderError && err.kind === 'client' && expected.test(err.message), path);
  }
  assert.throws(() => assertSameOrigin(base, 'https://evil.example/page2', 'next link'), /next link https:\/\/evil\.example is not on/);
  assertSameOrigin(base, '/v2/contacts?after=9', 'next link');
});

test('http validate: an absolute resource URL off base.url’s origin is refused at creation, at its key', () => {
  const base = { 'base.url': 'https://api.example.com', 'event.notification.enabled': 'false' };
  const json = { ...base, 'event.poller.configuration': JSON.stringify({ contacts: { url: 'https://evil.example/contacts', idField: 'id' }, ok: { url: 'https://api.example.com/ok', idField: 'id' } }) };
  assert.deepEqual(httpElement.validate(json), [
    { key: 'event.poller.configuration', message: "contacts.url: resource URL https://evil.example is not on base.url's origin https://api.example.com: the instance's credentials go nowhere else" },
  ]);
  const legacy = { ...base, 'event.poller.urls': 'leads|https://169.254.169.254/latest/meta-data' };
  assert.deepEqual(
    httpElement.validate(legacy).map((i) => i.key),
    ['event.poller.urls'],
  );
  assert.deepEqual(httpElement.validate({ ...base, 'event.poller.configuration': JSON.stringify({ contacts: { url: '/contacts?since=${date}', idField: 'id' } }) }), []);
});
