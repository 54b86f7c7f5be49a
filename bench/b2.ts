/**
 * B2 scale: N instances poll an always-empty resource (one provider request per cycle), in two
 * scenarios on a dev server each:
 *   - B2-fast: few instances, short interval (default N = 100 then 500 at 5 s): every instance fits
 *     the worker's cache, so this is the cost of a cached cycle;
 *   - B2-wide: many instances, long interval (default N = 6,000 at 60 s): far more instances than the
 *     cache holds, so most polls replay their history.
 * The goal is the same rate in both: ≥ 95 cycles/s with poll-start lag p99 < 2 s (and, wide, worker RSS
 * under 400 MB throughout).
 *
 * Schedule lag is computed from the provider's requests, exactly: each request carries
 * `updatedSince` = the instance's checkpoint = the start of its previous poll (workflow clock) minus a
 * constant query slack, which the first request calibrates (its checkpoint is the instance's
 * createdDate, which the bench wrote). So for every request:
 *   - poll-start lag of the previous cycle = its start − (the start before it + interval): the
 *     workflow's own definition (what `pollster_schedule_lag` records), per sample, not bucketed;
 *   - request lag = arrival at the provider − (previous start + interval): what the provider sees,
 *     poll-start lag plus the activity's dispatch.
 */
import type { BenchContext, Knobs } from './lib/context';
import { fetchEvents, perCycle } from './lib/history';
import { httpInstanceSpec, pool, startInstance, terminateInstances } from './lib/instances';
import { CpuMeter, pidsNamed, RssSampler, sleep, type PidSource } from './lib/procs';
import { distribution, mb, round, spread, type Distribution, type Spread } from './lib/stats';
import { bucketQuantile, histogramBuckets, metricSum, scrapeMetrics, startTemporalEnv, startWorkerProcess, workerCacheLabel, type TemporalEnv, type WorkerProcess } from './lib/temporalEnv';

/** One scenario: its instances (stepped up), their interval, and what is measured per step. */
export interface B2Scenario {
  name: 'B2-fast' | 'B2-wide';
  intervalSec: number;
  steps: number[];
  /** Beyond the listed steps, N doubles while the goal holds, up to this. */
  max: number;
  windowSec: number;
  repeats: number;
  /** Worker RSS bound (MB) the goal includes, from the start of the warm-up to the last window. */
  rssLimitMb?: number;
}

export const GOAL_CYCLES_PER_SEC = 95;
export const GOAL_LAG_P99_MS = 2000;

export function b2Scenarios(knobs: Knobs): B2Scenario[] {
  const all: B2Scenario[] = [
    { name: 'B2-fast', intervalSec: knobs.scaleIntervalSec, steps: knobs.scaleSteps, max: knobs.scaleMax, windowSec: knobs.scaleWindowSec, repeats: knobs.scaleRepeats },
    { name: 'B2-wide', intervalSec: knobs.wideIntervalSec, steps: [knobs.wideInstances], max: knobs.wideInstances, windowSec: knobs.wideWindowSec, repeats: knobs.wideRepeats, rssLimitMb: 400 },
  ];
  return all.filter((s) => knobs.only.includes('B2') || knobs.only.includes(s.name.toUpperCase()));
}

export interface B2Window {
  seconds: number;
  cycles: number;
  cyclesPerSec: number;
  /** Instances that made no request in the window (starved). */
  silentInstances: number;
  pollStartLagMs: Distribution;
  requestLagMs: Distribution;
  /** Coarse cross-check from the worker's `pollster_schedule_lag` histogram (bucket upper bounds). */
  histogramLagMs?: { p50?: number; p99?: number; count: number };
  cpuPercent: Record<string, number>;
  /** CPU milliseconds per poll cycle, per process. */
  cpuMsPerCycle: Record<string, number>;
  othersPercent: number;
  workerRssPeakMb: number;
  serverRssPeakMb?: number;
  /** Workflow tasks that found their workflow in the worker's cache ÷ all (the SDK's sticky-cache counters). */
  cacheHitRate?: number;
}

export interface B2History {
  sampled: number;
  eventsPerCycle: number;
  bytesPerCycle: number;
  typesPerCycle: Record<string, number>;
}

export interface B2Step {
  instances: number;
  offeredPerSec: number;
  createSeconds: number;
  createPerSec: number;
  warmupSeconds: number;
  /** Worker RSS peak while the step's instances were started and warmed up. */
  warmupRssPeakMb: number;
  windows: B2Window[];
  cyclesPerSec: Spread;
  pollStartLagP50: Spread;
  pollStartLagP99: Spread;
  pollStartLagMax: number;
  requestLagP99: Spread;
  requestLagMax: number;
  /** Events and bytes per steady cycle, from the histories of a few of the oldest instances. */
  history?: B2History;
  keepsUp: boolean;
  /** Undefined where the step offers less than the goal's rate. */
  goalMet?: boolean;
}

