/**
 * The poller rules (docs/poller-configuration.md, docs/notifications.md) end to end, one family per test, on a real Temporal dev server:
 * API → workflow → `http` element → fake provider → receiver. Each test has its own provider,
 * receiver and instance, so the tests run concurrently. Polls every 1.2 s (`refresh_interval`
 * 0.02), plus `pollNow` right after changes.
 *
 * Dates the provider writes in other zones are produced and read back with luxon, independently of
 * Pollster's own Java-pattern implementation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUERY_SLACK_MS } from '../../source/queryUrl';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { elementsSignature } from '../../core/signature';
import { pollNow } from '../../contract/messages';
import { startHttpProvider, type HttpProvider, type HttpProviderOptions } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';
import { PAGES_PER_PLAN } from '../../activities/pollPage';

type Json = Record<string, any>;
const SIGNATURE_KEY = 'MySecretEventSignatureKey';
const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
let api: RunningApi;
const closers: (() => Promise<void>)[] = [];

async function provider(options: HttpProviderOptions = {}): Promise<HttpProvider> {
  const p = await startHttpProvider(options);
  closers.push(() => p.close());
  return p;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  closers.push(() => r.close());
  return r;
}

interface InstanceOptions {
  name: string;
  url: string;
  resource?: Json;
  configuration?: Json;
}

function instanceBody(p: HttpProvider, r: Receiver, o: InstanceOptions): Json {
  return {
    element: { key: 'http' },
    name: o.name,
    tags: ['poller-rules'],
    configuration: {
      'base.url': p.url,
      'event.notification.enabled': true,
      'event.notification.callback.url': r.url,
      'event.notification.signature.key': SIGNATURE_KEY,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: o.url,
          idField: 'id',
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
          ...o.resource,
        },
      },
      ...o.configuration,
    },
  };
}

interface Instance {
  id: number;
  createdDate: string;
  pollNow(): Promise<void>;
  status(): Promise<Json>;
}

async function createInstance(p: HttpProvider, r: Receiver, o: InstanceOptions): Promise<Instance> {
  const res = await api.request('POST', '/instances', instanceBody(p, r, o));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const id = res.body.id as number;
  closers.push(async () => void (await api.request('DELETE', `/instances/${id}`)));
  return {
    id,
    createdDate: res.body.createdDate,
    pollNow: () => api.client.workflow.getHandle(`instance-${id}`).signal(pollNow),
    status: async () => (await api.request('GET', `/instances/${id}/poller`)).body,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until the provider has answered `n` more polls (requests without a page, cursor or link token). */
async function morePolls(p: HttpProvider, n: number): Promise<void> {
  const firstPages = () => p.requests.filter((u) => !/[?&](cursor=|page=(?!1(&|$)))/.test(u)).length;
  const target = firstPages() + n;
  await until(`${n} more polls`, () => firstPages() >= target);
}

type Event = { objectId: string; eventType: string; date: string; objectType: string; pollDate: string };
const eventsOf = (r: Receiver, instanceId: number): Event[] =>
  r.received.filter((x) => x.body.message.instanceId === instanceId).flatMap((x) => x.body.message.events as Event[]);

/** No event twice (event dates are to the second, so a CREATED and an UPDATED may share one). */
function assertOnce(events: Event[]): void {
  const keys = events.map((e) => `${e.objectId}@${e.date}:${e.eventType}`);
  assert.equal(new Set(keys).size, keys.length, `an event was delivered twice: ${keys.join(' ')}`);
}

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

before(async () => {
  env = await startTemporal();
  worker = await startWorker(env);
  api = await startApi(env);
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await api?.close();
  await worker?.stop();
  await env?.teardown();
});

