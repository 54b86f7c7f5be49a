/** What every benchmark shares: knobs, the provider and receiver, ids, the status line, clean-up. */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { intEnv, listEnv } from './env';
import type { Progress } from './progress';
import type { BenchProvider } from './provider';
import type { BenchReceiver } from './receiver';

export interface Knobs {
  only: string[];
  b1Records: number;
  b1RecordBytes: number;
  b1PageSize: number;
  b1Repeats: number;
  scaleSteps: number[];
  scaleMax: number;
  scaleIntervalSec: number;
  scaleWindowSec: number;
  scaleRepeats: number;
  wideInstances: number;
  wideIntervalSec: number;
  wideWindowSec: number;
  wideRepeats: number;
  /** Worker processes B2 starts (BENCH_WORKERS). */
  workers: number;
  b3Instances: number;
  b3IntervalMinutes: number;
  cpuProfile: boolean;
  label?: string;
}

export function readKnobs(): Knobs {
  const only = (listEnv('BENCH_ONLY') ?? ['B1', 'B2', 'B3', 'B4', 'PROFILE']).map((s) => s.toUpperCase());
  const scaleMax = intEnv('BENCH_SCALE_MAX', 500);
  const steps = (listEnv('BENCH_SCALE_STEPS') ?? ['100', '500']).map(Number);
  return {
    only,
    b1Records: intEnv('BENCH_B1_RECORDS', 20_000),
    b1RecordBytes: intEnv('BENCH_B1_RECORD_BYTES', 1024),
    b1PageSize: intEnv('BENCH_B1_PAGE_SIZE', 200),
    b1Repeats: intEnv('BENCH_B1_REPEATS', 3),
    scaleSteps: steps.filter((n) => n <= scaleMax),
    scaleMax,
    scaleIntervalSec: intEnv('BENCH_SCALE_INTERVAL_S', 5),
    scaleWindowSec: intEnv('BENCH_SCALE_WINDOW_S', 15),
    scaleRepeats: intEnv('BENCH_SCALE_REPEATS', 2),
    wideInstances: intEnv('BENCH_WIDE_INSTANCES', 6000),
    wideIntervalSec: intEnv('BENCH_WIDE_INTERVAL_S', 60),
    wideWindowSec: intEnv('BENCH_WIDE_WINDOW_S', 60),
    wideRepeats: intEnv('BENCH_WIDE_REPEATS', 2),
    workers: intEnv('BENCH_WORKERS', 1),
    b3Instances: intEnv('BENCH_B3_INSTANCES', 5000),
    b3IntervalMinutes: intEnv('BENCH_B3_INTERVAL_MIN', 60),
    cpuProfile: process.env.BENCH_CPU_PROFILE !== '0',
    label: process.env.BENCH_LABEL || undefined,
  };
}

export interface BenchContext {
  knobs: Knobs;
  progress: Progress;
  provider: BenchProvider;
  receiver: BenchReceiver;
  /** A fresh instance id (unique per run, so an external cluster never sees one twice). */
  nextId(): number;
  /** A fresh directory under the run's temp dir. */
  subdir(name: string): string;
}

export function idAllocator(): () => number {
  // Seconds since epoch × 10^5: ids of later runs never collide with earlier ones, and stay < 2^53.
  let next = Math.floor(Date.now() / 1000) * 100_000;
  return () => next++;
}

export function subdirIn(root: string): (name: string) => string {
  return (name) => mkdtempSync(join(root, `${name}-`));
}
