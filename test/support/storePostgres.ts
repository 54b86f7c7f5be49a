/**
 * PostgreSQL for the store's tests. POLLSTER_TEST_DATABASE_URL names a database whose role may create
 * schemas; without it this machine's server is used (started when it is down), with a role and a
 * database of the store tests' own, `pollster_store_test`, prepared idempotently as the postgres
 * superuser (peer authentication: as root through runuser, else sudo -n). The role's generated
 * password stays in ~/.cache/pollster/store-test-postgres.json (0600). The database sorts text the
 * way most deployments do (ICU en-US, not byte order), so the store must bring its own collation
 * where order matters (paging ids).
 *
 * Each test gets a schema of its own (`store_<pid>_<n>`, the store reaching it through search_path),
 * dropped at the end; schemas left by a test process that died are dropped by the next one.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresDb } from '../../store/postgresDb';
import { openSqlStore } from '../../store/sqlStore';
import type { StorePlace } from './storeFixtures';

const ROLE = 'pollster_store_test';
const DATABASE = 'pollster_store_test';
const SCHEMA_PREFIX = 'store_';

function firstLocalCluster(): { version: string; name: string; port: number; online: boolean } {
  let out: string;
  try {
    out = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new Error('no local PostgreSQL (pg_lsclusters not found): install it, or set POLLSTER_TEST_DATABASE_URL');
  }
  const [version, name, port, status] = out.trim().split('\n')[0]?.trim().split(/\s+/) ?? [];
  if (!version || !name || !port || !status) throw new Error('no local PostgreSQL cluster: create one (pg_createcluster), or set POLLSTER_TEST_DATABASE_URL');
  return { version, name, port: Number(port), online: status.startsWith('online') };
}

function superuserSql(sql: string, port: number): string {
  const psql = ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-d', 'postgres'];
  const [command, args] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...psql]] : ['sudo', ['-n', '-u', 'postgres', ...psql]];
  return execFileSync(command, args, { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
}

function rolePassword(): string {
  const dir = join(homedir(), '.cache', 'pollster');
  const file = join(dir, 'store-test-postgres.json');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // Exclusive: of two test processes generating at once, the first one's password is everyone's.
      writeFileSync(file, JSON.stringify({ role: ROLE, password: randomBytes(18).toString('base64url') }) + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const { password } = JSON.parse(readFileSync(file, 'utf8')) as { password?: string };
  if (!password) throw new Error(`${file} holds no password: delete it to generate one`);
  return password;
}

/** The local server, its role and database ready (each step a no-op when done); their URL. */
function prepareLocal(): string {
  const cluster = firstLocalCluster();
  if (!cluster.online) {
    try {
      execFileSync('pg_ctlcluster', [cluster.version, cluster.name, 'start'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      if (!firstLocalCluster().online) throw err; // someone else may have started it meanwhile
    }
  }
  const password = rolePassword();
  const prepare = `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE}; END IF; END $$;
ALTER ROLE ${ROLE} WITH LOGIN PASSWORD '${password}';
SELECT 'CREATE DATABASE ${DATABASE} OWNER ${ROLE} TEMPLATE template0 ENCODING ''UTF8'' LOCALE_PROVIDER icu ICU_LOCALE ''en-US'' LOCALE ''C.UTF-8'''
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${DATABASE}')\\gexec
`;
  try {
    superuserSql(prepare, cluster.port);
  } catch (err) {
    // Two test processes preparing at once: the loser's CREATE fails, and the database is there.
    if (!superuserSql(`SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`, cluster.port).trim()) throw err;
  }
  return `postgres://${ROLE}:${password}@127.0.0.1:${cluster.port}/${DATABASE}`;
}

let prepared: { url: string; local: boolean } | undefined;

/** The database the store's PostgreSQL tests use, as a URL. */
export function storeTestDatabase(): { url: string; local: boolean } {
  const given = process.env.POLLSTER_TEST_DATABASE_URL;
  prepared ??= given ? { url: given, local: false } : { url: prepareLocal(), local: true };
  return prepared;
}

const INT8 = 20;
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.setTypeParser(INT8, 'text', (value: string) => Number(value));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let swept = false;
async function sweepOrphans(client: pg.Client): Promise<void> {
  if (swept || !storeTestDatabase().local) return; // another machine's pids mean nothing here
  swept = true;
  const { rows } = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE '${SCHEMA_PREFIX}%'`);
  for (const { nspname } of rows) {
    const pid = Number(/^store_(\d+)_\d+$/.exec(nspname)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  }
}

let places = 0;

/** A fresh schema in the test database; stores opened on it see only it. */
export async function postgresPlace(): Promise<StorePlace & { url: string }> {
  const { url } = storeTestDatabase();
  const schema = `${SCHEMA_PREFIX}${process.pid}_${++places}`;
  await withClient(url, async (c) => {
    await sweepOrphans(c);
    await c.query(`CREATE SCHEMA "${schema}"`);
  });
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  const placeUrl = scoped.toString();
  return {
    url: placeUrl,
    open: (codec) => openSqlStore(openPostgresDb(placeUrl), codec),
    rawText: () =>
      withClient(placeUrl, async (c) => {
        const tables = await c.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
        const texts: string[] = [];
        for (const { table_name: table } of tables.rows) {
          const rows = await c.query(`SELECT * FROM "${table}"`);
          for (const row of rows.rows) for (const value of Object.values(row)) texts.push(Buffer.isBuffer(value) ? value.toString('latin1') : String(value));
        }
        return texts.join('\n');
      }),
    sql: (statement) => withClient(placeUrl, async (c) => (await c.query(statement)).rows),
    sizeBytes: () =>
      withClient(placeUrl, async (c) => {
        const { rows } = await c.query<{ bytes: number }>(
          `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
          [schema],
        );
        return Number(rows[0]!.bytes);
      }),
    dispose: () => withClient(url, async (c) => void (await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))),
  };
}
