/** `npm run worker`: one worker process, until SIGINT/SIGTERM. */
import { createLogger } from '../log/logger';
import { errorText } from '../log/errorText';
import { temporalTarget } from '../temporal/target';
import { releaseHeapSlack } from './heapRelease';
import { installRuntime } from './runtime';
import { createWorker } from './worker';

const log = createLogger('worker');
installRuntime(log);
releaseHeapSlack({ onRelease: (freed, ms) => log.debug(`heap: ${Math.round(freed / 1e6)} MB given back in ${Math.round(ms)} ms`) });
// The SDK shuts the worker down gracefully on the first SIGINT/SIGTERM and stops listening; under `npm start` a
// second one follows at once (the terminal's Ctrl-C, then the supervisor's), which must not end the drain early.
// Before the worker runs there is nothing to drain: a signal then ends the process.
let running = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!running) process.exit(0);
    log.debug(`${signal}: the worker is shutting down`);
  });
}
const metricsAddress = process.env.POLLSTER_WORKER_METRICS_ADDRESS;

try {
  const { worker, onJemalloc, close } = await createWorker({ target: temporalTarget(), log });
  const bundle = process.env.POLLSTER_WORKFLOW_BUNDLE ? `; workflows from ${process.env.POLLSTER_WORKFLOW_BUNDLE}` : '';
  const memory = `; ${onJemalloc ? 'jemalloc' : "the system's malloc"}, ${worker.options.maxCachedWorkflows} workflows cached`;
  log.info(`worker polling task queue on ${temporalTarget().address}${metricsAddress ? `; metrics on http://${metricsAddress}/metrics` : ''}${bundle}${memory}`);
  try {
    running = true;
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
  } finally {
    await close();
  }
  log.debug('worker stopped');
} catch (err) {
  log.fatal({ err }, `worker: ${errorText(err)}`);
  process.exitCode = 1;
}
