/**
 * The process logger: LOG_FORMAT picks readable lines (the default) or pino's JSON lines, LOG_LEVEL the level, and
 * a bad value of either is refused naming the variable; a readable line is the message alone (fields stay in JSON),
 * an error's stack shows at debug and at error but never with a warning; errors read as one line; the API logs each
 * request once, at debug, with secret-looking query values and the codec path key masked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Client } from '@temporalio/client';
import { buildApi, temporalServices } from '../../api/app';
import { apiLogger, loggableUrl } from '../../api/logging';
import { createLogger } from '../../log/logger';
import { errorText } from '../../log/errorText';
import { logSettings } from '../../log/settings';

/** A logger writing into an array, one entry per line. */
function capture(name: string, env: NodeJS.ProcessEnv) {
  const lines: string[] = [];
  const log = createLogger(name, { env, destination: { write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) } });
  return { log, lines };
}

const withCause = (message: string, cause: unknown): Error => Object.assign(new Error(message), { cause });

test('logSettings: LOG_FORMAT and LOG_LEVEL, their defaults, and a clear refusal naming the variable', () => {
  const table: [NodeJS.ProcessEnv, ReturnType<typeof logSettings> | RegExp][] = [
    [{}, { format: 'pretty', level: 'info' }],
    [{ LOG_FORMAT: 'json' }, { format: 'json', level: 'info' }],
    [{ LOG_FORMAT: ' JSON ', LOG_LEVEL: 'Debug' }, { format: 'json', level: 'debug' }],
    [{ LOG_FORMAT: 'pretty', LOG_LEVEL: 'warn' }, { format: 'pretty', level: 'warn' }],
    [{ LOG_FORMAT: '', LOG_LEVEL: '' }, { format: 'pretty', level: 'info' }],
    [{ LOG_FORMAT: 'yaml' }, /^LOG_FORMAT must be one of pretty, json, got 'yaml'$/],
    [{ LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got 'verbose'$/],
  ];
  for (const [env, expected] of table) {
    if (expected instanceof RegExp) assert.throws(() => logSettings(env), { message: expected }, JSON.stringify(env));
    else assert.deepEqual(logSettings(env), expected, JSON.stringify(env));
  }
});

test('LOG_FORMAT=json: one JSON object per line, with the process name, the message and the fields', () => {
  const { log, lines } = capture('worker', { LOG_FORMAT: 'json' });
  log.info({ instanceId: 42 }, 'instance 42 (contacts): polled, nothing new');
  log.debug('not at info');
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry.name, 'worker');
  assert.equal(entry.level, 30);
  assert.equal(entry.msg, 'instance 42 (contacts): polled, nothing new');
  assert.equal(entry.instanceId, 42);
});

test('the readable format: time, level, process and message on one line; fields only in JSON', () => {
  const { log, lines } = capture('worker', {});
  log.info({ instanceId: 42, secretish: 'field values are not printed' }, 'instance 42 (contacts): polled, nothing new');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\] INFO \(worker\): instance 42 \(contacts\): polled, nothing new$/);
  assert.throws(() => JSON.parse(lines[0]!));
});

test('a stack trace shows at debug and at error, never with a warning or at info', () => {
  const err = withCause('poll failed', new Error('connect ECONNREFUSED'));
  const cases: ['debug' | 'info' | 'warn' | 'error', boolean][] = [
    ['debug', true],
    ['info', false],
    ['warn', false],
    ['error', true],
  ];
  for (const [level, stack] of cases) {
    const { log, lines } = capture('worker', { LOG_LEVEL: 'debug' });
    log[level]({ err }, `contacts: ${errorText(err)}`);
    assert.match(lines[0]!, new RegExp(`${level.toUpperCase()} \\(worker\\): contacts: poll failed: connect ECONNREFUSED$`));
    assert.equal(lines.length > 1, stack, `${level}: ${lines.length} lines`);
    if (stack) assert.match(lines[1]!, /^\s+Error: poll failed$/);
  }
});

test('errorText: the message and its causes on one line, each said once', () => {
  const table: [unknown, string][] = [
    [new Error('boom'), 'boom'],
    [withCause('Activity task failed', withCause('request to api.example.com/contacts failed', new Error('getaddrinfo ENOTFOUND api.example.com'))), 'Activity task failed: request to api.example.com/contacts failed: getaddrinfo ENOTFOUND api.example.com'],
    [withCause('callback answered 503: callback answered 503', new Error('callback answered 503')), 'callback answered 503: callback answered 503'],
    [new Error('line one\n    line two'), 'line one line two'],
    ['a string', 'a string'],
    [{ message: 'an error-like object' }, 'an error-like object'],
    [undefined, 'unknown error'],
    [new Error(''), 'Error'],
  ];
  for (const [err, expected] of table) assert.equal(errorText(err), expected);
});

