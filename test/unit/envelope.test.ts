import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeResource } from '../../core/settings';
import { resourceSchema } from '../../core/config';
import { diffRecords, type Change } from '../../core/diff';
import { batchChanges, buildNotifications, EVENTS_PER_NOTIFICATION, notificationId, notificationsFor, outgoingFor, type InstanceRef } from '../../core/envelope';
import { elementsSignature } from '../../core/signature';

const INSTANCE: InstanceRef = { id: 42, name: 'Sage CRM <prod>', tags: ['crm', 'eu'], elementKey: 'sagecrm', hubKey: 'crm' };
const POLL_START = Date.UTC(2024, 5, 1, 10, 5, 0, 789);

/** Changes as the diff makes them: 25 accounts created after `since`, dated one second apart. */
function accounts(n: number): Change[] {
  const resource = normalizeResource(
    resourceSchema.parse({
      url: '/hubs/crm/accounts',
      idField: 'key',
      datesConfiguration: { updatedDateField: 'Comp_UpdatedDate', updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", createdDateField: 'Comp_CreatedDate', createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" },
    }),
  );
  const records = Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.UTC(2024, 5, 1, 10, 0, i, 250)).toISOString();
    return { key: `acc-${i}`, Comp_Name: `Account ${i}`, Comp_UpdatedDate: at, Comp_CreatedDate: i % 2 ? '2020-01-01T00:00:00.000Z' : at };
  });
  return diffRecords(records, resource, { sinceMs: Date.UTC(2024, 5, 1, 9), pollStartMs: POLL_START, seen: new Set() }).changes;
}

