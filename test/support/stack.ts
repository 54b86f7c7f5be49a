/** The whole of Pollster for one test file: Temporal dev server, worker, API, a provider and a receiver. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from './pollster';
import { startTemporal } from './temporal';

export interface Stack {
  env: TestWorkflowEnvironment;
  worker: RunningWorker;
  api: RunningApi;
  provider: HttpProvider;
  receiver: Receiver;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const env = await startTemporal();
  const stack: Stack = {
    env,
    worker: await startWorker(env),
    api: await startApi(env, undefined, { store: true }),
    provider: await startHttpProvider(),
    receiver: await startReceiver(),
    async stop() {
      await stack.api.close();
      await stack.worker.stop();
      await stack.provider.close();
      await stack.receiver.close();
      await env.teardown();
    },
  };
  return stack;
}
