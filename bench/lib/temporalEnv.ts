/**
 * Temporal for a benchmark: a dev server of its own (scripts/devServer.ts arguments: free port, temp
 * SQLite file with WAL, headless, Pollster's search attributes) or, with TEMPORAL_ADDRESS set, the
 * cluster it names (then no server is started and its CPU is not ours to read). The worker always
 * runs in a child process, `node dist/worker.mjs` (compiled), as `npm start` runs it.
 */
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { devServerArgs, freePort, temporalCliPath, waitForTemporal } from '../../scripts/devServer';
import { buildWorkerOnce } from '../../scripts/build-worker';
import { capacityFromEnv, WORKER_PROCESS_ENV, workerProcessEnv } from '../../workers/tuning';
import { dataConverterFromEnv } from '../../temporal/codec';
import { temporalTarget, type TemporalTarget } from '../../temporal/target';
import { spawnChild, type Child } from './procs';
import { workflowBundleEnv } from './workflowBundle';

export interface TemporalEnv {
  target: TemporalTarget;
  external: boolean;
  server?: Child;
  client: Client;
  close(): Promise<void>;
}

/** Extra `temporal server start-dev` arguments (BENCH_SERVER_ARGS, space-separated), for experiments. */
function extraServerArgs(): string[] {
  return (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
}

export async function startTemporalEnv(dir: string): Promise<TemporalEnv> {
  const external = Boolean(process.env.TEMPORAL_ADDRESS);
  let server: Child | undefined;
  let target: TemporalTarget;
  if (external) {
    target = temporalTarget(process.env);
  } else {
    const port = await freePort();
    const args = [...devServerArgs({ dbFile: join(dir, 'temporal.sqlite'), port }), ...extraServerArgs()];
    server = await spawnChild({ name: 'temporal', command: temporalCliPath(), args, env: process.env, logFile: join(dir, 'server.log') });
    target = { address: `127.0.0.1:${port}`, namespace: 'default' };
  }
  try {
    await waitForTemporal(target.address, target.namespace, 60_000);
  } catch (err) {
    await server?.stop('SIGKILL');
    throw err;
  }
  const connection = await Connection.connect({ address: target.address, tls: target.tls });
  const client = new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFromEnv() });
  return {
    target,
    external,
    server,
    client,
    async close() {
      await connection.close().catch(() => undefined);
      await server?.stop('SIGTERM', 5_000);
    },
  };
}

/** The worker's process environment as the launchers set it (jemalloc where the machine has it); BENCH_JEMALLOC=0 leaves it out. */
export function workerLaunchEnv(): Record<string, string> {
  return process.env.BENCH_JEMALLOC === '0' ? { ...WORKER_PROCESS_ENV } : workerProcessEnv(process.env);
}

/** The worker cache the bench's workers run with, by the worker's own rule, for the report. */
export function workerCacheLabel(): string {
  const onJemalloc = Boolean(workerLaunchEnv().LD_PRELOAD);
  const cache = capacityFromEnv(process.env, onJemalloc).maxCachedWorkflows;
  if (process.env.POLLSTER_MAX_CACHED_WORKFLOWS?.trim()) return String(cache);
  return `${cache} (default${onJemalloc ? ' on jemalloc' : ''})`;
}

export interface WorkerProcess extends Child {
  metricsUrl: string;
}

/** Environment the worker child gets: where Temporal is, the run's key, and Pollster's own knobs as set for the bench. */
function workerEnv(target: TemporalTarget, metricsAddress: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const passed: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('POLLSTER_') || k.startsWith('TEMPORAL_') || k.startsWith('NODE_') || k.startsWith('MALLOC_')) passed[k] = v;
  }
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...passed,
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'true',
    POLLSTER_ALLOW_PRIVATE_PROVIDERS: 'true',
    POLLSTER_WORKER_METRICS_ADDRESS: metricsAddress,
    ...extra,
  };
}

/**
 * The worker child: by default the compiled worker (dist/worker.mjs, built once per run) as `npm start` runs it,
 * with a prebuilt workflow bundle (./workflowBundle.ts). BENCH_WORKER_ENTRY (a source file, run through tsx) and
 * BENCH_WORKER_NODE_ARGS are for trying a changed worker in a scratch copy.
 */
export async function startWorkerProcess(target: TemporalTarget, dir: string, options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; name?: string } = {}): Promise<WorkerProcess> {
  const source = process.env.BENCH_WORKER_ENTRY;
  const entryArgs = source ? ['--import', 'tsx', source] : [await buildWorkerOnce()];
  const nodeArgs = [...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...(options.nodeArgs ?? [])];
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const bundle = await workflowBundleEnv(dir);
  const child = await spawnChild({
    name: options.name ?? 'worker',
    command: process.execPath,
    args: [...nodeArgs, ...entryArgs],
    // Pollster's store in the benchmark's own dir (the bench's key encrypts it; nothing of it outlives the run).
    env: { ...workerLaunchEnv(), ...workerEnv(target, metricsAddress, { POLLSTER_DATA_DIR: dir, ...bundle, ...options.env }) },
    logFile: join(dir, `${options.name ?? 'worker'}.log`),
    ready: /worker polling task queue/,
    readyTimeoutMs: 180_000,
  });
  return Object.assign(child, { metricsUrl: `http://${metricsAddress}/metrics` });
}

/** Prometheus text → sample name{labels} → value (only what the bench reads). */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const space = line.lastIndexOf(' ');
      const value = Number(line.slice(space + 1));
      if (Number.isFinite(value)) out.set(line.slice(0, space), value);
    }
  } catch {
    // metrics are a cross-check only
  }
  return out;
}

/** Sums the samples of one metric whatever their labels, or per `le` bucket for a histogram. */
export function metricSum(metrics: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [k, v] of metrics) if (k === name || k.startsWith(`${name}{`)) sum += v;
  return sum;
}

export function histogramBuckets(metrics: Map<string, number>, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const [k, v] of metrics) {
    if (!k.startsWith(`${name}_bucket{`)) continue;
    const m = /le="([^"]+)"/.exec(k);
    if (!m) continue;
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + v);
  }
  return buckets;
}

/** Upper bucket bound holding quantile `q` of the samples between two scrapes (Prometheus-style, coarse). */
export function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number | undefined {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  for (const le of les) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le;
  }
  return Infinity;
}
