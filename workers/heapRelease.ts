/**
 * Gives back what the worker's main isolate (the activities, the SDK's bridge) no longer uses. After a burst V8 keeps
 * its heap at the high-water mark and its next collection far off: in B3, a minute after 5,000 polls, 208 MB committed
 * for 105 MB used. A full collection whenever the slack passes a bound returns it; at about 80 ms for 75 MB of live
 * heap, checked every 10 s, it costs under 1 % of a core even when it runs at every check.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const HEAP_CHECK_MS = 10_000;
export const HEAP_SLACK_BYTES = 48 * 1024 * 1024;

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

/** Checks every `everyMs` and collects when the slack is over `slackBytes`; call before the SDK starts its threads. Returns a stop function. */
export function releaseHeapSlack(options: { everyMs?: number; slackBytes?: number; onRelease?: (freedBytes: number, ms: number) => void } = {}): () => void {
  const { everyMs = HEAP_CHECK_MS, slackBytes = HEAP_SLACK_BYTES, onRelease } = options;
  const gc = exposeGc();
  const timer = setInterval(() => {
    const before = process.memoryUsage();
    if (heapSlack(before) <= slackBytes) return;
    const t0 = performance.now();
    gc();
    onRelease?.(before.heapTotal - process.memoryUsage().heapTotal, performance.now() - t0);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
