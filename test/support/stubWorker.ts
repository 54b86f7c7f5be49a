/**
 * A worker running the real workflow bundle with activity functions a test wrote, on a task queue of its own, against
 * the test file's dev server; and the waits and history reads the workflow tests share.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { CheckResourcesInput, PollsterActivities } from '../../contract/activities';
import { workflowBundle } from './temporal';

export { eventually } from './processes';
export { quietTemporalLogs } from './faultScenario';

export interface StubWorker {
  taskQueue: string;
  stop(): Promise<void>;
}

let workers = 0;

export async function startStubWorker(env: TestWorkflowEnvironment, activities: Partial<PollsterActivities>): Promise<StubWorker> {
  const taskQueue = `stubs-${process.pid}-${++workers}`;
  const unscripted = (name: string) => async () => {
    throw ApplicationFailure.nonRetryable(`the test wrote no ${name}`, 'Unscripted');
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      // By default the quick look settles nothing: every resource goes to its page run, which the tests script.
      checkResources: async (input: CheckResourcesInput) => Object.fromEntries(input.resources.map((r) => [r.name, { quiet: false as const }])),
      pollPage: unscripted('pollPage'),
      authenticate: unscripted('authenticate'),
      attemptDelivery: unscripted('attemptDelivery'),
      deliverNotification: unscripted('deliverNotification'),
      ...activities,
    },
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The events of a run's history between the first event `from` matches and the first after it `to` matches. */
export async function historyBetween(handle: WorkflowHandle, from: (e: HistoryEvent) => boolean, to: (e: HistoryEvent) => boolean): Promise<HistoryEvent[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const start = events.findIndex(from);
  const end = events.findIndex((e, i) => i > start && to(e));
  if (start < 0 || end < 0) throw new Error('history: the bounding events are not there');
  return events.slice(start + 1, end);
}

/** A signal event of this name. */
export const signaled = (name: string) => (e: HistoryEvent): boolean => e.workflowExecutionSignaledEventAttributes?.signalName === name;
