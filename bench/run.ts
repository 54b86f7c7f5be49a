/**
 * `npm run bench`: B1 throughput, B2 scale, B3 memory and a hot-path profile (bench/README.md), on
 * a Temporal dev server of its own per benchmark (or TEMPORAL_ADDRESS), with the worker in a child
 * process. Appends a section to bench/RESULTS.md and writes bench/results/<timestamp>.json.
 * All load goes to 127.0.0.1 (provider and receiver live in this process), bounded in count and time.
 */
import './lib/env';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporalCliPath } from '../scripts/devServer';
import { runB1 } from './b1';
import { b2Scenarios, runB2 } from './b2';
import { runB3 } from './b3';
import { runB4 } from './b4';
import { codecCost } from './profile';
import { idAllocator, readKnobs, subdirIn, type BenchContext } from './lib/context';
import { killAll, REPO_ROOT } from './lib/procs';
import { Progress } from './lib/progress';
import { startBenchProvider } from './lib/provider';
import { startBenchReceiver } from './lib/receiver';
import { writeResults, type RunResults } from './lib/report';
import { round } from './lib/stats';
import { workerLaunchEnv } from './lib/temporalEnv';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
/** The run's temp dir (SQLite files, logs, profiles): removed on every way out. */
let tempRoot: string | undefined;
const HOT_PATH = ['workflows/instance.ts', 'activities/pollPage.ts', 'activities/deliverPage.ts', 'workers/worker.ts', 'temporal/codec.ts', 'core/diff.ts'];

function codeFingerprint(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of HOT_PATH) {
    try {
      out[file] = createHash('sha256').update(readFileSync(join(REPO_ROOT, file))).digest('hex').slice(0, 8);
    } catch {
      out[file] = 'missing';
    }
  }
  return out;
}

function temporalVersion(): string {
  try {
    return execFileSync(temporalCliPath(), ['--version'], { encoding: 'utf8' }).trim().replace(/^temporal version /, '');
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const knobs = readKnobs();
  const progress = new Progress();
  const t0 = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'pollster-bench-'));
  tempRoot = root;
  const external = process.env.TEMPORAL_ADDRESS;
  const workerEnv: Record<string, string> = {};
  for (const k of ['POLLSTER_MAX_CACHED_WORKFLOWS', 'POLLSTER_WORKFLOW_THREADS', 'POLLSTER_DELIVERY_CONCURRENCY', 'BENCH_WORKER_ENTRY', 'BENCH_WORKER_NODE_ARGS', 'BENCH_SERVER_ARGS']) {
    if (process.env[k]) workerEnv[k] = process.env[k]!;
  }
  const preload = workerLaunchEnv().LD_PRELOAD;
  if (preload) workerEnv.LD_PRELOAD = preload;
  const results: RunResults = {
    meta: {
      startedAt: new Date(t0).toISOString(),
      host: hostname(),
      cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}`,
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      temporal: external ? 'external cluster' : temporalVersion(),
      target: external ? `external ${external}` : 'dev server per benchmark (SQLite file, WAL, headless)',
      loadAvgStart: loadavg(),
      code: codeFingerprint(),
      workerEnv,
      knobs,
    },
    errors: {},
  };
  if (external) progress.log(`using the Temporal cluster at ${external} (no dev server; make sure no other worker polls task queue 'pollster' there)`);

  const provider = await startBenchProvider({ records: knobs.b1Records, recordBytes: knobs.b1RecordBytes });
  const receiver = await startBenchReceiver();
  const ctx: BenchContext = { knobs, progress, provider, receiver, nextId: idAllocator(), subdir: subdirIn(root) };
  const run = async (name: string, fn: () => Promise<void>, wanted = knobs.only.includes(name)): Promise<void> => {
    if (!wanted) return;
    try {
      await fn();
    } catch (err) {
      results.errors[name] = (err as Error).stack ?? String(err);
      progress.log(`${name} failed: ${(err as Error).message}`);
    }
  };

  try {
    await run('B1', async () => {
      const knobsForB1 = { ...knobs, cpuProfile: knobs.cpuProfile && knobs.only.includes('PROFILE') };
      const { samplePayloads, ...b1 } = await runB1({ ...ctx, knobs: knobsForB1 });
      results.b1 = b1;
      if (knobs.only.includes('PROFILE') && samplePayloads) results.codec = await codecCost(samplePayloads);
      progress.log(`B1: Pollster ${b1.pollsterRate.median} events/s, plain ${b1.plainRate.median} events/s, ratio ${b1.ratio.median}`);
    });
    for (const scenario of b2Scenarios(knobs)) {
      await run(scenario.name, async () => {
        (results.b2 ??= []).push(await runB2(ctx, scenario));
      }, true);
    }
    await run('B3', async () => {
      results.b3 = await runB3(ctx);
    });
    await run('B4', async () => {
      results.b4 = await runB4(ctx);
    });
  } finally {
    progress.done();
    await provider.close();
    await receiver.close();
    if (!process.env.BENCH_KEEP_TMP) rmSync(root, { recursive: true, force: true });
    else progress.log(`temp files kept in ${root}`);
  }
  results.meta.finishedAt = new Date().toISOString();
  results.meta.durationSec = round((Date.now() - t0) / 1000);
  results.meta.loadAvgEnd = loadavg();
  const written = writeResults(BENCH_DIR, results);
  console.log(`bench: results in ${written.md} and ${written.json} (${round(results.meta.durationSec / 60, 1)} min)`);
  if (Object.keys(results.errors).length > 0) process.exitCode = 1;
}

// Ctrl-C or a kill: take every child down with the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    if (tempRoot && !process.env.BENCH_KEEP_TMP) rmSync(tempRoot, { recursive: true, force: true });
    process.exit(130);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  killAll();
  if (tempRoot && !process.env.BENCH_KEEP_TMP) rmSync(tempRoot, { recursive: true, force: true });
  process.exit(1);
});
