/**
 * Workflow interceptors bundled with every Pollster workflow (workers/workflowBundle.ts).
 *
 * The stale-clock guard. A query that reaches a worker which does not hold the run (its sticky worker died, or
 * evicted it) comes with the whole history, and the history may end in events that no workflow task has seen yet
 * (a timer that fired, a signal). The SDK (1.24) applies those events while it answers the query, under the time of
 * the last workflow task, and keeps the run cached: the commands that workflow code chose then, on a clock seconds or
 * minutes behind, are what the next workflow task sends. Replayed later under the right time, the same code chooses
 * otherwise, and the run stops on a nondeterminism error (test/integration/faults.staleQuery.test.ts shows it, first seen
 * as a poll that became a timer in the fault suite).
 *
 * Such an activation is recognisable: it is not a replay, it moves the history on, and it carries the very timestamp
 * of the activation before it, which only the same workflow task can. The guard refuses it: the query fails (the API
 * answers 503, try again), the worker drops the run, and the next workflow task replays it under its own time. It
 * never fires on a replay, so it changes no history and needs no patch.
 */
import type { ActivateInput, Next, WorkflowInterceptorsFactory, WorkflowInternalsInterceptor } from '@temporalio/workflow';
import { STALE_QUERY_MESSAGE } from '../contract/failures';

interface Stamp {
  seconds: string;
  nanos: number;
  historyLength: number;
}

function stampOf(activation: ActivateInput['activation']): Stamp | undefined {
  if (!activation.timestamp) return undefined; // a query's activation carries no time
  return { seconds: String(activation.timestamp.seconds), nanos: activation.timestamp.nanos ?? 0, historyLength: activation.historyLength ?? 0 };
}

class StaleClockGuard implements WorkflowInternalsInterceptor {
  private last: Stamp | undefined;

  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    const stamp = stampOf(input.activation);
    if (stamp) {
      const last = this.last;
      const sameTime = last !== undefined && last.seconds === stamp.seconds && last.nanos === stamp.nanos;
      if (!input.activation.isReplaying && sameTime && last.historyLength !== stamp.historyLength) throw new Error(STALE_QUERY_MESSAGE);
      this.last = stamp;
    }
    next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ internals: [new StaleClockGuard()] });
