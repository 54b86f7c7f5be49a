/**
 * What every PollsterStore must do, written once and run against each database
 * (test/unit/store.sqlite.test.ts, test/cluster/store.postgres.test.ts). Each test gets a fresh
 * place (a file, a schema) and real encryption keys.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { RETENTION } from '../../store/retention';
import type { PollsterStore, ScanRef } from '../../store/types';
import { byUtf8, CALLBACK, DAY, newCodec, notification, NOW, pollEntry, type FreshPlace, type StorePlace } from './storeFixtures';

async function withPlace(fresh: FreshPlace, fn: (place: StorePlace, store: PollsterStore, codec: PayloadCodec) => Promise<void>): Promise<void> {
  const place = await fresh();
  const { codec } = newCodec();
  const store = await place.open(codec);
  try {
    await fn(place, store, codec);
  } finally {
    await store.close();
    await place.dispose();
  }
}

const ids = (entries: { id: string }[]): string[] => entries.map((e) => e.id);

export function storeConformance(name: string, fresh: FreshPlace): void {
  describe(`store conformance: ${name}`, () => {
    // ---------------------------------------------------------------------------------------
    // Delivery log

    test('delivery log: an entry reads back as recorded, its events taken from its payload', () =>
      withPlace(fresh, async (_place, store) => {
        const entry = { ...notification({ objectIds: ['7', '8'], status: 'retry', attempts: 2, lastError: 'callback answered 503' }), nextAttemptAtMs: NOW + 4000 };
        await store.recordNotifications([entry]);
        const read = await store.notification(entry.id);
        assert.deepEqual(read, {
          ...entry,
          events: entry.payload.message.events.map((e) => ({ objectId: e.objectId, eventType: e.eventType, date: e.date })),
        });
        assert.deepEqual(
          read!.events.map((e) => e.objectId),
          ['7', '8'],
        );
        assert.equal(await store.notification('no-such-id'), undefined);
      }));

    test('delivery log: newest first; filtered by instance, resource, status, callback URL and object id; limited', () =>
      withPlace(fresh, async (_place, store) => {
        const a = notification({ instanceId: 1, objectIds: ['1'], createdAtMs: NOW - 3000 });
        const b = notification({ instanceId: 1, resource: 'accounts', objectIds: ['1', '2'], createdAtMs: NOW - 2000, status: 'queued' });
        const c = notification({ instanceId: 2, objectIds: ['1'], createdAtMs: NOW - 1000, callbackUrl: 'https://other.example/hook' });
        const d = notification({ instanceId: 1, objectIds: ['3'], createdAtMs: NOW, status: 'retry' });
        await store.recordNotifications([a, b]);
        await store.recordNotifications([c, d]);
        const cases: [string, Parameters<PollsterStore['notifications']>[0], string[]][] = [
          ['all', { limit: 10 }, [d, c, b, a].map((n) => n.id)],
          ['limit', { limit: 2 }, [d, c].map((n) => n.id)],
          ['instance', { instanceId: 1, limit: 10 }, [d, b, a].map((n) => n.id)],
          ['resource', { resource: 'accounts', limit: 10 }, [b.id]],
          ['status', { status: 'delivered', limit: 10 }, [c, a].map((n) => n.id)],
          ['callback URL', { callbackUrl: CALLBACK, limit: 10 }, [d, b, a].map((n) => n.id)],
          ['other callback URL', { callbackUrl: 'https://other.example/hook', limit: 10 }, [c.id]],
          ['object id', { objectId: '1', limit: 10 }, [c, b, a].map((n) => n.id)],
          ['object id in an instance', { instanceId: 1, objectId: '1', limit: 10 }, [b, a].map((n) => n.id)],
          ['last reported for a record', { instanceId: 1, objectId: '1', limit: 1 }, [b.id]],
          ['unknown object id', { objectId: '99', limit: 10 }, []],
          ['before an instant', { beforeMs: NOW - 1000, limit: 10 }, [b, a].map((n) => n.id)],
          ['filters together', { instanceId: 1, status: 'delivered', objectId: '1', limit: 10 }, [a.id]],
        ];
        for (const [label, query, expected] of cases) assert.deepEqual(ids(await store.notifications(query)), expected, label);
      }));

    test('delivery log: paging by afterId is exact when many entries share a millisecond', () =>
      withPlace(fresh, async (_place, store) => {
        const entries = Array.from({ length: 23 }, (_, i) => notification({ objectIds: [`r${i}`], createdAtMs: NOW - Math.floor(i / 5) * 1000 }));
        await store.recordNotifications(entries);
        const all = ids(await store.notifications({ limit: 100 }));
        assert.equal(all.length, 23);
        const paged: string[] = [];
        let afterId: string | undefined;
        for (;;) {
          const page = await store.notifications({ limit: 4, ...(afterId ? { afterId } : {}) });
          if (page.length === 0) break;
          paged.push(...ids(page));
          afterId = page.at(-1)!.id;
        }
        assert.deepEqual(paged, all);
        // Within a millisecond, the order is the order they were logged in: the newest first.
        assert.deepEqual(all.slice(0, 5), ids(entries.slice(0, 5)).reverse());
      }));

    test('delivery log: logging an id again replaces its state and events, and keeps its place', () =>
      withPlace(fresh, async (_place, store) => {
        const first = notification({ objectIds: ['1', '2'], status: 'retry', attempts: 1, lastError: 'timeout', createdAtMs: NOW - 5000 });
        const other = notification({ objectIds: ['9'], createdAtMs: NOW - 1000 });
        await store.recordNotifications([first, other]);
        // A retried hand-off: the same id, the page shifted (record 2 gone), delivered this time.
        const again = notification({ objectIds: ['1'], idObjectIds: ['1', '2'], status: 'delivered', attempts: 2, createdAtMs: NOW });
        assert.equal(again.id, first.id);
        await store.recordNotifications([again]);
        const read = await store.notification(first.id);
        assert.equal(read!.status, 'delivered');
        assert.equal(read!.attempts, 2);
        assert.equal(read!.lastError, undefined);
        assert.equal(read!.createdAtMs, NOW - 5000, 'the first creation time stays');
        assert.deepEqual(
          read!.events.map((e) => e.objectId),
          ['1'],
        );
        assert.deepEqual(ids(await store.notifications({ limit: 10 })), [other.id, first.id]);
        assert.deepEqual(ids(await store.notifications({ objectId: '2', limit: 10 })), [], 'the object index follows the new events');
        assert.equal((await store.notifications({ limit: 10 })).length, 2);
      }));

    test('delivery log: updateNotification sets the delivery state (absent fields cleared); unknown ids are ignored', () =>
      withPlace(fresh, async (_place, store) => {
        const entry = notification({ objectIds: ['1'], status: 'retry', attempts: 1, lastError: 'callback answered 500' });
        await store.recordNotifications([entry]);
        await store.updateNotification(entry.id, { status: 'retry', attempts: 2, lastError: 'callback answered 502', nextAttemptAtMs: NOW + 16_000 });
        let read = await store.notification(entry.id);
        assert.deepEqual([read!.status, read!.attempts, read!.lastError, read!.nextAttemptAtMs, read!.deliveredAtMs], ['retry', 2, 'callback answered 502', NOW + 16_000, undefined]);
        await store.updateNotification(entry.id, { status: 'delivered', attempts: 3, deliveredAtMs: NOW + 20_000 });
        read = await store.notification(entry.id);
        assert.deepEqual([read!.status, read!.attempts, read!.lastError, read!.nextAttemptAtMs, read!.deliveredAtMs], ['delivered', 3, undefined, undefined, NOW + 20_000]);
        assert.deepEqual(read!.payload, entry.payload);
        await store.updateNotification('pruned-long-ago', { status: 'delivered', attempts: 1 });
        assert.equal(await store.notification('pruned-long-ago'), undefined);
      }));

    test('delivery log: bad arguments are RangeErrors naming the argument', () =>
      withPlace(fresh, async (_place, store) => {
        const cases: [string, () => Promise<unknown>, RegExp][] = [
          ['limit 0', () => store.notifications({ limit: 0 }), /limit must be an integer from 1 to 1000/],
          ['limit too large', () => store.notifications({ limit: 1001 }), /limit/],
          ['fractional beforeMs', () => store.notifications({ limit: 1, beforeMs: 1.5 }), /beforeMs/],
          ['unknown cursor', () => store.notifications({ limit: 1, afterId: 'gone' }), /afterId/],
          ['NUL in an object id', () => store.notifications({ limit: 1, objectId: 'a\0b' }), /objectId must not contain NUL/],
          ['fractional createdAtMs', () => store.recordNotifications([{ ...notification({ objectIds: ['1'] }), createdAtMs: 1.5 }]), /entries\[0\]\.createdAtMs/],
          ['negative attempts', () => store.updateNotification('x', { status: 'retry', attempts: -1 }), /change\.attempts/],
        ];
        for (const [label, call, message] of cases) await assert.rejects(call(), (err: Error) => err instanceof RangeError && message.test(err.message), label);
        assert.deepEqual(await store.notifications({ limit: 10 }), [], 'nothing was written');
      }));

    // ---------------------------------------------------------------------------------------
    // Sealing

    test('sealed: record data, callback URLs, error text and request URLs never sit in the database in clear', () =>
      withPlace(fresh, async (place, store) => {
        const entry = notification({
          objectIds: ['plain-object-id'],
          secret: 'record-data-secret',
          callbackUrl: 'https://receiver.example/hook?token=callback-url-secret',
          status: 'retry',
          lastError: 'receiver said delivery-error-secret',
        });
        await store.recordNotifications([entry]);
        await store.updateNotification(entry.id, { status: 'retry', attempts: 2, lastError: 'receiver said updated-error-secret' });
        await store.recordPollEntry(
          pollEntry({ pollStartMs: NOW, atMs: NOW + 5, requests: [{ method: 'GET', url: 'https://api.example/x?q=request-url-secret', status: 500, ms: 3, error: 'request-error-secret' }], error: 'poll-error-secret' }),
        );
        const raw = await place.rawText();
        assert.ok(raw.includes('plain-object-id'), 'the raw reading sees plain columns');
        assert.ok(raw.includes(entry.id), 'ids are plain');
        for (const secret of ['record-data-secret', 'callback-url-secret', 'delivery-error-secret', 'updated-error-secret', 'request-url-secret', 'request-error-secret', 'poll-error-secret']) {
          assert.ok(!raw.includes(secret), `${secret} is not stored in clear`);
        }
        assert.equal((await store.notification(entry.id))!.lastError, 'receiver said updated-error-secret');
      }));

    test('sealed: after a key rotation the old values stay readable; without the old key they are not', async () => {
      const place = await fresh();
      try {
        const { codec: oldCodec, key: oldKey } = newCodec();
        const before = await place.open(oldCodec);
        const entry = notification({ objectIds: ['1'], secret: 'rotated' });
        await before.recordNotifications([entry]);
        await before.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW, error: 'old key' }));
        await before.close();

        const { codec: rotated } = newCodec([oldKey]);
        const after = await place.open(rotated);
        const second = notification({ objectIds: ['2'] });
        await after.recordNotifications([second]);
        assert.deepEqual((await after.notification(entry.id))!.payload, entry.payload);
        assert.equal((await after.polls(1, 1))[0]!.resources[0]!.lastError, 'old key');
        await after.close();

        const stranger = await place.open(newCodec().codec);
        await assert.rejects(stranger.notification(entry.id), /unknown key/);
        await stranger.close();
      } finally {
        await place.dispose();
      }
    });

    test('sealed: a codec that does not encrypt is refused before anything is written', async () => {
      const place = await fresh();
      try {
        const passThrough: PayloadCodec = { encode: async (p: Payload[]) => p, decode: async (p: Payload[]) => p };
        const store = await place.open(passThrough);
        await assert.rejects(store.recordNotifications([notification({ objectIds: ['1'] })]), /encrypting payload codec/);
        await assert.rejects(store.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW })), /encrypting payload codec/);
        await store.close();
        assert.deepEqual(await place.sql('SELECT COUNT(*) AS n FROM notifications'), [{ n: 0 }]);
      } finally {
        await place.dispose();
      }
    });

    // ---------------------------------------------------------------------------------------
    // Poll history

    test("poll history: a poll's entries summed per resource, newest poll first, limited", () =>
      withPlace(fresh, async (_place, store) => {
        const req = (page: number, status = 200) => ({ method: 'GET', url: `https://api.example/contacts?page=${page}`, status, ms: 10 + page });
        await store.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW + 10, resource: 'contacts', requests: [req(1), req(2)], records: 100, events: 3, problems: 1 }));
        await store.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW + 20, resource: 'accounts', requests: [req(1, 500)], records: 0, events: 0, error: 'provider answered 500' }));
        await store.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW + 30, resource: 'contacts', requests: [req(3)], records: 20, events: 2, problems: 0 }));
        // A first attempt that failed, then one that did not: the error is shown, the resource did not fail.
        await store.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW + 12, resource: 'leads', requests: [req(1, 503)], records: 0, events: 0, error: 'provider answered 503' }));
        await store.recordPollEntry(pollEntry({ pollStartMs: NOW, atMs: NOW + 25, resource: 'leads', requests: [req(1)], records: 4, events: 1 }));
        await store.recordPollEntry(pollEntry({ pollStartMs: NOW + 60_000, atMs: NOW + 60_005, resource: 'contacts', requests: [req(1)], records: 0, events: 0, quiet: true }));
        await store.recordPollEntry(pollEntry({ instanceId: 2, pollStartMs: NOW + 90_000, atMs: NOW + 90_001 }));

        const [latest, earlier, ...rest] = await store.polls(1, 10);
        assert.equal(rest.length, 0);
        assert.deepEqual(latest, {
          instanceId: 1,
          pollStartMs: NOW + 60_000,
          lastAtMs: NOW + 60_005,
          resources: [{ resource: 'contacts', requests: [req(1)], requestCount: 1, records: 0, events: 0, problems: 0, failed: false, quiet: true }],
        });
        assert.deepEqual(earlier, {
          instanceId: 1,
          pollStartMs: NOW,
          lastAtMs: NOW + 30,
          resources: [
            { resource: 'contacts', requests: [req(1), req(2), req(3)], requestCount: 3, records: 120, events: 5, problems: 1, failed: false, quiet: false },
            { resource: 'leads', requests: [req(1, 503), req(1)], requestCount: 2, records: 4, events: 1, problems: 0, failed: false, quiet: false, lastError: 'provider answered 503' },
            { resource: 'accounts', requests: [req(1, 500)], requestCount: 1, records: 0, events: 0, problems: 0, failed: true, quiet: false, lastError: 'provider answered 500' },
          ],
        });
        assert.deepEqual(
          (await store.polls(1, 1)).map((p) => p.pollStartMs),
          [NOW + 60_000],
        );
        assert.deepEqual(await store.polls(3, 10), []);
        await assert.rejects(store.polls(1, 0), /limit must be an integer/);
      }));

    test('poll history: writing an entry again changes nothing; requests past the bound are counted, not kept', () =>
      withPlace(fresh, async (_place, store) => {
        const many = Array.from({ length: RETENTION.requestsPerPollEntry + 50 }, (_, i) => ({ method: 'GET', url: `https://api.example/p${i}`, status: 200, ms: 1 }));
        const entry = pollEntry({ pollStartMs: NOW, atMs: NOW + 1, requests: many, records: 7 });
        await store.recordPollEntry(entry);
        await store.recordPollEntry(entry);
        const [poll] = await store.polls(1, 5);
        const [contacts] = poll!.resources;
        assert.equal(contacts!.records, 7, 'counted once');
        assert.equal(contacts!.requestCount, many.length);
        assert.deepEqual(contacts!.requests, many.slice(0, RETENTION.requestsPerPollEntry));
      }));

    // ---------------------------------------------------------------------------------------
    // Id scans

    const scan = (scanId: string, resource = 'contacts', instanceId = 1): ScanRef => ({ instanceId, resource, scanId });
    const allDeleted = async (store: PollsterStore, previous: ScanRef, current: ScanRef, pageSize: number): Promise<string[]> => {
      const out: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.deletedIds(previous, current, after, pageSize);
        out.push(...page);
        if (page.length < pageSize) return out;
        after = page.at(-1);
      }
    };

    test("id scans: deleted ids are the previous scan's ids the current one lacks, sorted, paged after an id", () =>
      withPlace(fresh, async (_place, store) => {
        await store.addScanIds(scan('a'), ['b', 'd', 'a', 'c', 'e', '10', '9']);
        await store.addScanIds(scan('a'), ['d', 'f']); // again: ignored
        await store.completeScan(scan('a'));
        await store.addScanIds(scan('b'), ['a', 'c', 'x']);
        assert.deepEqual(await store.deletedIds(scan('a'), scan('b'), undefined, 100), ['10', '9', 'b', 'd', 'e', 'f']);
        assert.deepEqual(await store.deletedIds(scan('a'), scan('b'), undefined, 2), ['10', '9']);
        assert.deepEqual(await store.deletedIds(scan('a'), scan('b'), '9', 3), ['b', 'd', 'e']);
        assert.deepEqual(await store.deletedIds(scan('a'), scan('b'), 'e', 3), ['f']);
        assert.deepEqual(await store.deletedIds(scan('a'), scan('never-started'), 'e', 3), ['f'], 'a scan with no ids lacks them all');
        assert.deepEqual(await store.deletedIds(scan('never-started'), scan('b'), undefined, 3), []);
        await assert.rejects(store.deletedIds(scan('a'), scan('b', 'accounts'), undefined, 3), /same instance and resource/);
        await assert.rejects(store.deletedIds(scan('a'), scan('b'), undefined, 0), /limit/);
        await assert.rejects(store.addScanIds(scan('b'), ['ok', 'bad\0id']), /ids\[1\] must not contain NUL/);
      }));

    test('id scans: for any two id sets, paging deletedIds yields previous minus current in UTF-8 byte order', () =>
      withPlace(fresh, async (_place, store) => {
        const id = fc.string({ unit: 'binary', minLength: 0, maxLength: 6 }).filter((s) => !s.includes('\0'));
        let run = 0;
        await fc.assert(
          fc.asyncProperty(fc.uniqueArray(id, { maxLength: 40 }), fc.uniqueArray(id, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), async (previous, current, pageSize) => {
            run++;
            const [p, c] = [scan(`p${run}`, `r${run}`), scan(`c${run}`, `r${run}`)];
            await store.addScanIds(p, previous);
            await store.addScanIds(c, current);
            const expected = previous.filter((x) => !current.includes(x)).sort(byUtf8);
            assert.deepEqual(await allDeleted(store, p, c, pageSize), expected);
          }),
          { numRuns: 25 },
        );
      }));

    test('id scans: completing replaces the last complete scan; discarding drops a partial one only', () =>
      withPlace(fresh, async (place, store) => {
        assert.equal(await store.lastCompleteScan(1, 'contacts'), undefined);
        await store.addScanIds(scan('s1'), ['1', '2', '3']);
        assert.equal(await store.lastCompleteScan(1, 'contacts'), undefined, 'a partial scan is not complete');
        await store.completeScan(scan('s1'));
        await store.completeScan(scan('s1')); // a retried call
        assert.deepEqual(await store.lastCompleteScan(1, 'contacts'), scan('s1'));

        await store.addScanIds(scan('s2'), ['1']);
        await store.discardScan(scan('s2'));
        assert.deepEqual(await store.deletedIds(scan('s1'), scan('s2'), undefined, 10), ['1', '2', '3'], "the discarded scan's ids are gone");
        await store.discardScan(scan('s1'));
        assert.deepEqual(await store.lastCompleteScan(1, 'contacts'), scan('s1'), 'a complete scan is not discarded');

        await store.addScanIds(scan('s3'), ['2', '3', '4']);
        await store.addScanIds(scan('s4'), ['4']); // the next scan already under way
        await store.completeScan(scan('s3'));
        assert.deepEqual(await store.lastCompleteScan(1, 'contacts'), scan('s3'));
        assert.deepEqual(await store.deletedIds(scan('s1'), scan('s3'), undefined, 10), [], 'the previous complete scan was dropped');
        assert.deepEqual(await store.deletedIds(scan('s3'), scan('s4'), undefined, 10), ['2', '3'], 'the newer partial scan stays');

        await store.completeScan(scan('empty')); // a resource that has no records now: an empty scan
        assert.deepEqual(await store.lastCompleteScan(1, 'contacts'), scan('empty'));
        assert.deepEqual(await place.sql("SELECT COUNT(*) AS n FROM scans WHERE resource = 'contacts'"), [{ n: 1 }]);
        assert.deepEqual(await store.lastCompleteScan(2, 'contacts'), undefined, 'per instance');
      }));

    test('id scans: 100,000 ids in batches of 5,000, compared page by page', (t: TestContext) =>
      withPlace(fresh, async (place, store) => {
        const total = 100_000;
        const batch = 5_000;
        const idOf = (n: number): string => `id-${String(n).padStart(7, '0')}`;
        const fill = async (ref: ScanRef, from: number): Promise<number> => {
          const started = performance.now();
          for (let n = from; n < from + total; n += batch) await store.addScanIds(ref, Array.from({ length: batch }, (_, i) => idOf(n + i)));
          return performance.now() - started;
        };
        const heapBefore = process.memoryUsage().heapUsed;
        const addFirst = await fill(scan('big-1'), 0);
        await store.completeScan(scan('big-1'));
        const sizeOne = await place.sizeBytes();
        // The next scan: the first 1,000 ids gone, 1,000 new ones at the end.
        const addSecond = await fill(scan('big-2'), 1_000);
        const started = performance.now();
        const deleted = await allDeleted(store, scan('big-1'), scan('big-2'), 1_000);
        const compare = performance.now() - started;
        assert.deepEqual(deleted, Array.from({ length: 1_000 }, (_, i) => idOf(i)));
        const sizeTwo = await place.sizeBytes();
        const completeStarted = performance.now();
        await store.completeScan(scan('big-2'));
        const complete = performance.now() - completeStarted;
        assert.deepEqual(await store.lastCompleteScan(1, 'contacts'), scan('big-2'));
        assert.deepEqual(await place.sql('SELECT COUNT(*) AS n FROM scan_ids'), [{ n: total }], "the first scan's ids were dropped");
        t.diagnostic(
          `${name}: 100,000 ids in 20 batches: ${addFirst.toFixed(0)} ms; again: ${addSecond.toFixed(0)} ms; 1,000 deleted ids in pages of 1,000: ${compare.toFixed(0)} ms; ` +
            `completing (dropping 100,000): ${complete.toFixed(0)} ms; size with one scan: ${(sizeOne / 1024 / 1024).toFixed(1)} MiB, with two: ${(sizeTwo / 1024 / 1024).toFixed(1)} MiB; ` +
            `heap growth: ${((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024).toFixed(1)} MiB`,
        );
      }));

    // ---------------------------------------------------------------------------------------
    // Reported keys

    test('reported keys: unreported gives the keys not yet marked, once each, in order, per instance and resource', () =>
      withPlace(fresh, async (_place, store) => {
        await store.markReported(1, 'contacts', [
          { key: '1@100', dateMs: 100 },
          { key: '2@200', dateMs: 200 },
          { key: '2@200', dateMs: 200 },
        ]);
        await store.markReported(1, 'contacts', [{ key: '1@100', dateMs: 100 }]);
        assert.deepEqual(await store.unreported(1, 'contacts', ['3@300', '1@100', '2@201', '3@300', '2@200']), ['3@300', '2@201']);
        assert.deepEqual(await store.unreported(1, 'accounts', ['1@100']), ['1@100'], 'per resource');
        assert.deepEqual(await store.unreported(2, 'contacts', ['1@100']), ['1@100'], 'per instance');
        assert.deepEqual(await store.unreported(1, 'contacts', []), []);
        const many = Array.from({ length: 1_200 }, (_, i) => ({ key: `${i}@${NOW}`, dateMs: NOW }));
        await store.markReported(1, 'contacts', many.slice(0, 1_100));
        assert.deepEqual(
          await store.unreported(
            1,
            'contacts',
            many.map((k) => k.key),
          ),
          many.slice(1_100).map((k) => k.key),
        );
      }));

    // ---------------------------------------------------------------------------------------
    // Bounds

    test('prune: the delivery log keeps the newest 200 per instance, none older than 7 days; the object index follows', () =>
      withPlace(fresh, async (place, store) => {
        const per = RETENTION.notificationsPerInstance;
        const busy = Array.from({ length: per + 5 }, (_, i) => notification({ instanceId: 1, objectIds: [`o${i}`], createdAtMs: NOW - 60_000 + Math.floor(i / 3) }));
        const old = [1, 2, 3].map((i) => notification({ instanceId: 2, objectIds: [`old${i}`], createdAtMs: NOW - RETENTION.notificationMaxAgeMs - i }));
        const recent = notification({ instanceId: 2, objectIds: ['new'], createdAtMs: NOW - RETENTION.notificationMaxAgeMs + 1 });
        await store.recordNotifications([...busy, ...old, recent]);
        await store.prune(NOW);
        assert.deepEqual(ids(await store.notifications({ instanceId: 1, limit: 1000 })), ids(busy.slice(5)).reverse());
        assert.deepEqual(ids(await store.notifications({ instanceId: 2, limit: 1000 })), [recent.id]);
        assert.equal(await store.notification(busy[0]!.id), undefined);
        assert.deepEqual(await store.notifications({ objectId: 'o0', limit: 10 }), []);
        assert.deepEqual(await place.sql('SELECT COUNT(*) AS n FROM notification_objects'), [{ n: per + 1 }], 'no index rows of pruned entries');
        await store.prune(NOW);
        assert.equal((await store.notifications({ limit: 1000 })).length, per + 1, 'pruning again changes nothing');
      }));

    test('prune: poll history keeps the newest 50 polls per instance', () =>
      withPlace(fresh, async (_place, store) => {
        const per = RETENTION.pollsPerInstance;
        for (let i = 0; i < per + 3; i++) {
          await store.recordPollEntry(pollEntry({ pollStartMs: NOW + i * 60_000, atMs: NOW + i * 60_000 + 1, resource: 'contacts' }));
          await store.recordPollEntry(pollEntry({ pollStartMs: NOW + i * 60_000, atMs: NOW + i * 60_000 + 2, resource: 'accounts' }));
        }
        await store.recordPollEntry(pollEntry({ instanceId: 2, pollStartMs: NOW, atMs: NOW }));
        await store.prune(NOW + DAY);
        const kept = await store.polls(1, 1000);
        assert.equal(kept.length, per);
        assert.equal(kept.at(-1)!.pollStartMs, NOW + 3 * 60_000);
        assert.equal(kept.at(-1)!.resources.length, 2);
        assert.equal((await store.polls(2, 10)).length, 1);
      }));

    test('prune: reported keys older than the given age go', () =>
      withPlace(fresh, async (_place, store) => {
        await store.markReported(1, 'contacts', [
          { key: 'old@1', dateMs: NOW - 3 * DAY },
          { key: 'mid@1', dateMs: NOW - 1.5 * DAY },
          { key: 'new@1', dateMs: NOW - 1000 },
        ]);
        await store.prune(NOW, { reportedKeyMaxAgeMs: 2 * DAY });
        assert.deepEqual(await store.unreported(1, 'contacts', ['old@1', 'mid@1', 'new@1']), ['old@1']);
        await store.prune(NOW, { reportedKeyMaxAgeMs: DAY });
        assert.deepEqual(await store.unreported(1, 'contacts', ['old@1', 'mid@1', 'new@1']), ['old@1', 'mid@1']);
      }));

    test('prune: a resource keeps only its last complete scan and the newest partial one', () =>
      withPlace(fresh, async (place, store) => {
        await store.addScanIds(scan('done'), ['1', '2']);
        await store.completeScan(scan('done'));
        await store.addScanIds(scan('abandoned'), ['1']); // its run never finished or discarded it
        await store.addScanIds(scan('current'), ['2']);
        await store.addScanIds(scan('other', 'accounts'), ['1']);
        await store.prune(NOW);
        const left = await place.sql('SELECT scan_id FROM scans ORDER BY scan_id');
        assert.deepEqual(
          left.map((r) => r.scan_id),
          ['current', 'done', 'other'],
        );
        assert.deepEqual(await place.sql('SELECT COUNT(*) AS n FROM scan_ids'), [{ n: 4 }]);
      }));

    test('forgetInstance drops everything of that instance and nothing of another', () =>
      withPlace(fresh, async (place, store) => {
        for (const instanceId of [1, 2]) {
          await store.recordNotifications([notification({ instanceId, objectIds: ['1'] })]);
          await store.recordPollEntry(pollEntry({ instanceId, pollStartMs: NOW, atMs: NOW }));
          await store.addScanIds(scan('s', 'contacts', instanceId), ['1', '2']);
          await store.completeScan(scan('s', 'contacts', instanceId));
          await store.markReported(instanceId, 'contacts', [{ key: '1@1', dateMs: NOW }]);
        }
        await store.forgetInstance(1);
        assert.deepEqual(await store.notifications({ instanceId: 1, limit: 10 }), []);
        assert.deepEqual(await store.polls(1, 10), []);
        assert.equal(await store.lastCompleteScan(1, 'contacts'), undefined);
        assert.deepEqual(await store.unreported(1, 'contacts', ['1@1']), ['1@1']);
        assert.equal((await store.notifications({ instanceId: 2, limit: 10 })).length, 1);
        assert.equal((await store.polls(2, 10)).length, 1);
        assert.deepEqual(await store.lastCompleteScan(2, 'contacts'), scan('s', 'contacts', 2));
        assert.deepEqual(await store.unreported(2, 'contacts', ['1@1']), []);
        assert.deepEqual(await place.sql('SELECT COUNT(*) AS n FROM scan_ids'), [{ n: 2 }]);
      }));

    // ---------------------------------------------------------------------------------------
    // Processes and schema

    test("two stores on one place (two processes) see each other's writes, also when writing at once", async () => {
      const place = await fresh();
      const { codec } = newCodec();
      const [a, b] = [await place.open(codec), await place.open(codec)];
      try {
        const entry = notification({ objectIds: ['1'], status: 'retry' });
        await a.recordNotifications([entry]);
        assert.equal((await b.notification(entry.id))!.status, 'retry');
        await b.updateNotification(entry.id, { status: 'delivered', attempts: 2, deliveredAtMs: NOW });
        assert.equal((await a.notification(entry.id))!.status, 'delivered');
        const burst = (store: PollsterStore, from: number) =>
          Array.from({ length: 15 }, (_, i) =>
            Promise.all([
              store.recordNotifications([notification({ objectIds: [`burst-${from + i}`] })]),
              store.addScanIds(scan('shared'), [`${from + i}`]),
              store.markReported(1, 'contacts', [{ key: `${from + i}@1`, dateMs: NOW }]),
            ]),
          );
        await Promise.all([...burst(a, 0), ...burst(b, 100)]);
        assert.equal((await a.notifications({ limit: 100 })).length, 31);
        assert.equal((await b.deletedIds(scan('shared'), scan('none'), undefined, 100)).length, 30);
      } finally {
        await a.close();
        await b.close();
        await place.dispose();
      }
    });

    test('schema: two processes opening a new place at once migrate it once; a newer schema is refused', async () => {
      const place = await fresh();
      try {
        const { codec } = newCodec();
        const both = await Promise.all([place.open(codec), place.open(codec)]);
        await Promise.all(both.map((s) => s.close()));
        const again = await place.open(codec);
        await again.close();
        assert.deepEqual(
          (await place.sql('SELECT version FROM store_migrations ORDER BY version')).map((r) => Number(r.version)),
          [1],
        );
        await place.sql('INSERT INTO store_migrations (version, applied_at_ms) VALUES (99, 0)');
        await assert.rejects(place.open(codec), /schema is version 99, newer than this Pollster knows \(1\)/);
      } finally {
        await place.dispose();
      }
    });
  });
}
