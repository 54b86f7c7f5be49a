/**
 * Rewind and replay end to end on the `http` element: a real dev server, the worker, the API, a fake provider and a
 * real receiver. A rewind delivers its events again under the ids they had; a replay delivers every change of its
 * window once more, marked and under ids of its own, while live polling goes on delivering its own; a cancelled
 * replay stops calling the provider.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver, type Received } from '../fakes/receiver';
import { eventually, sleep } from '../support/processes';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';
import { contactsResource, httpInstanceBody } from '../support/limitBodies';


function body(provider: HttpProvider, receiver: Receiver, name: string, interval = '0.02', pageSize = 10): Record<string, unknown> {
  return httpInstanceBody({ name, providerUrl: provider.url, callbackUrl: receiver.url, interval, resources: { contacts: { ...contactsResource(), pageSize } } });
}

const iso = (ms: number): string => new Date(ms).toISOString();
const eventKey = (e: { objectId: string; date: string }): string => `${e.objectId}@${e.date}`;
const replayed = (r: Received): boolean => r.body.message.replay !== undefined;
/** Every delivered event (by object and date) with the notification ids it arrived under, in arrival order. */
function idsOf(received: readonly Received[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of received) for (const e of r.body.message.events) out.set(eventKey(e), [...(out.get(eventKey(e)) ?? []), r.body.id]);
  return out;
}