test('errorText: always one bounded line, and it names the innermost cause', () => {
  const word = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== '');
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), (messages) => {
      const err = messages.reduceRight<unknown>((cause, message) => (cause === undefined ? new Error(message) : withCause(message, cause)), undefined);
      const text = errorText(err);
      assert.ok(!/[\r\n]/.test(text), 'one line');
      assert.ok(text.length <= 1000);
      assert.ok(text.includes(messages.at(-1)!.replace(/\s+/g, ' ').trim()), 'the innermost cause is named');
    }),
  );
});

test('the API logs each request once, at debug: nothing at info', async () => {
  for (const [level, expected] of [
    ['info', 0],
    ['debug', 1],
  ] as const) {
    const lines: string[] = [];
    const app = await buildApi({
      services: temporalServices(new Client()), // lazy: this request never reaches Temporal
      secrets: { userSecret: 'u', organizationSecret: 'o' },
      loggerInstance: apiLogger({ LOG_FORMAT: 'json', LOG_LEVEL: level }, { write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) }),
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/elements/api-v2/no-such-route?x=1&apiSecret=hunter2hunter2', headers: { authorization: 'User u, Organization o' } });
      assert.equal(res.statusCode, 404);
    } finally {
      await app.close();
    }
    assert.equal(lines.length, expected, `${level}: ${lines.join('\n')}`);
    if (expected === 1) {
      const entry = JSON.parse(lines[0]!);
      assert.equal(entry.msg.replace(/\(\d+ ms\)/, '(n ms)'), 'GET /elements/api-v2/no-such-route?x=1&apiSecret=*** → 404 (n ms)');
      assert.equal(entry.req.url, '/elements/api-v2/no-such-route?x=1&apiSecret=***');
      assert.equal(entry.res.statusCode, 404);
      assert.ok(!lines[0]!.includes('Organization o'), 'the Authorization header is not logged');
      assert.ok(!lines[0]!.includes('hunter2'), 'the secret in the query is not logged');
    }
  }
});

test('loggableUrl: secret-looking query values and the codec path key masked, the rest as requested', () => {
  const table: [string, string][] = [
    ['/elements/api-v2/instances', '/elements/api-v2/instances'],
    ["/elements/api-v2/notifications/subscriptions/deliveries?where=status%3D'retry'", "/elements/api-v2/notifications/subscriptions/deliveries?where=status%3D'retry'"],
    ['/elements/api-v2/elements/sageone/oauth/url?apiKey=id&apiSecret=s3cret&callbackUrl=https%3A%2F%2Fapp.example.com%2Fcb&state=x', '/elements/api-v2/elements/sageone/oauth/url?apiKey=***&apiSecret=***&callbackUrl=https%3A%2F%2Fapp.example.com%2Fcb&state=x'],
    ['/x?access_token=a&refresh_token=b&password=c&code=d&api%5Fkey=e', '/x?access_token=***&refresh_token=***&password=***&code=***&api%5Fkey=***'],
    ['/x?flag&page=2', '/x?flag&page=2'],
    ['/elements/api-v2/codec/abcDEF_-123/decode?token=t', '/elements/api-v2/codec/***/decode?token=***'],
  ];
  for (const [url, expected] of table) assert.equal(loggableUrl(url), expected, url);
});

test('loggableUrl: a secret in a secret-named parameter never shows, whatever its value', () => {
  const name = fc.constantFrom('apiSecret', 'client_secret', 'password', 'token', 'accessToken', 'apiKey', 'code');
  const value = fc.stringMatching(/^[A-Za-z0-9._~-]{6,40}$/);
  fc.assert(
    fc.property(name, value, fc.boolean(), (n, v, first) => {
      const query = first ? `${n}=${v}&page=1` : `page=1&${n}=${encodeURIComponent(v)}`;
      const logged = loggableUrl(`/elements/api-v2/anything?${query}`);
      assert.ok(!logged.includes(`=${v}`) && !logged.includes(`=${encodeURIComponent(v)}`), logged);
      assert.ok(logged.includes('page=1'));
    }),
  );
});
