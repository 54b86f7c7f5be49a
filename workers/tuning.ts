/**
 * The worker's workflow code, capacity and delivery settings, from the environment (docs/operations.md#environment).
 * Bad values stop the worker at start, naming the variable, rather than reaching the SDK as NaN.
 */
import { existsSync } from 'node:fs';
import type { WorkerOptions } from '@temporalio/worker';
import { jemallocPreload } from './allocator';
import { workflowBundleOptions } from './workflowBundle';

/**
 * Workflows kept in memory between tasks. An instance out of the cache replays its history at its next task: cheap
 * for a poller that waits an hour, not for one polling every few seconds (docs/operations.md#scaling). A cached
 * instance holds about 0.1 MB of the workflow thread's live heap and, on glibc's malloc, about 0.35 MB of RSS in all:
 * 100 keeps a worker with 5,000 idle instances under 400 MB there. On jemalloc, which gives freed memory back, 500 do
 * (B3 idle 254 MB), and a worker polling 500 instances every 5 s replays none (bench/NOTES.md).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;
export const JEMALLOC_MAX_CACHED_WORKFLOWS = 500;

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
 * The worker process's environment, set by whatever starts it (npm start, deploy/, the bench): glibc reads it only
 * at process start. glibc's malloc gives each thread that allocates at once an arena of its own, up to eight per core,
 * and each keeps what it freed: the SDK's native core, the workflow thread and libuv's pool fill several. With two,
 * B2-fast at N = 500 held the worker at 264–288 MB against 325–394 MB, B2-wide at 388 MB against 426, and B3's burst
 * peaked at 367 MB against 407–414; a replayed cycle cost about a tenth more worker CPU (bench/NOTES.md).
 * A value in the environment already wins.
 */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** What a launcher sets for a worker process: WORKER_PROCESS_ENV, and jemalloc preloaded where the machine has it. */
export function workerProcessEnv(env: NodeJS.ProcessEnv = process.env, exists?: (path: string) => boolean): Record<string, string> {
  return { ...WORKER_PROCESS_ENV, ...jemallocPreload(env, exists) };
}

/**
 * One thread runs workflow tasks unless POLLSTER_WORKFLOW_THREADS says otherwise (the SDK's default). A second one
 * raised B2-fast's rate in some runs (42.4 against 29.6 cycles/s) and not in others (33.2 against 36.8), and put
 * B3's idle worker at 403 MB instead of 290 (bench/NOTES.md): a choice for a worker with cores and memory to spare.
 */
export const DEFAULT_WORKFLOW_THREADS = 1;

/**
 * Cache size and workflow threads always (the cache's default by the allocator the worker runs on); the concurrency
 * limits only when set (the SDK's defaults otherwise: 40 workflow tasks, 100 activities).
 */
export function capacityFromEnv(
  env: NodeJS.ProcessEnv,
  onJemalloc = false,
): Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions' | 'maxConcurrentActivityTaskExecutions' | 'workflowThreadPoolSize'> {
  const workflowTasks = whole(env, 'POLLSTER_MAX_CONCURRENT_WORKFLOW_TASKS', 2);
  const activities = whole(env, 'POLLSTER_MAX_CONCURRENT_ACTIVITIES', 1);
  const threads = whole(env, 'POLLSTER_WORKFLOW_THREADS', 1);
  return {
    maxCachedWorkflows: whole(env, 'POLLSTER_MAX_CACHED_WORKFLOWS', 0) ?? (onJemalloc ? JEMALLOC_MAX_CACHED_WORKFLOWS : DEFAULT_MAX_CACHED_WORKFLOWS),
    ...(workflowTasks !== undefined ? { maxConcurrentWorkflowTaskExecutions: workflowTasks } : {}),
    ...(activities !== undefined ? { maxConcurrentActivityTaskExecutions: activities } : {}),
    workflowThreadPoolSize: threads ?? DEFAULT_WORKFLOW_THREADS,
  };
}

/**
 * How far every isolate of the worker (V8's flags are per process) lets its old generation grow past what a full
 * collection left live, in percent (POLLSTER_HEAP_GROWTH_PERCENT; 0 leaves V8's own factor of up to four times).
 * Under steady replays the main isolate otherwise sat at 198 MB committed for 53 MB live: at 50, B2-wide (6,000
 * instances, a cache of 500 on jemalloc) held the worker at 342–356 MB against 472–493, at the same rate; at 100,
 * 391/403 MB. It costs a poll with thousands of changes its collections: B1's worker CPU per event rose by about a
 * third at 50 (bench/NOTES.md).
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

export function heapGrowthFlags(env: NodeJS.ProcessEnv): string[] {
  const percent = whole(env, 'POLLSTER_HEAP_GROWTH_PERCENT', 0) ?? DEFAULT_HEAP_GROWTH_PERCENT;
  return percent === 0 ? [] : [`--heap-growing-percent=${percent}`];
}

/**
 * The V8 heap of each workflow thread: a young generation of 1 MB per half, and an old generation of at least 256 MB,
 * 1 MB more per cached workflow above 128 (a cached instance holds about 0.1 MB of live heap: the margin is generous).
 * Without them V8 lets a thread's heap grow to several times what is live while workflows are replayed, and never
 * gives it back. Only the workflow threads: the activities' isolate keeps V8's defaults, since bounding it doubled the
 * garbage collection of a page run (B1) and a large provider answer needs room there (bench/NOTES.md).
 */
export function workflowThreadHeapFlags(maxCachedWorkflows: number): string[] {
  return ['--max-semi-space-size=1', `--max-old-space-size=${Math.max(256, 128 + maxCachedWorkflows)}`];
}
