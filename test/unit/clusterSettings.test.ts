/** `npm run cluster`'s pure parts: its settings from the environment, the PostgreSQL URL, search attribute types, server ports. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import proto from '@temporalio/proto';
import { clusterSettings } from '../../scripts/cluster/settings';
import { pgTargetFromUrl, identifier } from '../../scripts/cluster/postgres';
import { indexedValueType } from '../../scripts/cluster/namespace';
import { portsFrom, serverEnv } from '../../scripts/cluster/serverConfig';
import { SEARCH_ATTRIBUTE_TYPES } from '../../contract/searchAttributes';

const { IndexedValueType } = proto.temporal.api.enums.v1;

describe('clusterSettings', () => {
  test('defaults: two workers, two API replicas, ports off the dev server, namespace pollster, private callbacks allowed', () => {
    const s = clusterSettings({ POLLSTER_DATA_DIR: '/tmp/x' });
    assert.deepEqual(s, { dir: '/tmp/x/cluster', namespace: 'pollster', workers: 2, apis: 2, temporalPort: 7300, apiPort: 3100, metricsPort: 9500, pgUrl: undefined, allowPrivateCallbacks: true, allowPrivateProviders: true });
  });

  test('values from the environment', () => {
    const s = clusterSettings({ POLLSTER_CLUSTER_WORKERS: '0', POLLSTER_CLUSTER_APIS: '3', POLLSTER_CLUSTER_TEMPORAL_PORT: '17300', TEMPORAL_NAMESPACE: 'prod-1', POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'false', POLLSTER_CLUSTER_PG_URL: 'postgres://u:p@h/db' });
    assert.equal(s.workers, 0);
    assert.equal(s.apis, 3);
    assert.equal(s.temporalPort, 17300);
    assert.equal(s.namespace, 'prod-1');
    assert.equal(s.allowPrivateCallbacks, false);
    assert.equal(s.pgUrl, 'postgres://u:p@h/db');
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ POLLSTER_CLUSTER_WORKERS: 'two' }, /^POLLSTER_CLUSTER_WORKERS must be a whole number from 0 to 32, got 'two'$/],
    [{ POLLSTER_CLUSTER_WORKERS: '1.5' }, /^POLLSTER_CLUSTER_WORKERS /],
    [{ POLLSTER_CLUSTER_APIS: '-1' }, /^POLLSTER_CLUSTER_APIS /],
    [{ POLLSTER_CLUSTER_APIS: '33' }, /^POLLSTER_CLUSTER_APIS /],
    // Membership ports (the last four of the server's nine) must fit PostgreSQL's smallint.
    [{ POLLSTER_CLUSTER_TEMPORAL_PORT: '32760' }, /^POLLSTER_CLUSTER_TEMPORAL_PORT must be a whole number from 1024 to 32759/],
    [{ POLLSTER_CLUSTER_TEMPORAL_PORT: '80' }, /^POLLSTER_CLUSTER_TEMPORAL_PORT /],
    [{ POLLSTER_CLUSTER_API_PORT: '65535', POLLSTER_CLUSTER_APIS: '2' }, /^POLLSTER_CLUSTER_API_PORT /],
    [{ POLLSTER_CLUSTER_METRICS_PORT: 'x' }, /^POLLSTER_CLUSTER_METRICS_PORT /],
    [{ POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'yes' }, /^POLLSTER_ALLOW_PRIVATE_CALLBACKS must be true or false/],
    [{ TEMPORAL_NAMESPACE: 'a b' }, /^TEMPORAL_NAMESPACE /],
  ];
  for (const [env, message] of bad) {
    test(`refuses ${JSON.stringify(env)}, naming the variable`, () => {
      assert.throws(() => clusterSettings(env), { message });
    });
  }
});

describe('pgTargetFromUrl', () => {
  const cases: [string, ReturnType<typeof pgTargetFromUrl>][] = [
    ['postgres://temporal:s3cret@db.internal:6543/temporal', { target: { host: 'db.internal', port: 6543, user: 'temporal', password: 's3cret', tls: false }, database: 'temporal' }],
    ['postgresql://u:p%40ss@127.0.0.1/', { target: { host: '127.0.0.1', port: 5432, user: 'u', password: 'p@ss', tls: false }, database: undefined }],
    ['postgres://u:p@h/db?sslmode=require', { target: { host: 'h', port: 5432, user: 'u', password: 'p', tls: true }, database: 'db' }],
    ['postgres://u:p@h/db?sslmode=disable', { target: { host: 'h', port: 5432, user: 'u', password: 'p', tls: false }, database: 'db' }],
    ['postgres://u:p@h/db?sslmode=verify-full&sslrootcert=/etc/ssl/pg-ca.pem', { target: { host: 'h', port: 5432, user: 'u', password: 'p', tls: true, caFile: '/etc/ssl/pg-ca.pem' }, database: 'db' }],
  ];
  for (const [url, expected] of cases) {
    test(url.replace(/:[^:@/]+@/, ':***@'), () => assert.deepEqual(pgTargetFromUrl(url), expected));
  }

  const refused: [string, RegExp][] = [
    ['not a url', /^POLLSTER_CLUSTER_PG_URL is not a URL/],
    ['mysql://u:p@h/db', /^POLLSTER_CLUSTER_PG_URL: expected postgres:\/\//],
    ['postgres://h/db', /^POLLSTER_CLUSTER_PG_URL: needs a user and a password/],
  ];
  for (const [url, message] of refused) {
    test(`refuses ${url}`, () => assert.throws(() => pgTargetFromUrl(url), { message }));
  }

  test('an error never repeats the password', () => {
    const malformed = [(pw: string) => `mysql://u:${pw}@h/db`, (pw: string) => `postgres://u:${pw}@h:99999999/db`, (pw: string) => `postgres://:${pw}@h/db`, (pw: string) => `u:${pw}@h`];
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{8,20}$/), fc.constantFrom(...malformed), (password, url) => {
        try {
          pgTargetFromUrl(url(password));
        } catch (err) {
          return !(err as Error).message.includes(password);
        }
        return false;
      }),
    );
  });
});

describe('identifier', () => {
  test('plain lower-case names are quoted; anything else is refused', () => {
    assert.equal(identifier('pollster_test_12_1'), '"pollster_test_12_1"');
    for (const name of ['Pollster', 'a-b', 'x"; DROP ROLE postgres; --', '', '1abc', 'a'.repeat(64)]) assert.throws(() => identifier(name), { message: /^not a plain PostgreSQL identifier/ });
  });
});

describe('indexedValueType', () => {
  test('every type Pollster registers maps to its indexed value type', () => {
    for (const type of Object.values(SEARCH_ATTRIBUTE_TYPES)) assert.ok(indexedValueType(type) > IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED, type);
    assert.equal(indexedValueType('KeywordList'), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST);
    assert.equal(indexedValueType('Datetime'), IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
    assert.equal(indexedValueType('Bool'), IndexedValueType.INDEXED_VALUE_TYPE_BOOL);
  });

  test('an unknown type is refused', () => {
    for (const type of ['Keywords', 'Unspecified', 'keyword list']) assert.throws(() => indexedValueType(type), { message: /^unknown search attribute type/ });
  });
});

describe('server ports', () => {
  test('nine distinct consecutive ports from the base, the frontend first, each in the server template variables', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: 32759 }), (base) => {
        const ports = portsFrom(base);
        const values = Object.values(ports).sort((a, b) => a - b);
        const env = serverEnv({ pg: { host: 'h', port: 5432, user: 'u', password: 'p', tls: false }, databases: { main: 'm', visibility: 'v' }, ports, historyShards: 4 });
        const templated = Object.entries(env)
          .filter(([k]) => /_PORT$/.test(k) && !k.startsWith('TEMPORAL_PG_'))
          .map(([, v]) => Number(v))
          .sort((a, b) => a - b);
        return ports.frontend === base && values.every((p, i) => p === base + i) && values.length === 9 && JSON.stringify(templated) === JSON.stringify(values);
      }),
    );
  });
});
