/**
 * One pass over a resource's pages: each page run's events are handed off, then the checkpoint moves
 * to the pass's poll start. A pass that fails after handing off some pages leaves a ResumePoint, and
 * the next poll finishes that pass before starting its own: starting over would send what already
 * went out again, batched differently, under other notification ids.
 */
import { ApplicationFailure, TimeoutFailure, log } from '@temporalio/workflow';
import { nextBoundary } from '../core/boundary';
import type { PageRunProgress, PollPageInput, PollPageResult } from '../contract/activities';
import type { ReadState, ResumePoint } from '../contract/instance';

/** Failed attempts to finish a pass before it is given up for a fresh one (a provider cursor may have expired). */
const RESUME_ATTEMPTS = 3;

export interface ResourcePass {
  pollPage(input: PollPageInput): Promise<PollPageResult>;
  /** The page-run input fields that do not change within a pass. */
  page: Omit<PollPageInput, 'sinceMs' | 'pollStartMs' | 'pageToken' | 'boundary' | 'plan'>;
  /** Counts and remembers what a page run reported. */
  onPageRun(result: PollPageResult): void;
}

/** Finishes an interrupted pass if there is one, then polls the resource from its checkpoint. */
export async function pollResource(pass: ResourcePass, rs: ReadState, pollStartMs: number): Promise<void> {
  if (rs.resume) await runPass(pass, rs, rs.resume);
  const sinceMs = rs.checkpointMs - pass.page.resource.pollDelaySec * 1000;
  await runPass(pass, rs, { sinceMs, pollStartMs, previousPageKeys: [], reported: [], attempts: 0 });
}

/** One pass from `start` (a fresh one, or a resume point) to its last page; then the checkpoint moves to its poll start. */
export async function runPass(pass: ResourcePass, rs: ReadState, start: ResumePoint): Promise<void> {
  const at = { pageToken: start.pageToken, previousPageKeys: start.previousPageKeys, plan: start.plan, reported: [...start.reported] };
  do {
    let result: PollPageResult;
    try {
      result = await pass.pollPage({
        ...pass.page,
        sinceMs: start.sinceMs,
        pollStartMs: start.pollStartMs,
        pageToken: at.pageToken,
        plan: at.plan,
        boundary: at.previousPageKeys.length > 0 ? [...rs.boundary, ...at.previousPageKeys] : rs.boundary,
      });
    } catch (err) {
      rs.resume = resumePoint(err, start, at);
      throw err;
    }
    at.plan = undefined;
    at.pageToken = result.nextPageToken;
    at.previousPageKeys = result.pageKeys;
    at.reported.push(...result.boundaryCandidates);
    pass.onPageRun(result);
  } while (at.pageToken !== undefined);
  // Every event of this pass is handed off: now, and only now, the checkpoint moves.
  rs.boundary = nextBoundary(rs.boundary, at.reported, start.pollStartMs - pass.page.resource.pollDelaySec * 1000);
  rs.checkpointMs = start.pollStartMs;
  rs.resume = undefined;
}

/** Where the next poll picks a failed pass up, or undefined when it should start over. */
function resumePoint(err: unknown, start: ResumePoint, at: Pick<ResumePoint, 'pageToken' | 'previousPageKeys' | 'plan' | 'reported'>): ResumePoint | undefined {
  const progress = progressOf(err);
  const from = progress
    ? { pageToken: progress.pageToken, previousPageKeys: progress.previousPageKeys, plan: progress.plan, reported: [...at.reported, ...progress.result.boundaryCandidates] }
    : at;
  if (from.pageToken === undefined && from.plan === undefined) return undefined; // nothing went out yet
  const attempts = start.attempts + 1;
  if (attempts > RESUME_ATTEMPTS) {
    log.warn('a failed pass is started over; events it sent may come again under new notification ids', { attempts });
    return undefined;
  }
  return { sinceMs: start.sinceMs, pollStartMs: start.pollStartMs, ...from, attempts };
}

/** The page run's last recorded progress: in its failure's details, or in the heartbeat a timeout carries. */
function progressOf(err: unknown): PageRunProgress | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.details && e.details.length > 0) return e.details[0] as PageRunProgress;
    if (e instanceof TimeoutFailure && e.lastHeartbeatDetails !== undefined) return e.lastHeartbeatDetails as PageRunProgress;
  }
  return undefined;
}