export interface B2Result {
  name: B2Scenario['name'];
  intervalSec: number;
  windowSec: number;
  steps: B2Step[];
  largestNMeetingGoal?: number;
  largestNKeepingUp?: number;
  workerCache: string;
  workers: number;
  /** On the cluster TEMPORAL_ADDRESS names, not a dev server of the bench's own. */
  external: boolean;
}

/**
 * A step keeps up when, in every window (not just the median one), p99 poll-start lag stays under
 * 2 s and the achieved rate is ≥ 90 % of the offered one. The next poll is due one interval after the
 * last one *started*, so the period is interval + lag: even a step that keeps up achieves a little
 * less than N ÷ interval. The goal, judged only where at least its rate is offered, is ≥ 95 cycles/s
 * in every window with that lag, within the scenario's RSS bound.
 */
export function judgeStep(
  step: Pick<B2Step, 'windows' | 'offeredPerSec' | 'warmupRssPeakMb'>,
  rssLimitMb?: number,
): { keepsUp: boolean; goalMet?: boolean } {
  const lagOk = step.windows.every((w) => w.pollStartLagMs.p99 < GOAL_LAG_P99_MS);
  const keepsUp = lagOk && step.windows.every((w) => w.cyclesPerSec >= 0.9 * step.offeredPerSec);
  if (step.offeredPerSec < GOAL_CYCLES_PER_SEC) return { keepsUp };
  const rssPeak = Math.max(step.warmupRssPeakMb, ...step.windows.map((w) => w.workerRssPeakMb));
  const rssOk = rssLimitMb === undefined || rssPeak < rssLimitMb;
  return { keepsUp, goalMet: lagOk && rssOk && step.windows.every((w) => w.cyclesPerSec >= GOAL_CYCLES_PER_SEC) };
}

