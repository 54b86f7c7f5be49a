/**
 * One Temporal server process (frontend, history, matching and worker services together) configured from
 * deploy/temporal/config on PostgreSQL. It can be stopped (SIGTERM, or SIGKILL for a crash) and started
 * again on the same databases and ports. Whatever happens, it does not outlive this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { waitForTemporal } from '../devServer';
import { REPO_ROOT, serverArgs, serverEnv, type ServerSettings } from './serverConfig';

/** The namespace every server creates for itself: it answers once the server can read its databases. */
export const SYSTEM_NAMESPACE = 'temporal-system';

/** Whether a Temporal server answers at `address` now (one attempt, unlike waitForTemporal). */
export async function temporalAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.describeNamespace({ namespace: SYSTEM_NAMESPACE });
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The log's last lines, each cut short (the server's lines carry whole stack traces). */
function tail(file: string, lines = 8): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(-lines)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
    .join('\n');
}

export class TemporalServer {
  readonly address: string;
  private child?: ChildProcess;

  constructor(
    private readonly binary: string,
    private readonly settings: ServerSettings,
    /** Everything the server writes is appended here. */
    readonly logFile: string,
  ) {
    this.address = `127.0.0.1:${settings.ports.frontend}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves when the process started last exits, for whatever reason. */
  whenExited(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return Promise.resolve();
    return new Promise((r) => child.once('exit', () => r()));
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server and resolves once its frontend serves the system namespace. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running()) return;
    const log = openSync(this.logFile, 'a');
    // Its own process group: a Ctrl-C in the terminal reaches this process, which stops the server last.
    const child = spawn(this.binary, serverArgs(), { cwd: REPO_ROOT, env: { ...process.env, ...serverEnv(this.settings) }, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`the Temporal server exited (${signal ?? code}) before it was ready; ${this.logFile}:\n${tail(this.logFile)}`))),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([waitForTemporal(this.address, SYSTEM_NAMESPACE, timeoutMs), exited]);
    } catch (err) {
      await this.stop('SIGKILL');
      throw err;
    }
  }

  /** SIGTERM stops it gracefully (SIGKILL after `graceMs`); SIGKILL is a crash. The databases stay. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(force);
  }
}
