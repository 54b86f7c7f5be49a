/**
 * The delivery log: every notification that went out or was handed to the retry path, newest first,
 * with its payload. Plain columns are what the log is filtered and bounded by; the callback URL, the
 * payload and the last error are sealed. A callback URL is found by its subscription id (a hash).
 */
import { subscriptionWorkflowId } from '../contract/subscriptionId';
import type { NotificationBody } from '../core/envelope';
import { checkCount, checkInstanceId, checkLimit, checkMs, checkText } from './checks';
import { MAX_NOTIFICATIONS_PER_QUERY, RETENTION } from './retention';
import type { Sealer } from './sealer';
import type { SqlDb, SqlRunner, SqlValue } from './sqlDb';
import { chunks, valueRows } from './sqlText';
import type { DeliveryChange, NotificationEntry, NotificationQuery, NotificationRecord } from './types';

interface SealedBody {
  callbackUrl: string;
  payload: NotificationBody;
}

interface Row {
  seq: number;
  id: string;
  instance_id: number;
  resource: string;
  created_at_ms: number;
  status: NotificationRecord['status'];
  attempts: number;
  delivered_at_ms: number | null;
  next_attempt_at_ms: number | null;
  replay_id: string | null;
  body: Uint8Array;
  last_error: Uint8Array | null;
}

const COLUMNS = 'seq, id, instance_id, resource, created_at_ms, status, attempts, delivered_at_ms, next_attempt_at_ms, replay_id, body, last_error';

// A notification logged again (a retried hand-off) takes the new state and content but keeps its place (seq, created_at_ms).
const UPSERT = `INSERT INTO notifications
  (id, instance_id, resource, subscription_id, created_at_ms, status, attempts, delivered_at_ms, next_attempt_at_ms, replay_id, event_count, body, last_error)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET
    instance_id = excluded.instance_id, resource = excluded.resource, subscription_id = excluded.subscription_id,
    status = excluded.status, attempts = excluded.attempts, delivered_at_ms = excluded.delivered_at_ms,
    next_attempt_at_ms = excluded.next_attempt_at_ms, replay_id = excluded.replay_id, event_count = excluded.event_count,
    body = excluded.body, last_error = excluded.last_error
  RETURNING seq`;

function checkRecord(entry: NotificationRecord, at: string): void {
  checkText(`${at}.id`, entry.id);
  checkInstanceId(entry.instanceId, `${at}.instanceId`);
  checkText(`${at}.resource`, entry.resource);
  checkMs(`${at}.createdAtMs`, entry.createdAtMs);
  checkCount(`${at}.attempts`, entry.attempts);
  checkMs(`${at}.deliveredAtMs`, entry.deliveredAtMs);
  checkMs(`${at}.nextAttemptAtMs`, entry.nextAttemptAtMs);
  if (entry.replayId !== undefined) checkText(`${at}.replayId`, entry.replayId);
}

/** Object ids worth indexing: the empty id (resources without an id field) and ids PostgreSQL cannot hold are left to the payload. */
function indexedObjectIds(payload: NotificationBody): string[] {
  return [...new Set(payload.message.events.map((e) => e.objectId))].filter((id) => id !== '' && !id.includes('\0'));
}

export class DeliveryLog {
  constructor(
    private readonly db: SqlDb,
    private readonly sealer: Sealer,
  ) {}

  async record(entries: readonly NotificationRecord[]): Promise<void> {
    entries.forEach((entry, i) => checkRecord(entry, `entries[${i}]`));
    if (entries.length === 0) return;
    const bodies = await this.sealer.seal(entries.map((e): SealedBody => ({ callbackUrl: e.callbackUrl, payload: e.payload })));
    const errors = await this.sealErrors(entries.map((e) => e.lastError));
    await this.db.transaction(async (tx) => {
      for (const [i, e] of entries.entries()) {
        const [row] = await tx.all<{ seq: number }>(UPSERT, [
          e.id,
          e.instanceId,
          e.resource,
          subscriptionWorkflowId(e.callbackUrl),
          e.createdAtMs,
          e.status,
          e.attempts,
          e.deliveredAtMs ?? null,
          e.nextAttemptAtMs ?? null,
          e.replayId ?? null,
          e.payload.message.events.length,
          bodies[i]!,
          errors[i] ?? null,
        ]);
        await this.indexObjects(tx, row!.seq, e.instanceId, indexedObjectIds(e.payload));
      }
    });
  }

  private async indexObjects(tx: SqlRunner, seq: number, instanceId: number, objectIds: string[]): Promise<void> {
    await tx.run('DELETE FROM notification_objects WHERE notification_seq = ?', [seq]);
    for (const batch of chunks(objectIds)) {
      await tx.run(
        `INSERT INTO notification_objects (object_id, instance_id, notification_seq) VALUES ${valueRows(batch.length, 3)} ON CONFLICT DO NOTHING`,
        batch.flatMap((id) => [id, instanceId, seq]),
      );
    }
  }

  /** Sealed error texts, null where there is none. */
  private async sealErrors(errors: readonly (string | undefined)[]): Promise<(Buffer | null)[]> {
    const present = errors.filter((e): e is string => e !== undefined);
    const sealed = await this.sealer.seal(present);
    let next = 0;
    return errors.map((e) => (e === undefined ? null : sealed[next++]!));
  }

