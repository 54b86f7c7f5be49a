/**
 * A worker process for fault tests: workers/main.ts, but from a prebuilt workflow bundle
 * (POLLSTER_TEST_WORKFLOW_BUNDLE, with the short-timeout interceptor), so a restart after a SIGKILL
 * takes a second instead of a fresh bundle build, and with a short sticky-queue timeout: a workflow
 * whose worker was killed moves to another worker after 2 s instead of the SDK's default 10 s.
 */
import { temporalTarget } from '../../temporal/target';
import { createWorker } from '../../workers/worker';

const codePath = process.env.POLLSTER_TEST_WORKFLOW_BUNDLE;
if (!codePath) throw new Error('POLLSTER_TEST_WORKFLOW_BUNDLE is not set');
const { worker, close } = await createWorker({
  target: temporalTarget(),
  workflowBundle: { codePath },
  overrides: { stickyQueueScheduleToStartTimeout: '2 seconds' },
});
console.log(`worker polling task queue on ${temporalTarget().address} (pid ${process.pid})`);
try {
  await worker.run();
} finally {
  await close();
}