describe('poller rules end to end', { concurrency: true }, () => {
  test('timezone-shifted dates: records and URL in America/Denver, and in a fixed -06:00 offset', async () => {
    const zones = [
      { zone: 'America/Denver', luxonZone: 'America/Denver', format: 'yyyy-MM-dd HH:mm:ss', luxonFormat: 'yyyy-MM-dd HH:mm:ss' },
      { zone: '-06:00', luxonZone: 'UTC-6', format: "yyyy-MM-dd'T'HH:mm:ss", luxonFormat: "yyyy-MM-dd'T'HH:mm:ss" },
    ];
    await Promise.all(
      zones.map(async (z, zi) => {
        const parse = (s: string) => DateTime.fromFormat(s, z.luxonFormat, { zone: z.luxonZone }).toMillis();
        const p = await provider({ formatDate: (ms) => DateTime.fromMillis(ms, { zone: z.luxonZone }).toFormat(z.luxonFormat), parseSince: parse });
        const r = await receiver();
        const dates = { updatedDateField: 'updatedAt', updatedDateFormat: z.format, updatedDateTimezone: z.zone, createdDateField: 'createdAt', createdDateFormat: z.format, createdDateTimezone: z.zone };
        const inst = await createInstance(p, r, { name: `zoned-${zi}`, url: `/contacts?updatedSince=\${dateTimeZone:${z.zone}:${z.format}}`, resource: { datesConfiguration: dates } });

        const [a, b, c] = [p.create('Ada'), p.create('Bob'), p.create('Cy')];
        await inst.pollNow();
        await until('three CREATED', () => eventsOf(r, inst.id).length >= 3);
        await sleep(1100); // the next change must be dated in a later second
        const b2 = p.update(b.id, 'Bob B.');
        await inst.pollNow();
        await until('the UPDATED', () => eventsOf(r, inst.id).length >= 4);
        await morePolls(p, 2);

        const events = eventsOf(r, inst.id);
        assertOnce(events);
        assert.deepEqual(
          events.map((e) => [e.objectId, e.eventType, e.date]).sort(),
          [
            [a.id, 'CREATED', isoSeconds(parse(String(a.updatedAt)))],
            [b.id, 'CREATED', isoSeconds(parse(String(b.updatedAt)))],
            [b.id, 'UPDATED', isoSeconds(parse(String(b2.updatedAt)))],
            [c.id, 'CREATED', isoSeconds(parse(String(c.updatedAt)))],
          ].sort(),
        );
        // The record dates really were wall-clock times in the zone: 6 hours behind UTC (June: MDT).
        const wall = DateTime.fromFormat(String(a.updatedAt), z.luxonFormat, { zone: 'UTC' }).toMillis();
        assert.ok(Math.abs(parse(String(a.updatedAt)) - wall - 6 * 3_600_000) <= 3_600_000, 'a fixed or DST offset of −6/−7 h');
        // The first poll rendered the instance's enabling instant (less the query slack) in the zone, to the second.
        const first = new URL(p.requests[0]!, p.url).searchParams.get('updatedSince')!;
        assert.equal(parse(first), Math.floor((Date.parse(inst.createdDate) - QUERY_SLACK_MS) / 1000) * 1000, `first since ${first}`);
        assert.ok(p.requests.every((u) => !u.includes('Z') && /updatedSince=\d{4}-\d\d-\d\d(%20|T)\d\d%3A\d\d%3A\d\d(&|$)/.test(u)), p.requests[0]);
      }),
    );
  });

  test('inclusive queries with pollDelay and index lag: every change once, though fetched again and again', async () => {
    const p = await provider({ indexLagMs: 1000 });
    const r = await receiver();
    const inst = await createInstance(p, r, { name: 'inclusive', url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`, resource: { pollDelay: 3 } });
    const made = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      made.push(p.create(name));
      await sleep(350);
    }
    await until('four CREATED', () => eventsOf(r, inst.id).length >= 4);
    made.push(p.update(made[0]!.id, 'a2'), p.update(made[2]!.id, 'c2'));
    await until('and two UPDATED', () => eventsOf(r, inst.id).length >= 6);
    await morePolls(p, 3);

    const events = eventsOf(r, inst.id);
    assertOnce(events);
    assert.deepEqual(
      events.map((e) => `${e.objectId}@${e.date}`).sort(),
      made.map((c) => `${c.id}@${isoSeconds(Date.parse(String(c.updatedAt)))}`).sort(),
    );
    assert.deepEqual(events.filter((e) => e.eventType === 'UPDATED').map((e) => e.objectId).sort(), [made[0]!.id, made[2]!.id].sort());
    // Each since was 3 s before the checkpoint, so the same versions were served by several polls.
    const servings = p.served.flatMap((s) => s.ids).length;
    assert.ok(servings > events.length + 4, `records served ${servings} times for ${events.length} events`);
    const status = await inst.status();
    assert.equal(status.resources.contacts.events, 6);
    assert.equal(status.resources.contacts.problems, 0);
  });

  test('filterByCurrentDate: a record dated after the poll start waits for a later poll; without it, it goes at once, once', async () => {
    const aheadMs = 5000; // the provider's clock runs 5 s ahead: its records are dated in our future
    const p = await provider({ now: () => Date.now() + aheadMs });
    const r = await receiver();
    const url = `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`;
    const filtered = await createInstance(p, r, { name: 'current-date', url, resource: { filterByCurrentDate: true } });
    const control = await createInstance(p, r, { name: 'no-current-date', url });
    const future = p.create('From the future');
    const futureMs = Date.parse(String(future.updatedAt));
    await Promise.all([filtered.pollNow(), control.pollNow()]);
    await until('the control delivered', () => eventsOf(r, control.id).length >= 1);
    await until('the filtered one delivered', () => eventsOf(r, filtered.id).length >= 1, 30_000);
    await morePolls(p, 4);

    const arrival = (id: number) => r.received.filter((x) => x.body.message.instanceId === id).map((x) => x.at);
    assert.deepEqual(eventsOf(r, control.id).map((e) => [e.objectId, e.eventType]), [[future.id, 'CREATED']]);
    assert.deepEqual(eventsOf(r, filtered.id).map((e) => [e.objectId, e.eventType]), [[future.id, 'CREATED']]);
    assert.ok(arrival(control.id)[0]! < futureMs, 'without filterByCurrentDate it is reported before its own date');
    assert.ok(arrival(filtered.id)[0]! >= futureMs, 'with filterByCurrentDate only a poll started after its date reports it');
    const pollDate = Date.parse(eventsOf(r, filtered.id)[0]!.pollDate);
    assert.ok(pollDate + 1000 > futureMs, `pollDate ${eventsOf(r, filtered.id)[0]!.pollDate} is not before the record's second`);
  });

  test('pagination: page, cursor and link, every record once', async () => {
    const kinds = [
      { type: 'page', url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`, resource: { pageSize: 2 }, configuration: {} },
      { type: 'cursor', url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}&pageSize=2`, resource: {}, configuration: { 'pagination.cursor.path': 'nextCursor' } },
      { type: 'link', url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}&pageSize=2`, resource: {}, configuration: {} },
    ] as const;
    await Promise.all(
      kinds.map(async (k) => {
        const p = await provider({ pagination: k.type });
        const r = await receiver();
        const inst = await createInstance(p, r, { name: `paged-${k.type}`, url: k.url, resource: k.resource, configuration: { 'pagination.type': k.type, ...k.configuration } });
        const made = ['a', 'b', 'c', 'd', 'e'].map((n) => p.create(n));
        await inst.pollNow();
        await until(`${k.type}: five records`, () => eventsOf(r, inst.id).length >= 5);
        await sleep(20); // same second, later millisecond: still a change of its own
        const updated = p.update(made[3]!.id, 'd2');
        await inst.pollNow();
        await until(`${k.type}: the update`, () => eventsOf(r, inst.id).length >= 6);
        await morePolls(p, 2);

        const events = eventsOf(r, inst.id);
        assertOnce(events);
        assert.deepEqual(events.filter((e) => e.eventType === 'CREATED').map((e) => e.objectId).sort(), made.map((c) => c.id).sort(), k.type);
        assert.deepEqual(events.filter((e) => e.eventType === 'UPDATED').map((e) => e.objectId), [updated.id], k.type);
        // Five records at two a page: three requests in one poll.
        const pages = p.served.filter((s) => s.ids.length > 0);
        if (k.type === 'page') assert.ok(p.requests.some((u) => u.includes('page=3&pageSize=2')), p.requests.join('\n'));
        else assert.ok(p.requests.filter((u) => u.includes('cursor=')).length >= 2, p.requests.join('\n'));
        assert.ok(pages.every((s) => s.ids.length <= 2));
      }),
    );
  });

  test('25 changes (a backfill from event.poller.since) arrive as notifications of 10, 10 and 5', async () => {
    const p = await provider({ now: () => Date.now() - 60_000 });
    const made = Array.from({ length: 25 }, (_, i) => p.create(`c${i}`));
    const r = await receiver();
    const url = `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`;
    const since = new Date(Date.now() - 120_000).toISOString();
    const backfill = await createInstance(p, r, { name: 'batched', url, configuration: { 'event.poller.since': since } });
    const plain = await createInstance(p, r, { name: 'no-backfill', url });
    await until('25 events', () => eventsOf(r, backfill.id).length >= 25);
    await morePolls(p, 3);
    const deadline = Date.now() + 20_000;
    while ((await plain.status()).polls < 2) {
      assert.ok(Date.now() < deadline, 'the instance without backfill polls');
      await sleep(200);
    }

    const notes = r.received.filter((x) => x.body.message.instanceId === backfill.id);
    assert.deepEqual(notes.map((n) => n.body.message.events.length).sort((a, b) => b - a), [10, 10, 5], 'one poll, three notifications');
    assert.equal(new Set(notes.map((n) => n.body.message.events[0]!.pollDate)).size, 1);
    const events = eventsOf(r, backfill.id);
    assertOnce(events);
    assert.deepEqual(events.map((e) => e.objectId).sort(), made.map((c) => c.id).sort());
    assert.ok(events.every((e) => e.eventType === 'CREATED' && e.objectType === 'contacts'));
    for (const n of notes) {
      const { message } = n.body;
      assert.deepEqual((message.raw['contacts'] as Json[]).map((c) => c['id']), message.events.map((e) => e.objectId), 'raw holds exactly this batch');
      assert.equal(message.raw.objectType, 'contacts');
      assert.equal(n.headers['elements-webhook-id'], n.body.id);
      assert.equal(n.headers['elements-webhook-signature'], elementsSignature(SIGNATURE_KEY, n.raw));
      assert.equal(n.headers['webhook-id'], n.body.id);
    }
    assert.equal(new Set(notes.map((n) => n.body.id)).size, 3);
    assert.equal(eventsOf(r, plain.id).length, 0, 'without event.poller.since, changes before the instance are not reported');
  });

  test('a pass that fails after handing off pages is finished by the next poll: nothing sent twice, none lost', async () => {
    const p = await provider({ pagination: 'cursor' });
    const r = await receiver();
    const url = `/contacts?updatedSince=\${gmtDate:${ISO_MS}}&pageSize=2`;
    const inst = await createInstance(p, r, { name: 'resumed', url, configuration: { 'pagination.type': 'cursor', 'pagination.cursor.path': 'nextCursor' } });
    await morePolls(p, 1);
    // The first PAGES_PER_PLAN pages go out; the page after them answers 400 (not retried): the resource fails, its checkpoint holds.
    const goneOut = 2 * PAGES_PER_PLAN;
    let cursorRequests = 0;
    p.failNext(1, 400, undefined, (u) => u.searchParams.has('cursor') && ++cursorRequests === PAGES_PER_PLAN);
    const made = Array.from({ length: goneOut + 1 }, (_, i) => p.create(`c${i}`));
    await until('the failed page', () => cursorRequests >= PAGES_PER_PLAN);
    const failedAt = p.requests.length - 1;
    const later = p.create('late'); // after the failed poll started: the next one reports it
    await until('every event', () => eventsOf(r, inst.id).length >= made.length + 1);
    await morePolls(p, 2);

    const events = eventsOf(r, inst.id);
    assertOnce(events);
    assert.deepEqual(events.map((e) => e.objectId).sort(), [...made, later].map((c) => c.id).sort());
    assert.equal(p.requests[failedAt + 1], p.requests[failedAt], 'the next poll asks for the failed page again (same since, same cursor), not for the first');
    const notes = r.received.filter((x) => x.body.message.instanceId === inst.id);
    const first = notes.flatMap((n) => n.body.message.events.map((e: Event) => e.objectId)).slice(0, goneOut);
    assert.deepEqual(first.sort(), made.slice(0, goneOut).map((c) => c.id).sort(), 'the pages before the failure went out first');
    const status = await inst.status();
    assert.equal(status.resources.contacts.lastError, undefined);
    assert.ok(Date.parse(status.resources.contacts.checkpoint) > Date.parse(String(later.updatedAt)), 'the checkpoint moved past every change');
  });

  test('a record without id and one with an unparseable date: reported once each, counted in /poller', async () => {
    const p = await provider();
    const r = await receiver();
    const inst = await createInstance(p, r, { name: 'problems', url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}` });
    const good = p.create('fine');
    p.insertRaw({ name: 'no id', updatedAt: new Date().toISOString(), createdAt: new Date().toISOString() });
    p.insertRaw({ id: 'bad-date', name: 'odd', updatedAt: 'last Tuesday' }); // the fake returns it on every poll
    await inst.pollNow();
    await until('three events', () => eventsOf(r, inst.id).length >= 3);
    await morePolls(p, 3);

    const events = eventsOf(r, inst.id);
    assert.deepEqual(events.map((e) => [e.objectId, e.eventType]).sort(), [['', 'UPDATED'], ['bad-date', 'UPDATED'], [good.id, 'CREATED']].sort());
    assert.ok(p.served.filter((s) => s.ids.includes('bad-date')).length >= 4, 'served on every poll, reported once');
    const status = await inst.status();
    assert.equal(status.resources.contacts.problems, 2);
    assert.equal(status.resources.contacts.events, 3);
    assert.match(status.resources.contacts.lastProblem, /id is missing|updatedAt "last Tuesday" does not parse/);
  });
});
