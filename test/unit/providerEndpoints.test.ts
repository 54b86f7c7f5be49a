/** The endpoints an instance configuration names, checked against the provider address policy at creation (table). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProviderEndpoints, providerEndpoints } from '../../elements/providerEndpoints';

const lookup = async (host: string) => [{ address: host === 'internal.example' ? '10.1.2.3' : '93.184.215.14', family: 4 }];

test('providerEndpoints: the API root, the token endpoint, and Sage CRM’s host unless base.url replaces it', () => {
  assert.deepEqual(providerEndpoints({ 'base.url': ' https://api.example.com ', 'oauth.token.url': 'https://auth.example.com/token', other: 'x' }), [
    { key: 'base.url', url: 'https://api.example.com' },
    { key: 'oauth.token.url', url: 'https://auth.example.com/token' },
  ]);
  assert.deepEqual(providerEndpoints({ baseUrl: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0' }), [{ key: 'baseUrl', url: 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0' }]);
  assert.deepEqual(providerEndpoints({ subdomain: 'https://crm.example.com/' }), [{ key: 'subdomain', url: 'https://crm.example.com/' }]);
  assert.deepEqual(providerEndpoints({ subdomain: 'crm.example.com', 'base.url': 'https://other.example' }), [{ key: 'base.url', url: 'https://other.example' }]);
});

test('checkProviderEndpoints: each refused endpoint is an issue at its key; public ones and allowed private ones pass', async () => {
  const table: [Record<string, string>, string[]][] = [
    [{ 'base.url': 'http://127.0.0.1:7233' }, ['base.url']],
    [{ 'base.url': 'http://[::ffff:7f00:1]/' }, ['base.url']],
    [{ 'base.url': 'https://api.example.com', 'oauth.token.url': 'http://169.254.169.254/latest/meta-data' }, ['oauth.token.url']],
    [{ baseUrl: 'http://internal.example/apis' }, ['baseUrl']],
    [{ subdomain: '[fd00::1]' }, ['subdomain']],
    [{ 'base.url': 'https://api.example.com', 'oauth.token.url': 'https://auth.example.com/token' }, []],
  ];
  for (const [configuration, keys] of table) {
    const issues = await checkProviderEndpoints(configuration, { allowPrivate: false, lookup });
    assert.deepEqual(issues.map((i) => i.key), keys, JSON.stringify(configuration));
    for (const issue of issues) assert.match(issue.message, /not a public address \(set POLLSTER_ALLOW_PRIVATE_PROVIDERS=true to allow\)/);
  }
  assert.deepEqual(await checkProviderEndpoints({ 'base.url': 'http://127.0.0.1:4000' }, { allowPrivate: true }), []);
});
