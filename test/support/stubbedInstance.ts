/** An instance workflow started on a worker whose pollPage is a stub; both go when the test ends. */
import type { TestContext } from 'node:test';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { InstanceWorkflowInput, PollerStatus } from '../../contract/instance';
import { pollNow, status } from '../../contract/messages';
import { instanceInput, startInstance } from '../fakes/instanceRun';
import { PollPageStub } from '../fakes/stubActivities';
import { eventually, startStubWorker } from './stubWorker';

export interface StubbedInstance {
  stub: PollPageStub;
  handle: WorkflowHandleWithFirstExecutionRunId<(input: InstanceWorkflowInput) => Promise<void>>;
  /** Asks for a poll and waits until it is counted (the workflow counts a poll once every resource had its turn). */
  poll(): Promise<PollerStatus>;
}

export async function stubbedInstance(env: TestWorkflowEnvironment, t: TestContext, input = instanceInput()): Promise<StubbedInstance> {
  const stub = new PollPageStub();
  const worker = await startStubWorker(env, { pollPage: stub.pollPage });
  const handle = await startInstance(env.client, worker.taskQueue, input);
  t.after(async () => {
    await handle.terminate('test over').catch(() => undefined);
    await worker.stop();
  });
  const poll = async (): Promise<PollerStatus> => {
    const before = (await handle.query(status)).polls;
    await handle.signal(pollNow);
    return eventually(async () => {
      const s = await handle.query(status);
      return s.polls > before && s;
    }, `poll ${before + 1}`);
  };
  return { stub, handle, poll };
}
