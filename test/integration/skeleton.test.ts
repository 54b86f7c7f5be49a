/**
 * The walking skeleton end to end: API → Temporal → worker → fake provider → real receiver,
 * on a real dev server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { elementsSignature } from '../../core/signature';
import { pollNow, setRefreshInterval, status } from '../../contract/messages';
import type { HttpProvider } from '../fakes/httpProvider';
import type { Receiver } from '../fakes/receiver';
import { startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startStack, type Stack } from '../support/stack';
import { eventually } from '../support/processes';

const SIGNATURE_KEY = 'MySecretEventSignatureKey';
const DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

function httpInstance(provider: HttpProvider, receiver: Receiver, overrides: Record<string, unknown> = {}, name = 'contacts') {
  return {
    element: { key: 'http' },
    name,
    tags: ['skeleton'],
    configuration: {
      'base.url': provider.url,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.vendor.type': 'polling',
      'event.notification.callback.url': receiver.url,
      'event.notification.signature.key': SIGNATURE_KEY,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${DATE_FORMAT}}`,
          idField: 'id',
          pageSize: 2,
          datesConfiguration: {
            updatedDateField: 'updatedAt',
            updatedDateFormat: DATE_FORMAT,
            createdDateField: 'createdAt',
            createdDateFormat: DATE_FORMAT,
          },
        },
      },
      ...overrides,
    },
  };
}

describe('walking skeleton', () => {
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

  test('an instance delivers CREATED then UPDATED events, signed, each once', async () => {
    const created = await api.request('POST', '/instances', httpInstance(provider, receiver));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.element.key, 'http');
    assert.equal(created.body.configuration['event.notification.signature.key'], '********');
    assert.equal(typeof created.body.configuration['event.poller.configuration'], 'string');
    assert.equal(created.body.configuration['event.poller.refresh_interval'], '0.02');
    const id: number = created.body.id;

    const again = await api.request('POST', '/instances', httpInstance(provider, receiver));
    assert.equal(again.body.id, id, 'the same body addresses the same instance');
    assert.equal(again.body.token, created.body.token);

    const read = await api.request('GET', `/instances/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.name, 'contacts');

    const ada = provider.create('Ada');
    const bob = provider.create('Bob');
    const cy = provider.create('Cy');
    await receiver.waitFor((r) => r.events().length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    provider.update(bob.id, 'Bob B.');
    await receiver.waitFor((r) => r.events().length >= 4);
    // Two more polls: inclusive `updatedSince` queries must not repeat anything.
    const polls = provider.requests.length;
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => provider.requests.length >= polls + 2 && (clearInterval(t), resolve()), 50);
      setTimeout(() => (clearInterval(t), reject(new Error('no further polls'))), 15_000);
    });

    const events = receiver.events();
    assert.deepEqual(
      events.map((e) => [e.objectId, e.eventType]).sort(),
      [[ada.id, 'CREATED'], [bob.id, 'CREATED'], [bob.id, 'UPDATED'], [cy.id, 'CREATED']].sort(),
    );
    const keys = events.map((e) => `${e.objectId}@${e.date}`);
    assert.equal(new Set(keys).size, keys.length, 'no event twice');

    for (const r of receiver.received) {
      assert.equal(r.headers['elements-webhook-signature'], elementsSignature(SIGNATURE_KEY, r.raw));
      assert.equal(r.headers['elements-webhook-id'], r.body.id);
      assert.equal(r.body.topic, `instance-${id}-http-events`);
      assert.equal(r.body.message.instanceId, id);
      assert.ok(r.body.message.events.length <= 10);
      assert.equal(r.body.message.raw.objectType, 'contacts');
    }
    // Page pagination: three records at pageSize 2 took two requests in the first poll.
    assert.ok(provider.requests.some((u) => u.includes('page=2&pageSize=2')));

    const poller = await api.request('GET', `/instances/${id}/poller`);
    assert.equal(poller.status, 200);
    assert.equal(poller.body.resources.contacts.events, 4);

    const deleted = await api.request('DELETE', `/instances/${id}`);
    assert.equal(deleted.status, 200);
    assert.equal((await api.request('GET', `/instances/${id}`)).status, 404);
  });

  test('changes made while no worker runs arrive once a new worker starts', async () => {
    const created = await api.request('POST', '/instances', httpInstance(provider, receiver, {}, 'durable'));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id as number;
    const handle = api.client.workflow.getHandle(`instance-${id}`);
    await handle.signal(pollNow);
    await new Promise((r) => setTimeout(r, 500));

    await worker.stop();
    const before = receiver.received.length;
    const dora = provider.create('Dora');
    const eve = provider.create('Eve');
    await new Promise((r) => setTimeout(r, 3000)); // more than two refresh intervals pass with no worker
    assert.equal(receiver.received.length, before, 'nothing is delivered without a worker');

    worker = await startWorker(env);
    await receiver.waitFor((r) => r.events().filter((e) => [dora.id, eve.id].includes(e.objectId) && e.eventType === 'CREATED' && r.received.some((x) => x.body.message.instanceId === id)).length >= 2);
    const mine = receiver.received.filter((r) => r.body.message.instanceId === id).flatMap((r) => r.body.message.events);
    assert.deepEqual(mine.map((e) => e.objectId).sort(), [dora.id, eve.id].sort());
    await api.request('DELETE', `/instances/${id}`);
  });

  test('setRefreshInterval through the Temporal client changes the next wait without a restart', async () => {
    const body = httpInstance(provider, receiver, { 'event.poller.refresh_interval': '60' }, 'slow');
    const created = await api.request('POST', '/instances', body);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const handle = api.client.workflow.getHandle(`instance-${created.body.id}`);
    const runId = (await handle.describe()).runId;
    assert.equal((await handle.query(status)).refreshIntervalMinutes, 60);

    const requestsBefore = provider.requests.length;
    await handle.signal(setRefreshInterval, 0.02);
    // A poll at the new interval: the provider is asked, and the cycle is counted once it has finished.
    const after = await eventually(async () => {
      const st = await handle.query(status);
      return provider.requests.length > requestsBefore && st.polls >= 1 ? st : undefined;
    }, 'a poll at the new interval', 15_000);
    assert.equal(after.refreshIntervalMinutes, 0.02);
    assert.equal((await handle.describe()).runId, runId, 'same run: not restarted');
    const read = await api.request('GET', `/instances/${created.body.id}`);
    assert.equal(read.body.configuration['event.poller.refresh_interval'], '0.02');
    await api.request('DELETE', `/instances/${created.body.id}`);
  });

  test('invalid instance JSON gets a 400 naming the path, and starts no workflow', async () => {
    const countBefore = (await api.client.workflow.count()).count;
    const cases: [unknown, string][] = [
      [{ ...httpInstance(provider, receiver), element: { key: 'nosuch' } }, 'element.key'],
      [httpInstance(provider, receiver, { 'event.poller.refresh_interval': 'soon' }), "configuration['event.poller.refresh_interval']"],
      [httpInstance(provider, receiver, { 'event.poller.configuration': { contacts: { idField: 'id' } } }), "configuration['event.poller.configuration'].contacts.url"],
      [httpInstance(provider, receiver, { 'event.poller.configuration': '{not json' }), "configuration['event.poller.configuration']"],
      [httpInstance(provider, receiver, { 'base.url': undefined }), "configuration['base.url']"],
      [httpInstance(provider, receiver, { 'event.poller.configuration': undefined }), "configuration['event.poller.configuration']"],
      [httpInstance(provider, receiver, { 'event.notification.callback.url': 'not a url' }), "configuration['event.notification.callback.url']"],
    ];
    for (const [body, path] of cases) {
      const res = await api.request('POST', '/instances', body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(res.body.requestId);
      assert.ok(
        res.body.issues.some((i: { path: string }) => i.path === path),
        `expected an issue at ${path}, got ${JSON.stringify(res.body.issues)}`,
      );
    }
    const notJson = await api.request('POST', '/instances', '{"element":', { 'content-type': 'application/json' });
    assert.equal(notJson.status, 400);
    await new Promise((r) => setTimeout(r, 1000)); // visibility is eventually consistent
    assert.equal((await api.client.workflow.count()).count, countBefore);
  });

  test('requests without the User/Organization credentials get a 401', async () => {
    const res = await api.request('GET', '/instances/1', undefined, { authorization: 'User wrong, Organization wrong' });
    assert.equal(res.status, 401);
    assert.ok(res.body.message);
  });
});
