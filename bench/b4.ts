/**
 * B4 id scan: one `http` instance whose resource has BENCH_B4_RECORDS (100,000) records and a deletion `scan`. The
 * first scan lists every id into Pollster's store and reports nothing; then BENCH_B4_DELETES (1,000) records are
 * deleted, and the next scan reports each once. Measured: the worker's RSS before, at its peak during each scan and
 * after; the listing's time and the time after it (comparison in the store, then delivery of the DELETED events); the
 * instance's history (events and bytes, and the scanIds activity's own events: nothing in them grows with the ids);
 * the store's file size; CPU of the worker, the server, the bench and everyone else.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { PollerStatus } from '../contract/instance';
import { status } from '../contract/messages';
import { instanceWorkflowId } from '../contract/names';
import { parseInstanceBody } from '../core/instanceSpec';
import { SQLITE_FILE_NAME } from '../store/open';
import type { BenchContext } from './lib/context';
import { intEnv } from './lib/env';
import { eventBytes, fetchEvents } from './lib/history';
import { startDeleteReceiver, startIdScanProvider, type Listing } from './lib/idScanFakes';
import { startInstance, terminateInstances } from './lib/instances';
import { CpuMeter, RssSampler, sleep, type CpuWindow } from './lib/procs';
import { mb, round } from './lib/stats';
import { startTemporalEnv, startWorkerProcess, type TemporalEnv, type WorkerProcess } from './lib/temporalEnv';

export interface B4Scan {
  /** First id page requested → last id page answered. */
  listingSeconds: number;
  pages: number;
  ids: number;
  /** Last id page answered → the scanIds activity completed: the comparison in the store, and reporting what is gone. */
  afterListingSeconds: number;
  /** Last id page answered → first DELETED event received (the first comparison round), when there were any. */
  firstDeleteSeconds?: number;
  rssPeakMb: number;
  cpuPercent: { worker: number; server?: number; bench: number; others: number };
  /** The scanIds activity's events in history (scheduled, started, completed), bytes. */
  activityEventBytes: number;
}

export interface B4Result {
  records: number;
  deletes: number;
  pageSize: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  first: B4Scan;
  second: B4Scan;
  /** Which scan reported the deletes (2 unless the second had listed part of the ids before they were deleted). */
  reportingScan: number;
  history: { events: number; bytes: number; scanActivities: number };
  storeBytes: { file: number; wal: number };
  delivered: { distinct: number; receipts: number; underSeveralIds: number; notifications: number; otherEvents: number; allOnce: boolean };
}

