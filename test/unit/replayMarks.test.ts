/**
 * The pure rules of rewinds and replays: which checkpoints may be set (contract/checkpoints.ts, shared by the API and
 * the instance workflow's validator), and how a replay's notifications differ from live ones (core/envelope.ts ids
 * and body mark, activities/callback.ts header).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deliveryHeaders, REPLAY_HEADER } from '../../activities/callback';
import { checkpointIssues, readCheckpoints } from '../../contract/checkpoints';
import { batchChanges, notificationId, notificationsFor, outgoingFor, type InstanceRef } from '../../core/envelope';
import type { Change } from '../../core/diff';
import { parseIsoInstant } from '../../core/isoInstant';

const NOW = Date.UTC(2026, 11, 6, 12);
const KNOWN = ['contacts', 'deals'];
const INSTANCE: InstanceRef = { id: 7, name: 'replays', tags: [], elementKey: 'http', hubKey: 'general' };

describe('checkpointIssues: known resources, instants no later than now', () => {
  const cases: { name: string; checkpoints: Record<string, number>; paths: string[] }[] = [
    { name: 'a checkpoint back in time', checkpoints: { contacts: NOW - 86_400_000 }, paths: [] },
    { name: 'exactly now', checkpoints: { contacts: NOW }, paths: [] },
    { name: 'two resources', checkpoints: { contacts: 0, deals: NOW - 1 }, paths: [] },
    { name: 'one millisecond in the future', checkpoints: { contacts: NOW + 1 }, paths: ['resources.contacts.checkpoint'] },
    { name: 'an unknown resource', checkpoints: { leads: NOW - 1 }, paths: ['resources.leads'] },
    { name: 'a name that is no identifier', checkpoints: { 'my leads': NOW - 1 }, paths: ["resources['my leads']"] },
    { name: 'not a number', checkpoints: { contacts: Number.NaN }, paths: ['resources.contacts.checkpoint'] },
    { name: 'nothing named', checkpoints: {}, paths: ['resources'] },
    { name: 'each problem named', checkpoints: { contacts: NOW + 60_000, leads: 0, deals: 0 }, paths: ['resources.contacts.checkpoint', 'resources.leads'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(checkpointIssues(c.checkpoints, KNOWN, NOW).map((i) => i.path), c.paths);
    });
  }

  test('for every instant: accepted when no later than now, else one issue naming the checkpoint', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * NOW }), fc.constantFrom(...KNOWN), (ms, name) => {
        const issues = checkpointIssues({ [name]: ms }, KNOWN, NOW);
        if (ms <= NOW) assert.deepEqual(issues, []);
        else assert.deepEqual(issues.map((i) => i.path), [`resources.${name}.checkpoint`]);
      }),
    );
  });

  test('readCheckpoints reads ISO instants and names the ones that do not read', () => {
    const read = readCheckpoints({ contacts: { checkpoint: '2026-12-01T00:00:00Z' }, deals: { checkpoint: 'yesterday' } }, parseIsoInstant);
    assert.deepEqual(read.checkpoints, { contacts: Date.UTC(2026, 11, 1) });
    assert.deepEqual(read.issues.map((i) => i.path), ['resources.deals.checkpoint']);
  });
});

describe("a replay's notifications", () => {
  const change = (i: number): Change =>
    ({ key: `c${i}@${1_700_000_000_000 + i}`, objectId: `c${i}`, eventType: 'UPDATED', dateMs: 1_700_000_000_000 + i, recordDateMs: 1_700_000_000_000 + i, record: { id: `c${i}` } });

  test('ids: a replay id goes into the hash; the same replay repeats its id, another replay or the live poll has another', () => {
    const keyArb = fc.array(fc.string({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 10 }).map((ks) => ks.map((key) => ({ key })));
    const replayArb = fc.stringMatching(/^[0-9a-f]{16}$/);
    fc.assert(
      fc.property(keyArb, replayArb, replayArb, (keys, a, b) => {
        const live = notificationId(1, 'contacts', keys);
        assert.equal(notificationId(1, 'contacts', keys, a), notificationId(1, 'contacts', keys, a));
        assert.notEqual(notificationId(1, 'contacts', keys, a), live);
        if (a !== b) assert.notEqual(notificationId(1, 'contacts', keys, a), notificationId(1, 'contacts', keys, b));
      }),
    );
  });

  test('the body carries message.replay only for a replay; the events are the same', () => {
    const batches = batchChanges([change(1), change(2), change(3)]);
    const [live] = notificationsFor(INSTANCE, 'contacts', NOW, batches);
    const [replayed] = notificationsFor(INSTANCE, 'contacts', NOW, batches, { replayId: '0123456789abcdef' });
    assert.equal(live!.message.replay, undefined);
    assert.ok(!('replay' in live!.message), 'a live body has no replay key at all');
    assert.equal(replayed!.message.replay, '0123456789abcdef');
    assert.deepEqual(replayed!.message.events, live!.message.events);
    assert.notEqual(replayed!.id, live!.id);
    const [out] = outgoingFor(INSTANCE, 'contacts', NOW, batches, 1_000_000, { replayId: '0123456789abcdef' });
    assert.equal(out!.notification.id, replayed!.id, 'outgoingFor keeps the mark and the id');
  });

  test('the header: Pollster-Replay from the notification itself (so the retry path sends it too), beside the signatures', () => {
    const batches = batchChanges([change(1)]);
    const [live] = notificationsFor(INSTANCE, 'contacts', NOW, batches);
    const [replayed] = notificationsFor(INSTANCE, 'contacts', NOW, batches, { replayId: 'feedfacecafebeef' });
    const liveHeaders = deliveryHeaders(live!, JSON.stringify(live), 'key', NOW);
    const replayHeaders = deliveryHeaders(replayed!, JSON.stringify(replayed), 'key', NOW);
    assert.equal(liveHeaders[REPLAY_HEADER], undefined);
    assert.equal(replayHeaders[REPLAY_HEADER], 'feedfacecafebeef');
    assert.equal(replayHeaders['elements-webhook-id'], replayed!.id);
    assert.ok(replayHeaders['webhook-signature'], 'still signed');
  });
});
