/**
 * B3 memory: the worker's RSS (all threads: Node heap, the workflow isolate, the Rust core) when
 * fresh, with 5,000 idle instances (long interval), and during and after a burst in which every
 * instance is sent `pollNow` (one empty poll each).
 */
import type { Client } from '@temporalio/client';
import type { BenchContext } from './lib/context';
import { httpInstanceSpec, pool, signalPollNow, startInstance, terminateInstances } from './lib/instances';
import { CpuMeter, RssSampler, sleep } from './lib/procs';
import { mb, round } from './lib/stats';
import { startTemporalEnv, startWorkerProcess, workerCacheLabel, type TemporalEnv, type WorkerProcess } from './lib/temporalEnv';

export interface B3Result {
  instances: number;
  workerCache: string;
  createSeconds: number;
  createPerSec: number;
  settleSeconds: number;
  settledBy: string;
  rssFreshMb: number;
  rssIdle: { meanMb: number; peakMb: number };
  burst: { seconds: number; pollsPerSec: number; polled: number; rssPeakMb: number; workerCpuPercent: number; serverCpuPercent?: number };
  rssAfterBurst: { meanMb: number; peakMb: number };
  serverRssMb?: number;
  goal: { mb: number; met: boolean };
}

/** Until the worker has had nothing to do for `quietMs` (every instance has run its first task), bounded. */
async function waitQuiet(pid: number, quietMs: number, limitMs: number, onTick: (s: string) => void): Promise<number> {
  const t0 = Date.now();
  let quietSince = Date.now();
  while (Date.now() - t0 < limitMs) {
    const cpu = new CpuMeter({ worker: pid }).start();
    await sleep(1000);
    const p = cpu.read().percent['worker'] ?? 0;
    if (p > 5) quietSince = Date.now();
    onTick(`worker CPU ${round(p)}%`);
    if (Date.now() - quietSince >= quietMs) break;
  }
  return (Date.now() - t0) / 1000;
}

/** Instances whose first workflow task has run (PollerState moved off 'starting'), via visibility; undefined if counting is unsupported. */
async function countStarted(client: Client, tag: string): Promise<number | undefined> {
  try {
    const r = await client.workflow.count(`InstanceTags = '${tag}' AND PollerState = 'waiting'`);
    return r.count;
  } catch {
    return undefined;
  }
}

