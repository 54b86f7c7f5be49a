/**
 * The API's routes through `app.inject()` over in-memory services: authentication (platform credentials, the Element
 * token forms), 400s that name the field, PATCH and PUT merging (null removes, the mask keeps a secret), idempotent
 * POST, the deliveries `where` filter, and 404s. No Temporal, no sockets.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApi } from '../../api/app';
import { STALE_QUERY_MESSAGE } from '../../contract/failures';
import { configurationId } from '../../api/instances/views';
import { MASK } from '../../core/instanceSpec';
import { fakeApiServices, type FakeApiServices } from '../fakes/apiServices';

// Callbacks must be public here: the address policy is part of what POST checks.
process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'false';
// The provider hosts of these bodies do not resolve here: the provider side of the address policy is tested elsewhere.
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';

const SECRETS = { userSecret: 'route-user-secret', organizationSecret: 'route-org-secret' };
const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;
const PASSWORD = 'pw-never-echoed-31337';
const CALLBACK = 'https://93.184.216.34/hook';

function body(name = 'routes', configuration: Record<string, unknown> = {}) {
  return {
    element: { key: 'http' },
    name,
    tags: ['routes'],
    configuration: {
      'base.url': 'https://api.example',
      'auth.type': 'basic',
      username: 'poller',
      password: PASSWORD,
      'custom.note': 'kept unless removed',
      'event.notification.enabled': true,
      'event.notification.callback.url': CALLBACK,
      'event.poller.refresh_interval': 15,
      'event.poller.configuration': { contacts: { url: '/contacts', idField: 'id' } },
      ...configuration,
    },
  };
}

describe('API routes over in-memory services', () => {
  let app: FastifyInstance;
  let services: FakeApiServices;

  beforeEach(async () => {
    services = fakeApiServices();
    app = await buildApi({ services, secrets: SECRETS });
  });
  afterEach(() => app.close());

  const call = async (method: InjectOptions['method'], path: string, payload?: unknown, authorization: string | null = AUTH) => {
    const res = await app.inject({ method, url: `/elements/api-v2${path}`, payload: payload as InjectOptions['payload'], headers: authorization === null ? {} : { authorization } });
    return { status: res.statusCode, body: res.body ? res.json() : undefined, text: res.body, headers: res.headers };
  };
  const create = async (name = 'routes', configuration: Record<string, unknown> = {}) => {
    const res = await call('POST', '/instances', body(name, configuration));
    assert.equal(res.status, 200, res.text);
    return res.body as { id: number; token: string; configuration: Record<string, string> };
  };

  describe('authentication', () => {
    const refused = [
      ['no header', null],
      ['a wrong user secret', `User nope, Organization ${SECRETS.organizationSecret}`],
      ['no organization', `User ${SECRETS.userSecret}`],
      ['a secret that is a prefix of the right one', `User ${SECRETS.userSecret.slice(0, -1)}, Organization ${SECRETS.organizationSecret}`],
    ] as const;
    for (const [name, authorization] of refused) {
      test(`${name}: 401, and the route is not reached`, async () => {
        const res = await call('POST', '/instances', body(), authorization);
        assert.equal(res.status, 401);
        assert.match(res.body.message, /User <secret>, Organization <secret>/);
        assert.equal(services.instances.created.length, 0);
      });
    }

    test('the header in either order and any case; health needs none', async () => {
      assert.equal((await call('GET', '/instances', undefined, `organization ${SECRETS.organizationSecret}, USER ${SECRETS.userSecret}`)).status, 200);
      assert.equal((await call('GET', '/healthz', undefined, null)).status, 200);
    });

    test('an Element token addresses its own instance only, and is required where no id is given', async () => {
      const a = await create('a');
      const b = await create('b');
      const withToken = (token: string) => `${AUTH}, Element ${token}`;
      assert.equal((await call('GET', `/instances/${a.id}`, undefined, withToken(a.token))).status, 200);
      assert.equal((await call('GET', `/instances/${a.id}`, undefined, withToken(b.token))).status, 401, "another instance's token");
      assert.equal((await call('GET', `/instances/${a.id}`, undefined, withToken(`${a.token.split('.')[0]}.forged`))).status, 401, 'the right id, a wrong secret');

      const patched = await call('PATCH', '/instances', { name: 'by token' }, withToken(b.token));
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.id, b.id);
      assert.equal(services.instances.lastConfigured!.id, b.id);
      const entries = await call('GET', '/instances/configuration', undefined, withToken(a.token));
      assert.ok(entries.body.some((e: { key: string; propertyValue: string }) => e.key === 'password' && e.propertyValue === MASK));
      assert.equal((await call('DELETE', '/instances/enabled', undefined, withToken(a.token))).body.disabled, true);

      const noToken = await call('PATCH', '/instances', { name: 'nobody' });
      assert.equal(noToken.status, 401);
      assert.match(noToken.body.message, /Element <token>/);
      assert.equal((await call('PATCH', '/instances', { name: 'x' }, withToken('not-a-token'))).status, 401);
      assert.equal((await call('DELETE', '/instances', undefined, withToken(a.token))).status, 200);
      assert.equal((await call('GET', '/instances/configuration', undefined, withToken(a.token))).status, 401, "a deleted instance's token is dead");
    });
  });

  describe('400s name the field', () => {
    const cases: { name: string; method: InjectOptions['method']; path: string; payload?: unknown; field: string | RegExp }[] = [
      { name: 'no element', method: 'POST', path: '/instances', payload: {}, field: 'element' },
      { name: 'an unknown element', method: 'POST', path: '/instances', payload: { ...body(), element: { key: 'nosuch' } }, field: 'element.key' },
      { name: 'a refresh interval that is no number', method: 'POST', path: '/instances', payload: body('bad', { 'event.poller.refresh_interval': 'often' }), field: "configuration['event.poller.refresh_interval']" },
      { name: 'a callback that is no URL', method: 'POST', path: '/instances', payload: body('bad', { 'event.notification.callback.url': 'hooks' }), field: "configuration['event.notification.callback.url']" },
      { name: 'a loopback callback', method: 'POST', path: '/instances', payload: body('bad', { 'event.notification.callback.url': 'http://127.0.0.1:5000/hook' }), field: "configuration['event.notification.callback.url']" },
      { name: "the element's own rule", method: 'POST', path: '/instances', payload: body('bad', { 'base.url': null }), field: "configuration['base.url']" },
      { name: 'a name that is no string', method: 'PATCH', path: '/instances/1', payload: { name: 5 }, field: 'name' },
      { name: 'an id that is no number', method: 'GET', path: '/instances/abc', field: 'params.id' },
      { name: 'a page size of 0', method: 'GET', path: '/instances/1/events?pageSize=0', field: /\.pageSize$/ },
      { name: 'a configuration entry without a value', method: 'PATCH', path: '/instances/1/configuration/1', payload: {}, field: 'propertyValue' },
      { name: 'an unknown failure policy', method: 'PATCH', path: '/accounts/settings', payload: { 'notification.webhook.failure.policy': 'sometimes' }, field: "['notification.webhook.failure.policy']" },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        const res = await call(c.method, c.path, c.payload);
        assert.equal(res.status, 400, res.text);
        if (typeof c.field === 'string') assert.equal(res.body.issues[0].path, c.field);
        else assert.match(res.body.issues[0].path, c.field);
        assert.ok(res.body.message, 'a message');
        assert.ok(!res.text.includes(PASSWORD), 'no secret in the answer');
        assert.equal(services.instances.created.length, 0, 'nothing created');
        assert.equal(services.instances.configured.length, 0, 'nothing configured');
      });
    }

    test('a bad PATCH of an existing instance names the field and changes nothing', async () => {
      const { id } = await create();
      const res = await call('PATCH', `/instances/${id}`, { configuration: { 'event.poller.refresh_interval': -1 } });
      assert.equal(res.status, 400);
      assert.equal(res.body.issues[0].path, "configuration['event.poller.refresh_interval']");
      assert.ok(!res.text.includes(PASSWORD));
      assert.equal(services.instances.configured.length, 0);
    });
  });

  describe('PATCH and PUT', () => {
    test('PATCH merges: null removes a key, the mask keeps the secret, the rest stays', async () => {
      const { id } = await create();
      const res = await call('PATCH', `/instances/${id}`, { name: 'renamed', configuration: { 'custom.note': null, password: MASK, 'event.poller.refresh_interval': 30 } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.name, 'renamed');
      assert.equal(res.body.configuration.password, MASK, 'shown masked');
      assert.equal(res.body.configuration['custom.note'], undefined);
      assert.equal(res.body.configuration['event.poller.refresh_interval'], '30');
      assert.deepEqual(res.body.tags, ['routes'], 'tags not sent are kept');

      const { valid } = services.instances.lastConfigured!;
      assert.equal(valid.spec.configuration.password, PASSWORD, 'the mask kept the stored secret');
      assert.equal(valid.spec.configuration['custom.note'], undefined);
      assert.equal(valid.spec.configuration.username, 'poller');
      assert.equal(valid.settings.refreshIntervalMs, 30 * 60_000, 'the settings are derived again');
      assert.ok(!res.text.includes(PASSWORD));

      await call('PATCH', `/instances/${id}`, { configuration: { password: 'pw-new' } });
      assert.equal(services.instances.lastConfigured!.valid.spec.configuration.password, 'pw-new', 'a new secret replaces the old');
    });

    test('PUT replaces: what is not sent is gone, a masked secret is still kept', async () => {
      const { id } = await create();
      const replacement = body('replaced', { password: MASK, 'event.poller.refresh_interval': 5 });
      delete (replacement.configuration as Record<string, unknown>)['custom.note'];
      const res = await call('PUT', `/instances/${id}`, { ...replacement, tags: undefined });
      assert.equal(res.status, 200, res.text);
      const { spec } = services.instances.lastConfigured!.valid;
      assert.equal(spec.configuration['custom.note'], undefined);
      assert.equal(spec.configuration.password, PASSWORD);
      assert.deepEqual(spec.tags, [], 'tags not sent are gone');
      assert.equal(spec.name, 'replaced');
    });

    test('one configuration entry, addressed by the id its key gives', async () => {
      const { id } = await create();
      const entryId = configurationId('event.poller.refresh_interval');
      const res = await call('PATCH', `/instances/${id}/configuration/${entryId}`, { propertyValue: '45' });
      assert.deepEqual(res.body, { id: entryId, key: 'event.poller.refresh_interval', propertyValue: '45' });
      assert.equal(services.instances.lastConfigured!.valid.settings.refreshIntervalMs, 45 * 60_000);
      const secret = await call('PATCH', `/instances/${id}/configuration/${configurationId('password')}`, { propertyValue: 'pw-entry' });
      assert.equal(secret.body.propertyValue, MASK);
      assert.equal(services.instances.lastConfigured!.valid.spec.configuration.password, 'pw-entry');
    });
  });

  describe('POST is idempotent', () => {
    test('the same body, again or with keys reordered and numbers as strings, is the same instance; another name is another', async () => {
      const first = await create();
      const again = await create();
      const reordered = await call('POST', '/instances', {
        configuration: { ...Object.fromEntries(Object.entries(body().configuration).reverse()), 'event.poller.refresh_interval': '15', 'event.notification.enabled': 'true' },
        tags: ['routes'],
        name: 'routes',
        element: { key: 'http' },
      });
      assert.deepEqual([again.id, again.token], [first.id, first.token]);
      assert.deepEqual([reordered.body.id, reordered.body.token], [first.id, first.token]);
      assert.equal(services.instances.records.size, 1);
      const other = await create('other');
      assert.notEqual(other.id, first.id);
      assert.equal(first.configuration.password, MASK);
    });
  });

  describe('deliveries', () => {
    const filters: [string, object][] = [
      ['', {}],
      ["status='queued'", { status: 'queued' }],
      ["channel='webhook' and status='retry' and config.url='https://h.example/a'", { channel: 'webhook', status: 'retry', url: 'https://h.example/a' }],
      ["STATUS = 'delivered' AND Channel='webhook'", { status: 'delivered', channel: 'webhook' }],
      ["config.url='https://h.example/it''s'", { url: "https://h.example/it's" }],
    ];
    for (const [where, filter] of filters) {
      test(`where ${JSON.stringify(where)}`, async () => {
        const res = await call('GET', `/notifications/subscriptions/deliveries?where=${encodeURIComponent(where)}`);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(services.deliveries.listed, [filter]);
      });
    }

    const refusedWhere: [string, RegExp][] = [
      ["status='lost'", /unknown status 'lost'/],
      ["colour='red'", /cannot read/],
      ["status='queued' or channel='webhook'", /cannot read/],
      ['status=queued', /cannot read/],
    ];
    for (const [where, message] of refusedWhere) {
      test(`where ${JSON.stringify(where)} is a 400 naming query.where`, async () => {
        const res = await call('GET', `/notifications/subscriptions/deliveries?where=${encodeURIComponent(where)}`);
        assert.equal(res.status, 400);
        assert.match(res.body.message, message);
        assert.equal(res.body.issues[0].path, 'query.where');
        assert.deepEqual(services.deliveries.listed, [], 'the service is not asked');
      });
    }

    test('PUT redelivers what the filter selects', async () => {
      const res = await call('PUT', `/notifications/subscriptions/deliveries?where=${encodeURIComponent("config.url='https://h.example/a'")}`);
      assert.equal(res.status, 200);
      assert.deepEqual(services.deliveries.redelivered, [{ url: 'https://h.example/a' }]);
    });

    test('POST …/deliveries/retry retries now what the filter selects; delivered ones are not retried (400 at query.where)', async () => {
      const res = await call('POST', `/notifications/subscriptions/deliveries/retry?where=${encodeURIComponent("status='retry' and config.url='https://h.example/a'")}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(services.deliveries.retried, [{ status: 'retry', url: 'https://h.example/a' }]);
      assert.equal((await call('POST', '/notifications/subscriptions/deliveries/retry')).status, 200, 'no where: every pending delivery');
      const refused = await call('POST', `/notifications/subscriptions/deliveries/retry?where=${encodeURIComponent("status='delivered'")}`);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.issues[0].path, 'query.where');
      assert.equal(services.deliveries.retried.length, 2, 'the service is not asked');
    });

    test('POST …/deliveries/{id}/retry: the held notification, a 404 when none holds it, a 400 naming params.id for what is no id', async () => {
      const held = { id: 'aa11', channel: 'webhook' as const, status: 'retry' as const, config: { url: 'https://h.example/a' }, instanceId: 7, resource: 'contacts', events: 1, attempts: 2, createdDate: '2026-01-01T00:00:00Z' };
      services.deliveries.views = [held];
      const ok = await call('POST', '/notifications/subscriptions/deliveries/aa11/retry');
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.id, 'aa11');
      const missing = await call('POST', '/notifications/subscriptions/deliveries/bb22/retry');
      assert.equal(missing.status, 404);
      assert.match(missing.body.message, /pending delivery bb22 not found/);
      assert.deepEqual(services.deliveries.retriedOne, ['aa11', 'bb22']);
      const bad = await call('POST', `/notifications/subscriptions/deliveries/${encodeURIComponent('a b')}/retry`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.issues[0].path, 'params.id');
    });

    test('account settings: read, and changed by PATCH', async () => {
      assert.deepEqual((await call('GET', '/accounts/settings')).body, { 'notification.webhook.failure.policy': 'retry' });
      assert.deepEqual((await call('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'queue' })).body, { 'notification.webhook.failure.policy': 'queue' });
      assert.equal(services.deliveries.account['notification.webhook.failure.policy'], 'queue');
    });
  });

  describe('404s and the instance calls', () => {
    test('what does not exist is a 404 with a message', async () => {
      const { id } = await create();
      const notFound: [InjectOptions['method'], string, RegExp][] = [
        ['GET', '/instances/424242', /instance 424242 not found/],
        ['DELETE', '/instances/424242', /instance 424242 not found/],
        ['PATCH', '/instances/424242', /instance 424242 not found/],
        ['GET', `/instances/${id}/events/no-such-event`, /event no-such-event not found/],
        ['GET', `/instances/${id}/configuration/7`, /configuration 7 not found/],
        ['GET', '/elements/nosuch/configuration', /element nosuch not found/],
        ['GET', '/nosuch', /no route for GET/],
      ];
      for (const [method, path, message] of notFound) {
        const res = await call(method, path, method === 'PATCH' ? { name: 'x' } : undefined);
        assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
        assert.match(res.body.message, message);
      }
      assert.equal((await call('DELETE', `/instances/${id}`)).status, 200);
      assert.equal((await call('DELETE', `/instances/${id}`)).status, 404, 'deleted once');
    });

    test('a status query the worker refused for now (stale clock) is a 503 with Retry-After, not an internal error', async () => {
      const { id } = await create();
      // As the client reports it: the worker's failure is the cause of the query's error.
      services.instances.status = async () => {
        throw new Error('Failed to query Workflow', { cause: new Error(STALE_QUERY_MESSAGE) });
      };
      const res = await call('GET', `/instances/${id}/poller`);
      assert.equal(res.status, 503, res.text);
      assert.equal(res.headers['retry-after'], '2');
      assert.match(res.body.message, /catching up after a worker restart; try again/);
      services.instances.status = async () => {
        throw new Error('something else');
      };
      assert.equal((await call('GET', `/instances/${id}/poller`)).status, 500, 'any other failure stays an internal error');
    });

    test('events are paged newest first with a next-page token; poll now reaches the service', async () => {
      const { id } = await create();
      services.instances.events = async () => [3, 2, 1].map((n) => ({ id: `e${n}`, resource: 'contacts', events: n, status: 'delivered' as const, atMs: n * 1000 }));
      const page1 = await call('GET', `/instances/${id}/events?pageSize=2`);
      assert.deepEqual(page1.body.map((e: { id: string }) => e.id), ['e3', 'e2']);
      const token = page1.headers['elements-next-page-token'] as string;
      assert.ok(token);
      const page2 = await call('GET', `/instances/${id}/events?pageSize=2&nextPage=${token}`);
      assert.deepEqual(page2.body.map((e: { id: string }) => e.id), ['e1']);
      assert.equal(page2.headers['elements-next-page-token'], undefined);
      assert.deepEqual((await call('POST', `/instances/${id}/events/poll`)).body, { id, polling: true });
      assert.deepEqual(services.instances.polled, [id]);
    });
  });
});
