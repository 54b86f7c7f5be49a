/**
 * Id scans, for DELETED events: every id of a resource at its last complete scan, to compare the
 * next scan against. A scan is filled in batches; the ids the last complete scan has and the new one
 * lacks are read in sorted pages; completing the new scan drops the old. Everything runs in the
 * database, page by page, so 100,000+ ids never sit in memory (or in workflow state).
 */
import { checkInstanceId, checkLimit, checkText } from './checks';
import { MAX_DELETED_IDS_PER_PAGE } from './retention';
import type { SqlDb, SqlRunner } from './sqlDb';
import { chunks, placeholders, valueRows } from './sqlText';
import type { ScanRef } from './types';

interface ScanRow {
  seq: number;
  complete: number;
}

function checkScan(name: string, scan: ScanRef): void {
  checkInstanceId(scan.instanceId, `${name}.instanceId`);
  checkText(`${name}.resource`, scan.resource);
  checkText(`${name}.scanId`, scan.scanId);
}

async function findScan(db: SqlRunner, scan: ScanRef): Promise<ScanRow | undefined> {
  const [row] = await db.all<ScanRow>('SELECT seq, complete FROM scans WHERE instance_id = ? AND resource = ? AND scan_id = ?', [scan.instanceId, scan.resource, scan.scanId]);
  return row;
}

async function findOrCreateScan(tx: SqlRunner, scan: ScanRef): Promise<ScanRow> {
  await tx.run('INSERT INTO scans (instance_id, resource, scan_id, complete) VALUES (?, ?, ?, 0) ON CONFLICT (instance_id, resource, scan_id) DO NOTHING', [
    scan.instanceId,
    scan.resource,
    scan.scanId,
  ]);
  return (await findScan(tx, scan))!;
}

async function dropScans(tx: SqlRunner, seqs: readonly number[]): Promise<void> {
  for (const batch of chunks(seqs)) {
    await tx.run(`DELETE FROM scan_ids WHERE scan_seq IN (${placeholders(batch.length)})`, batch);
    await tx.run(`DELETE FROM scans WHERE seq IN (${placeholders(batch.length)})`, batch);
  }
}

export class IdScans {
  constructor(private readonly db: SqlDb) {}

  async add(scan: ScanRef, ids: readonly string[]): Promise<void> {
    checkScan('scan', scan);
    ids.forEach((id, i) => checkText(`ids[${i}]`, id));
    await this.db.transaction(async (tx) => {
      const { seq } = await findOrCreateScan(tx, scan);
      for (const batch of chunks(ids)) {
        await tx.run(`INSERT INTO scan_ids (scan_seq, object_id) VALUES ${valueRows(batch.length, 2)} ON CONFLICT DO NOTHING`, batch.flatMap((id) => [seq, id]));
      }
    });
  }

  async lastComplete(instanceId: number, resource: string): Promise<ScanRef | undefined> {
    checkInstanceId(instanceId);
    checkText('resource', resource);
    const [row] = await this.db.all<{ scan_id: string }>('SELECT scan_id FROM scans WHERE instance_id = ? AND resource = ? AND complete = 1 ORDER BY seq DESC LIMIT 1', [
      instanceId,
      resource,
    ]);
    return row ? { instanceId, resource, scanId: row.scan_id } : undefined;
  }

  async deleted(previous: ScanRef, current: ScanRef, afterId: string | undefined, limit: number): Promise<string[]> {
    checkScan('previous', previous);
    checkScan('current', current);
    if (previous.instanceId !== current.instanceId || previous.resource !== current.resource) throw new RangeError('previous and current must be scans of the same instance and resource');
    if (afterId !== undefined) checkText('afterId', afterId);
    checkLimit('limit', limit, MAX_DELETED_IDS_PER_PAGE);
    const before = await findScan(this.db, previous);
    if (!before) return [];
    // A current scan that never got an id holds none: every previous id is gone.
    const now = (await findScan(this.db, current))?.seq ?? -1;
    const rows = await this.db.all<{ object_id: string }>(
      `SELECT p.object_id FROM scan_ids p
       WHERE p.scan_seq = ? ${afterId === undefined ? '' : 'AND p.object_id > ?'}
         AND NOT EXISTS (SELECT 1 FROM scan_ids c WHERE c.scan_seq = ? AND c.object_id = p.object_id)
       ORDER BY p.object_id LIMIT ?`,
      afterId === undefined ? [before.seq, now, limit] : [before.seq, afterId, now, limit],
    );
    return rows.map((r) => r.object_id);
  }

  async complete(scan: ScanRef): Promise<void> {
    checkScan('scan', scan);
    await this.db.transaction(async (tx) => {
      const { seq, complete } = await findOrCreateScan(tx, scan);
      if (complete === 1) return; // completed before (a retried call): nothing changed since
      await tx.run('UPDATE scans SET complete = 1 WHERE seq = ?', [seq]);
      // Every other scan of the resource goes, except one started after this one (the next scan, already under way).
      const others = await tx.all<{ seq: number }>('SELECT seq FROM scans WHERE instance_id = ? AND resource = ? AND seq <> ? AND (complete = 1 OR seq < ?)', [
        scan.instanceId,
        scan.resource,
        seq,
        seq,
      ]);
      await dropScans(
        tx,
        others.map((o) => o.seq),
      );
    });
  }

  async discard(scan: ScanRef): Promise<void> {
    checkScan('scan', scan);
    await this.db.transaction(async (tx) => {
      const row = await findScan(tx, scan);
      if (row && row.complete === 0) await dropScans(tx, [row.seq]);
    });
  }

  async forget(instanceId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const scans = await tx.all<{ seq: number }>('SELECT seq FROM scans WHERE instance_id = ?', [instanceId]);
      await dropScans(
        tx,
        scans.map((s) => s.seq),
      );
    });
  }

  /** Per resource, only the newest complete scan and the newest partial one stay. */
  async prune(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const stale = await tx.all<{ seq: number }>(
        `SELECT s.seq FROM scans s WHERE EXISTS (
           SELECT 1 FROM scans n WHERE n.instance_id = s.instance_id AND n.resource = s.resource AND n.complete = s.complete AND n.seq > s.seq)`,
      );
      await dropScans(
        tx,
        stale.map((s) => s.seq),
      );
    });
  }
}
