/**
 * The delivery path against a real receiver: outages, retries on the 4^x schedule (scaled),
 * deactivation, queueing, redelivery, the failure policy, and a worker lost mid-retry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';

const DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

function instanceBody(provider: HttpProvider, receiver: Receiver, name: string) {
  return {
    element: { key: 'http' },
    name,
    configuration: {
      'base.url': provider.url,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${DATE_FORMAT}}`,
          idField: 'id',
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: DATE_FORMAT, createdDateField: 'createdAt', createdDateFormat: DATE_FORMAT },
        },
      },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('delivery', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let provider: HttpProvider;

  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env);
    provider = await startHttpProvider();
  });

  /** A worker reads its settings (POLLSTER_RETRY_SCALE, the callback address policy) when it starts. */
  async function restartWorker(): Promise<void> {
    await worker.stop();
    worker = await startWorker(env);
  }

  after(async () => {
    await api?.close();
    await worker?.stop();
    await provider?.close();
    await env?.teardown();
  });

  test('a callback down for a while gets every event once, in order, and polling never stops', async () => {
    const receiver = await startReceiver();
    receiver.respondWith(503);
    const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'outage'));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const ids = [provider.create('a1').id, provider.create('a2').id];
    await eventually(() => receiver.attempts >= 2, 'failed attempts');
    const pollsDuringOutage = provider.requests.length;
    ids.push(provider.create('a3').id);
    await sleep(3000);
    assert.ok(provider.requests.length >= pollsDuringOutage + 2, 'the provider is polled on schedule during the outage');
    ids.push(provider.create('a4').id);
    await sleep(700);
    receiver.respondWith(200);
    await eventually(() => receiver.events().length >= 4, 'all events after the outage');
    await sleep(1000);

    const events = receiver.events();
    assert.deepEqual(events.map((e) => e.objectId), ids, 'each event once, in the order the changes happened');
    const notificationIds = receiver.received.map((r) => r.body.id);
    assert.equal(new Set(notificationIds).size, notificationIds.length);
    const delivered = await api.request('GET', `/notifications/subscriptions/deliveries?where=${encodeURIComponent(`config.url='${receiver.url}' and status='delivered'`)}`);
    assert.equal(delivered.status, 200);
    assert.ok(delivered.body.length >= 1, 'the retried notifications show as delivered');
    const events2 = await api.request('GET', `/instances/${created.body.id}/events?pageSize=2`);
    assert.equal(events2.status, 200);
    assert.equal(events2.body.length, 2);
    await api.request('DELETE', `/instances/${created.body.id}`);
    await receiver.close();
  });

  test('past the last retry the subscription is deactivated, its deliveries queued, and PUT redelivers them', async () => {
    process.env.POLLSTER_RETRY_SCALE = '0.00001'; // all nine retries within ~3 s
    await restartWorker(); // a worker reads its settings when it starts
    const receiver = await startReceiver();
    receiver.respondWith(500);
    try {
      const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'deactivate'));
      const id = provider.create('b1').id;
      const where = encodeURIComponent(`channel='webhook' and status='queued' and config.url='${receiver.url}'`);
      const queued = await eventually(async () => {
        const res = await api.request('GET', `/notifications/subscriptions/deliveries?where=${where}`);
        return res.body.length > 0 ? res.body : undefined;
      }, 'a queued delivery');
      assert.equal(receiver.attempts, 10, 'one attempt and nine retries');
      assert.equal(queued[0].status, 'queued');
      assert.equal(queued[0].payload.message.events[0].objectId, id);

      // Later changes queue behind it without being attempted.
      const later = provider.create('b2').id;
      await sleep(1500);
      assert.equal(receiver.attempts, 10);
      const stillQueued = await api.request('GET', `/notifications/subscriptions/deliveries?where=${where}`);
      assert.equal(stillQueued.body.length, 2);

      receiver.respondWith(200);
      const put = await api.request('PUT', `/notifications/subscriptions/deliveries?where=${where}`);
      assert.equal(put.status, 200);
      assert.equal(put.body.length, 2);
      await eventually(() => receiver.events().length >= 2, 'redelivered events');
      assert.deepEqual(receiver.events().map((e) => e.objectId), [id, later]);
      const after = await api.request('GET', `/notifications/subscriptions/deliveries?where=${where}`);
      assert.equal(after.body.length, 0);
      // Active again: the next change is delivered straight away.
      const next = provider.create('b3').id;
      await eventually(() => receiver.events().some((e) => e.objectId === next), 'a delivery after reactivation');
      await api.request('DELETE', `/instances/${created.body.id}`);
    } finally {
      process.env.POLLSTER_RETRY_SCALE = '0.001';
      await restartWorker();
      await receiver.close();
    }
  });

  test("policy 'queue' sends failures straight to the queue: nothing is attempted until PUT", async () => {
    const receiver = await startReceiver();
    const patched = await api.request('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'queue' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body['notification.webhook.failure.policy'], 'queue');
    assert.equal((await api.request('GET', '/accounts/settings')).body['notification.webhook.failure.policy'], 'queue');
    await sleep(2100); // the workers' cached policy expires
    try {
      receiver.respondWith(503);
      const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'queue-policy'));
      const id = provider.create('c1').id;
      await eventually(() => receiver.attempts >= 1, 'the first attempt');
      await sleep(2000);
      assert.equal(receiver.attempts, 1, 'no retries under the queue policy');
      const where = encodeURIComponent(`status='queued' and config.url='${receiver.url}'`);
      assert.equal((await api.request('GET', `/notifications/subscriptions/deliveries?where=${where}`)).body.length, 1);
      receiver.respondWith(200);
      await api.request('PUT', `/notifications/subscriptions/deliveries?where=${where}`);
      await eventually(() => receiver.events().some((e) => e.objectId === id), 'the redelivered event');
      await api.request('DELETE', `/instances/${created.body.id}`);
    } finally {
      await api.request('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'retry' });
      await receiver.close();
    }
  });

  test('a worker lost during retries loses no notification', async () => {
    const receiver = await startReceiver();
    receiver.respondWith(503);
    const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'worker-lost'));
    try {
      const ids = [provider.create('d1').id, provider.create('d2').id];
      await eventually(() => receiver.attempts >= 2, 'failed attempts');
      await worker.stop();
      receiver.respondWith(200);
      await sleep(500);
      worker = await startWorker(env);
      // An attempt the stopping worker had already taken from the queue is run again only after its start-to-close
      // timeout (deliveryAttemptOptions, 45 s): the promise is "no notification lost", not "within 30 s".
      await eventually(() => ids.every((id) => receiver.events().some((e) => e.objectId === id)), 'every event after the restart', 90_000);
    } finally {
      // Also on failure: an instance left polling keeps the worker's shutdown waiting on its page run.
      await api.request('DELETE', `/instances/${created.body.id}`);
      await receiver.close();
    }
  });

  test('callback policy: a private callback is refused at creation, and again at delivery time', async () => {
    const receiver = await startReceiver();
    process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'false';
    try {
      const refused = await api.request('POST', '/instances', instanceBody(provider, receiver, 'ssrf'));
      assert.equal(refused.status, 400);
      assert.equal(refused.body.issues[0].path, "configuration['event.notification.callback.url']");
      assert.match(refused.body.issues[0].message, /127\.0\.0\.1/);
    } finally {
      process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
    }
    // Allowed at creation; then the deployment stops allowing it: the delivery is refused, not sent.
    const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'ssrf-later'));
    assert.equal(created.status, 200);
    process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'false';
    await restartWorker();
    try {
      provider.create('e1');
      const where = encodeURIComponent(`status='queued' and config.url='${receiver.url}'`);
      const queued = await eventually(async () => {
        const res = await api.request('GET', `/notifications/subscriptions/deliveries?where=${where}`);
        return res.body.length > 0 ? res.body : undefined;
      }, 'the refused delivery, queued');
      assert.match(queued[0].lastError, /refused/);
      assert.equal(receiver.attempts, 0, 'nothing was sent to the refused address');
    } finally {
      process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
      await restartWorker();
      await api.request('DELETE', `/instances/${created.body.id}`);
      await receiver.close();
    }
  });

  test('bad where clauses get a 400 naming query.where', async () => {
    const res = await api.request('GET', `/notifications/subscriptions/deliveries?where=${encodeURIComponent("status='lost'")}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.issues[0].path, 'query.where');
  });
});