/** The SDK's sticky-cache counters (hits and misses of workflow tasks), summed over their labels. */
function cacheCounts(metrics: Map<string, number>): { hits: number; misses: number } {
  let hits = 0;
  let misses = 0;
  for (const [k, v] of metrics) {
    if (/sticky_cache_hit(_total)?(\{|$)/.test(k)) hits += v;
    else if (/sticky_cache_miss(_total)?(\{|$)/.test(k)) misses += v;
  }
  return { hits, misses };
}

async function sampleHistory(env: TemporalEnv, ids: number[]): Promise<B2History | undefined> {
  const sampled: NonNullable<ReturnType<typeof perCycle>>[] = [];
  for (const id of ids.slice(0, 5)) {
    const c = perCycle(await fetchEvents(env.client, id));
    if (c) sampled.push(c);
  }
  if (sampled.length === 0) return undefined;
  const types: Record<string, number> = {};
  for (const s of sampled) for (const [t, v] of Object.entries(s.typesPerCycle)) types[t] = (types[t] ?? 0) + v / sampled.length;
  for (const t of Object.keys(types)) types[t] = round(types[t]!, 2);
  return {
    sampled: sampled.length,
    eventsPerCycle: round(sampled.reduce((a, s) => a + s.eventsPerCycle, 0) / sampled.length, 2),
    bytesPerCycle: round(sampled.reduce((a, s) => a + s.bytesPerCycle, 0) / sampled.length),
    typesPerCycle: types,
  };
}

/**
 * Whose CPU a window counts: the dev server, or on an external cluster on this machine its `temporal-server`
 * and `postgres` processes (found by name at each reading); the workers summed.
 */
function cpuSources(env: TemporalEnv, workers: WorkerProcess[]): Record<string, PidSource> {
  const server: Record<string, PidSource> = env.external ? { temporal: () => pidsNamed('temporal-server'), postgres: () => pidsNamed('postgres') } : { temporal: env.server?.pid };
  return { ...server, worker: workers.map((w) => w.pid) };
}

/** The workers' metrics, summed sample by sample. */
async function scrapeWorkers(workers: WorkerProcess[]): Promise<Map<string, number>> {
  const sum = new Map<string, number>();
  for (const m of await Promise.all(workers.map((w) => scrapeMetrics(w.metricsUrl)))) for (const [k, v] of m) sum.set(k, (sum.get(k) ?? 0) + v);
  return sum;
}

interface KeyState {
  createdMs: number;
  count: number;
  slackMs?: number;
  lastStartMs?: number;
}

export async function runB2(ctx: BenchContext, scenario: B2Scenario): Promise<B2Result> {
  const { provider, receiver, progress } = ctx;
  const name = scenario.name;
  const dir = ctx.subdir(name.toLowerCase());
  const intervalMs = scenario.intervalSec * 1000;
  const steps: B2Step[] = [];
  const keys = new Map<string, KeyState>();
  const ids: number[] = [];
  let env: TemporalEnv | undefined;
  const workers: WorkerProcess[] = [];

  // Samples of the current window (undefined between windows).
  let current: { cycles: number; perKey: Map<string, number>; startLag: number[]; requestLag: number[] } | undefined;
  provider.onEmptyPoll((p) => {
    const st = keys.get(p.key);
    if (!st) return;
    st.count++;
    if (st.count === 1) {
      st.slackMs = st.createdMs - p.sinceMs; // first checkpoint = createdDate: calibrates the query slack
      return;
    }
    const previousStart = p.sinceMs + st.slackMs!;
    if (current) {
      current.cycles++;
      current.perKey.set(p.key, (current.perKey.get(p.key) ?? 0) + 1);
      current.requestLag.push(p.atMs - (previousStart + intervalMs));
      // The first poll is due one interval after the workflow's first task, which no request shows.
      if (st.lastStartMs !== undefined && st.count >= 3) current.startLag.push(previousStart - (st.lastStartMs + intervalMs));
    }
    st.lastStartMs = previousStart;
  });

  const measureWindow = async (n: number): Promise<B2Window> => {
    const cpu = new CpuMeter(cpuSources(env!, workers)).start();
    const workerRss = workers.map((w) => new RssSampler(w.pid).start());
    const serverRss = env!.server ? new RssSampler(env!.server.pid).start() : undefined;
    const before = await scrapeWorkers(workers);
    current = { cycles: 0, perKey: new Map(), startLag: [], requestLag: [] };
    const t0 = Date.now();
    while (Date.now() - t0 < scenario.windowSec * 1000) {
      await sleep(1000);
      const w = cpu.read();
      const c = current;
      progress.set(
        `${name} N=${n}: ${c.cycles} cycles (${round(c.cycles / w.seconds)}/s of ${round(n / scenario.intervalSec)} offered), request lag p99 ${round(distribution(c.requestLag).p99 / 1000, 2)} s | CPU server ${round(w.percent['temporal'] ?? 0)}% worker ${round(w.percent['worker'] ?? 0)}% others ${round(w.othersPercent)}%`,
      );
    }
    const window = cpu.read();
    const samples = current;
    current = undefined;
    const after = await scrapeWorkers(workers);
    const workerRssPeak = Math.max(...workerRss.map((r) => r.stop().peak));
    const sr = serverRss?.stop();
    const lagName = [...after.keys()].find((k) => k.startsWith('pollster_schedule_lag') && k.includes('_bucket'))?.split('_bucket')[0];
    let histogramLagMs: B2Window['histogramLagMs'];
    if (lagName) {
      const b0 = histogramBuckets(before, lagName);
      const b1 = histogramBuckets(after, lagName);
      histogramLagMs = { p50: bucketQuantile(b0, b1, 0.5), p99: bucketQuantile(b0, b1, 0.99), count: metricSum(after, `${lagName}_count`) - metricSum(before, `${lagName}_count`) };
    }
    const cpuMsPerCycle: Record<string, number> = {};
    const cpuPercent: Record<string, number> = {};
    for (const [proc, s] of Object.entries(window.cpuSeconds)) cpuMsPerCycle[proc] = samples.cycles ? round((1000 * s) / samples.cycles, 2) : NaN;
    for (const [proc, p] of Object.entries(window.percent)) cpuPercent[proc] = round(p);
    const c0 = cacheCounts(before);
    const c1 = cacheCounts(after);
    const lookups = c1.hits - c0.hits + (c1.misses - c0.misses);
    return {
      seconds: round(window.seconds, 1),
      cycles: samples.cycles,
      cyclesPerSec: round(samples.cycles / window.seconds, 1),
      silentInstances: n - samples.perKey.size,
      pollStartLagMs: distribution(samples.startLag),
      requestLagMs: distribution(samples.requestLag),
      histogramLagMs,
      cpuPercent,
      cpuMsPerCycle,
      othersPercent: round(window.othersPercent),
      workerRssPeakMb: mb(workerRssPeak),
      serverRssPeakMb: sr ? mb(sr.peak) : undefined,
      cacheHitRate: lookups > 0 ? round((c1.hits - c0.hits) / lookups, 3) : undefined,
    };
  };

  try {
    progress.set(`${name}: starting Temporal and ${ctx.knobs.workers} worker(s)`);
    env = await startTemporalEnv(dir);
    for (let w = 0; w < ctx.knobs.workers; w++) workers.push(await startWorkerProcess(env.target, dir, { name: w === 0 ? 'worker' : `worker${w + 1}` }));
    const plan = [...scenario.steps];
    for (let i = 0; i < plan.length; i++) {
      const n = plan[i]!;
      const warmupRss = workers.map((w) => new RssSampler(w.pid).start());
      // Add instances up to n (the earlier ones keep polling: the load only grows).
      const toAdd = n - ids.length;
      const tc = Date.now();
      const batch = Array.from({ length: Math.max(0, toAdd) }, () => ctx.nextId());
      await pool(
        batch,
        32,
        async (id) => {
          const key = `b2-${id}`;
          const spec = httpInstanceSpec({
            providerUrl: provider.url,
            path: `/e/${key}/contacts`,
            callbackUrl: receiver.url,
            intervalMinutes: scenario.intervalSec / 60,
            pageSize: 200,
            name: `${name} ${id}`,
            tags: ['bench', 'b2'],
          });
          const record = await startInstance(env!.client, id, spec);
          keys.set(key, { createdMs: Date.parse(record.createdDate), count: 0 });
          ids.push(id);
        },
        (done) => progress.set(`${name} N=${n}: started ${done}/${toAdd} new instances`),
      );
      const createSeconds = (Date.now() - tc) / 1000;
      progress.log(`${name} N=${n}: ${toAdd} instances started in ${round(createSeconds, 1)} s (${round(toAdd / createSeconds)}/s)`);

      // Warm-up: every instance past its first (uncalibrated) poll, or give up after a bound and measure anyway.
      const tw = Date.now();
      const warmupLimitMs = 2 * intervalMs + 20_000;
      while (Date.now() - tw < warmupLimitMs) {
        let ready = 0;
        for (const st of keys.values()) if (st.count >= 2) ready++;
        progress.set(`${name} N=${n}: warming up, ${ready}/${keys.size} instances have polled twice`);
        if (ready === keys.size) break;
        await sleep(500);
      }
      const warmupSeconds = (Date.now() - tw) / 1000;
      const warmupRssPeakMb = mb(Math.max(...warmupRss.map((r) => r.stop().peak)));

      const windows: B2Window[] = [];
      for (let r = 0; r < scenario.repeats; r++) windows.push(await measureWindow(n));
      const offered = n / scenario.intervalSec;
      const step: B2Step = {
        instances: n,
        offeredPerSec: round(offered, 1),
        createSeconds: round(createSeconds, 1),
        createPerSec: round(toAdd / createSeconds),
        warmupSeconds: round(warmupSeconds, 1),
        warmupRssPeakMb,
        windows,
        cyclesPerSec: spread(windows.map((w) => w.cyclesPerSec)),
        pollStartLagP50: spread(windows.map((w) => w.pollStartLagMs.p50)),
        pollStartLagP99: spread(windows.map((w) => w.pollStartLagMs.p99)),
        pollStartLagMax: Math.max(...windows.map((w) => w.pollStartLagMs.max)),
        requestLagP99: spread(windows.map((w) => w.requestLagMs.p99)),
        requestLagMax: Math.max(...windows.map((w) => w.requestLagMs.max)),
        keepsUp: false,
      };
      Object.assign(step, judgeStep(step, scenario.rssLimitMb));
      progress.set(`${name} N=${n}: reading histories`);
      step.history = await sampleHistory(env, ids);
      steps.push(step);
      progress.log(
        `${name} N=${n}: ${step.cyclesPerSec.median} cycles/s (offered ${step.offeredPerSec}), poll-start lag p50 ${step.pollStartLagP50.median} ms p99 ${step.pollStartLagP99.median} ms max ${step.pollStartLagMax} ms; request lag p99 ${step.requestLagP99.median} ms; ${step.keepsUp ? 'keeps up' : 'falls behind'}`,
      );
      // Beyond the listed steps, go on doubling only while the goal holds.
      if (i === plan.length - 1 && step.goalMet && n * 2 <= scenario.max) plan.push(n * 2);
    }
  } finally {
    provider.onEmptyPoll(undefined);
    progress.set(`${name}: stopping`);
    if (env?.external) await terminateInstances(env.client, ids).catch(() => undefined);
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 15_000)));
    await env?.close();
  }

  const meeting = steps.filter((s) => s.goalMet).map((s) => s.instances);
  const keeping = steps.filter((s) => s.keepsUp).map((s) => s.instances);
  return {
    name,
    intervalSec: scenario.intervalSec,
    windowSec: scenario.windowSec,
    steps,
    largestNMeetingGoal: meeting.length ? Math.max(...meeting) : undefined,
    largestNKeepingUp: keeping.length ? Math.max(...keeping) : undefined,
    workerCache: workerCacheLabel(),
    workers: ctx.knobs.workers,
    external: Boolean(process.env.TEMPORAL_ADDRESS),
  };
}
