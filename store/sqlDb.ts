/**
 * The little the store needs from a database, so one SQL text (written with `?` placeholders,
 * standard SQL plus `ON CONFLICT` and `RETURNING`, which SQLite and PostgreSQL both speak) serves
 * both: store/sqliteDb.ts and store/postgresDb.ts.
 */
export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | Buffer | null;

export interface SqlRunner {
  /** The rows a statement returns (a SELECT, or a write with RETURNING). */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a write; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface TransactionOptions {
  /** Serialize with every other process's schema migration (SQLite's write lock already does). */
  schemaLock?: boolean;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: Dialect;
  /** Where it is, without credentials. */
  readonly location: string;
  /**
   * Runs `fn` in one write transaction: committed when it resolves, rolled back when it throws.
   * Keep slow work (sealing) out of it: on SQLite it holds the file's write lock.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}
