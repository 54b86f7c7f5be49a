/**
 * Hostile providers on real sockets, through the `http` adapter exactly as a poll reads a page: an
 * endless chunked answer, a 200 MB body (declared and chunked), a body of one byte a second, a page of
 * a million records, error pages, and the same through the OAuth2 token endpoint. Each ends in a
 * short, clear ProviderError; the provider sees its connection closed; a healthy provider answers
 * meanwhile. The process's memory growth is reported (diagnostics), not asserted.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { httpElement } from '../../elements/http';
import { oauthAuthenticate } from '../../elements/oauth2';
import { ProviderError, type ProviderErrorKind } from '../../elements/providerError';
import { DEFAULT_PROVIDER_LIMITS } from '../../elements/providerLimits';
import { HUGE_BYTES, MILLION, startHostileProvider, type HostileMode, type HostileProvider } from '../fakes/hostileProvider';

/** Runs `fn` while sampling RSS and heap; reports the peak growth over the baseline. */
async function measured<T>(t: TestContext, label: string, fn: () => Promise<T>): Promise<T> {
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  try {
    return await fn();
  } finally {
    clearInterval(sampler);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    t.diagnostic(`${label}: peak RSS +${mb(peakRss - base.rss)} MB (now ${mb(m.rss)} MB), peak heap +${mb(peakHeap - base.heapUsed)} MB`);
  }
}

