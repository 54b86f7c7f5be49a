/**
 * A rate-limited subscription's due notifications, attempted in a row at its pace: each an interval after the one
 * before, or at once when a slow answer has taken longer than that (never two within an interval). It stops at the
 * first failure: nothing overtakes it. Before each attempt it heartbeats what is done,
 * so when its worker is lost the next attempt of the activity goes on after the last delivered one.
 */
import { Context } from '@temporalio/activity';
import type { PollsterActivities } from '../contract/activities';
import type { DeliveryAttemptResult, PacedDeliveries, PacedDeliveriesResult } from '../contract/delivery';
import { attemptOnce, type AttemptDeps } from './deliverAttempt';
import { countRateLimitedWait, countRetryAfterWait } from './deliveryMetrics';

/** What a run has done so far (its heartbeat details). */
interface PacedProgress {
  results: DeliveryAttemptResult[];
  lastSlotMs?: number;
}

export function createDeliverPaced(deps: AttemptDeps): PollsterActivities['deliverPaced'] {
  return async function deliverPaced({ items, intervalMs, firstSlotMs, waitedForRetryAfter }: PacedDeliveries): Promise<PacedDeliveriesResult> {
    const ctx = Context.current();
    const recorded = ctx.info.heartbeatDetails as PacedProgress | undefined;
    const progress: PacedProgress = { results: [...(recorded?.results ?? [])], lastSlotMs: recorded?.lastSlotMs };
    if (progress.results.length === 0 && waitedForRetryAfter) countRetryAfterWait();
    let slot = progress.lastSlotMs === undefined ? firstSlotMs : progress.lastSlotMs + intervalMs;
    for (let i = progress.results.length; i < items.length; i++) {
      const now = Date.now();
      slot = Math.max(slot, now);
      const pacedMs = slot - now;
      ctx.heartbeat(progress);
      if (pacedMs > 0) {
        countRateLimitedWait();
        await ctx.sleep(pacedMs);
      }
      const result = await attemptOnce(deps, items[i]!);
      if (pacedMs > 0) result.pacedMs = pacedMs;
      progress.results.push(result);
      progress.lastSlotMs = slot;
      if (!result.ok) break;
      slot += intervalMs;
    }
    return progress;
  };
}
