/**
 * bench/RESULTS.md (a section per run, newest first, under a fixed preamble) and the raw figures as
 * bench/results/<timestamp>.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { B1Result } from '../b1';
import { GOAL_CYCLES_PER_SEC, type B2Result } from '../b2';
import type { B3Result } from '../b3';
import type { B4Result } from '../b4';
import { b4Section } from './b4Report';
import type { CodecCost } from '../profile';
import type { Knobs } from './context';
import { spread, type Spread } from './stats';

export interface RunMeta {
  startedAt: string;
  finishedAt?: string;
  durationSec?: number;
  host: string;
  cpus: string;
  memoryGiB: number;
  node: string;
  temporal: string;
  target: string;
  loadAvgStart: number[];
  loadAvgEnd?: number[];
  /** Short hashes of the hot-path sources, so runs on different code can be told apart. */
  code: Record<string, string>;
  workerEnv: Record<string, string>;
  knobs: Knobs;
}

export interface RunResults {
  meta: RunMeta;
  b1?: Omit<B1Result, 'samplePayloads'>;
  b2?: B2Result[];
  b3?: B3Result;
  b4?: B4Result;
  codec?: CodecCost;
  errors: Record<string, string>;
}

const MARKER = '<!-- runs: newest first; `npm run bench` inserts a section below this line -->';

const PREAMBLE = `# Pollster benchmarks

\`npm run bench\` (not part of \`npm test\`) writes a section here per run, newest first, and the raw
figures to \`bench/results/<timestamp>.json\`. What each benchmark does and how it measures is in
bench/README.md. Figures from a shared machine: read them as ratios against the baseline of the same
run, and mind the "others" column (CPU used by processes that are not the bench's).

${MARKER}
`;