describe('buildNotifications: the envelope of docs/notifications.md', () => {
  const changes = accounts(25);
  const bodies = buildNotifications(INSTANCE, 'accounts', POLL_START, changes);

  test('25 changes → notifications of 10, 10 and 5 events, in order', () => {
    assert.deepEqual(bodies.map((b) => b.message.events.length), [10, 10, 5]);
    assert.deepEqual(bodies.flatMap((b) => b.message.events.map((e) => e.objectId)), changes.map((c) => c.objectId));
    assert.equal(EVENTS_PER_NOTIFICATION, 10);
  });

  test("raw holds exactly the batch's records, as the element returned them, under the resource name", () => {
    bodies.forEach((b, i) => {
      assert.deepEqual(b.message.raw['accounts'], changes.slice(i * 10, i * 10 + 10).map((c) => c.record));
      assert.equal(b.message.raw.objectType, 'accounts');
      assert.equal(b.message.raw.eventId, b.id);
      assert.equal(b.message.raw.instance_id, 42);
      assert.deepEqual(Object.keys(b.message.raw).sort(), ['accounts', 'eventId', 'instance_id', 'objectType']);
    });
  });

  test('the top level and message fields', () => {
    const b = bodies[0]!;
    assert.equal(b.topic, 'instance-42-sagecrm-events');
    assert.equal(b.action, 'create');
    assert.equal(b.severity, 'medium');
    assert.equal(b.user, 'pollster');
    assert.equal(b.createdDate, '2024-06-01T10:05:00Z');
    assert.equal(b.message.eventId, b.id);
    assert.equal(b.message.elementKey, 'sagecrm');
    assert.equal(b.message.instanceId, 42);
    assert.equal(b.message.instance_id, 42);
    assert.equal(b.message.instanceName, 'Sage CRM <prod>');
    assert.deepEqual(b.message.instanceTags, ['crm', 'eu']);
    for (const k of ['accountId', 'companyId', 'userId'] as const) assert.equal(typeof b.message[k], 'number');
  });

  test('each event: resource, id, type, record date and poll date in ISO UTC seconds, element and hub', () => {
    assert.deepEqual(bodies[0]!.message.events[0], {
      objectType: 'accounts',
      objectId: 'acc-0',
      eventType: 'CREATED',
      date: '2024-06-01T10:00:00Z',
      pollDate: '2024-06-01T10:05:00Z',
      elementKey: 'sagecrm',
      hubKey: 'crm',
    });
    assert.equal(bodies[0]!.message.events[1]!.eventType, 'UPDATED');
    assert.equal(bodies[2]!.message.events[4]!.date, '2024-06-01T10:00:24Z');
    for (const e of bodies.flatMap((b) => b.message.events)) assert.match(e.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test("the event date is the record's date, not the identity instant used by the boundary", () => {
    const change: Change = { record: {}, objectId: 'x', eventType: 'UPDATED', recordDateMs: Date.UTC(2024, 0, 1, 0, 0, 5), dateMs: Date.UTC(2024, 0, 1, 0, 0, 5, 999), key: 'x@1' };
    assert.equal(buildNotifications(INSTANCE, 'a', POLL_START, [change])[0]!.message.events[0]!.date, '2024-01-01T00:00:05Z');
  });

  test('deterministic ids: the same batch gives the same body; any other instance, resource or change another id', () => {
    assert.deepEqual(buildNotifications(INSTANCE, 'accounts', POLL_START, changes), bodies);
    assert.equal(new Set(bodies.map((b) => b.id)).size, 3);
    const first = changes.slice(0, 10);
    const id = notificationId(42, 'accounts', first);
    assert.equal(bodies[0]!.id, id);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(notificationId(43, 'accounts', first), id);
    assert.notEqual(notificationId(42, 'contacts', first), id);
    assert.notEqual(notificationId(42, 'accounts', first.slice(1)), id);
    assert.notEqual(notificationId(42, 'accounts', [...first.slice(0, 9), { key: 'acc-9@0' }]), id);
    assert.equal(buildNotifications(INSTANCE, 'accounts', POLL_START + 60_000, first)[0]!.id, id, 'a replay in a later poll keeps the id');
  });

  test('the body is JSON and its signature verifies over the exact bytes', () => {
    const raw = JSON.stringify(bodies[1]);
    assert.deepEqual(JSON.parse(raw), bodies[1]);
    assert.equal(elementsSignature('MySecretEventSignatureKey', raw), elementsSignature('MySecretEventSignatureKey', JSON.stringify(JSON.parse(raw))));
  });

  test('no changes, no notification; a bad batch size is refused', () => {
    assert.deepEqual(buildNotifications(INSTANCE, 'accounts', POLL_START, []), []);
    assert.throws(() => buildNotifications(INSTANCE, 'accounts', POLL_START, changes, 0), RangeError);
    assert.throws(() => buildNotifications(INSTANCE, 'accounts', POLL_START, changes, 2.5), RangeError);
  });

  test('problem records travel like the others (objectId empty when they have none)', () => {
    const resource = normalizeResource(resourceSchema.parse({ url: '/x', idField: 'id', datesConfiguration: { updatedDateField: 'u' } }));
    const d = diffRecords([{ name: 'no id', u: '2024-06-01T10:00:00Z' }], resource, { sinceMs: 0, pollStartMs: POLL_START, seen: new Set() });
    const [b] = buildNotifications(INSTANCE, 'contacts', POLL_START, d.changes);
    assert.deepEqual(b!.message.events.map((e) => [e.objectId, e.eventType]), [['', 'UPDATED']]);
    assert.deepEqual(b!.message.raw['contacts'], [{ name: 'no id', u: '2024-06-01T10:00:00Z' }]);
  });

  test('property: any number of changes, any batch size: ceil(n/b) notifications, none over b, nothing lost or reordered', () => {
    const all = accounts(60);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.stringMatching(/^[a-z][a-z/_-]{0,15}$/), (n, size, resource) => {
        const cs = all.slice(0, n);
        const out = buildNotifications(INSTANCE, resource, POLL_START, cs, size);
        assert.equal(out.length, Math.ceil(n / size));
        assert.ok(out.every((b) => b.message.events.length >= 1 && b.message.events.length <= size));
        assert.deepEqual(out.flatMap((b) => b.message.raw[resource] as unknown[]), cs.map((c) => c.record));
        assert.deepEqual(out.flatMap((b) => b.message.events.map((e) => e.objectId)), cs.map((c) => c.objectId));
        assert.ok(out.every((b) => b.message.events.every((e) => e.objectType === resource) && b.message.raw.objectType === resource));
        assert.equal(new Set(out.map((b) => b.id)).size, out.length);
      }),
    );
  });
});

describe('batchChanges with a plan: a retried page keeps the ids of what may have gone out', () => {
  const all = accounts(40);
  const idsOf = (changes: readonly Change[], plan?: string[][]): Map<string, string> => {
    const out = new Map<string, string>();
    for (const b of notificationsFor(INSTANCE, 'accounts', POLL_START, batchChanges(changes, EVENTS_PER_NOTIFICATION, plan))) {
      for (const e of b.message.events) out.set(e.objectId, b.id);
    }
    return out;
  };

  test('the same page again: the same batches as without a plan', () => {
    const page = all.slice(0, 25);
    const plan = batchChanges(page).map((b) => [...b.idKeys]);
    // The same batches (planned ones marked so, which keeps them whole).
    const strip = (batches: ReturnType<typeof batchChanges>) => batches.map(({ idKeys, changes }) => ({ idKeys, changes }));
    assert.deepEqual(strip(batchChanges(page, EVENTS_PER_NOTIFICATION, plan)), strip(batchChanges(page)));
  });

  test('the page shifted (one record moved out, the next page moved in): planned events keep their ids', () => {
    const first = all.slice(0, 20);
    const plan = batchChanges(first).map((b) => [...b.idKeys]);
    const before = idsOf(first);
    const shifted = [...all.slice(0, 3), ...all.slice(4, 21)]; // acc-3 updated away, acc-20 moved in
    const after = idsOf(shifted, plan);
    for (const [objectId, id] of after) if (before.has(objectId)) assert.equal(id, before.get(objectId), objectId);
    assert.ok(after.has('acc-20'), 'the record that moved in is delivered');
    assert.notEqual(after.get('acc-20'), before.get('acc-19'));
    assert.equal(after.has('acc-3'), false);
  });

  test('property: every change goes out exactly once; a planned change under its planned id; new ones in batches of at most 10', () => {
    fc.assert(
      fc.property(fc.subarray(all, { minLength: 0 }), fc.subarray(all, { minLength: 0 }), (planned, reread) => {
        const plan = batchChanges(planned).map((b) => [...b.idKeys]);
        const batches = batchChanges(reread, EVENTS_PER_NOTIFICATION, plan);
        assert.deepEqual(batches.flatMap((b) => b.changes.map((c) => c.key)).sort(), reread.map((c) => c.key).sort());
        const plannedId = idsOf(planned);
        const out = idsOf(reread, plan);
        for (const c of reread) {
          if (plannedId.has(c.objectId)) assert.equal(out.get(c.objectId), plannedId.get(c.objectId));
        }
        assert.ok(batches.every((b) => b.changes.length >= 1 && b.changes.length <= EVENTS_PER_NOTIFICATION));
      }),
    );
  });
});

describe('outgoingFor: notifications sized to a byte budget', () => {
  const big = (n: number, bytes: number): Change[] =>
    accounts(n).map((c) => ({ ...c, record: { ...(c.record as object), blob: 'x'.repeat(bytes) } }));

  test('a batch over the budget is split, down to one change a notification, every change once and in order', () => {
    const changes = big(10, 60_000);
    const out = outgoingFor(INSTANCE, 'accounts', POLL_START, batchChanges(changes), 256 * 1024);
    assert.ok(out.length > 1, 'split');
    for (const o of out) assert.ok(Buffer.byteLength(o.body) <= 256 * 1024 || o.batch.changes.length === 1, `${Buffer.byteLength(o.body)} bytes`);
    assert.deepEqual(out.flatMap((o) => o.batch.changes.map((c) => c.key)), changes.map((c) => c.key));
    for (const o of out) {
      assert.equal(o.notification.id, notificationId(INSTANCE.id, 'accounts', o.batch.idKeys.map((key) => ({ key }))), 'the id is made of the batch it holds');
      assert.equal(o.body, JSON.stringify(o.notification), 'the body is the notification as sent');
    }
  });

  test('a batch within the budget is one notification, as without a budget', () => {
    const changes = accounts(10);
    const out = outgoingFor(INSTANCE, 'accounts', POLL_START, batchChanges(changes), 256 * 1024);
    assert.deepEqual(out.map((o) => o.notification), buildNotifications(INSTANCE, 'accounts', POLL_START, changes));
  });

  test('a planned batch keeps its id, whatever its size now', () => {
    const changes = big(10, 60_000);
    const plan = [changes.map((c) => c.key)];
    const out = outgoingFor(INSTANCE, 'accounts', POLL_START, batchChanges(changes, EVENTS_PER_NOTIFICATION, plan), 256 * 1024);
    assert.equal(out.length, 1);
    assert.equal(out[0]!.notification.id, notificationId(INSTANCE.id, 'accounts', changes));
  });

  test('a single record larger than the budget goes alone', () => {
    const changes = [...accounts(2), ...big(1, 400_000)].map((c, i) => ({ ...c, key: `k${i}@1` }));
    const out = outgoingFor(INSTANCE, 'accounts', POLL_START, batchChanges(changes), 256 * 1024);
    const alone = out.find((o) => Buffer.byteLength(o.body) > 256 * 1024);
    assert.equal(alone?.batch.changes.length, 1);
  });
});
