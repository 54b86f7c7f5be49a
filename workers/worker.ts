/** The worker: instance workflows and their activities on the `pollster` task queue. */
import { setFlagsFromString } from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createActivities } from '../activities';
import { TASK_QUEUE } from '../contract/names';
import type { TemporalTarget } from '../temporal/target';
import { dataConverterFromEnv } from '../temporal/codec';
import { assertSearchAttributes } from './searchAttributeCheck';
import { openStore, schedulePrune } from '../store';
import { activityDeps } from './activityDeps';
import { runsOnJemalloc } from './allocator';
import { capacityFromEnv, DEFAULT_MAX_CACHED_WORKFLOWS, heapGrowthFlags, workflowSource, workflowThreadHeapFlags } from './tuning';
import { providerLimits } from '../elements/providerLimits';
import type { Logger } from '../log/logger';
import { activityLogInterceptor } from './activityLog';

export { workflowsPath } from './workflowBundle';

export interface PollsterWorkerOptions {
  target: TemporalTarget;
  env?: NodeJS.ProcessEnv;
  taskQueue?: string;
  /** Reuse a prebuilt bundle (tests build once per file); else POLLSTER_WORKFLOW_BUNDLE, else workflows/ bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  overrides?: Partial<WorkerOptions>;
  /** Prints a line per poll outcome and per failed activity attempt (the worker process's log). */
  log?: Logger;
}

export interface PollsterWorker {
  worker: Worker;
  /** Whether the process runs on jemalloc, which sized the cache's default (./allocator.ts). */
  onJemalloc: boolean;
  /** Closes the worker's connections; call after `worker.run()` has returned. */
  close(): Promise<void>;
}

export async function createWorker(options: PollsterWorkerOptions): Promise<PollsterWorker> {
  const env = options.env ?? process.env;
  // Read first: a bad setting fails before any connection is opened.
  const { workflowModules, ...source } = options.workflowBundle ? { workflowBundle: options.workflowBundle, workflowModules: undefined } : workflowSource(env);
  // On jemalloc a larger cache fits the same memory (./allocator.ts).
  const onJemalloc = runsOnJemalloc();
  const capacity = capacityFromEnv(env, onJemalloc);
  const heapGrowth = heapGrowthFlags(env);
  providerLimits(env); // read again per request; a bad value fails here rather than every poll
  const connection = await NativeConnection.connect({ address: options.target.address, tls: options.target.tls });
  const dataConverter = dataConverterFromEnv(env);
  // Activities hand notifications to subscription workflows through this client.
  const clientConnection = await Connection.connect({ address: options.target.address, tls: options.target.tls });
  const client = new Client({ connection: clientConnection, namespace: options.target.namespace, dataConverter });
  await assertSearchAttributes(clientConnection, options.target.namespace);
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  // Pollster's store (poll history, the delivery log): the embedded SQLite file, or POLLSTER_DATABASE_URL.
  const store = await openStore(env);
  const stopPruning = schedulePrune(store, (err) => (options.log ?? console).warn(`store: prune failed: ${(err as Error).message}`));
  // V8 reads its heap limits when an isolate is created: set now, they apply to the workflow threads the SDK starts
  // below, not to this (the activities') isolate. The growth factor applies to every isolate from its next collection.
  for (const flag of [...heapGrowth, ...workflowThreadHeapFlags(capacity.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS)]) setFlagsFromString(flag);
  const worker = await Worker.create({
    connection,
    namespace: options.target.namespace,
    taskQueue,
    ...source,
    activities: createActivities(activityDeps(client, taskQueue, env, store)),
    dataConverter,
    // A prebuilt bundle holds its workflow interceptors; workflows bundled at start take them here.
    interceptors: { ...(workflowModules ? { workflowModules } : {}), ...(options.log ? { activity: [activityLogInterceptor(options.log)] } : {}) },
    ...capacity,
    ...options.overrides,
  });
  return {
    worker,
    onJemalloc,
    async close() {
      stopPruning();
      await store.close();
      await clientConnection.close();
      await connection.close();
    },
  };
}