const f = (x: number | null | undefined, digits = 0): string => (x === undefined || x === null || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
/** A histogram bucket bound: the +Inf bucket is stored as null in JSON. */
const hb = (x: number | null | undefined): string => (x === null || x === Infinity ? '∞' : f(x));
const sp = (s: Spread | undefined, digits = 0): string => (s ? `${f(s.median, digits)} (${f(s.min, digits)}–${f(s.max, digits)})` : '–');
const ok = (b: boolean): string => (b ? 'met' : 'NOT met');

function b1Section(b: NonNullable<RunResults['b1']>): string[] {
  const out: string[] = [];
  out.push(`### B1 throughput: one instance, ${f(b.records)} changed records of ~${f(b.recordBytes)} B, pages of ${b.pageSize}, delivery concurrency ${b.deliveryConcurrency} per host`);
  out.push('');
  out.push('Rate = events ÷ (first provider request → last event received). Median (min–max) over the repeats.');
  out.push('');
  out.push('| | events/s | CPU s per 1,000 events (Temporal server / worker or loop / bench process) |');
  out.push('|---|---|---|');
  const cpu = (kind: string): string => {
    const runs = b.runs.filter((r) => r.kind === kind);
    if (!runs.length) return '–';
    const avg = (name: string): number => runs.reduce((a, r) => a + (r.cpuPer1000Events[name] ?? 0), 0) / runs.length;
    return kind === 'pollster' ? `${f(avg('temporal'), 3)} / ${f(avg('worker'), 3)} / ${f(avg('bench'), 3)}` : kind === 'plain' ? `– / ${f(avg('plain'), 3)} / ${f(avg('bench'), 3)}` : `– / (in bench) / ${f(avg('bench'), 3)}`;
  };
  out.push(`| Pollster | ${sp(b.pollsterRate)} | ${cpu('pollster')} |`);
  out.push(`| Plain loop (child process, like the worker) | ${sp(b.plainRate)} | ${cpu('plain')} |`);
  out.push(`| Plain loop (inside the bench process) | ${sp(b.plainInBenchRate)} | ${cpu('plain-in-bench')} |`);
  out.push(`| **Ratio Pollster ÷ plain** (per repeat) | **${sp(b.ratio, 2)}** | goal ≥ ${b.goal.ratio}: **${ok(b.goal.met)}** |`);
  out.push('');
  out.push('<details><summary>Every run</summary>');
  out.push('');
  out.push('| run | # | events | duplicates | provider requests | seconds | events/s | others\' CPU (% of a core) |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of b.runs) out.push(`| ${r.kind} | ${r.repeat} | ${f(r.events)} | ${r.duplicates} | ${r.providerRequests} | ${f(r.elapsedMs / 1000, 2)} | ${f(r.eventsPerSec)} | ${f(r.othersPercent)} |`);
  out.push('');
  out.push('</details>');
  out.push('');
  const h = b.history;
  if (h) {
    out.push('#### Hot path (history of the last Pollster run)');
    out.push('');
    out.push(`- ${h.pages} provider requests (pages) → ${Object.entries(h.activities).map(([k, v]) => `${v} ${k}`).join(', ')} activities (${h.activitiesPerPage} per page), ${h.workflowTasks} workflow tasks, ${f(h.events)} history events, ${f(h.bytes / 1024)} KiB of history: **${f(h.bytesPerEvent, 1)} history bytes per delivered event**.`);
    out.push(`- pollPage payloads (encrypted, as stored): input p50 ${f(h.pollPageInputBytes.p50)} B, result p50 ${f(h.pollPageResultBytes.p50)} B.`);
    const perActivity = h.pages / Math.max(1, h.activities['pollPage'] ?? 1);
    // The plain loop's time per page, end to end as measured (median over its repeats).
    const plainPerPage = spread(b.runs.filter((r) => r.kind === 'plain' && r.repeat > 0).map((r) => r.elapsedMs / Math.max(1, r.providerRequests))).median;
    out.push(`- Per pollPage activity (${f(perActivity, 1)} pages each), ms p50 / p90: queued ${f(h.queueMs.p50)} / ${f(h.queueMs.p90)}, ran ${f(h.runMs.p50)} / ${f(h.runMs.p90)}, workflow turnaround to the next activity ${f(h.turnaroundMs.p50)} / ${f(h.turnaroundMs.p90)}; the activity spends ${f(h.runMs.p50 / perActivity, 1)} ms per page, the plain loop ${f(plainPerPage, 1)} ms.`);
    out.push('');
    out.push('| event type | count | bytes |');
    out.push('|---|---|---|');
    for (const [t, v] of Object.entries(h.byType).sort((a, c) => c[1].bytes - a[1].bytes)) out.push(`| ${t} | ${v.count} | ${f(v.bytes)} |`);
    out.push('');
  }
  const p = b.cpuProfile;
  if (p?.worker || p?.plain) {
    out.push('#### Where the CPU goes (node --cpu-prof, one extra run each, self time, idle excluded)');
    out.push('');
    const areas = new Set([...(p.worker?.areas ?? []), ...(p.plain?.areas ?? [])].map((a) => a.area));
    out.push(`| area | worker ms (%), ${f(p.worker?.busyMs)} ms busy | plain loop ms (%), ${f(p.plain?.busyMs)} ms busy |`);
    out.push('|---|---|---|');
    for (const area of areas) {
      const w = p.worker?.areas.find((a) => a.area === area);
      const q = p.plain?.areas.find((a) => a.area === area);
      out.push(`| ${area} | ${w ? `${f(w.ms)} (${f(w.percent, 1)})` : '–'} | ${q ? `${f(q.ms)} (${f(q.percent, 1)})` : '–'} |`);
    }
    out.push('');
    if (p.worker) {
      out.push('<details><summary>Hottest worker functions</summary>');
      out.push('');
      out.push('| function | where | ms | % |');
      out.push('|---|---|---|---|');
      for (const t of p.worker.top) out.push(`| \`${t.fn}\` | ${t.where} | ${f(t.ms)} | ${f(t.percent, 1)} |`);
      out.push('');
      out.push('</details>');
      out.push('');
    }
  }
  return out;
}

function b2Section(b: B2Result): string[] {
  const out: string[] = [];
  const on = b.external ? 'an external Temporal (server CPU: its temporal-server processes + PostgreSQL\'s, where they run on this machine)' : 'a dev server of its own';
  out.push(`### ${b.name}: N instances, empty change set, interval ${b.intervalSec} s, ${b.steps[0]?.windows.length ?? 0} windows of ${b.windowSec} s per N, on ${on}, ${b.workers} worker(s), worker cache ${b.workerCache}`);
  out.push('');
  out.push('Lag from the provider\'s requests (exact per poll; see bench/README.md): poll-start lag = poll start − due (the workflow clock, as `pollster_schedule_lag`); request lag = request at the provider − due. Median (min–max) over the windows; max over all. Cache hits: workflow tasks that found their workflow in the worker\'s cache.');
  out.push('');
  out.push(`| N | offered /s | cycles/s | poll-start lag p50 / p99 / max (ms) | request lag p99 / max (ms) | CPU % server / worker / others | **CPU ms per cycle server / worker** | history events (bytes) per cycle | cache hits | worker RSS peak warm-up / windows (MB) | keeps up | goal (≥ ${GOAL_CYCLES_PER_SEC}/s, p99 < 2 s${b.name === 'B2-wide' ? ', RSS < 400 MB' : ''}) |`);
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of b.steps) {
    const w0 = s.windows;
    const avg = (fn: (w: (typeof w0)[number]) => number | undefined): number => w0.reduce((a, w) => a + (fn(w) ?? 0), 0) / w0.length;
    const hits = w0.map((w) => (w.cacheHitRate === undefined ? '–' : `${f(100 * w.cacheHitRate, 1)}%`)).join(', ');
    const pg = w0.some((w) => w.cpuPercent['postgres'] !== undefined);
    const server = (key: 'cpuPercent' | 'cpuMsPerCycle', digits?: number): string =>
      pg ? `${f(avg((w) => w[key]['temporal']), digits)} + ${f(avg((w) => w[key]['postgres']), digits)} pg` : f(avg((w) => w[key]['temporal']), digits);
    const history = s.history ? `${f(s.history.eventsPerCycle, 2)} (${f(s.history.bytesPerCycle)})` : '–';
    out.push(
      `| ${f(s.instances)} | ${f(s.offeredPerSec, 1)} | ${sp(s.cyclesPerSec, 1)} | ${f(s.pollStartLagP50.median)} / ${sp(s.pollStartLagP99)} / ${f(s.pollStartLagMax)} | ${sp(s.requestLagP99)} / ${f(s.requestLagMax)} | ${server('cpuPercent')} / ${f(avg((w) => w.cpuPercent['worker']))} / ${f(avg((w) => w.othersPercent))} | **${server('cpuMsPerCycle', 1)} / ${f(avg((w) => w.cpuMsPerCycle['worker']), 1)}** | ${history} | ${hits} | ${f(s.warmupRssPeakMb)} / ${f(Math.max(...w0.map((w) => w.workerRssPeakMb)))} | ${s.keepsUp ? 'yes' : 'no'} | ${s.goalMet === undefined ? 'n/a' : ok(s.goalMet)} |`,
    );
  }
  out.push('');
  out.push(`Instances were started with the Temporal client (as the API's create does, without its describe() and the HTTP layer): ${b.steps.map((s) => `${f(s.createPerSec)}/s`).join(', ')} per step. Histogram cross-check (\`pollster_schedule_lag\` buckets, p50 / p99 per window): ${b.steps.map((s) => s.windows.map((w) => `${hb(w.histogramLagMs?.p50)} / ${hb(w.histogramLagMs?.p99)}`).join('; ')).join(' | ')}.`);
  const judged = b.steps.some((s) => s.goalMet !== undefined);
  const meeting = judged ? `**${b.largestNMeetingGoal ?? 'none'}**` : `not judged (no step offered ≥ ${GOAL_CYCLES_PER_SEC}/s)`;
  out.push(`Largest N meeting the goal: ${meeting}; largest N keeping up with its offered rate: ${b.largestNKeepingUp ?? 'none'}.`);
  for (const s of b.steps) {
    if (!s.history) continue;
    const types = Object.entries(s.history.typesPerCycle)
      .sort((a, c) => c[1] - a[1])
      .map(([t, v]) => `${t} ${v}`)
      .join(', ');
    out.push(`History per steady cycle at N=${f(s.instances)} (${s.history.sampled} instances sampled): ${types}.`);
  }
  out.push('');
  return out;
}

function b3Section(b: RunResults['b3'] & object): string[] {
  return [
    `### B3 memory: ${f(b.instances)} idle instances, worker cache ${b.workerCache}`,
    '',
    '| worker RSS (MB) | fresh (no instances) | idle instances (mean / peak) | during the pollNow burst (peak) | after the burst (mean / peak) | goal < 400 MB (idle, after) |',
    '|---|---|---|---|---|---|',
    `| | ${f(b.rssFreshMb)} | ${f(b.rssIdle.meanMb)} / ${f(b.rssIdle.peakMb)} | ${f(b.burst.rssPeakMb)} | ${f(b.rssAfterBurst.meanMb)} / ${f(b.rssAfterBurst.peakMb)} | **${ok(b.goal.met)}** |`,
    '',
    `Started ${f(b.instances)} instances in ${f(b.createSeconds, 1)} s (${f(b.createPerSec)}/s); settled after ${f(b.settleSeconds, 1)} s (${b.settledBy}). Burst: ${f(b.burst.polled)} polls in ${f(b.burst.seconds, 1)} s = ${f(b.burst.pollsPerSec, 1)} polls/s, CPU worker ${f(b.burst.workerCpuPercent)}% / server ${f(b.burst.serverCpuPercent)}%.${b.serverRssMb ? ` Server RSS ${f(b.serverRssMb)} MB.` : ''}`,
    '',
  ];
}

export function renderSection(r: RunResults): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(`## ${m.startedAt.replace('T', ' ').slice(0, 19)} UTC on ${m.host}${m.knobs.label ? ` — ${m.knobs.label}` : ''}`);
  out.push('');
  out.push(`Machine: ${m.cpus}, ${m.memoryGiB} GiB; Node ${m.node}; Temporal ${m.target} (${m.temporal}); load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' ')}${m.loadAvgEnd ? `, at end ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(' ')}` : ''}; run took ${f((m.durationSec ?? 0) / 60, 1)} min.`);
  out.push(`Worker environment: ${Object.entries(m.workerEnv).map(([k, v]) => `${k}=${v}`).join(', ') || 'defaults'}. Code: ${Object.entries(m.code).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  out.push('');
  if (r.b1) out.push(...b1Section(r.b1));
  if (r.codec) {
    const c = r.codec;
    out.push(`#### Codec (temporal/codec.ts, AES-256-GCM) on B1's real pollPage payloads`);
    out.push('');
    out.push(`Input ${f(c.inputBytes)} B, result ${f(c.resultBytes)} B (plain): encode ${f(c.encodeUsPerKb, 2)} µs/KiB, decode ${f(c.decodeUsPerKb, 2)} µs/KiB; **${f(c.usPerPage)} µs per page** (both payloads, both ways).`);
    out.push('');
  }
  for (const b of r.b2 ?? []) out.push(...b2Section(b));
  if (r.b3) out.push(...b3Section(r.b3));
  if (r.b4) out.push(...b4Section(r.b4));
  for (const [k, v] of Object.entries(r.errors)) out.push(`**${k} failed:** \`${v.split('\n')[0]}\``, '');
  return out.join('\n');
}

export function writeResults(benchDir: string, r: RunResults): { json: string; md: string } {
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = r.meta.startedAt.replace(/[:.]/g, '-');
  const json = join(resultsDir, `${stamp}.json`);
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  const md = join(benchDir, 'RESULTS.md');
  const existing = existsSync(md) ? readFileSync(md, 'utf8') : PREAMBLE;
  const at = existing.indexOf(MARKER);
  const head = at >= 0 ? existing.slice(0, at + MARKER.length) : PREAMBLE.trimEnd();
  const tail = at >= 0 ? existing.slice(at + MARKER.length) : `\n${existing}`;
  writeFileSync(md, `${head}\n\n${renderSection(r)}\n${tail.replace(/^\n+/, '\n')}`);
  return { json, md };
}
