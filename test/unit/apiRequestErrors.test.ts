/**
 * Requests the API cannot use are 400s that name the field, through the real app (app.inject; none of them reaches
 * Temporal): a body that is not an object or not JSON, a path that is not UTF-8, odd query and path parameters,
 * codec bodies of the wrong shape, page tokens the API did not issue, and OAuth parameters that would make an
 * authorization URL of another scheme (`javascript:`). Found by the API fuzz suite (test/integration/apiFuzz.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Client } from '@temporalio/client';
import { buildApi, temporalServices } from '../../api/app';
import { EncryptionCodec } from '../../temporal/codec';

const SECRETS = { userSecret: 'errors-user-secret', organizationSecret: 'errors-org-secret' };
const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;
const BASE = '/elements/api-v2';
const OAUTH = `${BASE}/elements/sageone/oauth/url?apiKey=client&callbackUrl=${encodeURIComponent('https://app.example.com/cb')}`;

describe('requests the API cannot use: 400s naming the field', () => {
  let app: FastifyInstance;

  before(async () => {
    // The client connects lazily: these requests are refused before any reaches Temporal.
    app = await buildApi({ services: temporalServices(new Client()), secrets: SECRETS, codec: new EncryptionCodec(randomBytes(32)) });
  });
  after(() => app.close());

  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: string, contentType = 'application/json') =>
    app.inject({ method, url, payload, headers: { authorization: AUTH, ...(payload === undefined ? {} : { 'content-type': contentType }) } });

  const cases: [name: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload: string | undefined, path: string, message?: RegExp][] = [
    ['a body that is a JSON string', 'POST', `${BASE}/instances`, '""', 'body', /expected object/],
    ['a body that is an array', 'PATCH', `${BASE}/instances/1`, '[]', 'body', /expected object/],
    ['a body that is not JSON', 'POST', `${BASE}/instances`, '{"element":', 'body', /not valid JSON/],
    ['an empty JSON body', 'POST', `${BASE}/instances`, '', 'body', /cannot be empty/],
    ['a body with a prototype key', 'POST', `${BASE}/instances`, '{"__proto__": {"polluted": true}}', 'body'],
    ['a path that is not UTF-8', 'GET', `${BASE}/elements/%ED%BF%BF%00/configuration`, undefined, 'url', /percent-encoded UTF-8/],
    ['a page size that is not a number', 'GET', `${BASE}/instances?pageSize=x`, undefined, 'query.pageSize'],
    ['a tag filter with a NUL', 'GET', `${BASE}/instances?tags[]=%00`, undefined, "query['tags[]']", /control characters/],
    ['an empty tag filter', 'GET', `${BASE}/instances?tags[]=`, undefined, "query['tags[]']", /not empty/],
    ['an id that is not a number', 'GET', `${BASE}/instances/abc`, undefined, 'params.id'],
    ['a page token the API never issued', 'GET', `${BASE}/instances?nextPage=AA`, undefined, 'query.nextPage', /not a token this API issued/],
    ['a forged page token', 'GET', `${BASE}/instances?nextPage=eyJ0b2tlbiI6MX0.AAAAAAAAAAAAAAAAAAAAAA`, undefined, 'query.nextPage'],
    ['codec: a body that is an array', 'POST', `${BASE}/codec/decode`, '[]', 'body', /payloads/],
    ['codec: a payload whose data is a number', 'POST', `${BASE}/codec/decode`, '{"payloads":[{"data":5}]}', 'payloads[0].data'],
    ['OAuth: a javascript: authorization URL', 'GET', `${OAUTH}&oauth.authorization.url=${encodeURIComponent('javascript:alert(1)')}`, undefined, "query['oauth.authorization.url']", /http\(s\)/],
    ['OAuth: a NUL for the authorization URL', 'GET', `${OAUTH}&oauth.authorization.url=%00`, undefined, "query['oauth.authorization.url']", /absolute URL/],
    ['OAuth: a data: base.url', 'GET', `${OAUTH}&base.url=${encodeURIComponent('data:text/html,<script>alert(1)</script>')}`, undefined, "query['base.url']"],
    ['OAuth: a relative base.url', 'GET', `${OAUTH}&base.url=%2F%2Fevil.example`, undefined, "query['base.url']"],
    ['OAuth: a data center that is no host name', 'GET', `${BASE}/elements/maximizer/oauth/url?apiKey=a&callbackUrl=https%3A%2F%2Fx.example&maximizer.datacenter=a%3Ab`, undefined, "query['maximizer.datacenter']", /http\(s\) authorization URL/],
  ];
  for (const [name, method, url, payload, path, message] of cases) {
    test(`${name} → 400 at ${path}`, async () => {
      const res = await send(method, url, payload);
      assert.equal(res.statusCode, 400, res.body);
      const issue = res.json().issues?.find((i: { path: string }) => i.path === path);
      assert.ok(issue, `expected an issue at ${path}: ${res.body}`);
      if (message) assert.match(issue.message, message);
    });
  }

  test('OAuth: http(s) authorization URLs still come back, as given or derived', async () => {
    for (const url of [OAUTH, `${OAUTH}&oauth.authorization.url=${encodeURIComponent('https://auth.example.com/authorize?x=1')}`, `${BASE}/elements/maximizer/oauth/url?apiKey=a&callbackUrl=https%3A%2F%2Fx.example&maximizer.datacenter=ukw`]) {
      const res = await send('GET', url);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.json().oauthUrl, /^https:\/\//);
    }
  });
});
