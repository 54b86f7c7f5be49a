/**
 * The worker's workflow code, capacity and delivery settings, from the environment (docs/operations.md#environment).
 * Bad values stop the worker at start, naming the variable, rather than reaching the SDK as NaN.
 */
import { existsSync } from 'node:fs';
import type { WorkerOptions } from '@temporalio/worker';
import { workflowBundleOptions } from './workflowBundle';

/**
 * Workflows kept in memory between tasks. A cached instance holds ~0.25 MB of live state in the
 * workflow thread, and that thread's V8 heap grows to a few times its live size before it collects
 * what evicted instances left, so RSS follows the cache at ~1 MB per entry. 100 keeps a worker with
 * 5,000 idle instances under 400 MB (bench/NOTES.md, B3). An instance out of the cache replays its
 * history at its next task: cheap for a poller that waits an hour, not for one polling every few
 * seconds (docs/operations.md#scaling).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

function whole(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, got '${raw}'`);
  return n;
}

/** A prebuilt bundle (scripts/build-workflow-bundle.ts) when POLLSTER_WORKFLOW_BUNDLE names one; else the SDK bundles workflows/ at start. */
export function workflowSource(env: NodeJS.ProcessEnv): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> & { workflowModules?: string[] } {
  const codePath = env.POLLSTER_WORKFLOW_BUNDLE?.trim();
  if (!codePath) {
    const { workflowsPath, preloadModules, workflowInterceptorModules } = workflowBundleOptions;
    return { workflowsPath, bundlerOptions: { preloadModules }, workflowModules: workflowInterceptorModules };
  }
  if (!existsSync(codePath)) throw new Error(`POLLSTER_WORKFLOW_BUNDLE: no file at ${codePath} (build it with npm run build:workflows)`);
  return { workflowBundle: { codePath } };
}

/** Concurrent deliveries per callback host, per worker (POLLSTER_DELIVERY_CONCURRENCY, default 8). */
export function deliveryConcurrency(env: NodeJS.ProcessEnv): number {
  return whole(env, 'POLLSTER_DELIVERY_CONCURRENCY', 1) ?? 8;
}

/** POLLSTER_RETRY_SCALE: multiplies every delivery retry delay (1 by default; tests use e.g. 0.001). */
export function retryScale(env: NodeJS.ProcessEnv): number {
  const raw = env.POLLSTER_RETRY_SCALE?.trim();
  if (!raw) return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 0) throw new Error(`POLLSTER_RETRY_SCALE must be a number of at least 0, got '${raw}'`);
  return scale;
}

/**
 * Cache size always; the concurrency limits and the workflow threads only when set (the SDK's defaults otherwise: 40
 * workflow tasks, 100 activities, one workflow thread).
 */
export function capacityFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'workflowThreadPoolSize'> {
  const workflowTasks = whole(env, 'POLLSTER_MAX_CONCURRENT_WORKFLOW_TASKS', 2);
  const activities = whole(env, 'POLLSTER_MAX_CONCURRENT_ACTIVITIES', 1);
  const threads = whole(env, 'POLLSTER_WORKFLOW_THREADS', 1);
  return {
    maxCachedWorkflows: whole(env, 'POLLSTER_MAX_CACHED_WORKFLOWS', 0) ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    ...(workflowTasks !== undefined ? { maxConcurrentWorkflowTaskExecutions: workflowTasks } : {}),
    ...(activities !== undefined ? { maxConcurrentActivityTaskExecutions: activities } : {}),
    ...(threads !== undefined ? { workflowThreadPoolSize: threads } : {}),
  };
}
