/**
 * An earlier release run as it shipped, for the upgrade scripts: checked out into a temporary worktree (sharing this
 * checkout's node_modules), its worker and API started as processes against a given Temporal; and calls to an API.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH, SECRETS } from '../support/pollster';
import { freePort, REPO_ROOT, spawnNode, type ChildHandle } from '../support/processes';

/** The earlier release in a worktree of its own; its node_modules hard-linked from this checkout's. */
export function checkout(ref: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-release-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: REPO_ROOT, stdio: 'ignore' });
  execFileSync('cp', ['-al', join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules')]);
  return {
    dir,
    remove() {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: REPO_ROOT, stdio: 'ignore' });
    },
  };
}

/** What a worker and an API process get: Temporal's address, the keys and secrets, the data dir, the API port. */
function processEnv(env: NodeJS.ProcessEnv, address: string, apiPort: number): NodeJS.ProcessEnv {
  return {
    PATH: env.PATH,
    HOME: env.HOME,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    POLLSTER_ENCRYPTION_KEY: env.POLLSTER_ENCRYPTION_KEY,
    POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'true',
    POLLSTER_ALLOW_PRIVATE_PROVIDERS: 'true',
    POLLSTER_RETRY_SCALE: env.POLLSTER_RETRY_SCALE,
    POLLSTER_DATA_DIR: env.POLLSTER_DATA_DIR,
    POLLSTER_USER_SECRET: SECRETS.userSecret,
    POLLSTER_ORGANIZATION_SECRET: SECRETS.organizationSecret,
    POLLSTER_API_PORT: String(apiPort),
  };
}

export interface RunningRelease {
  api: string;
  worker: ChildHandle;
  apiProcess: ChildHandle;
}

/** A worker and an API of the release in `cwd` (this checkout when undefined), with `env`'s settings. */
export async function startPollster(cwd: string | undefined, address: string, env: NodeJS.ProcessEnv): Promise<RunningRelease> {
  const port = await freePort();
  const processes = processEnv(env, address, port);
  const worker = await spawnNode({ entry: 'workers/main.ts', cwd, env: processes, ready: /worker polling task queue/ });
  const apiProcess = await spawnNode({ entry: 'api/main.ts', cwd, env: processes, ready: /API listening/ });
  return { api: `http://127.0.0.1:${port}/elements/api-v2`, worker, apiProcess };
}

export async function call(api: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(api + path, { method, headers: { authorization: AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
