/**
 * B2 scale: N instances poll an always-empty resource every `scaleIntervalSec` (one provider request
 * per cycle), N stepped up (100, 500, 1,000, 2,000, then doubling while the goal holds).
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
import type { BenchContext } from './lib/context';
import { fetchEvents, perCycle } from './lib/history';
import { httpInstanceSpec, pool, startInstance, terminateInstances } from './lib/instances';
import { CpuMeter, RssSampler, sleep } from './lib/procs';
import { distribution, mb, round, spread, type Distribution, type Spread } from './lib/stats';
import { bucketQuantile, histogramBuckets, metricSum, scrapeMetrics, startTemporalEnv, startWorkerProcess, type TemporalEnv, type WorkerProcess } from './lib/temporalEnv';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../workers/tuning';

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
}

export interface B2Step {
  instances: number;
  offeredPerSec: number;
  createSeconds: number;
  createPerSec: number;
  warmupSeconds: number;
  windows: B2Window[];
  cyclesPerSec: Spread;
  pollStartLagP50: Spread;
  pollStartLagP99: Spread;
  pollStartLagMax: number;
  requestLagP99: Spread;
  requestLagMax: number;
  /** Achieved ≥ 95 % of offered and p99 poll-start lag < 2 s. */
  keepsUp: boolean;
  /** keepsUp and ≥ 100 cycles/s. */
  goalMet: boolean;
}

export interface B2Result {
  intervalSec: number;
  windowSec: number;
  steps: B2Step[];
  largestNMeetingGoal?: number;
  largestNKeepingUp?: number;
  history?: { sampled: number; eventsPerCycle: number; bytesPerCycle: number; typesPerCycle: Record<string, number> };
  workerCache: string;
}

/**
 * A step keeps up when, in every window (not just the median one), p99 poll-start lag stays under
 * 2 s and the achieved rate is ≥ 90 % of the offered one. The next poll is due one interval after the
 * last one *started*, so the period is interval + lag: even a step that keeps up achieves a little
 * less than N ÷ interval. The goal adds ≥ 100 cycles/s.
 */
export function judgeStep(step: Pick<B2Step, 'windows' | 'offeredPerSec'>): { keepsUp: boolean; goalMet: boolean } {
  const keepsUp = step.windows.every((w) => w.cyclesPerSec >= 0.9 * step.offeredPerSec && w.pollStartLagMs.p99 < 2000);
  return { keepsUp, goalMet: keepsUp && step.windows.every((w) => w.cyclesPerSec >= 100) };
}

interface KeyState {
  createdMs: number;
  count: number;
  slackMs?: number;
  lastStartMs?: number;
}

