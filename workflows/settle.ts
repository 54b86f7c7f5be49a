/**
 * Records that show up late: providers whose "updated since" queries find a change only minutes after it was made
 * (search indexes, replicas). With `settleDelay` on a resource, each window a poll read, [since, the poll's start),
 * is read once more that many seconds later, on the workflow's own timer; whatever the second look finds that no look
 * reported (Pollster's store keeps the reported keys) goes out once, marked late. The checkpoint moved at the first
 * look: the second never holds it back.
 */
import { ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ResourceConfig } from '../core/settings';
import type { PageRunProgress, PollPageResult } from '../contract/activities';
import type { ResourceState, SettleState, SettleWindow } from '../contract/instance';
import { errorMessage } from './failures';
import type { Reading } from './reading';

/** Windows a resource keeps waiting; beyond it, the oldest two are read as one (their union). */
const MAX_WINDOWS = 50;
/** Lateness samples kept, newest last. */
const LATENESS_KEPT = 100;
/** A second look that failed is tried again this much later. */
const RETRY_MS = 60_000;

const settleOf = (rs: ResourceState): SettleState => (rs.settle ??= { windows: [], lateRecords: 0, latenessMs: [] });

/** After a look moved the checkpoint: its window waits for its second look. */
export function awaitSettle(rs: ResourceState, resource: ResourceConfig, sinceMs: number, untilMs: number): void {
  if (!resource.settleDelaySec || untilMs <= sinceMs) return;
  const settle = settleOf(rs);
  settle.windows.push({ sinceMs, untilMs, dueAtMs: untilMs + resource.settleDelaySec * 1000 });
  while (settle.windows.length > MAX_WINDOWS) {
    const [a, b] = settle.windows.splice(0, 2) as [SettleWindow, SettleWindow];
    settle.windows.unshift({ sinceMs: Math.min(a.sinceMs, b.sinceMs), untilMs: Math.max(a.untilMs, b.untilMs), dueAtMs: Math.max(a.dueAtMs, b.dueAtMs) });
  }
}

/** When the resource's next second look is due. */
export function settleDueAtMs(rs: ResourceState): number | undefined {
  const windows = rs.settle?.windows ?? [];
  return windows.length === 0 ? undefined : Math.min(...windows.map((w) => w.dueAtMs));
}

/** Reads every due window of the resource once more (the due ones together, as one window). */
export async function settleDue(read: Reading, name: string, resource: ResourceConfig, rs: ResourceState, nowMs: number): Promise<void> {
  const settle = settleOf(rs);
  const due = settle.windows.filter((w) => w.dueAtMs <= nowMs);
  if (due.length === 0) return;
  // A second look that failed part-way goes on where it stopped, batched as planned: its notifications keep their ids.
  const resumed = settle.resume;
  const window = resumed ?? { sinceMs: Math.min(...due.map((w) => w.sinceMs)), untilMs: Math.max(...due.map((w) => w.untilMs)) };
  const pass = read.pass(name, resource, 'settle', (page: PollPageResult) => {
    if (!page.late) return;
    settle.lateRecords += page.late.count;
    settle.latenessMs.push(...page.late.latenessMs);
    if (settle.latenessMs.length > LATENESS_KEPT) settle.latenessMs.splice(0, settle.latenessMs.length - LATENESS_KEPT);
  });
  let pageToken = resumed?.pageToken;
  let plan = resumed?.plan;
  try {
    do {
      const result = await pass.pollPage({ ...pass.page, sinceMs: window.sinceMs, pollStartMs: window.untilMs, pageToken, plan, boundary: [] });
      plan = undefined;
      pass.onPageRun(result);
      pageToken = result.nextPageToken;
    } while (pageToken !== undefined);
    settle.windows = settle.windows.filter((w) => resumed ? w.untilMs > window.untilMs : !due.includes(w));
    settle.resume = undefined;
    settle.lastError = undefined;
  } catch (err) {
    // Tried again later, from the group of pages it was delivering (what went out before it is in the store's ledger).
    const progress = progressOf(err);
    settle.resume = { ...window, pageToken: progress ? progress.pageToken : pageToken, plan: progress?.plan };
    settle.lastError = errorMessage(err);
    for (const w of due) w.dueAtMs = nowMs + RETRY_MS;
  }
}

/** The page run's last recorded progress: in its failure's details, or in the heartbeat a timeout carries. */
function progressOf(err: unknown): PageRunProgress | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.details && e.details.length > 0) return e.details[0] as PageRunProgress;
    if (e instanceof TimeoutFailure && e.lastHeartbeatDetails !== undefined) return e.lastHeartbeatDetails as PageRunProgress;
  }
  return undefined;
}
