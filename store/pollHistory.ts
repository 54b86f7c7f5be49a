/**
 * Poll history: what each activity of a poll did for a resource (requests, counts, error), grouped
 * by poll and resource when read. Counts are plain; the requests and the error text are sealed
 * (provider error text can quote what the provider sent).
 */
import { checkCount, checkInstanceId, checkLimit, checkMs, checkText } from './checks';
import { MAX_POLLS_PER_QUERY, RETENTION } from './retention';
import type { Sealer } from './sealer';
import type { SqlDb } from './sqlDb';
import type { PollEntry, PollRequest, PollSummary, ResourcePoll } from './types';

interface SealedDetail {
  requests: PollRequest[];
  error?: string;
}

interface Row {
  poll_start_ms: number;
  resource: string;
  at_ms: number;
  request_count: number;
  records: number;
  events: number;
  problems: number;
  quiet: number;
  detail: Uint8Array;
}

function checkEntry(entry: PollEntry): void {
  checkInstanceId(entry.instanceId, 'entry.instanceId');
  checkMs('entry.pollStartMs', entry.pollStartMs);
  checkMs('entry.atMs', entry.atMs);
  checkText('entry.resource', entry.resource);
  for (const name of ['records', 'events', 'problems'] as const) checkCount(`entry.${name}`, entry[name]);
}

export class PollHistory {
  constructor(
    private readonly db: SqlDb,
    private readonly sealer: Sealer,
  ) {}

  async record(entry: PollEntry): Promise<void> {
    checkEntry(entry);
    const detail: SealedDetail = { requests: entry.requests.slice(0, RETENTION.requestsPerPollEntry) };
    if (entry.error !== undefined) detail.error = entry.error;
    const sealed = await this.sealer.sealOne(detail);
    await this.db.run(
      `INSERT INTO poll_entries (instance_id, poll_start_ms, resource, at_ms, request_count, records, events, problems, quiet, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instance_id, poll_start_ms, resource, at_ms) DO NOTHING`,
      [entry.instanceId, entry.pollStartMs, entry.resource, entry.atMs, entry.requests.length, entry.records, entry.events, entry.problems, entry.quiet ? 1 : 0, sealed],
    );
  }

  async polls(instanceId: number, limit: number): Promise<PollSummary[]> {
    checkInstanceId(instanceId);
    checkLimit('limit', limit, MAX_POLLS_PER_QUERY);
    const rows = await this.db.all<Row>(
      `SELECT poll_start_ms, resource, at_ms, request_count, records, events, problems, quiet, detail FROM poll_entries
       WHERE instance_id = ? AND poll_start_ms IN (SELECT DISTINCT poll_start_ms FROM poll_entries WHERE instance_id = ? ORDER BY poll_start_ms DESC LIMIT ?)
       ORDER BY poll_start_ms DESC, at_ms, resource`,
      [instanceId, instanceId, limit],
    );
    const details = await this.sealer.open<SealedDetail>(rows.map((r) => r.detail));
    const polls = new Map<number, { summary: PollSummary; resources: Map<string, ResourcePoll> }>();
    rows.forEach((row, i) => {
      let poll = polls.get(row.poll_start_ms);
      if (!poll) {
        poll = { summary: { instanceId, pollStartMs: row.poll_start_ms, lastAtMs: row.at_ms, resources: [] }, resources: new Map() };
        polls.set(row.poll_start_ms, poll);
      }
      poll.summary.lastAtMs = Math.max(poll.summary.lastAtMs, row.at_ms);
      let resource = poll.resources.get(row.resource);
      if (!resource) {
        resource = { resource: row.resource, requests: [], requestCount: 0, records: 0, events: 0, problems: 0, failed: false, quiet: true };
        poll.resources.set(row.resource, resource);
        poll.summary.resources.push(resource);
      }
      const detail = details[i]!;
      resource.requests.push(...detail.requests);
      resource.requestCount += row.request_count;
      resource.records += row.records;
      resource.events += row.events;
      resource.problems += row.problems;
      resource.quiet &&= row.quiet === 1;
      if (detail.error !== undefined) resource.lastError = detail.error;
      resource.failed = detail.error !== undefined;
    });
    return [...polls.values()].map((p) => p.summary);
  }

  async forget(instanceId: number): Promise<void> {
    await this.db.run('DELETE FROM poll_entries WHERE instance_id = ?', [instanceId]);
  }

  /** Each instance beyond its newest RETENTION.pollsPerInstance polls. */
  async prune(): Promise<void> {
    const keep = RETENTION.pollsPerInstance;
    const over = await this.db.all<{ instance_id: number }>('SELECT instance_id FROM poll_entries GROUP BY instance_id HAVING COUNT(DISTINCT poll_start_ms) > ?', [keep]);
    for (const { instance_id: instanceId } of over) {
      const [oldestKept] = await this.db.all<{ poll_start_ms: number }>(
        'SELECT DISTINCT poll_start_ms FROM poll_entries WHERE instance_id = ? ORDER BY poll_start_ms DESC LIMIT 1 OFFSET ?',
        [instanceId, keep - 1],
      );
      if (oldestKept) await this.db.run('DELETE FROM poll_entries WHERE instance_id = ? AND poll_start_ms < ?', [instanceId, oldestKept.poll_start_ms]);
    }
  }
}