export async function runB2(ctx: BenchContext): Promise<B2Result> {
  const { knobs, provider, receiver, progress } = ctx;
  const dir = ctx.subdir('b2');
  const intervalMs = knobs.scaleIntervalSec * 1000;
  const steps: B2Step[] = [];
  const keys = new Map<string, KeyState>();
  const ids: number[] = [];
  let env: TemporalEnv | undefined;
  let worker: WorkerProcess | undefined;
  let history: B2Result['history'];

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
    const pids = { temporal: env!.server?.pid, worker: worker!.pid };
    const cpu = new CpuMeter(pids).start();
    const workerRss = new RssSampler(worker!.pid).start();
    const serverRss = env!.server ? new RssSampler(env!.server.pid).start() : undefined;
    const before = await scrapeMetrics(worker!.metricsUrl);
    current = { cycles: 0, perKey: new Map(), startLag: [], requestLag: [] };
    const t0 = Date.now();
    while (Date.now() - t0 < knobs.scaleWindowSec * 1000) {
      await sleep(1000);
      const w = cpu.read();
      const c = current;
      progress.set(
        `B2 N=${n}: ${c.cycles} cycles (${round(c.cycles / w.seconds)}/s of ${round(n / knobs.scaleIntervalSec)} offered), request lag p99 ${round(distribution(c.requestLag).p99 / 1000, 2)} s | CPU server ${round(w.percent['temporal'] ?? 0)}% worker ${round(w.percent['worker'] ?? 0)}% others ${round(w.othersPercent)}%`,
      );
    }
    const window = cpu.read();
    const samples = current;
    current = undefined;
    const after = await scrapeMetrics(worker!.metricsUrl);
    const wr = workerRss.stop();
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
    for (const [name, s] of Object.entries(window.cpuSeconds)) cpuMsPerCycle[name] = samples.cycles ? round((1000 * s) / samples.cycles, 2) : NaN;
    for (const [name, p] of Object.entries(window.percent)) cpuPercent[name] = round(p);
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
      workerRssPeakMb: mb(wr.peak),
      serverRssPeakMb: sr ? mb(sr.peak) : undefined,
    };
  };

  try {
    progress.set('B2: starting Temporal and the worker');
    env = await startTemporalEnv(dir);
    worker = await startWorkerProcess(env.target, dir);
    const plan = [...knobs.scaleSteps];
    for (let i = 0; i < plan.length; i++) {
      const n = plan[i]!;
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
            intervalMinutes: knobs.scaleIntervalSec / 60,
            pageSize: 200,
            name: `b2 ${id}`,
            tags: ['bench', 'b2'],
          });
          const record = await startInstance(env!.client, id, spec);
          keys.set(key, { createdMs: Date.parse(record.createdDate), count: 0 });
          ids.push(id);
        },
        (done) => progress.set(`B2 N=${n}: started ${done}/${toAdd} new instances`),
      );
      const createSeconds = (Date.now() - tc) / 1000;
      progress.log(`B2 N=${n}: ${toAdd} instances started in ${round(createSeconds, 1)} s (${round(toAdd / createSeconds)}/s)`);

      // Warm-up: every instance past its first (uncalibrated) poll, or give up after a bound and measure anyway.
      const tw = Date.now();
      const warmupLimitMs = 2 * intervalMs + 20_000;
      while (Date.now() - tw < warmupLimitMs) {
        let ready = 0;
        for (const st of keys.values()) if (st.count >= 2) ready++;
        progress.set(`B2 N=${n}: warming up, ${ready}/${keys.size} instances have polled twice`);
        if (ready === keys.size) break;
        await sleep(500);
      }
      const warmupSeconds = (Date.now() - tw) / 1000;

      const windows: B2Window[] = [];
      for (let r = 0; r < knobs.scaleRepeats; r++) windows.push(await measureWindow(n));
      const offered = n / knobs.scaleIntervalSec;
      const step: B2Step = {
        instances: n,
        offeredPerSec: round(offered, 1),
        createSeconds: round(createSeconds, 1),
        createPerSec: round(toAdd / createSeconds),
        warmupSeconds: round(warmupSeconds, 1),
        windows,
        cyclesPerSec: spread(windows.map((w) => w.cyclesPerSec)),
        pollStartLagP50: spread(windows.map((w) => w.pollStartLagMs.p50)),
        pollStartLagP99: spread(windows.map((w) => w.pollStartLagMs.p99)),
        pollStartLagMax: Math.max(...windows.map((w) => w.pollStartLagMs.max)),
        requestLagP99: spread(windows.map((w) => w.requestLagMs.p99)),
        requestLagMax: Math.max(...windows.map((w) => w.requestLagMs.max)),
        keepsUp: false,
        goalMet: false,
      };
      Object.assign(step, judgeStep(step));
      steps.push(step);
      progress.log(
        `B2 N=${n}: ${step.cyclesPerSec.median} cycles/s (offered ${step.offeredPerSec}), poll-start lag p50 ${step.pollStartLagP50.median} ms p99 ${step.pollStartLagP99.median} ms max ${step.pollStartLagMax} ms; request lag p99 ${step.requestLagP99.median} ms; ${step.keepsUp ? 'keeps up' : 'falls behind'}`,
      );
      // Beyond the listed steps, go on doubling only while the goal holds.
      if (i === plan.length - 1 && step.goalMet && n * 2 <= knobs.scaleMax) plan.push(n * 2);
    }

    // Events per steady cycle, from a few of the oldest instances (they have the most cycles).
    progress.set('B2: reading histories');
    const sampled: NonNullable<ReturnType<typeof perCycle>>[] = [];
    for (const id of ids.slice(0, 5)) {
      const c = perCycle(await fetchEvents(env.client, id));
      if (c) sampled.push(c);
    }
    if (sampled.length > 0) {
      const types: Record<string, number> = {};
      for (const s of sampled) for (const [t, v] of Object.entries(s.typesPerCycle)) types[t] = (types[t] ?? 0) + v / sampled.length;
      for (const t of Object.keys(types)) types[t] = round(types[t]!, 2);
      history = {
        sampled: sampled.length,
        eventsPerCycle: round(sampled.reduce((a, s) => a + s.eventsPerCycle, 0) / sampled.length, 2),
        bytesPerCycle: round(sampled.reduce((a, s) => a + s.bytesPerCycle, 0) / sampled.length),
        typesPerCycle: types,
      };
    }
  } finally {
    provider.onEmptyPoll(undefined);
    progress.set('B2: stopping');
    if (env?.external) await terminateInstances(env.client, ids).catch(() => undefined);
    await worker?.stop('SIGTERM', 15_000);
    await env?.close();
  }

  const meeting = steps.filter((s) => s.goalMet).map((s) => s.instances);
  const keeping = steps.filter((s) => s.keepsUp).map((s) => s.instances);
  return {
    intervalSec: knobs.scaleIntervalSec,
    windowSec: knobs.scaleWindowSec,
    steps,
    largestNMeetingGoal: meeting.length ? Math.max(...meeting) : undefined,
    largestNKeepingUp: keeping.length ? Math.max(...keeping) : undefined,
    history,
    workerCache: process.env.POLLSTER_MAX_CACHED_WORKFLOWS || `${DEFAULT_MAX_CACHED_WORKFLOWS} (default)`,
  };
}
