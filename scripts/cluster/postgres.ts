/**
 * PostgreSQL for the cluster: the one POLLSTER_CLUSTER_PG_URL names, or the machine's own (Debian's
 * postgresql-common clusters), started when it is down. On the local one this process acts as its
 * superuser through peer authentication (`runuser -u postgres`: root, as on CI), to create the login
 * role the Temporal server uses; everything else runs as that role.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { PgTarget } from './serverConfig';

/**
 * `postgres://user:password@host:port/database?sslmode=require&sslrootcert=/path/ca.pem`; the database names the
 * cluster's main one. Any sslmode but `disable` means TLS with the certificate verified.
 */
export function pgTargetFromUrl(url: string): { target: PgTarget; database?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('POLLSTER_CLUSTER_PG_URL is not a URL (postgres://user:password@host:5432/database)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`POLLSTER_CLUSTER_PG_URL: expected postgres://, got ${u.protocol}//`);
  if (!u.username || !u.password) throw new Error('POLLSTER_CLUSTER_PG_URL: needs a user and a password');
  const sslmode = u.searchParams.get('sslmode');
  const caFile = u.searchParams.get('sslrootcert') ?? undefined;
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    target: {
      host: u.hostname || '127.0.0.1',
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      tls: sslmode !== null && sslmode !== 'disable',
      ...(caFile ? { caFile } : {}),
    },
    database: database || undefined,
  };
}

interface LocalCluster {
  version: string;
  name: string;
  port: number;
  online: boolean;
}

function localClusters(): LocalCluster[] {
  let out: string;
  try {
    out = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new Error('no local PostgreSQL (pg_lsclusters not found): install it (apt-get install postgresql) or set POLLSTER_CLUSTER_PG_URL');
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4)
    .map(([version, name, port, status]) => ({ version: version!, name: name!, port: Number(port), online: status!.startsWith('online') }));
}

/** Starts the machine's first PostgreSQL cluster if it is down; returns its port. */
export function startLocalPostgres(): { port: number; started: boolean } {
  const cluster = localClusters()[0];
  if (!cluster) throw new Error('no local PostgreSQL cluster (pg_lsclusters lists none): create one (pg_createcluster) or set POLLSTER_CLUSTER_PG_URL');
  if (cluster.online) return { port: cluster.port, started: false };
  try {
    execFileSync('pg_ctlcluster', [cluster.version, cluster.name, 'start'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    // Someone else may have started it meanwhile: only a cluster still down is an error.
    if (!localClusters().find((c) => c.version === cluster.version && c.name === cluster.name)?.online) {
      throw new Error(`pg_ctlcluster ${cluster.version} ${cluster.name} start failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? err}`);
    }
  }
  return { port: cluster.port, started: true };
}

/** Runs SQL (on stdin, so no password shows in `ps`) as the local superuser; returns psql's unaligned output. */
export function superuserSql(sql: string, port: number): string {
  const psql = ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-d', 'postgres'];
  const [command, args] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...psql]] : ['sudo', ['-n', '-u', 'postgres', ...psql]];
  try {
    return execFileSync(command, args, { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
  } catch (err) {
    throw new Error(`psql as the postgres superuser failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}

/** Role and database names are ours (letters, digits, underscores); anything else is refused rather than quoted. */
export function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain PostgreSQL identifier: ${name}`);
  return `"${name}"`;
}

/** A login role that may create databases, with this password (set again if the role exists). */
export function ensureLocalRole(port: number, role: string, password: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(password)) throw new Error('generated role passwords are plain ASCII');
  superuserSql(
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${identifier(role)}; END IF; END $$;
     ALTER ROLE ${identifier(role)} WITH LOGIN CREATEDB PASSWORD '${password}';`,
    port,
  );
}

export async function withPg<T>(target: PgTarget, fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ host: target.host, port: target.port, user: target.user, password: target.password, database, ssl: target.tls ? { rejectUnauthorized: true, ca: target.caFile ? readFileSync(target.caFile, 'utf8') : undefined } : undefined });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function existingDatabases(target: PgTarget, names: string[]): Promise<string[]> {
  return withPg(target, async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])).rows.map((r) => r.datname));
}
