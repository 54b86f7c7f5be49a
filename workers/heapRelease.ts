/**
 * Gives back what the worker's main isolate (the activities, the SDK's bridge) no longer uses. After a burst V8 keeps
 * its heap at the high-water mark and its next collection far off: in B3, a minute after 5,000 polls, 208 MB committed
 * for 105 MB used. A full collection when the worker has gone quiet and the slack passes a bound returns it (about
 * 80 ms for 75 MB of live heap). Only when quiet: under steady load V8 collects anyway, and forcing it there cost a
 * run of B2-wide (6,000 instances, never quiet) a quarter of its cycles against the run beside it (bench/NOTES.md).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const HEAP_CHECK_MS = 5_000;
export const HEAP_SLACK_BYTES = 48 * 1024 * 1024;
/** The share of the last check's interval the event loop was busy, below which the worker counts as quiet. */
export const QUIET_UTILIZATION = 0.2;

/** The heap V8 holds beyond what it uses: committed pages a full collection can give back. */
export const heapSlack = (m: Pick<NodeJS.MemoryUsage, 'heapTotal' | 'heapUsed'>): number => Math.max(0, m.heapTotal - m.heapUsed);

/**
 * Node's `gc` without `--expose-gc` on the command line (the worker is started many ways). The flag is turned off again
 * at once, so isolates made later (the workflow threads, their contexts) get no `gc` global.
 */
export function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Checks every `everyMs` and collects when the event loop was busy less than `quietUtilization` of the interval and the
 * slack is over `slackBytes`; call before the SDK starts its threads. Returns a stop function.
 */
export function releaseHeapSlack(
  options: { everyMs?: number; slackBytes?: number; quietUtilization?: number; onRelease?: (freedBytes: number, ms: number) => void } = {},
): () => void {
  const { everyMs = HEAP_CHECK_MS, slackBytes = HEAP_SLACK_BYTES, quietUtilization = QUIET_UTILIZATION, onRelease } = options;
  const gc = exposeGc();
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const busy = performance.eventLoopUtilization(last).utilization;
    last = performance.eventLoopUtilization();
    const before = process.memoryUsage();
    if (busy >= quietUtilization || heapSlack(before) <= slackBytes) return;
    const t0 = performance.now();
    gc();
    onRelease?.(before.heapTotal - process.memoryUsage().heapTotal, performance.now() - t0);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
