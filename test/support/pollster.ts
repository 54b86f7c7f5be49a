/** Pollster's own processes inside a test: a worker and the API, both against the test's Temporal. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { buildApi, temporalServices } from '../../api/app';
import { createWorker } from '../../workers/worker';
import { dataConverterFromEnv } from '../../temporal/codec';
import { openStore } from '../../store/open';
import { workflowBundle } from './temporal';

export const SECRETS = { userSecret: 'test-user-secret', organizationSecret: 'test-org-secret' };
export const AUTH = `User ${SECRETS.userSecret}, Organization ${SECRETS.organizationSecret}`;

function target(env: TestWorkflowEnvironment): { address: string; namespace: string } {
  return { address: (env.connection.options as { address: string }).address, namespace: env.namespace ?? 'default' };
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** `settings`: the worker's environment variables, when they must differ from this process's (default process.env). */
export async function startWorker(env: TestWorkflowEnvironment, taskQueue?: string, settings?: NodeJS.ProcessEnv): Promise<RunningWorker> {
  const { worker, close } = await createWorker({ target: target(env), taskQueue, env: settings, workflowBundle: await workflowBundle() });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await close();
    },
  };
}

export interface RunningApi {
  url: string;
  client: Client;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface ApiOptions {
  /** Open Pollster's store, as `npm run api` does (the worker's: the same data dir), for poll history. */
  store?: boolean;
}

export async function startApi(env: TestWorkflowEnvironment, taskQueue?: string, options: ApiOptions = {}): Promise<RunningApi> {
  const dataConverter = dataConverterFromEnv();
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter });
  const store = options.store ? await openStore(process.env) : undefined;
  const app = await buildApi({ services: temporalServices(client, taskQueue, store), secrets: SECRETS, codec: dataConverter.payloadCodecs[0] });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/elements/api-v2`;
  return {
    url,
    client,
    async request(method, path, body, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: async () => {
      await app.close();
      await store?.close();
    },
  };
}
