/**
 * DELETED events end to end on the `http` element, and records that show up late: a real dev server, the worker, the
 * API, a fake provider and a real receiver. Tombstones and id scans each report a deleted record exactly once, and
 * nothing for a record that merely left an "updated since" page. A provider that shows each change only seconds after
 * it was made loses changes without a settle pass, and delivers every one once, the late ones marked, with it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { eventually, sleep } from '../support/processes';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';
import { contactsResource, httpInstanceBody } from '../support/limitBodies';

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

function body(provider: HttpProvider, receiver: Receiver, name: string, resource: Record<string, unknown> = {}, interval = '0.02'): Record<string, unknown> {
  return httpInstanceBody({ name, providerUrl: provider.url, callbackUrl: receiver.url, interval, resources: { contacts: { ...contactsResource(), pageSize: 50, ...resource } } });
}

const eventsOf = (receiver: Receiver, type?: string) => receiver.events().filter((e) => type === undefined || e.eventType === type);
/** Every (object, date, type) that arrived, and under how many notification ids. */
function idsPerEvent(receiver: Receiver): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of receiver.received) for (const e of r.body.message.events) out.set(`${e.eventType} ${e.objectId}@${e.date}`, (out.get(`${e.eventType} ${e.objectId}@${e.date}`) ?? new Set()).add(r.body.id));
  return out;
}

