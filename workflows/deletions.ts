/**
 * DELETED events from the provider's side lists: tombstones (deleted records since a date, polled like the resource
 * with a checkpoint of their own) and id scans (every `every` minutes, every id, compared in Pollster's store with the
 * last complete scan). The flag form needs nothing here: the diff reports such records DELETED.
 */
import { proxyActivities, ApplicationFailure } from '@temporalio/workflow';
import type { Deletion, ResourceConfig } from '../core/settings';
import type { PollsterActivities, ScanPosition, ScanResult } from '../contract/activities';
import type { ResourceState } from '../contract/instance';
import { scanActivityOptions } from '../contract/retryPolicy';
import { errorMessage } from './failures';

const { scanIds } = proxyActivities<PollsterActivities>(scanActivityOptions);

/** The tombstone list read like a resource: same paging, its own URL, id and (deletion) date. */
export function tombstoneResource(resource: ResourceConfig, deletion: Extract<Deletion, { kind: 'tombstones' }>): ResourceConfig {
  return {
    ...resource,
    url: deletion.url,
    idField: deletion.idField,
    updated: deletion.date,
    created: undefined,
    filterByUpdatedDate: true,
    filterByCurrentDate: false,
    deletion: undefined,
    settleDelaySec: undefined,
  };
}

/**
 * A scan is due when none ran yet, or `every` has passed since the last one ended; one that has not finished always
 * is. Timed from the end, not the start: a scan that takes longer than `every` would otherwise be followed at once by
 * the next (the loop wakes when a scan ends), listing the provider without a pause and never idle.
 */
export function scanDueAtMs(rs: ResourceState, deletion: Extract<Deletion, { kind: 'scan' }>): number {
  if (rs.scan?.pending) return 0;
  const last = rs.scan?.lastEndedAtMs ?? rs.scan?.lastStartedAtMs;
  return last === undefined ? 0 : last + deletion.everyMs;
}

export interface ScanRun {
  input: Omit<Parameters<PollsterActivities['scanIds']>[0], 'scanId' | 'startedAtMs' | 'position'>;
  onResult(result: ScanResult): void;
}

/** Runs (or goes on with) the resource's scan; its outcome lands in `rs.scan`. */
export async function runScan(run: ScanRun, rs: ResourceState, nowMs: number): Promise<void> {
  const scanState = (rs.scan ??= { deleted: 0 });
  const pending = (scanState.pending ??= { scanId: String(nowMs), startedAtMs: nowMs });
  try {
    const result = await scanIds({ ...run.input, scanId: pending.scanId, startedAtMs: pending.startedAtMs, position: pending.position });
    scanState.lastStartedAtMs = pending.startedAtMs;
    scanState.lastEndedAtMs = Date.now();
    scanState.lastIds = result.ids;
    scanState.deleted += result.deleted;
    scanState.pending = undefined;
    scanState.lastError = undefined;
    run.onResult(result);
  } catch (err) {
    // Kept pending: the next attempt goes on from where this one stood (listing, or reporting the deleted ids).
    pending.position = positionOf(err) ?? pending.position;
    scanState.lastError = errorMessage(err);
  }
}

function positionOf(err: unknown): ScanPosition | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.details && e.details.length > 0) return e.details[0] as ScanPosition;
  }
  return undefined;
}
