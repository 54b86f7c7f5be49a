/**
 * B1 throughput: one `http` instance polls 20,000 changed records (~1 KB, pages of 200) and delivers
 * them to the local receiver; the same poll is run by the plain loop (same code, no Temporal).
 * Rate = events / (first provider request → last event received). Runs alternate plain/Pollster
 * so drift in the machine's load (other people's tests) hits both alike; each ratio pairs two
 * neighbouring runs.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { BenchContext } from './lib/context';
import { fetchEvents, profileHistory, type HistoryProfile } from './lib/history';
import { httpInstanceSpec, signalPollNow, startInstance, terminateInstances } from './lib/instances';
import type { PlainLoopInput, PlainLoopResult } from './lib/plainLoop';
import { plainLoop } from './lib/plainLoop';
import { CpuMeter, spawnChild, sleep, type Child } from './lib/procs';
import { summarizeProfiles, type ProfileSummary } from './lib/cpuProfile';
import { round, spread, type Spread } from './lib/stats';
import { startTemporalEnv, startWorkerProcess, type TemporalEnv, type WorkerProcess } from './lib/temporalEnv';
import { status } from '../contract/messages';
import { instanceWorkflowId } from '../contract/names';

export interface B1Run {
  kind: 'pollster' | 'plain' | 'plain-in-bench';
  repeat: number;
  events: number;
  duplicates: number;
  notifications: number;
  providerRequests: number;
  elapsedMs: number;
  eventsPerSec: number;
  /** CPU seconds per 1,000 events, per process (temporal, worker, plain, bench). */
  cpuPer1000Events: Record<string, number>;
  cpuPercent: Record<string, number>;
  othersPercent: number;
  instanceId: number;
}

export interface B1Result {
  records: number;
  recordBytes: number;
  pageSize: number;
  deliveryConcurrency: number;
  runs: B1Run[];
  pollsterRate: Spread;
  plainRate: Spread;
  plainInBenchRate?: Spread;
  /** Pollster ÷ plain, per repeat (neighbouring runs). */
  ratio: Spread;
  goal: { ratio: number; met: boolean };
  /** History of the last Pollster run. */
  history?: HistoryProfile & { bytesPerEvent: number; pages: number; activitiesPerPage: number };
  /** The plain loop's own per-page time (ms), to set against the activity's run time in history. */
  plainMsPerPage?: number;
  /** Where the CPU goes (node --cpu-prof) in one extra, unreported run of each. */
  cpuProfile?: { worker?: ProfileSummary; plain?: ProfileSummary; workerRun?: B1Run; plainRun?: B1Run };
  /** Raw history kept for the profile step (codec cost on real payloads). */
  samplePayloads?: { input: Payload[]; result: Payload[] };
}

interface PlainChild {
  child: Child;
  run(input: PlainLoopInput): Promise<PlainLoopResult>;
}

async function startPlainChild(dir: string, nodeArgs: string[] = []): Promise<PlainChild> {
  const waiting: ((line: string) => void)[] = [];
  const child = await spawnChild({
    name: 'plain',
    command: process.execPath,
    args: [...nodeArgs, '--import', 'tsx', 'bench/lib/plainLoopMain.ts'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'true', POLLSTER_ALLOW_PRIVATE_PROVIDERS: 'true', POLLSTER_DELIVERY_CONCURRENCY: process.env.POLLSTER_DELIVERY_CONCURRENCY },
    logFile: join(dir, 'plain.log'),
    ready: /^READY/,
    stdin: true,
    onLine: (line) => {
      if (line.startsWith('RESULT ') || line.startsWith('ERROR ')) waiting.shift()?.(line);
    },
  });
  return {
    child,
    run(input) {
      return new Promise((resolve, reject) => {
        waiting.push((line) => (line.startsWith('RESULT ') ? resolve(JSON.parse(line.slice(7)) as PlainLoopResult) : reject(new Error(line))));
        child.child.stdin!.write(`${JSON.stringify(input)}\n`);
      });
    },
  };
}

