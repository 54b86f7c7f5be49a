/**
 * Pollster as separate processes on a cluster (test/support/clusterTemporal.ts): API replicas
 * (`api/main.ts`) and workers (`workers/main.ts`, or the fault worker with short activity timeouts), exactly
 * as `npm run api` and `npm run worker` run them, in the cluster's namespace. Tests talk to them over HTTP
 * and through a Temporal client of their own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { buildWorkerOnce } from '../../scripts/build-worker';
import { dataConverterFromEnv } from '../../temporal/codec';
import { workerProcessEnv } from '../../workers/tuning';
import { workflowsPath } from '../../workers/worker';
import { AUTH, SECRETS } from './pollster';
import { faultBundlePath, freePort, pollsterEnv, spawnFaultWorker, spawnNode, type ChildHandle } from './processes';

// One throwaway key per test process; fakes listen on loopback; delivery retries at 4^x ms instead of 4^x s.
process.env.POLLSTER_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS ??= 'true';
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS ??= 'true';
process.env.POLLSTER_RETRY_SCALE ??= '0.001';

export { AUTH };

export interface ClusterTarget {
  address: string;
  namespace: string;
}

function env(target: ClusterTarget, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return pollsterEnv(target.address, { TEMPORAL_NAMESPACE: target.namespace, ...extra });
}

export interface ApiProcess {
  url: string;
  handle: ChildHandle;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export async function startApiProcess(target: ClusterTarget): Promise<ApiProcess> {
  const port = await freePort();
  const handle = await spawnNode({
    entry: 'api/main.ts',
    env: env(target, { POLLSTER_API_PORT: String(port), POLLSTER_USER_SECRET: SECRETS.userSecret, POLLSTER_ORGANIZATION_SECRET: SECRETS.organizationSecret }),
    ready: /API listening/,
  });
  const url = `http://127.0.0.1:${port}/elements/api-v2`;
  return {
    url,
    handle,
    async request(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

let bundle: Promise<string> | undefined;
/** The production workflow bundle, built once per test process, for POLLSTER_WORKFLOW_BUNDLE. */
export function workflowBundleFile(): Promise<string> {
  bundle ??= (async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never });
    const dir = mkdtempSync(join(tmpdir(), 'pollster-bundle-'));
    const file = join(dir, 'workflows.js');
    writeFileSync(file, code);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return file;
  })();
  return bundle;
}

/** The compiled worker (dist/worker.mjs, deploy/Procfile's command) with the production workflows prebuilt, as a deployment runs it. */
export async function startWorkerProcess(target: ClusterTarget, extra: NodeJS.ProcessEnv = {}): Promise<ChildHandle> {
  const entry = await buildWorkerOnce();
  const env = pollsterEnv(target.address, { ...workerProcessEnv(), TEMPORAL_NAMESPACE: target.namespace, POLLSTER_WORKFLOW_BUNDLE: await workflowBundleFile(), ...extra });
  return spawnNode({ entry, env, ready: /worker polling task queue/ });
}

/** The fault worker (test/support/faultWorkerMain.ts): short activity timeouts, so a SIGKILLed attempt is retried in seconds. */
export async function startFaultWorkerProcess(target: ClusterTarget, extra: NodeJS.ProcessEnv = {}): Promise<ChildHandle> {
  return spawnFaultWorker(target.address, await faultBundlePath(), { TEMPORAL_NAMESPACE: target.namespace, ...extra });
}

/** A client of the test's own, with the processes' encryption key. */
export async function clusterClient(target: ClusterTarget): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: target.address });
  return { client: new Client({ connection, namespace: target.namespace, dataConverter: dataConverterFromEnv() }), close: () => connection.close() };
}
