/**
 * Real processes for fault tests: a Temporal dev server that can be stopped and started again on the
 * same SQLite file, worker and API processes that can be SIGKILLed. Every child is remembered and
 * killed when the test process exits, whatever happened (no leftovers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort, spawnDevServer, waitForTemporal } from '../../scripts/devServer';
import { workflowBundleOptions } from '../../workers/workflowBundle';

export { freePort };

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const live = new Set<ChildProcess>();
/** Children spawned detached: each leads a process group of its own, killed as a whole. */
const groups = new WeakSet<ChildProcess>();

function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return false;
  try {
    process.kill(groups.has(child) ? -child.pid : child.pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

function hardKill(child: ChildProcess): void {
  signalChild(child, 'SIGKILL');
}

// Last resort when a test fails or times out before its own clean-up: no process outlives the test file.
process.once('exit', () => {
  for (const child of live) hardKill(child);
});

function track(child: ChildProcess, detachedGroup: boolean): ChildProcess {
  if (detachedGroup) groups.add(child);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * A process that is not a child of this one (found with ps, or named in a command's output), held by pid and start
 * time. The box's pids wrap at 32,768 within a test run: a pid alone, once its process is gone, can name a process of
 * another test file.
 */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

/** Field 22 of /proc/<pid>/stat; the command name before it (field 2) may hold spaces and parentheses. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined; // gone
  }
}

export function processRef(pid: number): ProcessRef | undefined {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** The very process `ref` was taken of is still there (a pid since given to another process is not). */
export const stillRunning = (ref: ProcessRef): boolean => startTimeOf(ref.pid) === ref.startTime;

export function killIfStillRunning(ref: ProcessRef): void {
  if (!stillRunning(ref)) return;
  try {
    process.kill(ref.pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something other than undefined/false. */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((r) => child.once('exit', () => r()));
}

/** Stops a child: `signal` first (SIGKILL for a crash), then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!signalChild(child, signal)) return;
  const timer = setTimeout(() => hardKill(child), graceMs);
  await waitExit(child);
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// The Temporal dev server, restartable on the same database file

export interface DevServer {
  address: string;
  dbFile: string;
  /** Stops the server (SIGTERM: graceful; SIGKILL: a crash). The database file stays. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and database file, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes the database. */
  destroy(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-faults-'));
  const dbFile = join(dir, 'temporal.sqlite');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const server: DevServer = {
    address,
    dbFile,
    async start() {
      child = track(spawnDevServer({ dbFile, port, log: 'ignore' }), false);
      try {
        await waitForTemporal(address, 'default', 60_000);
      } catch (err) {
        await stopChild(child, 'SIGKILL');
        throw err;
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child) await stopChild(child, signal);
      child = undefined;
    },
    async destroy() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------------------------------------
// Worker and API processes

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  /** The last lines the process wrote (for failure messages). */
  output(): string;
  /** SIGKILL: the process dies where it stands. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  exited(): boolean;
}

export interface SpawnOptions {
  /** Module to run with `node --import tsx`, relative to the repository root (or to `cwd`). */
  entry: string;
  /** Another checkout to run from (an older release, for upgrade tests). */
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Resolves once the process prints this. */
  ready: RegExp;
  readyTimeoutMs?: number;
}

export async function spawnNode(o: SpawnOptions): Promise<ChildHandle> {
  // Detached: the child leads a process group of its own, so a kill reaches everything it started.
  const child = track(
    // A compiled entry (dist/worker.mjs) runs as it is; a source entry through tsx.
    spawn(process.execPath, /\.m?js$/.test(o.entry) ? [o.entry] : ['--import', 'tsx', o.entry], { cwd: o.cwd ?? REPO_ROOT, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
    true,
  );
  const lines: string[] = [];
  let isReady = false;
  let onReady: (() => void) | undefined;
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    lines.push(...text.split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
    if (!isReady && o.ready.test(text)) {
      isReady = true;
      onReady?.();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const handle: ChildHandle = {
    child,
    pid: child.pid!,
    output: () => lines.slice(-40).join('\n'),
    kill: () => stopChild(child, 'SIGKILL'),
    stop: () => stopChild(child, 'SIGTERM'),
    exited: () => child.exitCode !== null || child.signalCode !== null,
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${o.entry} not ready after ${o.readyTimeoutMs ?? 90_000} ms:\n${handle.output()}`)), o.readyTimeoutMs ?? 90_000);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      if (isReady) done();
      onReady = () => done();
      child.once('exit', (code, signal) => done(new Error(`${o.entry} exited (${code ?? signal}) before it was ready:\n${handle.output()}`)));
    });
  } catch (err) {
    await handle.kill();
    throw err;
  }
  return handle;
}

/** What a Pollster process needs to reach the test's Temporal, with the test's keys and retry scale. */
export function pollsterEnv(address: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    POLLSTER_ENCRYPTION_KEY: process.env.POLLSTER_ENCRYPTION_KEY,
    POLLSTER_ALLOW_PRIVATE_CALLBACKS: process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS,
    POLLSTER_ALLOW_PRIVATE_PROVIDERS: process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS,
    POLLSTER_RETRY_SCALE: process.env.POLLSTER_RETRY_SCALE,
    POLLSTER_DATA_DIR: process.env.POLLSTER_DATA_DIR,
    ...extra,
  };
}

/** `node --import tsx workers/main.ts`, exactly as `npm run worker` runs it (it bundles the workflows itself). */
export function spawnWorkerMain(address: string, extra: NodeJS.ProcessEnv = {}): Promise<ChildHandle> {
  return spawnNode({ entry: 'workers/main.ts', env: pollsterEnv(address, extra), ready: /worker polling task queue/ });
}

/**
 * The same worker (workers/worker.ts createWorker) from a prebuilt workflow bundle with short activity
 * timeouts (see faultInterceptors.ts): a worker SIGKILLed mid-activity is then noticed in seconds,
 * not after the production 2-minute start-to-close timeout.
 */
export function spawnFaultWorker(address: string, bundlePath: string, extra: NodeJS.ProcessEnv = {}): Promise<ChildHandle> {
  return spawnNode({
    entry: 'test/support/faultWorkerMain.ts',
    env: pollsterEnv(address, { POLLSTER_TEST_WORKFLOW_BUNDLE: bundlePath, ...extra }),
    ready: /worker polling task queue/,
  });
}

export const FAULT_INTERCEPTORS = fileURLToPath(new URL('./faultInterceptors.ts', import.meta.url));

const faultBundles = new Map<boolean, Promise<string>>();
/**
 * The production workflows plus the short-timeout interceptor, bundled once per test process into a temp file.
 * `withoutStaleClockGuard` leaves out workflows/interceptors.ts: the fault that guard exists for, shown to happen.
 */
export function faultBundlePath(options: { withoutStaleClockGuard?: boolean } = {}): Promise<string> {
  const guarded = !options.withoutStaleClockGuard;
  let bundle = faultBundles.get(guarded);
  if (!bundle) {
    bundle = (async () => {
      const { code } = await bundleWorkflowCode({
        ...workflowBundleOptions,
        workflowInterceptorModules: [...(guarded ? (workflowBundleOptions.workflowInterceptorModules ?? []) : []), FAULT_INTERCEPTORS],
        logger: { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never,
      });
      const dir = mkdtempSync(join(tmpdir(), 'pollster-bundle-'));
      const file = join(dir, 'workflows.js');
      writeFileSync(file, code);
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return file;
    })();
    faultBundles.set(guarded, bundle);
  }
  return bundle;
}
