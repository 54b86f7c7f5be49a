/**
 * Provider errors that say what to check: each class of failure (DNS, TLS, refused connection, timeout, 401, 403,
 * 404, 429, 5xx) met for real on sockets through requestJson, and its error names the request (URL with credentials
 * masked) and the hint of its class. The classification itself in tables, and a property: no credential in a URL
 * ever reaches the message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { classifyStatus, hintFor, ProviderError, problemOfCause, problemOfStatus, type ProblemClass, type ProviderErrorKind } from '../../elements/providerError';
import { requestError, requestJson } from '../../elements/providerHttp';

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** The error requestJson fails with. */
async function failure(url: string): Promise<ProviderError> {
  const err = await requestJson(url).then(
    () => assert.fail(`${url} was answered`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderError, String(err));
  return err;
}

describe('provider errors on real sockets', () => {
  const statusServer = createServer((req, res) => {
    const status = Number(/^\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 429) headers['retry-after'] = '30';
    res.writeHead(status, headers).end(JSON.stringify({ message: `status ${status} here` }));
  });
  // Accepts, then never answers: the request's deadline ends it.
  const silent = createServer(() => undefined);
  let host = '';
  let silentHost = '';
  let closedHost = '';

  const allowPrivate = process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS;
  before(async () => {
    // The servers are on loopback.
    process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
    host = await listen(statusServer);
    silentHost = await listen(silent);
    const closed = createServer();
    closedHost = await listen(closed);
    await new Promise((r) => closed.close(r));
  });
  after(async () => {
    if (allowPrivate === undefined) delete process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS;
    else process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = allowPrivate;
    silent.closeAllConnections();
    await Promise.all([statusServer, silent].map((s) => new Promise((r) => s.close(r))));
  });

  // [what, URL, class, kind, the start of the message, a phrase of the hint]
  const cases: () => [string, string, ProblemClass | undefined, ProviderErrorKind, RegExp, RegExp][] = () => [
    ['DNS', 'http://crm.nowhere.invalid/sdata/Company?count=5', 'dns', 'retryable', /^request failed: getaddrinfo (ENOTFOUND|EAI_AGAIN) crm\.nowhere\.invalid /, /the host crm\.nowhere\.invalid does not resolve: check it in base\.url \(or the subdomain\)/],
    ['TLS', `https://${host}/200`, 'tls', 'retryable', /^request failed: /, new RegExp(`the TLS connection to ${host} failed: check its certificate`)],
    ['refused connection', `http://${closedHost}/contacts`, 'connection', 'retryable', /^request failed: connect ECONNREFUSED /, new RegExp(`nothing accepts the connection at ${closedHost}: check the host and port in base\\.url`)],
    ['timeout', `http://${silentHost}/contacts`, 'timeout', 'retryable', /^no complete answer within 300 ms \(POLLSTER_PROVIDER_TIMEOUT_MS\) /, new RegExp(`${silentHost} did not answer in time`)],
    ['401', `http://${host}/401`, 'unauthorized', 'auth', /^provider answered 401: status 401 here /, /the provider refused the credentials: check the username and password, API key or token/],
    ['403', `http://${host}/403`, 'forbidden', 'client', /^provider answered 403: status 403 here /, /the credentials lack permission for this resource/],
    ['404', `http://${host}/404`, 'notFound', 'client', /^provider answered 404: status 404 here /, /the provider has nothing at this URL: check the resource's url in event\.poller\.configuration, and base\.url/],
    ['429', `http://${host}/429`, 'rateLimited', 'retryable', /^provider answered 429: status 429 here /, /rate limited: the provider asks to wait 30 s \(Retry-After\); the next poll tries again/],
    ['500', `http://${host}/500`, 'server', 'retryable', /^provider answered 500: status 500 here /, /the provider failed on its side/],
    ['400 (no class)', `http://${host}/400`, undefined, 'client', /^provider answered 400: status 400 here \(GET http:\/\/[^)]+\/400\)$/, /^/],
  ];

  test('each class of failure names the request and says what to check', async () => {
    process.env.POLLSTER_PROVIDER_TIMEOUT_MS = '300';
    try {
      for (const [what, url, problem, kind, start, hint] of cases()) {
        const err = await failure(url);
        assert.equal(err.problem, problem, `${what}: ${err.message}`);
        assert.equal(err.kind, kind, `${what}: ${err.message}`);
        assert.match(err.message, start, what);
        assert.ok(err.message.includes(`(GET ${new URL(url).href})`), `${what} names the request: ${err.message}`);
        assert.match(err.message, hint, what);
        assert.ok(!err.message.includes('\n'), `${what}: one line`);
      }
    } finally {
      delete process.env.POLLSTER_PROVIDER_TIMEOUT_MS;
    }
  });

  test('credentials in the URL are masked in the error', async () => {
    const err = await failure(`http://alice:hunter2@${host}/404/contacts?api_key=hunter2&page=2`);
    assert.ok(!err.message.includes('hunter2'), err.message);
    assert.ok(err.message.includes(`(GET http://***:***@${host}/404/contacts?api_key=***&page=2)`), err.message);
  });

  test('Retry-After is read for the hint, and its absence said', () => {
    const withHeader = requestError('provider answered 429: slow down', { method: 'GET', url: 'https://api.example.com/x', status: 429, kind: 'retryable', problem: 'rateLimited', retryAfterMs: 90_500 });
    assert.match(withHeader.message, /asks to wait 91 s \(Retry-After\)/);
    assert.equal(withHeader.retryAfterMs, 90_500);
    const without = requestError('provider answered 429: slow down', { method: 'GET', url: 'https://api.example.com/x', status: 429, kind: 'retryable', problem: 'rateLimited' });
    assert.match(without.message, /the provider sent no Retry-After/);
  });
});

test('problemOfStatus: the statuses that have a hint', () => {
  const table: [number, ProblemClass | undefined][] = [
    [200, undefined],
    [301, undefined],
    [400, undefined],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'notFound'],
    [410, 'notFound'],
    [422, undefined],
    [429, 'rateLimited'],
    [500, 'server'],
    [502, 'server'],
    [503, 'server'],
    [599, 'server'],
  ];
  for (const [status, problem] of table) assert.equal(problemOfStatus(status), problem, String(status));
});