/** Waits until the instance's poll cycle has finished (its status shows a completed run). */
async function waitCycleDone(client: Client, id: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.workflow.getHandle(instanceWorkflowId(id)).query(status);
    if (s.polls >= 1 && s.state !== 'polling') return;
    if (Date.now() > deadline) throw new Error(`instance ${id} did not finish its poll in ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function runB1(ctx: BenchContext): Promise<B1Result> {
  const { knobs, provider, receiver, progress } = ctx;
  const dir = ctx.subdir('b1');
  const records = knobs.b1Records;
  const runs: B1Run[] = [];
  let env: TemporalEnv | undefined;
  let worker: WorkerProcess | undefined;
  let plain: PlainChild | undefined;
  const created: number[] = [];
  let lastHistory: B1Result['history'];
  let samplePayloads: B1Result['samplePayloads'];
  let plainMsPerPage: number | undefined;
  let cpuProfile: B1Result['cpuProfile'];

  const specFor = (key: string, sinceMs: number, name: string) =>
    httpInstanceSpec({
      providerUrl: provider.url,
      path: `/d/${key}/contacts`,
      callbackUrl: receiver.url,
      intervalMinutes: 60, // one poll per run: the bench triggers it with pollNow
      sinceMs,
      pageSize: knobs.b1PageSize,
      name,
      tags: ['bench', 'b1'],
    });

  const measure = async (kind: B1Run['kind'], repeat: number, expected: number, sinceMs: number, pids: Record<string, number | undefined>): Promise<B1Run> => {
    const id = ctx.nextId();
    const key = `b1-${id}`;
    const spec = specFor(key, sinceMs, `b1 ${kind} ${repeat}`);
    const cpu = new CpuMeter(pids);
    const tick = (t: { events: number } | undefined): void => progress.set(`B1 ${kind} #${repeat}: ${t?.events ?? 0}/${expected} events`);
    let plainResult: PlainLoopResult | undefined;
    if (kind === 'pollster') {
      await startInstance(env!.client, id, spec);
      created.push(id);
      cpu.start();
      await signalPollNow(env!.client, id);
      await receiver.waitForEvents(id, expected, 600_000, tick);
    } else {
      const input: PlainLoopInput = { instanceId: id, spec, pollStartMs: Date.now() };
      cpu.start();
      const done = kind === 'plain' ? plain!.run(input) : plainLoop(input);
      await receiver.waitForEvents(id, expected, 600_000, tick);
      plainResult = await done;
    }
    const window = cpu.read();
    const tally = receiver.tally(id)!;
    const stats = provider.stats(key)!;
    const elapsedMs = tally.lastAtMs - stats.firstAtMs;
    if (kind === 'pollster') await waitCycleDone(env!.client, id, 120_000);
    if (plainResult && plainResult.pages > 0 && repeat > 0) plainMsPerPage = plainResult.elapsedMs / plainResult.pages; // not warm-up or profiled runs
    const cpuPer1000Events: Record<string, number> = {};
    for (const [name, s] of Object.entries(window.cpuSeconds)) cpuPer1000Events[name] = round((1000 * s) / tally.events, 4);
    const percent: Record<string, number> = {};
    for (const [name, p] of Object.entries(window.percent)) percent[name] = round(p);
    return {
      kind,
      repeat,
      events: tally.events,
      duplicates: tally.duplicates,
      notifications: tally.notifications,
      providerRequests: provider.stats(key)?.requests ?? 0,
      elapsedMs,
      eventsPerSec: round((1000 * tally.events) / elapsedMs),
      cpuPer1000Events,
      cpuPercent: percent,
      othersPercent: round(window.othersPercent),
      instanceId: id,
    };
  };

  try {
    progress.set('B1: starting Temporal and the worker');
    env = await startTemporalEnv(dir);
    worker = await startWorkerProcess(env.target, dir);
    plain = await startPlainChild(dir);
    const pids = { temporal: env.server?.pid, worker: worker.pid, plain: plain.child.pid };

    // Warm-up (not reported): JIT, connections, the worker's workflow isolate. A full pass each: with
    // a shorter one the plain loop was still speeding up over the repeats, which skewed the ratios.
    const since = provider.datasetStartMs - 1000;
    await measure('plain', 0, records, since, pids);
    await measure('pollster', 0, records, since, pids);
    await measure('plain-in-bench', 0, records, since, pids);
    progress.log('B1: warm-up done');

    for (let r = 1; r <= knobs.b1Repeats; r++) {
      const order: B1Run['kind'][] = r % 2 === 1 ? ['plain', 'pollster'] : ['pollster', 'plain'];
      for (const kind of order) {
        const run = await measure(kind, r, records, since, pids);
        runs.push(run);
        progress.log(`B1 ${kind} #${r}: ${run.events} events in ${round(run.elapsedMs / 1000, 2)} s = ${run.eventsPerSec} events/s (others on the machine: ${run.othersPercent}% of a core)`);
      }
      const inBench = await measure('plain-in-bench', r, records, since, pids);
      runs.push(inBench);
      progress.log(`B1 plain-in-bench #${r}: ${inBench.eventsPerSec} events/s`);
    }

    const last = runs.filter((r) => r.kind === 'pollster').at(-1);
    if (last) {
      const events = await fetchEvents(env.client, last.instanceId);
      const profile = profileHistory(events);
      lastHistory = {
        ...profile,
        bytesPerEvent: round(profile.bytes / last.events, 1),
        pages: last.providerRequests,
        activitiesPerPage: round(Object.values(profile.activities).reduce((a, b) => a + b, 0) / Math.max(1, last.providerRequests), 2),
      };
      samplePayloads = { input: [], result: [] };
      for (const e of events) {
        const input = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
        const result = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
        if (input) samplePayloads.input.push(input);
        if (result) samplePayloads.result.push(result);
      }
    }

    if (knobs.cpuProfile) {
      // One more run of each under the V8 profiler (not in the figures above: profiling slows them).
      progress.set('B1: CPU profiles');
      const workerDir = join(dir, 'prof-worker');
      const plainDir = join(dir, 'prof-plain');
      await worker.stop('SIGTERM', 15_000);
      worker = await startWorkerProcess(env.target, dir, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${workerDir}`], name: 'worker-prof' });
      const w0 = Date.now();
      const workerRun = await measure('pollster', 0, records, since, { temporal: env.server?.pid, worker: worker.pid });
      const w1 = Date.now();
      const workerExit = worker.done.then(() => Date.now());
      await worker.stop('SIGTERM', 30_000); // the profile is written as the process exits
      const workerExitMs = await workerExit;
      worker = undefined;
      const profiled = await startPlainChild(dir, ['--cpu-prof', `--cpu-prof-dir=${plainDir}`]);
      const savedPlain = plain;
      plain = profiled;
      const p0 = Date.now();
      const plainRun = await measure('plain', 0, records, since, { plain: profiled.child.pid });
      const p1 = Date.now();
      plain = savedPlain;
      const plainExit = profiled.child.done.then(() => Date.now());
      profiled.child.child.stdin!.end(); // its loop ends, the process exits and writes the profile
      await Promise.race([profiled.child.done, sleep(20_000)]);
      await profiled.child.stop('SIGKILL');
      const plainExitMs = await plainExit;
      cpuProfile = { workerRun, plainRun };
      try {
        cpuProfile.worker = summarizeProfiles(workerDir, { fromWallMs: w0, toWallMs: w1, exitWallMs: workerExitMs });
      } catch (err) {
        progress.log(`B1: no worker CPU profile (${(err as Error).message})`);
      }
      try {
        cpuProfile.plain = summarizeProfiles(plainDir, { fromWallMs: p0, toWallMs: p1, exitWallMs: plainExitMs });
      } catch (err) {
        progress.log(`B1: no plain-loop CPU profile (${(err as Error).message})`);
      }
    }
  } finally {
    progress.set('B1: stopping');
    if (env?.external) await terminateInstances(env.client, created).catch(() => undefined);
    await plain?.child.stop('SIGTERM', 3_000);
    await worker?.stop('SIGTERM', 15_000);
    await env?.close();
  }

  const rate = (kind: B1Run['kind']) => spread(runs.filter((r) => r.kind === kind).map((r) => r.eventsPerSec));
  const ratios: number[] = [];
  for (let r = 1; r <= knobs.b1Repeats; r++) {
    const p = runs.find((x) => x.kind === 'pollster' && x.repeat === r);
    const q = runs.find((x) => x.kind === 'plain' && x.repeat === r);
    if (p && q) ratios.push(round(p.eventsPerSec / q.eventsPerSec, 3));
  }
  const ratio = spread(ratios);
  return {
    records,
    recordBytes: knobs.b1RecordBytes,
    pageSize: knobs.b1PageSize,
    deliveryConcurrency: Number(process.env.POLLSTER_DELIVERY_CONCURRENCY || 8),
    runs,
    pollsterRate: rate('pollster'),
    plainRate: rate('plain'),
    plainInBenchRate: rate('plain-in-bench'),
    ratio,
    goal: { ratio: 0.8, met: ratio.median >= 0.8 },
    history: lastHistory,
    plainMsPerPage: plainMsPerPage === undefined ? undefined : round(plainMsPerPage, 1),
    samplePayloads,
    cpuProfile,
  };
}
