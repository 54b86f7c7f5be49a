/**
 * The store on SQLite: the conformance suite on temp files (several store objects on one file, as the
 * worker and the API would be), plus what only the embedded default has: the file in the data dir,
 * owner-only, and a second process writing at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, storeTarget } from '../../store/open';
import { openSqliteDb } from '../../store/sqliteDb';
import { openSqlStore } from '../../store/sqlStore';
import { storeConformance } from '../support/storeConformance';
import { newCodec, notification } from '../support/storeFixtures';
import type { StorePlace } from '../support/storeFixtures';

function withConnection<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { timeout: 10_000 });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

async function sqlitePlace(): Promise<StorePlace> {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-store-'));
  const file = join(dir, 'pollster.sqlite');
  return {
    open: (codec) => openSqlStore(openSqliteDb(file), codec),
    async rawText() {
      return ['', '-wal'].map((suffix) => (existsSync(file + suffix) ? readFileSync(file + suffix).toString('latin1') : '')).join('\n');
    },
    async sql(statement) {
      return withConnection(file, (db) => {
        const prepared = db.prepare(statement);
        if (prepared.reader) return prepared.all() as Record<string, unknown>[];
        prepared.run();
        return [];
      });
    },
    async sizeBytes() {
      withConnection(file, (db) => db.pragma('wal_checkpoint(TRUNCATE)'));
      return statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

storeConformance('SQLite', sqlitePlace);

const mode = (path: string): number => statSync(path).mode & 0o777;

test('SQLite: openStore puts pollster.sqlite in POLLSTER_DATA_DIR, owner-only, in WAL mode', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pollster-store-dir-'));
  const dataDir = join(root, 'data');
  const { key } = newCodec();
  const store = await openStore({ POLLSTER_DATA_DIR: dataDir, POLLSTER_ENCRYPTION_KEY: key.toString('base64') });
  try {
    const file = join(dataDir, 'pollster.sqlite');
    assert.equal(store.location, `SQLite ${file}`);
    await store.recordNotifications([notification({ objectIds: ['1'] })]);
    assert.equal(mode(dataDir), 0o700);
    assert.equal(mode(file), 0o600);
    assert.equal(mode(`${file}-wal`), 0o600, 'SQLite gives the journal the file’s mode');
    assert.equal(mode(`${file}-shm`), 0o600);
    assert.equal(
      withConnection(file, (db) => db.pragma('journal_mode', { simple: true })),
      'wal',
    );
  } finally {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('openStore: POLLSTER_DATABASE_URL picks PostgreSQL, else SQLite in the data dir; a bad URL is refused without echoing it', () => {
  const cases: [string, NodeJS.ProcessEnv, ReturnType<typeof storeTarget> | RegExp][] = [
    ['default data dir', {}, { kind: 'sqlite', file: join(process.cwd(), '.data', 'pollster.sqlite') }],
    ['data dir', { POLLSTER_DATA_DIR: '/srv/pollster' }, { kind: 'sqlite', file: '/srv/pollster/pollster.sqlite' }],
    ['blank URL', { POLLSTER_DATABASE_URL: '  ' }, { kind: 'sqlite', file: join(process.cwd(), '.data', 'pollster.sqlite') }],
    ['postgres', { POLLSTER_DATABASE_URL: 'postgres://u:pw@db:5432/pollster' }, { kind: 'postgres', url: 'postgres://u:pw@db:5432/pollster' }],
    ['postgresql', { POLLSTER_DATABASE_URL: 'postgresql://u:pw@db/pollster' }, { kind: 'postgres', url: 'postgresql://u:pw@db/pollster' }],
    ['other scheme', { POLLSTER_DATABASE_URL: 'mysql://u:hunter2@db/pollster' }, /must be a postgres:\/\/ URL, got mysql:\/\//],
    ['not a URL', { POLLSTER_DATABASE_URL: 'hunter2 at db' }, /is not a URL/],
  ];
  for (const [label, env, expected] of cases) {
    if (expected instanceof RegExp) {
      assert.throws(() => storeTarget(env), (err: Error) => expected.test(err.message) && !err.message.includes('hunter2'), label);
    } else {
      assert.deepEqual(storeTarget(env), expected, label);
    }
  }
});

test('SQLite: processes opening a new file at once and writing at once wait their turn (busy timeout); nothing is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-store-proc-'));
  const { key } = newCodec();
  const env = { ...process.env, POLLSTER_DATA_DIR: dir, POLLSTER_ENCRYPTION_KEY: key.toString('base64') };
  const writers = ['first', 'second'].map((prefix) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/storeWriterMain.ts', prefix, '150'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    return {
      ready: new Promise<void>((resolve) => child.stdout.once('data', () => resolve())),
      exited: new Promise<number | null>((resolve) => child.once('exit', resolve)),
    };
  });
  await Promise.all(writers.map((w) => w.ready));
  // Both children migrated the new file (whichever came first) and are writing now; this process joins in.
  const store = await openStore(env);
  try {
    for (let i = 0; i < 150; i++) await store.recordNotifications([notification({ objectIds: [`parent-${i}`] })]);
    assert.deepEqual(await Promise.all(writers.map((w) => w.exited)), [0, 0]);
    const all = await store.notifications({ limit: 1000 });
    for (const prefix of ['parent', 'first', 'second']) assert.equal(all.filter((n) => n.events[0]!.objectId.startsWith(`${prefix}-`)).length, 150, prefix);
    assert.deepEqual(
      withConnection(join(dir, 'pollster.sqlite'), (db) => db.prepare('SELECT version FROM store_migrations').all()),
      [{ version: 1 }],
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