describe('hostile providers', () => {
  let provider: HostileProvider;
  const fetchMode = (mode: HostileMode) => httpElement.fetchPage({ url: `/${mode}`, pageSize: 100 }, { configuration: { 'base.url': provider.url, 'auth.type': 'bearer', 'auth.token': 'tok' } });

  /** The page fails with a ProviderError of `kind` whose message matches `message` and carries no body text. */
  async function refused(mode: HostileMode, kind: ProviderErrorKind, message: RegExp): Promise<ProviderError> {
    const err = await fetchMode(mode).then(
      () => assert.fail(`${mode}: the page was accepted`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProviderError, `${mode}: ${err}`);
    assert.equal(err.kind, kind, `${mode}: ${err.message}`);
    assert.match(err.message, message);
    assert.ok(err.message.length <= 700 && !err.message.includes('\n'), `${mode}: a short, one-line message: ${err.message.slice(0, 800)}`);
    // A request that failed names it; a page refused after reading (the records cap) names its host and path.
    if (mode !== 'million-records') assert.match(err.message, new RegExp(` \\(GET http://127\\.0\\.0\\.1:\\d+/${mode}[^ )]*\\)`), `${mode}: the request is named`);
    assert.ok(!/xxxx|secret internal|frame/.test(err.message), `${mode}: no body text in the message`);
    return err;
  }

  before(async () => {
    provider = await startHostileProvider();
  });
  after(() => provider.close());

  test('an endless chunked answer stops at the size limit; the provider is hung up on', async (t) => {
    await measured(t, 'endless', () => refused('endless', 'client', /^answer larger than 20971520 bytes \(POLLSTER_PROVIDER_MAX_BYTES\) \(GET http:\/\/127\.0\.0\.1:\d+\/endless[^ )]*\)$/));
    await provider.hungUp('endless');
    t.diagnostic(`endless: the provider wrote ${(provider.written['endless']! / 1024 / 1024).toFixed(1)} MB before the hang-up`);
    assert.ok(provider.written['endless']! < 2 * DEFAULT_PROVIDER_LIMITS.maxBytes, 'reading stopped near the limit');
  });

  test('a 200 MB body: refused from its Content-Length before reading; read to the limit when not declared', async (t) => {
    await measured(t, 'huge-declared', () => refused('huge-declared', 'client', /^answer larger than 20971520 bytes/));
    await provider.hungUp('huge-declared');
    assert.ok(provider.written['huge-declared']! < DEFAULT_PROVIDER_LIMITS.maxBytes, 'the declared body was not read');
    await measured(t, 'huge-chunked', () => refused('huge-chunked', 'client', /^answer larger than 20971520 bytes/));
    await provider.hungUp('huge-chunked');
    assert.ok(provider.written['huge-chunked']! < HUGE_BYTES / 4);
  });

  test('a body of one byte a second ends at the overall deadline, however steadily it trickles', async (t) => {
    process.env.POLLSTER_PROVIDER_TIMEOUT_MS = '2500';
    try {
      await measured(t, 'trickle', () => refused('trickle', 'retryable', /^no complete answer within 2500 ms \(POLLSTER_PROVIDER_TIMEOUT_MS\) \(GET http:\/\/127\.0\.0\.1:\d+\/trickle[^ )]*\); 127\.0\.0\.1:\d+ did not answer in time: /));
    } finally {
      delete process.env.POLLSTER_PROVIDER_TIMEOUT_MS;
    }
    await provider.hungUp('trickle');
    assert.ok(provider.written['trickle']! >= 1, 'the provider did trickle');
  });

  test('a page of a million records is refused at the records cap', async (t) => {
    const err = await measured(t, 'million-records', () => refused('million-records', 'client', /^page from 127\.0\.0\.1:\d+\/million-records has 1000000 records, more than the 10000 allowed \(POLLSTER_PROVIDER_MAX_RECORDS\)/));
    assert.ok(err.message.includes(String(MILLION)));
  });

  test('error pages are named by status, type and size; a JSON error message is cut to one short line', async () => {
    const html = await refused('html-error', 'retryable', /^provider answered 502: \d+ characters of text\/html \(GET http:\/\/127\.0\.0\.1:\d+\/html-error[^ )]*\); the provider failed on its side/);
    assert.equal(html.status, 502);
    const json = await fetchMode('internal-json-error').catch((e: ProviderError) => e);
    assert.ok(json instanceof ProviderError);
    assert.match(json.message, /^provider answered 500: database password=hunter2 at frame frame/);
    const said = json.message.slice(0, json.message.indexOf(' (GET '));
    assert.ok(said.length <= 230 && !json.message.includes('\n') && !json.message.includes('rows'), json.message);
  });

  test('the OAuth2 token endpoint is capped the same way', async () => {
    const client = { tokenUrl: `${provider.url}/endless`, clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example/cb' };
    await assert.rejects(oauthAuthenticate({ configuration: {}, providerCode: 'code' }, client), (err: unknown) => err instanceof ProviderError && /grant refused: answer larger than 20971520 bytes \(POLLSTER_PROVIDER_MAX_BYTES\) \(POST http:\/\/127\.0\.0\.1:\d+\/endless\)$/.test(err.message));
  });

  test('a healthy provider answers while hostile ones hold connections', async () => {
    process.env.POLLSTER_PROVIDER_TIMEOUT_MS = '3000';
    try {
      const hostile = [fetchMode('trickle'), fetchMode('endless')].map((p) => p.then(() => 'accepted', (e: Error) => e.name));
      const healthy = await fetchMode('healthy');
      assert.deepEqual(healthy.records, [{ id: '1' }, { id: '2' }]);
      assert.deepEqual(await Promise.all(hostile), ['ProviderError', 'ProviderError']);
    } finally {
      delete process.env.POLLSTER_PROVIDER_TIMEOUT_MS;
    }
  });

  test('with private providers not allowed, a loopback provider is refused before any request', async () => {
    const before = provider.requests();
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'false';
    try {
      await refused('healthy', 'client', /^request refused: provider host 127\.0\.0\.1 resolves to 127\.0\.0\.1, loopback.* \(GET http:\/\/127\.0\.0\.1:\d+\/healthy[^ )]*\)$/);
    } finally {
      process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
    }
    assert.equal(provider.requests(), before, 'no request reached the provider');
  });
});
