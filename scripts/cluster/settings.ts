/** What `npm run cluster` brings up, from the environment; a bad value stops it with the variable's name. */
import { join, resolve } from 'node:path';

export interface ClusterSettings {
  /** Secrets, logs, the workflow bundle: `$POLLSTER_DATA_DIR/cluster`. */
  dir: string;
  namespace: string;
  workers: number;
  apis: number;
  /** First of the server's nine ports (frontend gRPC); moved off the dev server's 7233. */
  temporalPort: number;
  /** API replica i listens on apiPort + i, worker i serves metrics on metricsPort + i. */
  apiPort: number;
  metricsPort: number;
  pgUrl?: string;
  allowPrivateCallbacks: boolean;
  allowPrivateProviders: boolean;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false, got '${raw}'`);
  return raw === 'true';
}

export function clusterSettings(env: NodeJS.ProcessEnv): ClusterSettings {
  const workers = integer(env, 'POLLSTER_CLUSTER_WORKERS', 2, 0, 32);
  const apis = integer(env, 'POLLSTER_CLUSTER_APIS', 2, 0, 32);
  const namespace = env.TEMPORAL_NAMESPACE || 'pollster';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(namespace)) throw new Error(`TEMPORAL_NAMESPACE is not a namespace name: '${namespace}'`);
  return {
    dir: join(resolve(env.POLLSTER_DATA_DIR || '.data'), 'cluster'),
    namespace,
    workers,
    apis,
    // The server keeps membership ports (the last four of nine) in a PostgreSQL smallint.
    temporalPort: integer(env, 'POLLSTER_CLUSTER_TEMPORAL_PORT', 7300, 1024, 32767 - 8),
    apiPort: integer(env, 'POLLSTER_CLUSTER_API_PORT', 3100, 1024, 65535 - Math.max(apis - 1, 0)),
    metricsPort: integer(env, 'POLLSTER_CLUSTER_METRICS_PORT', 9500, 1024, 65535 - Math.max(workers - 1, 0)),
    pgUrl: env.POLLSTER_CLUSTER_PG_URL || undefined,
    // Local by nature: the example API, its receiver and the test fakes listen on loopback.
    allowPrivateCallbacks: bool(env, 'POLLSTER_ALLOW_PRIVATE_CALLBACKS', true),
    allowPrivateProviders: bool(env, 'POLLSTER_ALLOW_PRIVATE_PROVIDERS', true),
  };
}