export async function runB3(ctx: BenchContext): Promise<B3Result> {
  const { knobs, provider, receiver, progress } = ctx;
  const dir = ctx.subdir('b3');
  const n = knobs.b3Instances;
  const ids: number[] = [];
  const tag = `b3-${Date.now()}`;
  let env: TemporalEnv | undefined;
  let worker: WorkerProcess | undefined;
  try {
    progress.set('B3: starting Temporal and the worker');
    env = await startTemporalEnv(dir);
    worker = await startWorkerProcess(env.target, dir);
    await sleep(3000);
    const fresh = new RssSampler(worker.pid).start();
    await sleep(3000);
    const rssFresh = fresh.stop();

    const tc = Date.now();
    const batch = Array.from({ length: n }, () => ctx.nextId());
    await pool(
      batch,
      32,
      async (id) => {
        const spec = httpInstanceSpec({
          providerUrl: provider.url,
          path: `/e/b3-${id}/contacts`,
          callbackUrl: receiver.url,
          intervalMinutes: knobs.b3IntervalMinutes,
          pageSize: 200,
          name: `b3 ${id}`,
          tags: ['bench', tag],
        });
        await startInstance(env!.client, id, spec);
        ids.push(id);
      },
      (done) => progress.set(`B3: started ${done}/${n} instances, worker RSS ${mb(fresh.read().last)} MB`),
    );
    const createSeconds = (Date.now() - tc) / 1000;
    progress.log(`B3: ${n} instances started in ${round(createSeconds, 1)} s (${round(n / createSeconds)}/s)`);

    // Settle: every instance has run its first workflow task (visibility count), or the worker is quiet.
    const ts = Date.now();
    let settledBy = 'visibility count';
    let best = 0;
    let grewAt = Date.now();
    for (;;) {
      const started = await countStarted(env.client, tag);
      if (started === undefined) {
        settledBy = 'worker quiet for 5 s';
        await waitQuiet(worker.pid, 5000, 180_000, (s) => progress.set(`B3: settling, ${s}`));
        break;
      }
      progress.set(`B3: ${started}/${n} instances have run their first task`);
      if (started >= n) break;
      if (started > best) {
        best = started;
        grewAt = Date.now();
      }
      // Bounded: a count that stops growing means failing workflow tasks (see the worker log), not slowness.
      if (Date.now() - grewAt > 30_000 || Date.now() - ts > 180_000) {
        settledBy = `gave up with ${started}/${n} counted`;
        break;
      }
      await sleep(1000);
    }
    await waitQuiet(worker.pid, 3000, 60_000, (s) => progress.set(`B3: settling, ${s}`));
    const settleSeconds = (Date.now() - ts) / 1000;

    const idle = new RssSampler(worker.pid).start();
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      progress.set(`B3: ${n} idle instances, worker RSS ${mb(idle.read().last)} MB`);
    }
    const rssIdle = idle.stop();
    progress.log(`B3: ${n} idle instances: worker RSS ${mb(rssIdle.mean)} MB (fresh ${mb(rssFresh.mean)} MB)`);

    // Burst: every instance polls once, now.
    const before = provider.totalRequests();
    const burstRss = new RssSampler(worker.pid).start();
    const cpu = new CpuMeter({ worker: worker.pid, temporal: env.server?.pid }).start();
    const tb = Date.now();
    let polled = 0;
    const signalling = pool(ids, 50, (id) => signalPollNow(env!.client, id));
    for (;;) {
      polled = provider.totalRequests() - before;
      progress.set(`B3: burst, ${polled}/${n} polled, worker RSS ${mb(burstRss.read().last)} MB`);
      if (polled >= n || Date.now() - tb > 240_000) break; // bounded: the run must end
      await sleep(250);
    }
    const burstSeconds = (Date.now() - tb) / 1000;
    await signalling;
    const burstCpu = cpu.read();
    await waitQuiet(worker.pid, 3000, 60_000, (s) => progress.set(`B3: after the burst, ${s}`));
    const burstPeak = burstRss.stop();
    const after = new RssSampler(worker.pid).start();
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      progress.set(`B3: after the burst, worker RSS ${mb(after.read().last)} MB`);
    }
    const rssAfter = after.stop();
    progress.log(`B3: burst of ${polled} polls in ${round(burstSeconds, 1)} s; worker RSS peak ${mb(burstPeak.peak)} MB, after ${mb(rssAfter.mean)} MB`);
    const serverRss = env.server ? new RssSampler(env.server.pid).start().stop() : undefined;

    // The goal is about the two steady states; the burst's peak is reported beside them.
    const peak = Math.max(rssIdle.peak, rssAfter.peak);
    return {
      instances: n,
      workerCache: workerCacheLabel(),
      createSeconds: round(createSeconds, 1),
      createPerSec: round(n / createSeconds),
      settleSeconds: round(settleSeconds, 1),
      settledBy,
      rssFreshMb: mb(rssFresh.mean),
      rssIdle: { meanMb: mb(rssIdle.mean), peakMb: mb(rssIdle.peak) },
      burst: {
        seconds: round(burstSeconds, 1),
        pollsPerSec: round(polled / burstSeconds, 1),
        polled,
        rssPeakMb: mb(burstPeak.peak),
        workerCpuPercent: round(burstCpu.percent['worker'] ?? 0),
        serverCpuPercent: burstCpu.percent['temporal'] === undefined ? undefined : round(burstCpu.percent['temporal']),
      },
      rssAfterBurst: { meanMb: mb(rssAfter.mean), peakMb: mb(rssAfter.peak) },
      serverRssMb: serverRss ? mb(serverRss.last) : undefined,
      goal: { mb: 400, met: peak < 400 * 1024 * 1024 },
    };
  } finally {
    progress.set('B3: stopping');
    if (env?.external) await terminateInstances(env.client, ids).catch(() => undefined);
    await worker?.stop('SIGTERM', 15_000);
    await env?.close();
  }
}