describe('DELETED events and late records', () => {
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

  test('tombstones: a deleted record is reported DELETED once, with its deletion date', async () => {
    const provider = await startHttpProvider();
    const receiver = await startReceiver();
    try {
      const created = await api.request('POST', '/instances', body(provider, receiver, 'tombstones', { deletion: { url: `/contacts/deleted?deletedSince=\${gmtDate:${ISO_MS}}`, idField: 'id', dateField: 'deletedAt', dateFormat: ISO_MS } }));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const [a, b] = [provider.create('Ada'), provider.create('Bob')];
      await eventually(() => eventsOf(receiver, 'CREATED').length >= 2, 'two CREATED events');
      const gone = provider.delete(a.id);
      provider.update(b.id, 'Bob B.'); // leaves nothing behind on the deleted list
      await eventually(() => eventsOf(receiver, 'DELETED').length >= 1 && eventsOf(receiver, 'UPDATED').length >= 1, 'the DELETED and UPDATED events');
      await sleep(3000); // more polls: nothing may come twice
      const deleted = eventsOf(receiver, 'DELETED');
      assert.deepEqual(deleted.map((e) => e.objectId), [a.id]);
      assert.equal(deleted[0]!.date, new Date(Date.parse(String(gone.deletedAt))).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      for (const [event, ids] of idsPerEvent(receiver)) assert.equal(ids.size, 1, `${event} under one notification id`);
      const status = await api.request('GET', `/instances/${created.body.id}/poller`);
      assert.ok(status.body.resources.contacts.tombstones.checkpoint, 'the tombstones keep a checkpoint of their own');
      await api.request('DELETE', `/instances/${created.body.id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });

  test('id scans: the first scan reports nothing; an id gone at the next is DELETED once; an updated record is not', async () => {
    const provider = await startHttpProvider();
    const receiver = await startReceiver();
    try {
      const ids = Array.from({ length: 25 }, (_, i) => provider.create(`c${i}`).id); // before the instance: no CREATED events
      const created = await api.request('POST', '/instances', body(provider, receiver, 'scan', { deletion: { scan: { url: '/contacts/ids', idField: 'id', every: 0.05 } } }));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.id;
      await eventually(async () => (await api.request('GET', `/instances/${id}/poller`)).body.resources?.contacts?.scan?.lastIds === 25, 'the first scan, 25 ids', 60_000);
      assert.equal(eventsOf(receiver, 'DELETED').length, 0, 'the first scan reports nothing');
      provider.delete(ids[3]!);
      provider.delete(ids[17]!);
      provider.update(ids[5]!, 'renamed');
      await eventually(() => eventsOf(receiver, 'DELETED').length >= 2, 'two DELETED events', 60_000);
      await sleep(7000); // more scans: nothing may come again
      assert.deepEqual(eventsOf(receiver, 'DELETED').map((e) => e.objectId).sort(), [ids[3], ids[17]].sort());
      assert.deepEqual(eventsOf(receiver, 'UPDATED').map((e) => e.objectId), [ids[5]]);
      for (const [event, nids] of idsPerEvent(receiver)) assert.equal(nids.size, 1, `${event} under one notification id`);
      const deleted = receiver.received.flatMap((r) => (r.body.message.events[0]?.eventType === 'DELETED' ? [r.body.message.raw['contacts']] : []));
      assert.deepEqual(deleted.flat(), [{ id: [ids[3], ids[17]].sort()[0] }, { id: [ids[3], ids[17]].sort()[1] }], 'a scan\u2019s DELETED event carries { <idField>: id }');
      const status = await api.request('GET', `/instances/${id}/poller`);
      assert.equal(status.body.resources.contacts.scan.deleted, 2);
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });

  test('scans go on between polls: an instance polling hourly reports a delete from its next scan, not its next poll', async () => {
    const provider = await startHttpProvider();
    const receiver = await startReceiver();
    try {
      const ids = Array.from({ length: 5 }, (_, i) => provider.create(`h${i}`).id);
      const created = await api.request('POST', '/instances', body(provider, receiver, 'hourly scan', { deletion: { scan: { url: '/contacts/ids', idField: 'id', every: 0.05 } } }, '60'));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id = created.body.id;
      await eventually(async () => (await api.request('GET', `/instances/${id}/poller`)).body.resources?.contacts?.scan?.lastIds === 5, 'the first scan, 5 ids', 60_000);
      provider.delete(ids[2]!);
      await eventually(() => eventsOf(receiver, 'DELETED').length >= 1, 'the DELETED event from a later scan', 60_000);
      const status = (await api.request('GET', `/instances/${id}/poller`)).body;
      assert.ok(status.polls <= 1, `no poll was needed to wake the scans (polls: ${status.polls})`);
      assert.deepEqual(eventsOf(receiver, 'DELETED').map((e) => e.objectId), [ids[2]]);
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });

  /** Changes made steadily while the instance polls every second; the provider shows each only `lagMs` after it. */
  async function lateRun(settleDelay: number | undefined): Promise<{ made: number; delivered: number; late: number; twice: number; status: any }> {
    const provider = await startHttpProvider({ indexLagMs: 2500 });
    const receiver = await startReceiver();
    try {
      const created = await api.request('POST', '/instances', body(provider, receiver, `late-${settleDelay ?? 'none'}`, settleDelay ? { settleDelay } : {}, '0.0167'));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      await sleep(1500);
      const made: string[] = [];
      for (let i = 0; i < 12; i++) {
        made.push(provider.create(`late ${i}`).id);
        await sleep(700);
      }
      await sleep(2500 + (settleDelay ?? 0) * 1000 + 4000); // every change visible, every second look due and done
      const delivered = new Set(receiver.events().map((e) => e.objectId));
      const status = (await api.request('GET', `/instances/${created.body.id}/poller`)).body;
      await api.request('DELETE', `/instances/${created.body.id}`);
      const twice = [...idsPerEvent(receiver).values()].filter((ids) => ids.size > 1).length + (receiver.events().length - new Set(receiver.events().map((e) => `${e.objectId}@${e.date}`)).size);
      return { made: made.length, delivered: made.filter((id) => delivered.has(id)).length, late: receiver.events().filter((e) => e.late === true).length, twice, status };
    } finally {
      await provider.close();
      await receiver.close();
    }
  }

  test('late records: without a settle pass changes are lost; with one every change arrives once, the late ones marked', async (t) => {
    const without = await lateRun(undefined);
    t.diagnostic(`without settleDelay: ${without.delivered} of ${without.made} changes delivered (${without.made - without.delivered} lost)`);
    assert.ok(without.delivered < without.made, 'a provider this late loses changes to a plain poll');

    const withSettle = await lateRun(5);
    const settle = withSettle.status.resources.contacts.settle;
    t.diagnostic(`with settleDelay 5 s: ${withSettle.delivered} of ${withSettle.made} delivered, ${withSettle.late} marked late, lateness p50 ${settle?.latenessMs?.p50} ms, max ${settle?.latenessMs?.max} ms`);
    assert.equal(withSettle.delivered, withSettle.made, 'every change delivered');
    assert.equal(withSettle.twice, 0, 'none twice, none under two ids');
    assert.ok(withSettle.late > 0, 'the ones the first look missed are marked late');
    assert.equal(settle.lateRecords, withSettle.late);
    assert.ok(settle.latenessMs.max > 0 && settle.latenessMs.max <= 2500, `the lateness observed shows the provider\u2019s lag (2.5 s at most): ${settle.latenessMs.max} ms`);
  });
});
