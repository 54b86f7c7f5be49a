/**
 * Keeps `npm start`'s long-running children alive: a child that exits on its own is started again
 * after a delay that doubles with each exit in a row (1 s up to 30 s), and starts over once the
 * child has stayed up a minute. Only `stop()` (Ctrl-C) ends them for good.
 */
import type { ChildProcess } from 'node:child_process';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A child that ran this long before exiting counts as healthy: its next delay is `initialMs` again. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, stableAfterMs: 60_000 };

/** The delay before restarting after the `exitsInARow`-th exit in a row (1-based). */
export function restartDelay(exitsInARow: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, Math.min(exitsInARow - 1, 30)));
}

interface Supervised {
  name: string;
  start: () => ChildProcess;
  child: ChildProcess;
  startedAt: number;
  exitsInARow: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  backoff?: Backoff;
  log?: (line: string) => void;
  /** Called with each new child after a restart (tests watch for it). */
  onRestart?: (name: string, child: ChildProcess) => void;
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

export class Supervisor {
  private readonly supervised: Supervised[] = [];
  private stopping = false;

  constructor(private readonly options: SupervisorOptions = {}) {}

  /** Starts `start()` now and again whenever its child exits, until `stop()`. */
  supervise(name: string, start: () => ChildProcess): ChildProcess {
    const entry: Supervised = { name, start, child: undefined as never, startedAt: 0, exitsInARow: 0, restarts: 0 };
    this.supervised.push(entry);
    this.launch(entry);
    return entry.child;
  }

  /** The current child of `name` (a new one after each restart). */
  child(name: string): ChildProcess | undefined {
    return this.supervised.find((s) => s.name === name)?.child;
  }

  restarts(name: string): number {
    return this.supervised.find((s) => s.name === name)?.restarts ?? 0;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private launch(entry: Supervised): void {
    const child = entry.start();
    entry.child = child;
    entry.startedAt = Date.now();
    let handled = false;
    const onGone = (why: string): void => {
      if (handled) return;
      handled = true;
      if (this.stopping) return;
      const ranMs = Date.now() - entry.startedAt;
      entry.exitsInARow = ranMs >= (this.options.backoff ?? DEFAULT_BACKOFF).stableAfterMs ? 1 : entry.exitsInARow + 1;
      const delay = restartDelay(entry.exitsInARow, this.options.backoff);
      this.options.log?.(`pollster: ${entry.name} ${why}; restarting it in ${delay / 1000} s`);
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.stopping) return;
        entry.restarts += 1;
        this.launch(entry);
        this.options.onRestart?.(entry.name, entry.child);
      }, delay);
    };
    child.once('exit', (code, signal) => onGone(`exited (${signal ?? code})`));
    // A child that could not be spawned at all emits 'error' and no 'exit'.
    child.once('error', (err) => {
      if (child.pid === undefined) onGone(`could not start (${err.message})`);
    });
  }

  /**
   * Stops every child for good, newest first, each after the one started after it has exited: the worker and the
   * API finish what they were doing while the dev server they talk to is still up. SIGKILL for a child still up
   * after `forceAfterMs`.
   */
  async stop(signal: NodeJS.Signals = 'SIGINT', forceAfterMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const s of this.supervised) clearTimeout(s.timer);
    for (const { child } of [...this.supervised].reverse()) {
      if (child.pid === undefined || exited(child)) continue;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      const force = setTimeout(() => exited(child) || child.kill('SIGKILL'), forceAfterMs);
      force.unref();
      await gone;
      clearTimeout(force);
    }
  }

  /** SIGKILL to every child still up, at once, and no restarts (the parent is exiting without stop(): none may outlive it). */
  killAll(): void {
    this.stopping = true;
    for (const s of this.supervised) {
      clearTimeout(s.timer);
      if (s.child.pid !== undefined && !exited(s.child)) s.child.kill('SIGKILL');
    }
  }
}