test('problemOfStatus agrees with how a status is retried', () => {
  fc.assert(
    fc.property(fc.integer({ min: 300, max: 599 }), (status) => {
      const problem = problemOfStatus(status);
      const kind = classifyStatus(status);
      if (problem === 'unauthorized') return kind === 'auth';
      if (problem === 'rateLimited' || problem === 'server') return kind === 'retryable';
      return kind !== 'auth';
    }),
  );
});

test('problemOfCause: network error codes, read through causes', () => {
  const coded = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });
  const table: [string, unknown, ProblemClass | undefined][] = [
    ['ENOTFOUND', coded('ENOTFOUND'), 'dns'],
    ['EAI_AGAIN', coded('EAI_AGAIN'), 'dns'],
    ['ECONNREFUSED', coded('ECONNREFUSED'), 'connection'],
    ['ECONNRESET', coded('ECONNRESET'), 'connection'],
    ['EHOSTUNREACH', coded('EHOSTUNREACH'), 'connection'],
    ['ETIMEDOUT', coded('ETIMEDOUT'), 'timeout'],
    ['undici connect timeout', coded('UND_ERR_CONNECT_TIMEOUT'), 'timeout'],
    ['undici headers timeout', coded('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    ['expired certificate', coded('CERT_HAS_EXPIRED'), 'tls'],
    ['self-signed certificate', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    ['unknown issuer', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls'],
    ['name mismatch', coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['wrong TLS version', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    ['EPROTO', coded('EPROTO'), 'tls'],
    ['wrapped: fetch failed ← ENOTFOUND', Object.assign(new TypeError('fetch failed'), { cause: coded('ENOTFOUND') }), 'dns'],
    ['wrapped twice', coded('UND_ERR_SOCKET', coded('ECONNRESET')), 'connection'],
    ['no code', new Error('something else'), undefined],
    ['unknown code', coded('EWHATEVER'), undefined],
    ['not an error', 'ENOTFOUND', undefined],
    ['a cause cycle', (() => { const e: { code: string; cause?: unknown } = { code: 'X' }; e.cause = e; return e; })(), undefined],
  ];
  for (const [what, err, problem] of table) assert.equal(problemOfCause(err), problem, what);
});

test('every hint is one line that names what to look at', () => {
  const classes: ProblemClass[] = ['dns', 'tls', 'connection', 'timeout', 'unauthorized', 'forbidden', 'notFound', 'rateLimited', 'server'];
  const names: Record<ProblemClass, RegExp> = {
    dns: /base\.url.*DNS/,
    tls: /certificate/,
    connection: /host and port in base\.url/,
    timeout: /POLLSTER_PROVIDER_TIMEOUT_MS/,
    unauthorized: /credentials|password|token/,
    forbidden: /permission/,
    notFound: /resource's url/,
    rateLimited: /Retry-After/,
    server: /next poll/,
  };
  for (const problem of classes) {
    const hint = hintFor(problem, { host: 'api.example.com', retryAfterMs: 5000 });
    assert.ok(!hint.includes('\n') && hint.length < 220, `${problem}: ${hint}`);
    assert.match(hint, names[problem], problem);
  }
});

test('no credential of a URL reaches the error', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/);
  fc.assert(
    fc.property(secret, secret, fc.constantFrom('api_key', 'token', 'access_token', 'password', 'sig'), fc.constantFrom<ProblemClass | undefined>('dns', 'notFound', 'rateLimited', undefined), (password, key, param, problem) => {
      const url = `https://user:${password}@api.example.com/v1/contacts?${param}=${key}&page=1`;
      const { message } = requestError('provider answered 404: no', { method: 'GET', url, status: 404, kind: 'client', problem });
      return !message.includes(password) && !message.includes(key) && message.includes('api.example.com/v1/contacts');
    }),
  );
});
