/**
 * A production-shaped Temporal for one test file, built from the same parts as `npm run cluster`: the server
 * binary from scripts/temporal-server.sh configured from deploy/temporal, its databases set up by
 * deploy/temporal/schema.sh, the namespace and search attributes registered by scripts/cluster/namespace.ts.
 * Each test process gets databases (and, on the local PostgreSQL, a login role) of its own, named after its
 * pid and dropped at the end; those left by a test process that died are dropped by the next one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNamespace } from '../../scripts/cluster/namespace';
import { pgTargetFromUrl, startLocalPostgres, superuserSql, ensureLocalRole, identifier, withPg } from '../../scripts/cluster/postgres';
import { prepareSchema } from '../../scripts/cluster/schema';
import { TemporalServer } from '../../scripts/cluster/server';
import { DYNAMIC_CONFIG_FILE, freeServerPorts, type ClusterDatabases, type PgTarget } from '../../scripts/cluster/serverConfig';
import { serverTools } from '../../scripts/cluster/tools';

export const CLUSTER_NAMESPACE = 'pollster';
export const CLUSTER_HISTORY_SHARDS = 4;
const PREFIX = 'pollster_test_';

export interface ClusterTemporal {
  address: string;
  namespace: string;
  server: TemporalServer;
  pg: PgTarget;
  databases: ClusterDatabases;
  /** Stops the server and drops its databases (and role). */
  destroy(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Names `pollster_test_<pid>_…` whose process is gone. */
function orphaned(names: string[]): string[] {
  return names.filter((name) => {
    const pid = Number(/^pollster_test_(\d+)_/.exec(name)?.[1]);
    return Number.isInteger(pid) && pid !== process.pid && !alive(pid);
  });
}

function dropLocal(port: number, databases: string[], roles: string[]): void {
  const sql = [...databases.map((d) => `DROP DATABASE IF EXISTS ${identifier(d)} WITH (FORCE);`), ...roles.map((r) => `DROP ROLE IF EXISTS ${identifier(r)};`)].join('\n');
  if (sql) superuserSql(sql, port);
}

function sweepLocal(port: number): void {
  const list = (sql: string): string[] => superuserSql(sql, port).split('\n').filter(Boolean);
  dropLocal(port, orphaned(list(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`)), orphaned(list(`SELECT rolname FROM pg_roles WHERE rolname LIKE '${PREFIX}%'`)));
}

async function dropWith(pg: PgTarget, databases: string[]): Promise<void> {
  await withPg(pg, async (c) => {
    for (const d of databases) await c.query(`DROP DATABASE IF EXISTS ${identifier(d)} WITH (FORCE)`).catch(() => undefined);
  });
}

let named = 0;
/** `pollster_test_<pid>_<n>`: a name for databases and roles no other test process uses. */
export function testName(): string {
  return `${PREFIX}${process.pid}_${++named}`;
}

export interface TestPostgres {
  /** A role of this test process (its own on the local server; POLLSTER_CLUSTER_PG_URL's otherwise). */
  pg: PgTarget;
  /** The same as a URL, naming `database`: what POLLSTER_CLUSTER_PG_URL takes. */
  urlFor(database: string): string;
  /** Drops these databases (and the role, if it is ours). */
  drop(databases: string[]): Promise<void>;
}

/** PostgreSQL for one test: first drops what test processes that died left behind. */
export async function testPostgres(name: string): Promise<TestPostgres> {
  const url = process.env.POLLSTER_CLUSTER_PG_URL;
  let pg: PgTarget;
  let drop: TestPostgres['drop'];
  if (url) {
    pg = pgTargetFromUrl(url).target;
    await withPg(pg, async (c) => {
      const rows = (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`)).rows;
      await dropWith(pg, orphaned(rows.map((r) => r.datname)));
    });
    drop = (databases) => dropWith(pg, databases);
  } else {
    const { port } = startLocalPostgres();
    sweepLocal(port);
    const password = randomBytes(18).toString('base64url');
    ensureLocalRole(port, name, password);
    pg = { host: '127.0.0.1', port, user: name, password, tls: false };
    drop = async (databases) => dropLocal(port, databases, [name]);
  }
  return {
    pg,
    urlFor: (database) => {
      const url = new URL(`postgres://${pg.host}:${pg.port}/${database}`);
      url.username = pg.user;
      url.password = pg.password;
      if (pg.tls) url.searchParams.set('sslmode', 'verify-full');
      if (pg.caFile) url.searchParams.set('sslrootcert', pg.caFile);
      return url.toString();
    },
    drop,
  };
}

export interface ClusterTemporalOptions {
  /** YAML appended to deploy/temporal/dynamicconfig.yaml for this server (e.g. a lower continue-as-new threshold). */
  dynamicConfig?: string;
}

export async function startClusterTemporal(options: ClusterTemporalOptions = {}): Promise<ClusterTemporal> {
  const tools = serverTools();
  const name = testName();
  const databases = { main: name, visibility: `${name}_visibility` };
  const { pg, drop: dropPg } = await testPostgres(name);
  const drop = (): Promise<void> => dropPg([databases.main, databases.visibility]);

  const dir = mkdtempSync(join(tmpdir(), 'pollster-cluster-'));
  const dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicConfigFile, `${readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')}\n${options.dynamicConfig ?? ''}\n`);
  const server = new TemporalServer(
    tools.server,
    // Small pools: several test servers share one PostgreSQL (100 connections by default).
    { pg, databases, ports: await freeServerPorts(), historyShards: CLUSTER_HISTORY_SHARDS, dynamicConfigFile, logLevel: 'warn', maxConns: { main: 4, visibility: 2 } },
    join(dir, 'temporal-server.log'),
  );
  const destroy = async (): Promise<void> => {
    await server.stop('SIGKILL');
    await drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await prepareSchema(tools.sqlTool, pg, databases, join(dir, 'schema.log'));
    await server.start();
    await ensureNamespace(server.address, CLUSTER_NAMESPACE);
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
  return { address: server.address, namespace: CLUSTER_NAMESPACE, server, pg, databases, destroy };
}