describe('rewind and replay', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env);
  });
  after(async () => {
    await api?.close();
    await worker?.stop();
    await env?.teardown();
  });

  test('a rewind delivers the events again, with the ids they had; a checkpoint in the future is a 400 naming the field', async () => {
    const provider = await startHttpProvider();
    const receiver = await startReceiver();
    try {
      const created = await api.request('POST', '/instances', body(provider, receiver, 'rewind'));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.id;
      await sleep(1500);
      const before = Date.now() - 1000;
      const made = [provider.create('Ada'), provider.create('Bob'), provider.create('Cy')];
      await eventually(() => receiver.events().length >= 3, 'the three CREATED events');
      const first = idsOf(receiver.received);
      assert.equal(first.size, 3);

      const future = await api.request('PATCH', `/instances/${id}/poller`, { resources: { contacts: { checkpoint: iso(Date.now() + 3_600_000) } } });
      assert.equal(future.status, 400, JSON.stringify(future.body));
      assert.deepEqual(future.body.issues.map((i: { path: string }) => i.path), ['resources.contacts.checkpoint']);
      assert.match(future.body.message, /later than now/);
      const unknown = await api.request('PATCH', `/instances/${id}/poller`, { resources: { deals: { checkpoint: iso(before) } } });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.body.issues.map((i: { path: string }) => i.path), ['resources.deals']);
      const unreadable = await api.request('PATCH', `/instances/${id}/poller`, { resources: { contacts: { checkpoint: 'last tuesday' } } });
      assert.equal(unreadable.status, 400);
      assert.deepEqual(unreadable.body.issues.map((i: { path: string }) => i.path), ['resources.contacts.checkpoint']);
      await sleep(2500); // polls after the refusals: nothing came again
      assert.equal(receiver.events().length, 3, 'a refused rewind moves nothing');

      const rewound = await api.request('PATCH', `/instances/${id}/poller`, { resources: { contacts: { checkpoint: iso(before) } } });
      assert.equal(rewound.status, 200, JSON.stringify(rewound.body));
      assert.deepEqual(rewound.body.checkpoints, { contacts: iso(before) });
      await eventually(() => receiver.events().length >= 6, 'the three events again');
      await sleep(2500); // more polls: the rewind delivers once, then the checkpoint moves on
      const again = idsOf(receiver.received);
      assert.deepEqual([...again.keys()].sort(), [...first.keys()].sort());
      for (const [event, ids] of again) {
        assert.equal(ids.length, 2, `${event} delivered twice in all`);
        assert.equal(ids[1], ids[0], `${event} again under the id it had`);
      }
      assert.deepEqual(new Set(receiver.events().map((e) => e.objectId)), new Set(made.map((c) => c.id)));
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });

  test('a replay of 50 changes: each delivered once, marked, under ids of its own; live polling meanwhile misses nothing', async () => {
    const provider = await startHttpProvider();
    const receiver = await startReceiver();
    try {
      const created = await api.request('POST', '/instances', body(provider, receiver, 'replay'));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.id;
      await sleep(1500);
      const since = Date.now();
      const old: string[] = [];
      for (let group = 0; group < 5; group++) {
        for (let i = 0; i < 10; i++) old.push(provider.create(`old ${group}.${i}`).id);
        await sleep(400);
      }
      await eventually(() => receiver.events().length >= 50, 'the 50 live events');
      await sleep(1000);
      const until = Date.now();
      const beforeReplay = receiver.received.length;

      const bad = await api.request('POST', `/instances/${id}/events/replay`, { since: iso(until), until: iso(until + 3_600_000) });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.issues.map((i: { path: string }) => i.path), ['until']);
      // The replay's first notification is refused once: it goes to the retry path, which must mark it too.
      let refusedId: string | undefined;
      receiver.respondWith((r) => {
        if (refusedId === undefined && replayed(r)) {
          refusedId = r.body.id;
          return 503;
        }
        return 200;
      });
      const start = await api.request('POST', `/instances/${id}/events/replay`, { since: iso(since), until: iso(until) });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const replayId: string = start.body.replayId;
      assert.match(replayId, /^[0-9a-f]{16}$/);
      assert.equal(start.body.status, 'running');

      const fresh: string[] = [];
      for (let i = 0; i < 10; i++) {
        fresh.push(provider.create(`live ${i}`).id);
        await sleep(150);
      }
      const done = await eventually(async () => {
        const s = await api.request('GET', `/instances/${id}/events/replay/${replayId}`);
        return s.body.status !== 'running' && s.body;
      }, 'the replay to end');
      assert.equal(done.status, 'completed', JSON.stringify(done));
      assert.equal(done.resources.contacts.events, 50);
      await eventually(() => receiver.received.filter((r) => !replayed(r)).flatMap((r) => r.body.message.events).length >= 60, 'the 60 live events');
      await sleep(2500); // more polls: nothing may come twice

      const replays = receiver.received.filter(replayed);
      const retried = replays.find((r) => r.body.id === refusedId);
      assert.ok(retried, 'the refused notification arrived through the retry path, under its id');
      assert.equal(retried.headers['pollster-replay'], replayId, 'the retry path sends the header too');
      const live = receiver.received.filter((r) => !replayed(r));
      assert.equal(receiver.received.slice(0, beforeReplay).filter(replayed).length, 0);
      for (const r of replays) {
        assert.equal(r.body.message.replay, replayId, 'marked in the body');
        assert.equal(r.headers['pollster-replay'], replayId, 'and in the header');
      }
      for (const r of live) assert.equal(r.headers['pollster-replay'], undefined, 'a live notification carries no replay header');
      const replayEvents = idsOf(replays);
      assert.deepEqual(replays.flatMap((r) => r.body.message.events.map((e) => e.objectId)).sort(), [...old].sort(), 'each change of the window once, nothing outside it');
      const liveEvents = idsOf(live);
      assert.deepEqual(live.flatMap((r) => r.body.message.events.map((e) => e.objectId)).sort(), [...old, ...fresh].sort(), 'live polling: every change once, none lost');
      const liveIds = new Set(live.map((r) => r.body.id));
      for (const [event, ids] of replayEvents) {
        assert.ok(liveEvents.has(event), `${event}: the replay read the record as the live poll did`);
        for (const nid of ids) assert.ok(!liveIds.has(nid), `${event}: a replay id distinct from the live one`);
      }
      const poller = (await api.request('GET', `/instances/${id}/poller`)).body;
      assert.ok(Date.parse(poller.resources.contacts.checkpoint) > until, `the live checkpoint moved on as usual: ${poller.resources.contacts.checkpoint}`);

      const missing = await api.request('GET', `/instances/${id}/events/replay/0123456789abcdef`);
      assert.equal(missing.status, 404);
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });

  test('a cancelled replay shows cancelled and stops calling the provider', async () => {
    const provider = await startHttpProvider();
    provider.setLatency(250);
    const receiver = await startReceiver();
    try {
      const since = Date.now() - 1000;
      for (let i = 0; i < 400; i++) provider.create(`c${i}`);
      await sleep(50);
      const until = Date.now();
      // Polls hourly: the provider's requests are the replay's.
      const created = await api.request('POST', '/instances', body(provider, receiver, 'replay-cancel', '60', 5));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.id;
      const start = await api.request('POST', `/instances/${id}/events/replay`, { since: iso(since), until: iso(until), resources: ['contacts'] });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const replayId: string = start.body.replayId;
      await eventually(() => receiver.received.filter(replayed).length > 0, 'the first replayed notifications');
      const cancel = await api.request('DELETE', `/instances/${id}/events/replay/${replayId}`);
      assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
      const ended = await eventually(async () => {
        const s = await api.request('GET', `/instances/${id}/events/replay/${replayId}`);
        return s.body.status !== 'running' && s.body;
      }, 'the replay to stop');
      assert.equal(ended.status, 'cancelled');
      assert.equal(ended.resources.contacts.status, 'cancelled');
      const requests = provider.requests.length;
      await sleep(3000);
      assert.equal(provider.requests.length, requests, 'no provider call after the replay stopped');
      assert.ok(requests < 80, `it stopped before reading the 80 pages: ${requests} requests`);
      assert.ok(ended.resources.contacts.events < 400, `not every change went out: ${ended.resources.contacts.events}`);
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });
});
