/**
 * PostgreSQL as `npm run cluster` uses it: POLLSTER_CLUSTER_PG_URL as given (its role must be allowed to create
 * the two databases, or they exist), or the local server with a role of ours, `pollster_temporal`, whose
 * generated password is kept beside the cluster's other secrets.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLocalRole, pgTargetFromUrl, startLocalPostgres } from './postgres';
import type { ClusterDatabases, PgTarget } from './serverConfig';

export const LOCAL_ROLE = 'pollster_temporal';
const DEFAULT_DATABASE = 'pollster_temporal';

export interface ClusterPostgres {
  pg: PgTarget;
  databases: ClusterDatabases;
  /** For the summary: where it is and whose it is (no password). */
  description: string;
}

function databasesNamed(main: string): ClusterDatabases {
  return { main, visibility: `${main}_visibility` };
}

function localRolePassword(dir: string): string {
  const file = join(dir, 'postgres.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { role?: string; password?: string };
    if (stored.role === LOCAL_ROLE && stored.password) return stored.password;
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, JSON.stringify({ role: LOCAL_ROLE, password }, null, 2) + '\n', { mode: 0o600 });
  return password;
}

export function clusterPostgres(pgUrl: string | undefined, dir: string): ClusterPostgres {
  if (pgUrl) {
    const { target, database } = pgTargetFromUrl(pgUrl);
    const databases = databasesNamed(database ?? DEFAULT_DATABASE);
    return { pg: target, databases, description: `${target.host}:${target.port} (POLLSTER_CLUSTER_PG_URL), role ${target.user}, databases ${databases.main}, ${databases.visibility}` };
  }
  const { port, started } = startLocalPostgres();
  const password = localRolePassword(dir);
  ensureLocalRole(port, LOCAL_ROLE, password);
  const databases = databasesNamed(DEFAULT_DATABASE);
  return {
    pg: { host: '127.0.0.1', port, user: LOCAL_ROLE, password, tls: false },
    databases,
    description: `127.0.0.1:${port} (this machine's${started ? ', started now' : ''}), role ${LOCAL_ROLE}, databases ${databases.main}, ${databases.visibility}`,
  };
}
