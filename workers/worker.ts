/** The worker: instance workflows and their activities on the `pollster` task queue. */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import * as activities from '../activities';
import { TASK_QUEUE, type TemporalTarget } from '../temporal/config';
import { dataConverterFromEnv } from '../temporal/codec';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface PollsterWorkerOptions {
  target: TemporalTarget;
  env?: NodeJS.ProcessEnv;
  taskQueue?: string;
  /** Reuse a prebuilt bundle (tests build once per file). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  overrides?: Partial<WorkerOptions>;
}

export async function createWorker(options: PollsterWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: options.target.address, tls: options.target.tls });
  const env = options.env ?? process.env;
  const worker = await Worker.create({
    connection,
    namespace: options.target.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities,
    dataConverter: dataConverterFromEnv(env),
    maxCachedWorkflows: Number(env.POLLSTER_MAX_CACHED_WORKFLOWS || 1000),
    ...options.overrides,
  });
  return { worker, connection };
}
