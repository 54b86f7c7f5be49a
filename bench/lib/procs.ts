/**
 * Child processes of the bench (the Temporal dev server, the worker, the plain loop) and what the
 * kernel says about them: CPU from /proc/<pid>/stat (utime + stime), RSS from /proc/<pid>/status.
 * Every child leads its own process group and is killed with it on any exit of the bench.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const live = new Set<ChildProcess>();

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Last resort: whatever happened, no child outlives the bench. */
export function killAll(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
}
process.once('exit', killAll);

export interface Child {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last lines it wrote (for error messages). */
  tail(): string;
  exited(): boolean;
  /** Resolves with the exit code (or signal). */
  done: Promise<number | string>;
  /** `signal` first, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Everything it writes also goes here. */
  logFile?: string;
  /** Resolves once a line matches (rejects when it exits first or after `readyTimeoutMs`). */
  ready?: RegExp;
  readyTimeoutMs?: number;
  /** Called with each complete stdout line (the plain loop reports through it). */
  onLine?: (line: string) => void;
  /** Keep stdin open (the plain loop waits on it for the go-ahead). */
  stdin?: boolean;
}

export async function spawnChild(o: SpawnOptions): Promise<Child> {
  const child = spawn(o.command, o.args, { cwd: REPO_ROOT, env: o.env, detached: true, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  live.add(child);
  const done = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const log = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : undefined;
  const lines: string[] = [];
  let ready = !o.ready;
  let onReady: (() => void) | undefined;
  let partial = '';
  const collect = (isStdout: boolean) => (chunk: Buffer) => {
    log?.write(chunk);
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (isStdout) o.onLine?.(line);
      if (!ready && o.ready?.test(line)) {
        ready = true;
        onReady?.();
      }
    }
    if (lines.length > 300) lines.splice(0, lines.length - 300);
  };
  child.stdout!.on('data', collect(true));
  child.stderr!.on('data', collect(false));
  const handle: Child = {
    name: o.name,
    pid: child.pid!,
    child,
    tail: () => lines.slice(-30).join('\n'),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    done,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!signalGroup(child, signal)) return;
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
      log?.end();
    },
  };
  if (!ready) {
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${o.name} not ready after ${o.readyTimeoutMs ?? 120_000} ms:\n${handle.tail()}`)), o.readyTimeoutMs ?? 120_000);
        onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        void done.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${o.name} exited (${code}) before it was ready:\n${handle.tail()}`));
        });
      });
    } catch (err) {
      await handle.stop('SIGKILL');
      throw err;
    }
  }
  return handle;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// /proc

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/** CPU seconds (user + system, all threads) the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes; undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Machine-wide busy and total CPU seconds (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
}

export interface CpuWindow {
  /** Seconds of wall time covered. */
  seconds: number;
  /** CPU used per named process, in % of one core. */
  percent: Record<string, number>;
  /** CPU seconds used per named process over the window. */
  cpuSeconds: Record<string, number>;
  /** Everything on the machine that is not ours (other people's tests), % of one core. */
  othersPercent: number;
  /** Machine busy, % of all cores together (100 = every core busy). */
  machinePercent: number;
}

/** Pids of the processes whose command name is `comm` (every `postgres` backend, say), as of now. */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** One process, several, or a lookup run at each reading (processes that come and go, e.g. database backends). */
export type PidSource = number | readonly number[] | (() => readonly number[]) | undefined;
const pidsOf = (source: PidSource): readonly number[] => (source === undefined ? [] : typeof source === 'number' ? [source] : typeof source === 'function' ? source() : source);

/** CPU accounting between `start()` and `stop()` for named groups of processes, plus this process itself. */
export class CpuMeter {
  private t0 = 0;
  private start0 = new Map<string, Map<number, number>>();
  private machine0 = { busy: 0, total: 0 };
  private self0 = process.cpuUsage();

  constructor(private readonly pids: Record<string, PidSource>) {}

  start(): this {
    this.t0 = performance.now();
    this.machine0 = machineCpu();
    this.self0 = process.cpuUsage();
    this.start0 = new Map();
    for (const [name, source] of Object.entries(this.pids)) {
      const at = new Map<number, number>();
      for (const pid of pidsOf(source)) at.set(pid, cpuSeconds(pid) ?? 0);
      this.start0.set(name, at);
    }
    return this;
  }

  read(): CpuWindow {
    const seconds = (performance.now() - this.t0) / 1000;
    const used: Record<string, number> = {};
    for (const [name, source] of Object.entries(this.pids)) {
      const at = this.start0.get(name) ?? new Map<number, number>();
      let sum: number | undefined;
      // A process first seen now started within the window: all its CPU is the window's.
      for (const pid of pidsOf(source)) {
        const now = cpuSeconds(pid);
        if (now !== undefined) sum = (sum ?? 0) + now - (at.get(pid) ?? 0);
      }
      if (sum !== undefined) used[name] = sum;
    }
    const self = process.cpuUsage(this.self0);
    used['bench'] = (self.user + self.system) / 1e6;
    const m = machineCpu();
    const busy = m.busy - this.machine0.busy;
    const total = m.total - this.machine0.total;
    const ours = Object.values(used).reduce((a, b) => a + b, 0);
    const percent: Record<string, number> = {};
    for (const [name, s] of Object.entries(used)) percent[name] = (100 * s) / seconds;
    return {
      seconds,
      percent,
      cpuSeconds: used,
      othersPercent: Math.max(0, (100 * (busy - ours)) / seconds),
      machinePercent: total > 0 ? (100 * busy) / total : 0,
    };
  }
}

/** Samples a process's RSS every `everyMs` until stopped: peak, last and mean. */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private samples: number[] = [];

  constructor(
    private readonly pid: number,
    private readonly everyMs = 250,
  ) {}

  start(): this {
    this.samples = [];
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  private sample(): void {
    const rss = rssBytes(this.pid);
    if (rss !== undefined) this.samples.push(rss);
  }

  read(): { peak: number; last: number; mean: number; samples: number } {
    const s = this.samples;
    return {
      peak: s.length ? Math.max(...s) : 0,
      last: s.at(-1) ?? 0,
      mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0,
      samples: s.length,
    };
  }

  stop(): ReturnType<RssSampler['read']> {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.read();
  }
}
