/**
 * Compiles the worker (workers/main.ts and what it imports) to plain JavaScript in dist/, so a worker runs on
 * `node dist/worker.mjs` without tsx: tsx's module loader runs in a thread of its own, about 40 MB of RSS in every
 * worker process (bench/NOTES.md), where the worker's memory is what bounds how many instances it holds.
 *
 *   npm run build:worker            dist/worker.mjs and dist/failureConverter.cjs
 *
 * Packages stay imports of node_modules, so dist/ must stay inside the repository. `npm start`, `npm run cluster`
 * and the bench build it on every run; a deployment builds it once per checkout (deploy/).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { FAILURE_CONVERTER_BUILT } from '../temporal/codec';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WORKER_BUILD_DIR = join(REPO_ROOT, 'dist');
/** The compiled worker, as deploy/Procfile runs it. */
export const BUILT_WORKER = join(WORKER_BUILD_DIR, 'worker.mjs');

const common: BuildOptions = { bundle: true, platform: 'node', target: 'node20', packages: 'external', sourcemap: 'linked', write: false, logLevel: 'warning', absWorkingDir: REPO_ROOT };

/**
 * Builds both files and writes each beside its name, then renames it over: workers starting meanwhile (several
 * `npm start`s, a unit per worker) read the old file or the new one, never half of one. Returns the worker's path.
 */
export async function buildWorker(): Promise<string> {
  const results = await Promise.all([
    build({ ...common, entryPoints: ['workers/main.ts'], format: 'esm', outfile: BUILT_WORKER }),
    // The SDK require()s the failure converter by path (temporal/codec.ts), so it is CommonJS.
    build({ ...common, entryPoints: ['temporal/failureConverter.ts'], format: 'cjs', outfile: join(WORKER_BUILD_DIR, FAILURE_CONVERTER_BUILT) }),
  ]);
  mkdirSync(WORKER_BUILD_DIR, { recursive: true });
  for (const file of results.flatMap((r) => r.outputFiles ?? [])) {
    const partial = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.partial`);
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
  return BUILT_WORKER;
}

let built: Promise<string> | undefined;

/** The build, run at most once per process: what starts many workers (the bench, the cluster tests) builds once. */
export function buildWorkerOnce(): Promise<string> {
  return (built ??= buildWorker());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  console.log(`worker: ${await buildWorker()} (${Date.now() - t0} ms)`);
}
