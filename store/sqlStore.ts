/** The store over either database: the four parts, each on the same SQL, the schema brought up to date on open. */
import type { PayloadCodec } from '@temporalio/common';
import { checkMs } from './checks';
import { DeliveryLog } from './deliveryLog';
import { IdScans } from './idScans';
import { PollHistory } from './pollHistory';
import { ReportedKeys } from './reportedKeys';
import { migrate } from './schema';
import { Sealer } from './sealer';
import type { SqlDb } from './sqlDb';
import type { PollsterStore, PruneOptions } from './types';

export async function openSqlStore(db: SqlDb, codec: PayloadCodec): Promise<PollsterStore> {
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const sealer = new Sealer(codec);
  const log = new DeliveryLog(db, sealer);
  const history = new PollHistory(db, sealer);
  const scans = new IdScans(db);
  const reported = new ReportedKeys(db);
  return {
    location: db.location,
    recordNotifications: (entries) => log.record(entries),
    updateNotification: (id, change) => log.update(id, change),
    notifications: (query) => log.list(query),
    notification: (id) => log.get(id),
    recordPollEntry: (entry) => history.record(entry),
    polls: (instanceId, limit) => history.polls(instanceId, limit),
    addScanIds: (scan, ids) => scans.add(scan, ids),
    lastCompleteScan: (instanceId, resource) => scans.lastComplete(instanceId, resource),
    deletedIds: (previous, current, afterId, limit) => scans.deleted(previous, current, afterId, limit),
    completeScan: (scan) => scans.complete(scan),
    discardScan: (scan) => scans.discard(scan),
    markReported: (instanceId, resource, keys) => reported.mark(instanceId, resource, keys),
    unreported: (instanceId, resource, keys) => reported.unreported(instanceId, resource, keys),
    async forgetInstance(instanceId) {
      await Promise.all([log.forget(instanceId), history.forget(instanceId), scans.forget(instanceId), reported.forget(instanceId)]);
    },
    async prune(nowMs: number, options: PruneOptions = {}) {
      checkMs('nowMs', nowMs);
      // One part after the other: each holds SQLite's write lock only for its own statements.
      await log.prune(nowMs);
      await history.prune();
      await scans.prune();
      await reported.prune(nowMs, options.reportedKeyMaxAgeMs);
    },
    close: () => db.close(),
  };
}
