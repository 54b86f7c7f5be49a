/** `npm run worker`: one worker process, until SIGINT/SIGTERM. */
import { temporalTarget } from '../temporal/config';
import { createWorker } from './worker';

const { worker, close } = await createWorker({ target: temporalTarget() });
console.log(`worker polling task queue on ${temporalTarget().address}`);
try {
  await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
} finally {
  await close();
}
