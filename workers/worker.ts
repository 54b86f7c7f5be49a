/** The worker: instance workflows and their activities on the `pollster` task queue. */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createActivities } from '../activities';
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

export interface PollsterWorker {
  worker: Worker;
  /** Closes the worker's connections; call after `worker.run()` has returned. */
  close(): Promise<void>;
}

export async function createWorker(options: PollsterWorkerOptions): Promise<PollsterWorker> {
  const connection = await NativeConnection.connect({ address: options.target.address, tls: options.target.tls });
  const env = options.env ?? process.env;
  const dataConverter = dataConverterFromEnv(env);
  // Activities hand notifications to subscription workflows through this client.
  const clientConnection = await Connection.connect({ address: options.target.address, tls: options.target.tls });
  const client = new Client({ connection: clientConnection, namespace: options.target.namespace, dataConverter });
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  const worker = await Worker.create({
    connection,
    namespace: options.target.namespace,
    taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(client, taskQueue),
    dataConverter,
    maxCachedWorkflows: Number(env.POLLSTER_MAX_CACHED_WORKFLOWS || 1000),
    // pollPage records its progress per page; a retry resumes from the last heartbeat that reached the server.
    defaultHeartbeatThrottleInterval: '1 second',
    ...options.overrides,
  });
  return {
    worker,
    async close() {
      await clientConnection.close();
      await connection.close();
    },
  };
}
