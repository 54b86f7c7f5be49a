/**
 * The environment that deploy/temporal/config/production.yaml reads: where PostgreSQL is, which ports the
 * server's four services use, how many history shards. The server renders the template itself; this only
 * fills in the variables, for `npm run cluster`, the cluster tests and deploy/temporal/schema.sh alike.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Relative to REPO_ROOT: the server resolves `--config` against `--root`. */
export const SERVER_CONFIG_DIR = 'deploy/temporal/config';
export const SERVER_CONFIG_ENV = 'production';
export const DYNAMIC_CONFIG_FILE = fileURLToPath(new URL('../../deploy/temporal/dynamicconfig.yaml', import.meta.url));
export const SCHEMA_SCRIPT = fileURLToPath(new URL('../../deploy/temporal/schema.sh', import.meta.url));

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  tls: boolean;
  /** PEM file of the CA that signed the server's certificate (else the system's CAs). */
  caFile?: string;
}

export interface ClusterDatabases {
  main: string;
  visibility: string;
}

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

const PORT_NAMES: (keyof ServerPorts)[] = ['frontend', 'frontendHttp', 'history', 'matching', 'worker', 'frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership'];

/** Nine consecutive ports from `base`, the frontend's first. */
export function portsFrom(base: number): ServerPorts {
  return Object.fromEntries(PORT_NAMES.map((name, i) => [name, base + i])) as unknown as ServerPorts;
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports, all free right now (tests run several servers side by side). Not among the OS's
 * ephemeral ones: the server keeps membership ports in a PostgreSQL smallint, so they stay below 32768.
 */
export async function freePortRun(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let free = true;
    for (let i = 0; i < count && free; i++) free = await listenable(base + i);
    if (free) return base;
  }
}

export async function freeServerPorts(): Promise<ServerPorts> {
  return portsFrom(await freePortRun(PORT_NAMES.length));
}

export function pgEnv(pg: PgTarget, databases: ClusterDatabases): NodeJS.ProcessEnv {
  return {
    TEMPORAL_PG_HOST: pg.host,
    TEMPORAL_PG_PORT: String(pg.port),
    TEMPORAL_PG_USER: pg.user,
    TEMPORAL_PG_PASSWORD: pg.password,
    TEMPORAL_PG_TLS: String(pg.tls),
    ...(pg.caFile ? { TEMPORAL_PG_CA: pg.caFile } : {}),
    TEMPORAL_PG_DB: databases.main,
    TEMPORAL_PG_VISIBILITY_DB: databases.visibility,
  };
}

export interface ServerSettings {
  pg: PgTarget;
  databases: ClusterDatabases;
  ports: ServerPorts;
  historyShards: number;
  /** Defaults to deploy/temporal/dynamicconfig.yaml. */
  dynamicConfigFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Connections per pool (the template's defaults: 20 and 10); tests keep them small, PostgreSQL allows 100 in all by default. */
  maxConns?: { main: number; visibility: number };
}

export function serverEnv(s: ServerSettings): NodeJS.ProcessEnv {
  const p = s.ports;
  return {
    ...pgEnv(s.pg, s.databases),
    TEMPORAL_HISTORY_SHARDS: String(s.historyShards),
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_FRONTEND_PORT: String(p.frontend),
    TEMPORAL_FRONTEND_HTTP_PORT: String(p.frontendHttp),
    TEMPORAL_HISTORY_PORT: String(p.history),
    TEMPORAL_MATCHING_PORT: String(p.matching),
    TEMPORAL_WORKER_PORT: String(p.worker),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    TEMPORAL_DYNAMIC_CONFIG: s.dynamicConfigFile ?? DYNAMIC_CONFIG_FILE,
    TEMPORAL_LOG_LEVEL: s.logLevel ?? 'info',
    ...(s.maxConns ? { TEMPORAL_PG_MAX_CONNS: String(s.maxConns.main), TEMPORAL_PG_VISIBILITY_MAX_CONNS: String(s.maxConns.visibility) } : {}),
  };
}

/** `temporal-server` arguments, as a systemd unit or a container would pass them. */
export function serverArgs(): string[] {
  return ['--root', REPO_ROOT, '--config', SERVER_CONFIG_DIR, '--env', SERVER_CONFIG_ENV, '--allow-no-auth', 'start'];
}