const percentOf = (w: CpuWindow): B4Scan['cpuPercent'] => ({
  worker: round(w.percent['worker'] ?? 0),
  server: w.percent['temporal'] === undefined ? undefined : round(w.percent['temporal']),
  bench: round(w.percent['bench'] ?? 0),
  others: round(w.othersPercent),
});

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export async function runB4(ctx: BenchContext): Promise<B4Result> {
  const { progress } = ctx;
  const records = intEnv('BENCH_B4_RECORDS', 100_000);
  const deletes = intEnv('BENCH_B4_DELETES', 1000);
  const pageSize = intEnv('BENCH_B4_PAGE_SIZE', 1000);
  // Scans start `every` apart (or at once when the last took longer): the second after the deletes.
  const everyMinutes = intEnv('BENCH_B4_EVERY_MIN', 1);
  const dir = ctx.subdir('b4');
  const provider = await startIdScanProvider(records);
  const receiver = await startDeleteReceiver();
  let env: TemporalEnv | undefined;
  let worker: WorkerProcess | undefined;
  const id = ctx.nextId();
  try {
    progress.set('B4: starting Temporal and the worker');
    env = await startTemporalEnv(dir);
    worker = await startWorkerProcess(env.target, dir);
    await sleep(3000);
    const rssBefore = new RssSampler(worker.pid).start();
    await sleep(3000);
    const before = rssBefore.stop();

    const parsed = parseInstanceBody({
      element: { key: 'http' },
      name: 'b4 id scan',
      tags: ['bench', 'b4'],
      configuration: {
        'base.url': provider.url,
        'pagination.type': 'page',
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '1',
        'event.poller.configuration': {
          contacts: { url: '/contacts?updatedSince=${epoch:ms}', idField: 'id', pageSize, deletion: { scan: { url: '/ids', idField: 'id', every: everyMinutes } } },
        },
      },
    });
    if (!parsed.ok) throw new Error(`B4 instance does not validate: ${JSON.stringify(parsed.issues)}`);
    const handle = env.client.workflow.getHandle(instanceWorkflowId(id));
    const scanView = async (): Promise<NonNullable<PollerStatus['resources'][string]['scan']> | undefined> => (await handle.query(status).catch(() => undefined))?.resources['contacts']?.scan;
    /** Waits for `done`, sampling RSS and CPU meanwhile; bounded. */
    const measure = async (what: string, done: () => Promise<boolean>, limitMs: number): Promise<{ rss: ReturnType<RssSampler['stop']>; cpu: CpuWindow }> => {
      const rss = new RssSampler(worker!.pid).start();
      const cpu = new CpuMeter({ worker: worker!.pid, temporal: env!.server?.pid }).start();
      const t0 = Date.now();
      while (!(await done())) {
        if (Date.now() - t0 > limitMs) throw new Error(`B4: ${what} not done after ${limitMs / 1000} s (${JSON.stringify(await scanView())})`);
        const l = provider.listings.at(-1);
        progress.set(`B4: ${what}: ${l?.ids ?? 0} ids listed, ${receiver.deleted.size} deletes received, worker RSS ${mb(rss.read().last)} MB`);
        await sleep(250);
      }
      return { cpu: cpu.read(), rss: rss.stop() };
    };

    await startInstance(env.client, id, parsed.value);
    const first = await measure('first scan', async () => (await scanView())?.lastIds === records, 30 * 60_000);
    progress.log(`B4: first scan of ${records} ids done, worker RSS peak ${mb(first.rss.peak)} MB`);

    const gone = provider.remove(deletes);
    const second = await measure(
      'second scan',
      async () => {
        const s = await scanView();
        return receiver.deleted.size >= deletes && s !== undefined && s.deleted >= deletes && !s.scanning;
      },
      30 * 60_000,
    );
    await sleep(5000); // anything sent twice arrives meanwhile
    const after = new RssSampler(worker.pid).start();
    await sleep(5000);
    const rssAfter = after.stop();

    // The history: every event, and the scanIds activities' own.
    const events = await fetchEvents(env.client, id);
    const scans: { bytes: number; startedMs?: number; completedMs?: number }[] = [];
    const bySchedule = new Map<string, (typeof scans)[number]>();
    let bytes = 0;
    for (const e of events) {
      const size = eventBytes(e);
      bytes += size;
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'scanIds') {
        const s = { bytes: size };
        scans.push(s);
        bySchedule.set(String(e.eventId), s);
      }
      const started = e.activityTaskStartedEventAttributes;
      const completed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      const s = started ? bySchedule.get(String(started.scheduledEventId)) : completed ? bySchedule.get(String(completed.scheduledEventId)) : undefined;
      if (!s) continue;
      s.bytes += size;
      if (started) s.startedMs = optionalTsToMs(e.eventTime);
      else s.completedMs = optionalTsToMs(e.eventTime);
    }
    const scanOf = (n: number, w: { rss: ReturnType<RssSampler['stop']>; cpu: CpuWindow }): B4Scan => {
      const listing: Listing | undefined = provider.listings[n];
      const activity = scans[n];
      if (!listing || !activity?.completedMs) throw new Error(`B4: scan ${n + 1} has no listing or no completed activity`);
      return {
        listingSeconds: round((listing.lastAnswerMs - listing.firstRequestMs) / 1000, 2),
        pages: listing.pages,
        ids: listing.ids,
        afterListingSeconds: round((activity.completedMs - listing.lastAnswerMs) / 1000, 2),
        rssPeakMb: mb(w.rss.peak),
        cpuPercent: percentOf(w.cpu),
        activityEventBytes: activity.bytes,
      };
    };
    const firstScan = scanOf(0, first);
    // The scan that reported the deletes: the last one complete (the second, unless it had started before them).
    const reporting = scans.map((s) => s.completedMs !== undefined).lastIndexOf(true);
    const secondScan = { ...scanOf(reporting, second), firstDeleteSeconds: round((receiver.firstDeleteAtMs - provider.listings[reporting]!.lastAnswerMs) / 1000, 2) };

    const wanted = new Set(gone);
    const received = [...receiver.deleted.entries()];
    const delivered = {
      distinct: received.filter(([objectId]) => wanted.has(objectId)).length,
      receipts: received.reduce((a, [, s]) => a + s.times, 0),
      underSeveralIds: received.filter(([, s]) => s.ids.size > 1).length,
      notifications: receiver.notifications,
      otherEvents: receiver.otherEvents,
      allOnce: false,
    };
    delivered.allOnce = delivered.distinct === deletes && received.length === deletes && delivered.receipts === deletes && delivered.otherEvents === 0;
    const result: B4Result = {
      records,
      deletes,
      pageSize,
      rssBeforeMb: mb(before.mean),
      rssAfterMb: mb(rssAfter.mean),
      first: firstScan,
      second: secondScan,
      reportingScan: reporting + 1,
      history: { events: events.length, bytes, scanActivities: scans.length },
      storeBytes: { file: fileSize(join(dir, SQLITE_FILE_NAME)), wal: fileSize(join(dir, `${SQLITE_FILE_NAME}-wal`)) },
      delivered,
    };
    progress.log(`B4: ${records} ids: listing ${firstScan.listingSeconds} s / ${secondScan.listingSeconds} s, after it ${firstScan.afterListingSeconds} s / ${secondScan.afterListingSeconds} s; ${delivered.distinct}/${deletes} deletes, all once: ${delivered.allOnce}`);
    return result;
  } finally {
    progress.set('B4: stopping');
    if (env?.external) await terminateInstances(env.client, [id]).catch(() => undefined);
    await worker?.stop('SIGTERM', 15_000);
    await env?.close();
    await provider.close();
    await receiver.close();
  }
}
