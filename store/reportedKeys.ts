/**
 * Reported keys, for late records: which change keys (`<objectId>@<dateMs>`) a resource reported
 * recently, so a second look at a poll window (the settle pass) reports only what the first missed.
 * Kept until the change date is older than the age the settle pass looks back (prune's parameter).
 */
import { checkInstanceId, checkMs, checkText } from './checks';
import { RETENTION } from './retention';
import type { SqlDb } from './sqlDb';
import { chunks, placeholders, valueRows } from './sqlText';
import type { ReportedKey } from './types';

export class ReportedKeys {
  constructor(private readonly db: SqlDb) {}

  async mark(instanceId: number, resource: string, keys: readonly ReportedKey[]): Promise<void> {
    checkInstanceId(instanceId);
    checkText('resource', resource);
    keys.forEach(({ key, dateMs }, i) => {
      checkText(`keys[${i}].key`, key);
      checkMs(`keys[${i}].dateMs`, dateMs);
    });
    await this.db.transaction(async (tx) => {
      for (const batch of chunks(keys)) {
        await tx.run(
          `INSERT INTO reported_keys (instance_id, resource, change_key, date_ms) VALUES ${valueRows(batch.length, 4)} ON CONFLICT DO NOTHING`,
          batch.flatMap(({ key, dateMs }) => [instanceId, resource, key, dateMs]),
        );
      }
    });
  }

  async unreported(instanceId: number, resource: string, keys: readonly string[]): Promise<string[]> {
    checkInstanceId(instanceId);
    checkText('resource', resource);
    keys.forEach((key, i) => checkText(`keys[${i}]`, key));
    const distinct = [...new Set(keys)];
    const reported = new Set<string>();
    for (const batch of chunks(distinct)) {
      const rows = await this.db.all<{ change_key: string }>(
        `SELECT change_key FROM reported_keys WHERE instance_id = ? AND resource = ? AND change_key IN (${placeholders(batch.length)})`,
        [instanceId, resource, ...batch],
      );
      for (const row of rows) reported.add(row.change_key);
    }
    return distinct.filter((key) => !reported.has(key));
  }

  async forget(instanceId: number): Promise<void> {
    await this.db.run('DELETE FROM reported_keys WHERE instance_id = ?', [instanceId]);
  }

  async prune(nowMs: number, maxAgeMs: number = RETENTION.reportedKeyMaxAgeMs): Promise<void> {
    checkMs('reportedKeyMaxAgeMs', maxAgeMs);
    await this.db.run('DELETE FROM reported_keys WHERE date_ms < ?', [nowMs - maxAgeMs]);
  }
}
