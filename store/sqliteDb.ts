/**
 * The store on SQLite (better-sqlite3): one file in the data dir, shared by the worker and the API
 * on one machine. WAL lets readers go on while one process writes; the busy timeout makes a writer
 * wait for another process's transaction instead of failing. The file is created owner-only (0600);
 * SQLite gives its -wal and -shm files the same mode.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Mutex } from './mutex';
import type { SqlDb, SqlRunner, SqlValue } from './sqlDb';

/** How long a writer waits for another process's write transaction. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Creates the file 0600 (and its dir 0700) unless it exists, so SQLite never creates it with the umask's mode. */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * One lock per file and process, shared by every connection of this process to the file. SQLite's
 * busy handler waits synchronously: a second connection here that waited for the first one's
 * transaction (which spans awaits) would block the very thread that must finish it.
 */
const fileLocks = new Map<string, { lock: Mutex; users: number }>();

function acquireFileLock(file: string): Mutex {
  const entry = fileLocks.get(file) ?? { lock: new Mutex(), users: 0 };
  entry.users++;
  fileLocks.set(file, entry);
  return entry.lock;
}

function releaseFileLock(file: string): void {
  const entry = fileLocks.get(file);
  if (entry && --entry.users === 0) fileLocks.delete(file);
}

class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite';
  readonly location: string;
  private readonly statements = new Map<string, Database.Statement>();
  // A transaction spans awaits: nothing else of this process may touch the file meanwhile.
  private readonly lock: Mutex;
  private readonly direct: SqlRunner;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.location = `SQLite ${file}`;
    this.lock = acquireFileLock(file);
    this.direct = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => this.statement(sql).all(...params) as T[],
      run: async (sql: string, params: readonly SqlValue[] = []) => this.statement(sql).run(...params).changes,
    };
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.lock.run(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.lock.run(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      // IMMEDIATE takes the write lock now (waiting up to the busy timeout), not at the first write,
      // where a WAL reader whose snapshot went stale would fail at once.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.lock.run(() => {
      if (!this.db.open) return;
      this.statements.clear();
      this.db.close();
      releaseFileLock(this.file);
    });
  }
}

export function openSqliteDb(path: string): SqlDb {
  const file = resolve(path);
  createPrivately(file);
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL syncs at checkpoints: a power cut may lose the last writes, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteDb(db, file);
}
