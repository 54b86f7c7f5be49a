/** `npm run worker`: one worker process, until SIGINT/SIGTERM. */
import { Runtime } from '@temporalio/worker';
import { temporalTarget } from '../temporal/target';
import { createWorker } from './worker';

// The SDK's metrics and Pollster's own, in Prometheus format (scraped directly, or through the API's /metrics).
const metricsAddress = process.env.POLLSTER_WORKER_METRICS_ADDRESS;
if (metricsAddress) {
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true } } } });
}

const { worker, close } = await createWorker({ target: temporalTarget() });
const bundle = process.env.POLLSTER_WORKFLOW_BUNDLE ? `; workflows from ${process.env.POLLSTER_WORKFLOW_BUNDLE}` : '';
console.log(`worker polling task queue on ${temporalTarget().address}${metricsAddress ? `; metrics on http://${metricsAddress}/metrics` : ''}${bundle}`);
try {
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
} finally {
  await close();
}