  async update(id: string, change: DeliveryChange): Promise<void> {
    checkText('id', id);
    checkCount('change.attempts', change.attempts);
    checkMs('change.deliveredAtMs', change.deliveredAtMs);
    checkMs('change.nextAttemptAtMs', change.nextAttemptAtMs);
    const [lastError] = await this.sealErrors([change.lastError]);
    await this.db.run('UPDATE notifications SET status = ?, attempts = ?, last_error = ?, delivered_at_ms = ?, next_attempt_at_ms = ? WHERE id = ?', [
      change.status,
      change.attempts,
      lastError ?? null,
      change.deliveredAtMs ?? null,
      change.nextAttemptAtMs ?? null,
      id,
    ]);
  }

  async list(query: NotificationQuery): Promise<NotificationEntry[]> {
    checkLimit('limit', query.limit, MAX_NOTIFICATIONS_PER_QUERY);
    checkMs('beforeMs', query.beforeMs);
    const where: string[] = [];
    const params: SqlValue[] = [];
    const when = (condition: string, ...values: SqlValue[]): void => {
      where.push(condition);
      params.push(...values);
    };
    if (query.instanceId !== undefined) {
      checkInstanceId(query.instanceId);
      when('instance_id = ?', query.instanceId);
    }
    for (const name of ['resource', 'objectId', 'afterId'] as const) if (query[name] !== undefined) checkText(name, query[name]);
    if (query.resource !== undefined) when('resource = ?', query.resource);
    if (query.status !== undefined) when('status = ?', query.status);
    if (query.callbackUrl !== undefined) when('subscription_id = ?', subscriptionWorkflowId(query.callbackUrl));
    if (query.beforeMs !== undefined) when('created_at_ms < ?', query.beforeMs);
    if (query.objectId !== undefined) {
      if (query.instanceId !== undefined) when('seq IN (SELECT notification_seq FROM notification_objects WHERE object_id = ? AND instance_id = ?)', query.objectId, query.instanceId);
      else when('seq IN (SELECT notification_seq FROM notification_objects WHERE object_id = ?)', query.objectId);
    }
    if (query.afterId !== undefined) {
      const [cursor] = await this.db.all<{ created_at_ms: number; seq: number }>('SELECT created_at_ms, seq FROM notifications WHERE id = ?', [query.afterId]);
      if (!cursor) throw new RangeError('afterId: no such notification in the log (pruned since?)');
      when('(created_at_ms < ? OR (created_at_ms = ? AND seq < ?))', cursor.created_at_ms, cursor.created_at_ms, cursor.seq);
    }
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM notifications ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, seq DESC LIMIT ?`,
      [...params, query.limit],
    );
    return this.entries(rows);
  }

  async get(id: string): Promise<NotificationEntry | undefined> {
    checkText('id', id);
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM notifications WHERE id = ?`, [id]);
    return (await this.entries(rows))[0];
  }

  private async entries(rows: Row[]): Promise<NotificationEntry[]> {
    const bodies = await this.sealer.open<SealedBody>(rows.map((r) => r.body));
    const errorRows = rows.filter((r) => r.last_error !== null);
    const errors = new Map(errorRows.map((r, i) => [r.seq, i]));
    const errorTexts = await this.sealer.open<string>(errorRows.map((r) => r.last_error!));
    return rows.map((row, i) => {
      const { callbackUrl, payload } = bodies[i]!;
      const entry: NotificationEntry = {
        id: row.id,
        instanceId: row.instance_id,
        resource: row.resource,
        callbackUrl,
        createdAtMs: row.created_at_ms,
        status: row.status,
        attempts: row.attempts,
        events: payload.message.events.map(({ objectId, eventType, date }) => ({ objectId, eventType, date })),
        payload,
      };
      const errorAt = errors.get(row.seq);
      if (errorAt !== undefined) entry.lastError = errorTexts[errorAt]!;
      if (row.delivered_at_ms !== null) entry.deliveredAtMs = row.delivered_at_ms;
      if (row.next_attempt_at_ms !== null) entry.nextAttemptAtMs = row.next_attempt_at_ms;
      if (row.replay_id !== null) entry.replayId = row.replay_id;
      return entry;
    });
  }

  async forget(instanceId: number): Promise<void> {
    await this.db.run('DELETE FROM notifications WHERE instance_id = ?', [instanceId]);
  }

  /** Older than the age bound, then each instance beyond its newest RETENTION.notificationsPerInstance. */
  async prune(nowMs: number): Promise<void> {
    await this.db.run('DELETE FROM notifications WHERE created_at_ms < ?', [nowMs - RETENTION.notificationMaxAgeMs]);
    const keep = RETENTION.notificationsPerInstance;
    const over = await this.db.all<{ instance_id: number }>('SELECT instance_id FROM notifications GROUP BY instance_id HAVING COUNT(*) > ?', [keep]);
    for (const { instance_id: instanceId } of over) {
      const [last] = await this.db.all<{ created_at_ms: number; seq: number }>(
        'SELECT created_at_ms, seq FROM notifications WHERE instance_id = ? ORDER BY created_at_ms DESC, seq DESC LIMIT 1 OFFSET ?',
        [instanceId, keep - 1],
      );
      if (!last) continue;
      await this.db.run('DELETE FROM notifications WHERE instance_id = ? AND (created_at_ms < ? OR (created_at_ms = ? AND seq < ?))', [
        instanceId,
        last.created_at_ms,
        last.created_at_ms,
        last.seq,
      ]);
    }
  }
}
