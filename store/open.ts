/**
 * `openStore(env)`: PostgreSQL when POLLSTER_DATABASE_URL is set (workers and API on several
 * machines), else SQLite at `$POLLSTER_DATA_DIR/pollster.sqlite` (default `.data`, the embedded
 * default: processes on one machine). Values are sealed with the codec of Temporal's payloads.
 */
import { join, resolve } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { codecFromEnv } from '../temporal/codec';
import { openPostgresDb } from './postgresDb';
import { openSqliteDb } from './sqliteDb';
import { openSqlStore } from './sqlStore';
import type { PollsterStore } from './types';

export const SQLITE_FILE_NAME = 'pollster.sqlite';

export type StoreTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Which database the environment names. The URL is never echoed: it holds a password. */
export function storeTarget(env: NodeJS.ProcessEnv = process.env): StoreTarget {
  const url = env.POLLSTER_DATABASE_URL?.trim();
  if (url) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new Error('POLLSTER_DATABASE_URL is not a URL (postgres://user:password@host:5432/database)');
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw new Error(`POLLSTER_DATABASE_URL must be a postgres:// URL, got ${protocol}//`);
    return { kind: 'postgres', url };
  }
  return { kind: 'sqlite', file: join(resolve(env.POLLSTER_DATA_DIR || '.data'), SQLITE_FILE_NAME) };
}

export interface OpenStoreOptions {
  /** Seals stored values; default: the codec of POLLSTER_ENCRYPTION_KEY (and the previous keys). */
  codec?: PayloadCodec;
}

export async function openStore(env: NodeJS.ProcessEnv = process.env, options: OpenStoreOptions = {}): Promise<PollsterStore> {
  const target = storeTarget(env);
  const codec = options.codec ?? codecFromEnv(env);
  const db = target.kind === 'postgres' ? openPostgresDb(target.url) : openSqliteDb(target.file);
  return openSqlStore(db, codec);
}
