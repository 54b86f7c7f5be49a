/**
 * The plain loop in a process of its own (spawned like the worker, `node --import tsx`), so it runs
 * beside the bench's provider and receiver exactly as the worker does, and its CPU can be read. It
 * stays up across runs (warm, like the long-lived worker): each stdin line is one PlainLoopInput
 * (JSON), answered by one `RESULT <json>` line.
 */
import { createInterface } from 'node:readline';
import { plainLoop, type PlainLoopInput } from './plainLoop';

console.log('READY');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  try {
    const result = await plainLoop(JSON.parse(line) as PlainLoopInput);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } catch (err) {
    console.log(`ERROR ${(err as Error).message}`);
  }
}
