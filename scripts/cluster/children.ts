/**
 * Pollster's own processes under `npm run cluster` (deploy/Procfile's commands), their output appended to a
 * log file, ready once they print a given line. Each leads its own process group, so a stop reaches
 * everything it started; none outlives this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { REPO_ROOT } from './serverConfig';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) signal(child, 'SIGKILL');
});

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

export interface NodeProcess {
  name: string;
  pid: number;
  logFile: string;
  /** The last lines it wrote. */
  tail(): string;
  /** Resolves when it exits, with its code or signal. */
  exited: Promise<number | string>;
  /** SIGTERM (a graceful stop), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface NodeProcessOptions {
  name: string;
  /** Program and arguments, run from the repository root; `node` is this Node.js. */
  command: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  ready: RegExp;
  readyTimeoutMs?: number;
}

export async function startNodeProcess(o: NodeProcessOptions): Promise<NodeProcess> {
  const [program, ...args] = o.command;
  if (!program) throw new Error(`${o.name}: no command`);
  const child = spawn(program === 'node' ? process.execPath : program, args, { cwd: REPO_ROOT, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? sig ?? 'unknown');
    }),
  );
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const lines: string[] = [];
  let seen = '';
  let onReady: (() => void) | undefined;
  const collect = (chunk: Buffer): void => {
    log.write(chunk);
    const text = chunk.toString('utf8');
    lines.push(...text.split('\n').filter(Boolean));
    if (lines.length > 50) lines.splice(0, lines.length - 50);
    if (onReady) {
      seen = (seen + text).slice(-4096);
      if (o.ready.test(seen)) onReady();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.once('exit', () => log.end());
  const handle: NodeProcess = {
    name: o.name,
    pid: child.pid!,
    logFile: o.logFile,
    tail: () => lines.slice(-15).join('\n'),
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal(child, 'SIGTERM');
      const force = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(force);
    },
  };
  const timeoutMs = o.readyTimeoutMs ?? 120_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${o.name} not ready after ${timeoutMs / 1000} s; ${o.logFile}:\n${handle.tail()}`)), timeoutMs);
    onReady = () => {
      clearTimeout(timer);
      onReady = undefined;
      resolve();
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${o.name} exited (${code}) before it was ready; ${o.logFile}:\n${handle.tail()}`));
    });
  }).catch(async (err) => {
    await handle.stop(2_000);
    throw err;
  });
  return handle;
}
