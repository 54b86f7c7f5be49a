/** Calls `prune` every PRUNE_INTERVAL_MS in a process that opened the store; the timer never keeps the process alive. */
import { PRUNE_INTERVAL_MS } from './retention';
import type { PollsterStore } from './types';

export function schedulePrune(store: PollsterStore, onError: (err: unknown) => void, intervalMs = PRUNE_INTERVAL_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a slow prune is not stacked
    running = true;
    store
      .prune(Date.now())
      .catch(onError)
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
