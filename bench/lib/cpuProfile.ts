/**
 * Reads V8 .cpuprofile files (node --cpu-prof, one per thread) into self time by area of code and
 * the hottest functions: where the worker's CPU goes on the hot path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfileFile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  files: number;
  /** Sampled milliseconds, idle excluded, all threads. */
  busyMs: number;
  /** Self time by area, ms and % of busy. */
  areas: { area: string; ms: number; percent: number }[];
  top: { fn: string; where: string; ms: number; percent: number }[];
}

/** Which part of the stack a function belongs to, from its script URL. */
export function areaOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn === '(idle)') return 'idle';
  if (/protobufjs|@temporalio\/proto|long\/|\/proto\//.test(url)) return 'protobuf (SDK payloads/activations)';
  if (/@temporalio\/workflow|workflow-bundle|__temporal|webpack/.test(url)) return 'SDK workflow runtime (isolate)';
  if (/@temporalio\/worker/.test(url)) return 'SDK worker (Node side)';
  if (/@temporalio\/(common|client|activity)/.test(url)) return 'SDK common/client/activity';
  if (/undici/.test(url)) return 'undici (HTTP)';
  if (/temporal\/codec/.test(url) || /crypto/.test(url)) return 'codec / crypto';
  // The compiled worker (dist/worker.mjs) holds every module of the repository and none of node_modules.
  if (/\/dist\/worker\.mjs$/.test(url)) return 'Pollster code';
  if (/\/core\/|\/elements\/|\/activities\/|\/workflows\/|\/net\/|\/store\//.test(url) && !/node_modules/.test(url)) return 'Pollster code';
  if (/tsx|esbuild/.test(url)) return 'tsx loader';
  if (url.startsWith('node:') || url === '' || /^internal\//.test(url)) return 'Node internals (net, streams, JSON, timers)';
  return 'other';
}

/**
 * Only samples taken while the measured run went on count: the process's start-up (module loading,
 * the workflow bundle build) would otherwise dominate. Sample times are V8 monotonic microseconds,
 * the same clock in every thread; the latest profile end is taken as the moment the process exited
 * (`exitWallMs`), which places each sample on the wall clock.
 */
export interface SampleWindow {
  fromWallMs: number;
  toWallMs: number;
  exitWallMs: number;
}

export function summarizeProfiles(dir: string, window?: SampleWindow, topN = 15): ProfileSummary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; ms: number }>();
  let busy = 0;
  const profiles = files.map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfileFile);
  const lastEndUs = Math.max(...profiles.map((p) => p.endTime));
  const inWindow = (us: number): boolean => {
    if (!window) return true;
    const wall = window.exitWallMs - (lastEndUs - us) / 1000;
    return wall >= window.fromWallMs && wall <= window.toWallMs;
  };
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    // Self time per node from the sample stream (timeDeltas in µs), else hit counts × mean interval.
    const self = new Map<number, number>();
    if (p.samples && p.timeDeltas) {
      let t = p.startTime;
      for (let i = 0; i < p.samples.length; i++) {
        t += p.timeDeltas[i] ?? 0;
        if (!inWindow(t)) continue;
        const next = p.timeDeltas[i + 1] ?? 0;
        self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + Math.max(0, next) / 1000);
      }
    } else {
      const hits = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
      const perHit = hits ? (p.endTime - p.startTime) / 1000 / hits : 0;
      for (const n of p.nodes) self.set(n.id, (n.hitCount ?? 0) * perHit);
    }
    for (const [id, ms] of self) {
      const n = byId.get(id);
      if (!n) continue;
      const area = areaOf(n.callFrame.url, n.callFrame.functionName);
      if (area === 'idle') continue;
      busy += ms;
      areas.set(area, (areas.get(area) ?? 0) + ms);
      const fn = n.callFrame.functionName || '(anonymous)';
      const where = `${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=[^/]+\/[^/]+$)/, '')}:${n.callFrame.lineNumber + 1}`;
      const key = `${fn}@${where}`;
      const f = fns.get(key) ?? { fn, where, ms: 0 };
      f.ms += ms;
      fns.set(key, f);
    }
  }
  const pct = (ms: number): number => (busy ? Math.round((1000 * ms) / busy) / 10 : 0);
  return {
    files: files.length,
    busyMs: Math.round(busy),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: Math.round(ms), percent: pct(ms) })),
    top: [...fns.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, topN)
      .map((f) => ({ ...f, ms: Math.round(f.ms), percent: pct(f.ms) })),
  };
}
