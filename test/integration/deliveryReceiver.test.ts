/**
 * Respecting the receiver, against a real receiver, worker, API and dev server: a 429 with Retry-After is not tried
 * again before it and nothing overtakes it; an instance's rate limit paces 200 notifications, in order; retry now
 * delivers at once once the receiver is back, instead of at the next retry; and the delivered list, from the delivery
 * log, shows first-time deliveries with their payloads and their own createdDate. The worker's Prometheus endpoint
 * counts the waits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DeliveryView } from '../../contract/delivery';
import { freePort } from '../../scripts/devServer';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { eventually } from '../support/processes';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';

const DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const metricsPort = await freePort();
// Before the dev server and any worker: the runtime serves the workers' metrics (the SDK's and Pollster's counters).
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} }, metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}`, countersTotalSuffix: true } } },
});

function instanceBody(provider: HttpProvider, receiver: Receiver, name: string, configuration: Record<string, unknown> = {}) {
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
          pageSize: 200,
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: DATE_FORMAT, createdDateField: 'createdAt', createdDateFormat: DATE_FORMAT },
        },
      },
      ...configuration,
    },
  };
}

const where = (clauses: string): string => `where=${encodeURIComponent(clauses)}`;

describe('delivery respects the receiver', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let provider: HttpProvider;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env);
    provider = await startHttpProvider();
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await api?.close();
    await worker?.stop();
    await provider?.close();
    await env?.teardown();
  });

  async function receiver(): Promise<Receiver> {
    const r = await startReceiver();
    closers.push(() => r.close());
    return r;
  }

  async function instance(body: ReturnType<typeof instanceBody>, on: RunningApi = api): Promise<number> {
    const created = await on.request('POST', '/instances', body);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    closers.push(() => on.request('DELETE', `/instances/${created.body.id}`));
    return created.body.id;
  }

  test('429 with Retry-After: 3: no attempt sooner than 3 s, nothing overtakes it, nothing lost', async () => {
    const hook = await receiver();
    let first = true;
    hook.respondWith(() => {
      if (!first) return 200;
      first = false;
      return { status: 429, headers: { 'Retry-After': '3' } };
    });
    await instance(instanceBody(provider, hook, 'retry-after'));
    const a = provider.create('ra1').id;
    await eventually(() => hook.log.length >= 1 || undefined, 'the first attempt');
    const b = provider.create('ra2').id;
    await eventually(() => (hook.events().length >= 2 ? true : undefined), 'both events', 60_000);

    const [asked, ...rest] = hook.log;
    assert.equal(asked!.status, 429);
    for (const attempt of rest) assert.ok(attempt.at - asked!.at >= 3000, `an attempt ${attempt.at - asked!.at} ms after the 429 (Retry-After: 3)`);
    assert.deepEqual(hook.events().map((e) => e.objectId), [a, b], 'in order, each once');
    assert.deepEqual(hook.log.map((l) => l.status), [429, 200, 200], 'the one asked to wait, then the one behind it');
  });

  test('a rate limit of 5/s: 200 notifications, each once, in order, at 5/s within 10 %', async (t) => {
    const hook = await receiver();
    const own = await startHttpProvider(); // its contacts only, from a minute back
    closers.push(() => own.close());
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) ids.push(own.create(`rl${i}`).id); // ten events a notification: 200 of them
    await instance(instanceBody(own, hook, 'rate-limited', { 'event.notification.rate_limit': '5', 'event.poller.since': new Date(Date.now() - 60_000).toISOString() }));
    await eventually(() => (hook.received.length >= 200 ? true : undefined), '200 notifications', 120_000);

    assert.equal(hook.received.length, 200);
    assert.equal(new Set(hook.received.map((r) => r.body.id)).size, 200, 'each once');
    assert.deepEqual(hook.events().map((e) => e.objectId), ids, 'in order');
    const times = hook.received.map((r) => r.at);
    const rate = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    t.diagnostic(`200 notifications in ${((times.at(-1)! - times[0]!) / 1000).toFixed(1)} s: ${rate.toFixed(3)} per second`);
    assert.ok(rate >= 4.5 && rate <= 5.5, `${rate.toFixed(2)} notifications per second`);
    // Never faster in any stretch: no ten in a row beat the limit by 10 % (arrival times carry some jitter).
    let fastest = 0;
    for (let i = 10; i < times.length; i++) fastest = Math.max(fastest, 10 / ((times[i]! - times[i - 10]!) / 1000));
    t.diagnostic(`the fastest ten in a row: ${fastest.toFixed(3)} per second`);
    assert.ok(fastest <= 5.5, `no ten in a row faster than 5.5/s (fastest ${fastest.toFixed(2)}/s)`);
  });

  test('retry now: back from an outage, the notification is delivered at once, not at its next retry', async () => {
    // Retries 40 s, 160 s … after the first failure: a worker of its own, on its own task queue.
    const slow = await startWorker(env, 'slow-retries', { ...process.env, POLLSTER_RETRY_SCALE: '10' });
    const slowApi = await startApi(env, 'slow-retries');
    closers.push(() => slow.stop(), () => slowApi.close());
    const hook = await receiver();
    hook.respondWith(503);
    await instance(instanceBody(provider, hook, 'retry-now'), slowApi);
    const c1 = provider.create('rn1').id;
    const url = `config.url='${hook.url}'`;
    const [waiting] = await eventually(async () => {
      const res = await slowApi.request('GET', `/notifications/subscriptions/deliveries?${where(`status='retry' and ${url}`)}`);
      return res.body.length > 0 && res.body[0].nextAttemptAt ? (res.body as DeliveryView[]) : undefined;
    }, 'the failed notification, waiting for its retry', 60_000);
    assert.deepEqual([waiting!.attempts, waiting!.lastError], [1, 'callback answered 503']);
    const c2 = provider.create('rn2').id;
    const behind = await eventually(async () => {
      const res = await slowApi.request('GET', `/notifications/subscriptions/deliveries?${where(`status='retry' and ${url}`)}`);
      return res.body.length === 2 ? (res.body as DeliveryView[]) : undefined;
    }, 'the next one queued behind it', 60_000);
    assert.equal(behind[1]!.waitingBehind, waiting!.id);

    hook.respondWith(200);
    const one = await slowApi.request('POST', `/notifications/subscriptions/deliveries/${waiting!.id}/retry`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.id, waiting!.id);
    await eventually(() => (hook.events().length >= 2 ? true : undefined), 'both delivered after retry now', 30_000);
    assert.ok(hook.received[0]!.at < Date.parse(waiting!.nextAttemptAt!), 'delivered before its scheduled retry');
    assert.deepEqual(hook.events().map((e) => e.objectId), [c1, c2], 'the head first, then the one behind, in order');

    const none = await slowApi.request('POST', `/notifications/subscriptions/deliveries/${waiting!.id}/retry`);
    assert.equal(none.status, 404, 'delivered: nothing pending to retry');
    assert.equal((await slowApi.request('POST', `/notifications/subscriptions/deliveries/retry?${where(`status='delivered'`)}`)).status, 400);
  });

  test('the delivered list: first-time deliveries with their payloads, their own createdDate, the instance id and name', async () => {
    const hook = await receiver();
    const id = await instance(instanceBody(provider, hook, 'delivered list'));
    provider.create('dl1');
    await eventually(() => (hook.received.length >= 1 ? true : undefined), 'a delivery');
    const list = await eventually(async () => {
      const res = await api.request('GET', `/notifications/subscriptions/deliveries?${where(`status='delivered' and config.url='${hook.url}'`)}`);
      return res.body.length >= 1 ? (res.body as DeliveryView[]) : undefined;
    }, 'the delivered list');
    const [entry] = list;
    const sent = hook.received[0]!.body;
    assert.deepEqual([entry!.id, entry!.status, entry!.attempts, entry!.instanceId, entry!.instanceName], [sent.id, 'delivered', 1, id, 'delivered list']);
    assert.deepEqual(entry!.payload, sent, 'the payload as delivered');
    assert.equal(entry!.createdDate, sent.createdDate, "the notification's own createdDate");
    assert.ok(entry!.deliveredDate, 'and when it was delivered');
    const all = await api.request('GET', `/notifications/subscriptions/deliveries?${where(`config.url='${hook.url}'`)}`);
    assert.ok(all.body.some((d: DeliveryView) => d.id === sent.id && d.status === 'delivered'), 'also without a status filter');
  });

  test("the worker's metrics count the waits for Retry-After and for the rate limit", async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    assert.ok(value('pollster_delivery_retry_after_waits_total') >= 1, 'a Retry-After wait');
    assert.ok(value('pollster_delivery_rate_limited_waits_total') >= 1, 'rate-limited waits');
  });
});
