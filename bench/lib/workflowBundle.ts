/**
 * The workflow bundle the bench's workers load (POLLSTER_WORKFLOW_BUNDLE), as `npm start` gives its
 * worker one: built once per run by scripts/build-workflow-bundle.ts in a child process, into the
 * run's temp dir. Not built when POLLSTER_WORKFLOW_BUNDLE is set already (that file is passed on as
 * it is), nor with BENCH_WORKER_ENTRY: a scratch copy's worker bundles its own workflows.
 */
import { dirname, join } from 'node:path';
import { spawnChild } from './procs';

let built: Promise<string> | undefined;

/** Environment for a worker child: the bundle to load, or nothing (the worker then bundles at start). `dir` is a benchmark's dir inside the run's temp dir. */
export async function workflowBundleEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  if (process.env.POLLSTER_WORKFLOW_BUNDLE || process.env.BENCH_WORKER_ENTRY) return {};
  built ??= build(join(dirname(dir), 'workflow-bundle.js'), dir);
  return { POLLSTER_WORKFLOW_BUNDLE: await built };
}

async function build(file: string, logDir: string): Promise<string> {
  const child = await spawnChild({
    name: 'workflow-bundle',
    command: process.execPath,
    args: ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', file],
    env: process.env,
    logFile: join(logDir, 'workflow-bundle.log'),
  });
  const code = await child.done;
  if (code !== 0) throw new Error(`building the workflow bundle failed (${code}):\n${child.tail()}`);
  return file;
}
