/**
 * The store on PostgreSQL (`pg`), for deployments whose workers and API run on several machines:
 * POLLSTER_DATABASE_URL, `postgres://user:password@host:5432/database` (`?sslmode=require` for TLS).
 * A pool per process; `?` placeholders become `$1…`; BIGINT columns (milliseconds) are read as numbers.
 */
import pg from 'pg';
import type { SqlDb, SqlRunner, SqlValue, TransactionOptions } from './sqlDb';

/** Connections per process: the worker and the API each hold a pool; PostgreSQL allows 100 by default. */
export const POSTGRES_POOL_SIZE = 5;
const INT8_OID = 20;
/** The advisory lock that serializes schema migrations across processes (any fixed number of ours). */
const SCHEMA_LOCK_KEY = 7_311_042_951;

/** `?` → `$n`, in order (the store's SQL has no `?` inside literals). */
const numbered = new Map<string, string>();
function toPostgres(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

// Milliseconds since 1970 and row counts fit a double exactly; pg reads BIGINT as text otherwise.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function runnerOf(client: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await client.query(toPostgres(sql), params as SqlValue[])).rows as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) => (await client.query(toPostgres(sql), params as SqlValue[])).rowCount ?? 0,
  };
}

class PostgresDb implements SqlDb {
  readonly dialect = 'postgres';
  private readonly direct: SqlRunner;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {
    this.direct = runnerOf(pool);
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (options.schemaLock) await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
      const result = await fn(runnerOf(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** `postgres host:port/database`: never the user's password. */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL ${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname || '/'}`;
}

export function openPostgresDb(url: string): SqlDb {
  const pool = new pg.Pool({ connectionString: url, types, max: POSTGRES_POOL_SIZE });
  // An idle connection that breaks is dropped by the pool; the next query reconnects (or fails with the cause).
  pool.on('error', () => undefined);
  return new PostgresDb(pool, describePostgresUrl(url));
}
