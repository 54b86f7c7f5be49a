/**
 * EXPERIMENT: what a replay of a recorded history costs, and the promises its workflow code makes. The SDK tracks
 * every promise made in a workflow's context (for the `__stack_trace` query): each costs an Error and its formatted
 * stack. Prints the CPU per replay (the copies replayed in one replay worker, on the SDK's workflow thread) and the
 * promises per replay by the module that made them (counted on this thread, where a promise hook sees them).
 *
 *   tsx bench/experiments/promiseCount.ts [history name, default instance-continue-as-new-1-v2] [replays, default 500]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promiseHooks } from 'node:v8';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { dataConverterFromEnv } from '../../temporal/codec';
import { workflowBundleOptions } from '../../workers/workflowBundle';
import { HISTORIES_DIR, replayEnv } from '../../test/replay/fixtures';
import { historyFromJSON } from '../../test/replay/historyJson';

Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
const quiet = { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never;

const name = process.argv[2] ?? 'instance-continue-as-new-1-v2';
const repeats = Number(process.argv[3] ?? 500);
const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, `${name}.json`), 'utf8')));

const bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: quiet });
// The bundle marks each module's start with a line `/***/ "./path"`: a line of the bundle maps to its module.
const moduleStarts = bundle.code.split('\n').flatMap((line, i) => {
  const m = /^\/\*\*\*\/ "\.\/(.+)"/.exec(line);
  return m ? [{ line: i + 1, module: m[1]! }] : [];
});
const moduleAt = (line: number): string => {
  let module = "the bundle's runtime";
  for (const start of moduleStarts) if (start.line <= line) module = start.module;
  return module;
};

const dataConverter = dataConverterFromEnv(replayEnv());
const copies = (prefix: string) => Array.from({ length: repeats }, (_, i) => ({ workflowId: `${prefix}-${i}`, history }));

// CPU: the copies replayed in one replay worker, on the SDK's workflow thread as a worker runs them.
const replayAll = async (prefix: string): Promise<void> => {
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter }, copies(prefix))) if (result.error) throw result.error;
};
await replayAll('warm-up');
const cpu0 = process.cpuUsage();
await replayAll('timed');
const cpu = process.cpuUsage(cpu0);

// Count: the same on this thread (debugMode), where a promise hook sees every promise made in a workflow context.
let inContext = 0;
const creators = new Map<string, number>();
const stop = promiseHooks.onInit((promise) => {
  if ((promise as Promise<unknown>).constructor === Promise) return; // the main realm's own promises
  inContext++;
  // The innermost frame in the workflow bundle is the code that made the promise (await, then, new Promise, an async call).
  const line = /workflow-bundle-[^:]*\.js:(\d+):/.exec(new Error().stack ?? '')?.[1];
  const creator = line ? moduleAt(Number(line)) : 'outside the bundle (the SDK entering the context)';
  creators.set(creator, (creators.get(creator) ?? 0) + 1);
});
// debugMode is a WorkerOptions field that the replay worker honours, though its options type leaves it out.
const onThisThread = { workflowBundle: bundle, dataConverter, debugMode: true } as ReplayWorkerOptions;
for await (const result of Worker.runReplayHistories(onThisThread, copies('counted'))) if (result.error) throw result.error;
stop();

const ms = (cpu.user + cpu.system) / 1000;
console.log(`${name}: ${history.events?.length ?? 0} events, ${repeats} replays: ${(ms / repeats).toFixed(2)} ms CPU each (all threads); ${(inContext / repeats).toFixed(0)} promises each in workflow context, made by`);
for (const [creator, n] of [...creators].sort((a, b) => b[1] - a[1])) console.log(String((n / repeats).toFixed(1)).padStart(7), creator);
