/** The embedded Temporal dev server: SQLite under the data dir, Pollster's search attributes registered. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../contract/searchAttributes';

export function temporalCliPath(): string {
  const script = fileURLToPath(new URL('./temporal-cli.sh', import.meta.url));
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface DevServerOptions {
  dbFile: string;
  port: number;
  uiPort?: number;
  codecEndpoint?: string;
  /** Its stdout (stderr is inherited, or piped too with 'pipe'). */
  log?: 'inherit' | 'ignore' | 'pipe';
  /** A process group of its own: a terminal's Ctrl-C then reaches only its parent, which stops it last. */
  detached?: boolean;
}

/**
 * SQLite in WAL mode with synchronous=NORMAL, as Pollster's own store: a commit is not synced to disk on its own, which
 * took about a quarter of the server's CPU per quiet poll (bench/NOTES.md). A crashed or killed server loses nothing;
 * a power loss can roll back its last commits, which Temporal then runs again (a poll repeats, and its notifications
 * keep their ids).
 */
const SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=NORMAL'];

export function devServerArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--db-filename', o.dbFile, ...SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]), '--log-level', 'warn'];
  if (o.uiPort) args.push('--ui-port', String(o.uiPort));
  else args.push('--headless');
  if (o.codecEndpoint) args.push('--ui-codec-endpoint', o.codecEndpoint);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) args.push('--search-attribute', `${name}=${type}`);
  return args;
}

export function spawnDevServer(o: DevServerOptions): ChildProcess {
  const log = o.log ?? 'inherit';
  return spawn(temporalCliPath(), devServerArgs(o), { stdio: ['ignore', log, log === 'pipe' ? 'pipe' : 'inherit'], detached: o.detached ?? false });
}

/** Resolves once the frontend answers (and its namespace exists), or rejects after `timeoutMs`. */
export async function waitForTemporal(address: string, namespace = 'default', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready: ${(lastError as Error)?.message}`);
}

/** A port that was free a moment ago (the OS picks it): for dev servers and the other local listeners. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
