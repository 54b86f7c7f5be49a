/**
 * The instance API call by call, its error classes, the codec endpoint, secrets in history,
 * search attributes, and a fuzz test that random bodies never get a 500 or a workflow.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { codecPathKey } from '../../api/routes/codec';
import { status } from '../../contract/messages';
import type { HttpProvider } from '../fakes/httpProvider';
import type { Receiver } from '../fakes/receiver';
import { AUTH, SECRETS, type RunningApi, type RunningWorker } from '../support/pollster';
import { startStack, type Stack } from '../support/stack';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const PASSWORD = 'pa55-Not-In-History-9f3c';

function body(provider: HttpProvider, receiver: Receiver, name: string, extra: Record<string, unknown> = {}) {
  return {
    element: { key: 'http' },
    name,
    tags: ['api-test', name],
    configuration: {
      'base.url': provider.url,
      'auth.type': 'basic',
      username: 'poller',
      password: PASSWORD,
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
          idField: 'id',
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
        },
      },
      ...extra,
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('instance API', () => {
  let stack: Stack;
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let provider: HttpProvider;
  let receiver: Receiver;

  before(async () => {
    stack = await startStack();
    ({ env, worker, api, provider, receiver } = stack);
  });

  after(async () => {
    stack.worker = worker; // a test may have replaced the worker
    await stack?.stop();
  });

  test('create, read, list by tag, patch, put, enable/disable, poll, poller, delete', async () => {
    const created = await api.request('POST', '/instances', body(provider, receiver, 'crud'));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id;
    assert.equal(created.body.configuration.password, '********');
    assert.equal(created.body.eventsEnabled, true);

    // Visibility is eventually consistent.
    let listed: any[] = [];
    for (let i = 0; i < 50 && listed.length === 0; i++) {
      listed = (await api.request('GET', `/instances?tags[]=crud`)).body;
      if (listed.length === 0) await sleep(200);
    }
    assert.deepEqual(listed.map((i: any) => i.id), [id]);
    assert.deepEqual((await api.request('GET', `/instances?tags[]=nosuchtag`)).body, []);

    provider.create('first');
    await receiver.waitFor((r) => r.events().length >= 1);
    const before = await api.request('GET', `/instances/${id}/poller`);
    const checkpoint = before.body.resources.contacts.checkpoint;

    const patched = await api.request('PATCH', `/instances/${id}`, { name: 'crud renamed', configuration: { 'event.poller.refresh_interval': 30, password: '********' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.name, 'crud renamed');
    assert.equal(patched.body.configuration['event.poller.refresh_interval'], '30');
    const handle = api.client.workflow.getHandle(`instance-${id}`);
    const afterPatch = await handle.query(status);
    assert.equal(afterPatch.refreshIntervalMinutes, 30);
    assert.ok(afterPatch.resources.contacts!.checkpoint >= checkpoint, 'checkpoints kept across configure');
    assert.equal(afterPatch.resources.contacts!.events, 1);

    // Poll now: a change arrives without waiting 30 minutes.
    provider.create('second');
    const poll = await api.request('POST', `/instances/${id}/events/poll`);
    assert.equal(poll.status, 200);
    await receiver.waitFor((r) => r.events().length >= 2);

    // Configuration entries.
    const entries = await api.request('GET', `/instances/${id}/configuration`);
    assert.equal(entries.status, 200);
    const interval = entries.body.find((e: any) => e.key === 'event.poller.refresh_interval');
    assert.equal(interval.propertyValue, '30');
    assert.equal(entries.body.find((e: any) => e.key === 'password').propertyValue, '********');
    const entryPatch = await api.request('PATCH', `/instances/${id}/configuration/${interval.id}`, { ...interval, propertyValue: '45' });
    assert.equal(entryPatch.status, 200, JSON.stringify(entryPatch.body));
    assert.deepEqual(entryPatch.body, { id: interval.id, key: 'event.poller.refresh_interval', propertyValue: '45' });
    assert.equal((await handle.query(status)).refreshIntervalMinutes, 45);
    assert.equal((await api.request('GET', `/instances/${id}/configuration/${interval.id}`)).body.propertyValue, '45');

    // Disable: no polls; enable again.
    assert.equal((await api.request('DELETE', `/instances/${id}/enabled`)).body.disabled, true);
    assert.equal((await handle.query(status)).state, 'disabled');
    const requests = provider.requests.length;
    await api.request('POST', `/instances/${id}/events/poll`);
    await sleep(800);
    assert.equal(provider.requests.length, requests, 'a disabled instance does not poll');
    assert.equal((await api.request('PUT', `/instances/${id}/enabled`)).body.disabled, false);
    assert.equal((await handle.query(status)).state, 'waiting');

    // PUT replaces: keys not sent are gone (the mask keeps the password).
    const put = await api.request('PUT', `/instances/${id}`, { ...body(provider, receiver, 'crud put'), tags: ['replaced'] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.tags, ['replaced']);
    assert.equal(put.body.configuration['event.poller.refresh_interval'], '0.02');

    // The Element token addresses the instance; a wrong one is refused.
    const token = created.body.token;
    const byToken = await api.request('PATCH', '/instances', { name: 'by token' }, { authorization: `${AUTH}, Element ${token}` });
    assert.equal(byToken.status, 200, JSON.stringify(byToken.body));
    assert.equal(byToken.body.name, 'by token');
    assert.equal((await api.request('GET', `/instances/${id}`, undefined, { authorization: `${AUTH}, Element wrong.token` })).status, 401);
    assert.equal((await api.request('PATCH', '/instances', { name: 'x' })).status, 401, 'no {id} and no token');

    const events = await api.request('GET', `/instances/${id}/events?pageSize=1`);
    assert.equal(events.status, 200);
    assert.equal(events.body.length, 1);
    const one = await api.request('GET', `/instances/${id}/events/${events.body[0].id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.status, 'delivered');

    assert.equal((await api.request('DELETE', `/instances/${id}`)).status, 200);
    assert.equal((await api.request('GET', `/instances/${id}`)).status, 404);
    assert.equal((await api.request('DELETE', `/instances/${id}`)).status, 404);
    assert.equal((await api.request('PATCH', '/instances', { name: 'y' }, { authorization: `${AUTH}, Element ${token}` })).status, 401, "a deleted instance's token is dead");
  });

  test('error classes: 400 with paths, 401, 404, never a stack trace', async () => {
    const bad = await api.request('PATCH', '/instances/1', { name: 5 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path, 'name');
    assert.equal((await api.request('GET', '/instances/abc')).status, 400);
    assert.equal((await api.request('GET', '/instances/424242')).status, 404);
    assert.equal((await api.request('GET', '/nosuch')).status, 404);
    const unauth = await fetch(`${api.url}/instances`);
    assert.equal(unauth.status, 401);
    const text = JSON.stringify(await unauth.json());
    assert.ok(!/at .*\.ts:\d+/.test(text), 'no stack trace');
    const settings = await api.request('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'sometimes' });
    assert.equal(settings.status, 400);
    assert.equal(settings.body.issues[0].path, "['notification.webhook.failure.policy']");
  });

  test('docs, health and metrics answer', async () => {
    const doc = await fetch(`${api.url}/docs/json`);
    assert.equal(doc.status, 200);
    const openapi = (await doc.json()) as { paths: Record<string, unknown> };
    assert.ok(openapi.paths['/elements/api-v2/instances']);
    assert.ok(openapi.paths['/elements/api-v2/instances/{id}/poller']);
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    const metrics = await fetch(`${api.url}/metrics`);
    assert.match(await metrics.text(), /pollster_api_up 1/);
  });

  test('the codec endpoint decodes for credential holders only, and history holds no password in clear', async () => {
    const created = await api.request('POST', '/instances', body(provider, receiver, 'secrets'));
    const id = created.body.id;
    await api.client.workflow.getHandle(`instance-${id}`).signal('pollNow');
    await sleep(1500);

    // Raw history, read without the codec.
    const raw = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    const history = await raw.workflow.getHandle(`instance-${id}`).fetchHistory();
    const bytes = JSON.stringify(history);
    assert.ok(!bytes.includes(PASSWORD), 'no password in clear');
    assert.ok(!bytes.includes(Buffer.from(PASSWORD).toString('base64').slice(0, 16)), 'nor base64 of it');

    const startedPayload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const json = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(startedPayload.metadata!).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')])),
          data: Buffer.from(startedPayload.data as Uint8Array).toString('base64'),
        },
      ],
    };
    const decode = (path: string, headers: Record<string, string>) =>
      fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
    assert.equal((await decode('/codec/decode', {})).status, 401);
    assert.equal((await decode('/codec/wrongkey/decode', {})).status, 401);
    const decodedInput = async (res: Response) => {
      assert.equal(res.status, 200);
      const decoded = (await res.json()) as { payloads: { data: string }[] };
      return JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString());
    };
    const full = await decodedInput(await decode('/codec/decode', { authorization: AUTH }));
    assert.equal(full.instance.spec.configuration.password, PASSWORD);
    // The UI's path key shows the instance, never its credentials.
    const masked = await decodedInput(await decode(`/codec/${codecPathKey(SECRETS)}/decode`, { origin: 'http://127.0.0.1:8233' }));
    assert.equal(masked.instance.spec.elementKey, 'http');
    assert.equal(masked.instance.spec.configuration.password, '********');
    assert.equal(masked.instance.token, '********');
    assert.equal(masked.instance.spec.configuration['event.poller.refresh_interval'], '0.02');
    const preflight = await fetch(`${api.url}/codec/${codecPathKey(SECRETS)}/decode`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:8233' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
    await api.request('DELETE', `/instances/${id}`);
  });

  test('search attributes follow the instance, and filter it', async () => {
    const created = await api.request('POST', '/instances', body(provider, receiver, 'searchable'));
    const id = created.body.id;
    await api.request('PATCH', `/instances/${id}`, { name: 'found me', tags: ['sa-tag'] });
    const query = `ElementKey = 'http' AND InstanceName = 'found me' AND InstanceTags = 'sa-tag' AND EventsEnabled = true`;
    let ids: string[] = [];
    for (let i = 0; i < 50 && ids.length === 0; i++) {
      ids = [];
      for await (const wf of api.client.workflow.list({ query })) ids.push(wf.workflowId);
      if (ids.length === 0) await sleep(200);
    }
    assert.deepEqual(ids, [`instance-${id}`]);
    await api.request('DELETE', `/instances/${id}`);
  });

  test('fuzz: random bodies never get a 500, and invalid ones start no workflow', async () => {
    const countBefore = (await api.client.workflow.count()).count;
    let accepted = 0;
    const valid = body(provider, receiver, 'fuzz');
    const mutated = fc.record({
      path: fc.constantFrom('element', 'name', 'tags', 'configuration', 'event.poller.configuration', 'event.poller.refresh_interval', 'base.url', 'event.notification.callback.url'),
      value: fc.jsonValue(),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), mutated), async (input) => {
        let payload: unknown = input;
        if (input && typeof input === 'object' && 'path' in input && 'value' in input) {
          const copy: any = structuredClone(valid);
          const { path, value } = input as { path: string; value: unknown };
          if (path in copy) copy[path] = value;
          else copy.configuration[path] = value;
          payload = copy;
        }
        const created = await api.request('POST', '/instances', JSON.stringify(payload));
        assert.ok(created.status === 200 || created.status === 400, `POST got ${created.status}: ${JSON.stringify(created.body)}`);
        if (created.status === 200) {
          accepted++;
          await api.request('DELETE', `/instances/${created.body.id}`);
        } else {
          assert.ok(created.body.message);
        }
        const patched = await api.request('PATCH', '/instances/1', JSON.stringify(payload));
        assert.ok(patched.status === 400 || patched.status === 404, `PATCH got ${patched.status}`);
      }),
      { numRuns: 150 },
    );
    await sleep(1000);
    assert.equal((await api.client.workflow.count()).count, countBefore + accepted, 'only accepted bodies started workflows');
  });
});
