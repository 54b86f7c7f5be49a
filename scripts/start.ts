/**
 * `npm start`: the embedded default — a Temporal dev server (unless TEMPORAL_ADDRESS is set), one
 * worker and the API, as children of this process. A child that dies is started again with backoff
 * (scripts/supervisor.ts); Ctrl-C stops them all, the worker and the API before the dev server. The worker gets a
 * workflow bundle built here into the data dir (POLLSTER_WORKFLOW_BUNDLE), so it does not run webpack itself
 * (bench/NOTES.md, B3), and runs compiled (scripts/build-worker.ts), without tsx's loader. The children log in LOG_FORMAT (readable lines by default); the dev server's output is
 * filtered (scripts/devServerOutput.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { spawnDevServer, waitForTemporal } from './devServer';
import { devServerLine } from './devServerOutput';
import { createLogger } from '../log/logger';
import { loadOrCreateSecrets } from './secrets';
import { prepareDataDir, PRIVATE_UMASK } from './dataDir';
import { Supervisor } from './supervisor';
import { codecPathKey } from '../api/routes/codec';
import { buildWorker } from './build-worker';
import { workerProcessEnv } from '../workers/tuning';

const env = { ...process.env };
// First: a bad LOG_FORMAT or LOG_LEVEL stops npm start here, before any child inherits it.
const temporalLog = createLogger('temporal', { env });
const dataDir = resolve(env.POLLSTER_DATA_DIR || '.data');
// Secrets, the SQLite file and its journals: this process and its children create files 0600, dirs 0700.
process.umask(PRIVATE_UMASK);
prepareDataDir(dataDir);
const apiPort = Number(env.POLLSTER_API_PORT || 3000);
const temporalPort = Number(env.POLLSTER_TEMPORAL_PORT || 7233);
const uiPort = Number(env.POLLSTER_TEMPORAL_UI_PORT || 8233);
const embedded = !env.TEMPORAL_ADDRESS;

const { secrets, file, created } = loadOrCreateSecrets(dataDir, env);
Object.assign(env, secrets);
const metricsPort = Number(env.POLLSTER_WORKER_METRICS_PORT || 9464);
env.POLLSTER_WORKER_METRICS_ADDRESS ??= `127.0.0.1:${metricsPort}`;
env.POLLSTER_WORKER_METRICS_URL ??= `http://${env.POLLSTER_WORKER_METRICS_ADDRESS}/metrics`;
// The local default may poll and call back to localhost; a deployment with its own Temporal must opt in.
if (embedded && env.POLLSTER_ALLOW_PRIVATE_CALLBACKS === undefined) env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
if (embedded && env.POLLSTER_ALLOW_PRIVATE_PROVIDERS === undefined) env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';

const supervisor = new Supervisor({ log: (line) => console.error(line) });
let building: ChildProcess | undefined;

function stopAll(code = 0): void {
  if (supervisor.isStopping) return;
  console.log('pollster: stopping');
  building?.kill('SIGINT');
  void supervisor.stop().then(() => {
    console.log('pollster: stopped');
    process.exit(code);
  });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll());
// The dev server has a process group of its own (a terminal's Ctrl-C does not reach it): it must not outlive this process.
process.on('exit', () => supervisor.killAll());

/** The dev server's lines, as devServerOutput.ts decides. */
function showDevServerOutput(stream: Readable | null): void {
  if (!stream) return;
  createInterface({ input: stream }).on('line', (line) => {
    const shown = devServerLine(line, supervisor.isStopping);
    if (shown.kind === 'entry') temporalLog[shown.level](shown.fields, shown.text);
    else if (shown.kind === 'raw') console.error(shown.text);
  });
}

/** `node --import tsx <entry>`: one process per child (no tsx wrapper in between), so a signal reaches it and its exit is its own. */
const node = (entry: string, ...args: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', entry, ...args]];

/**
 * Builds the workflow bundle in a child, beside the dev server's start-up: webpack's memory stays
 * out of this process and the worker. Undefined when the build fails: the worker then bundles
 * workflows/ itself, as it would without POLLSTER_WORKFLOW_BUNDLE.
 */
function buildWorkflowBundle(file: string): Promise<string | undefined> {
  const child = spawn(...node('scripts/build-workflow-bundle.ts', file), { env, stdio: ['ignore', 'ignore', 'inherit'] });
  building = child;
  return new Promise((resolve) => {
    child.once('error', () => resolve(undefined));
    child.once('exit', (code) => {
      building = undefined;
      resolve(code === 0 ? file : undefined);
    });
  });
}
// A bundle named in the environment is used as it is.
const workflowBundle = env.POLLSTER_WORKFLOW_BUNDLE ? Promise.resolve(env.POLLSTER_WORKFLOW_BUNDLE) : buildWorkflowBundle(join(dataDir, 'workflow-bundle.js'));
// The compiled worker; when it cannot be built, the worker runs from source through tsx, as `npm run worker` does.
const workerCommand = buildWorker().then(
  (file): [string, string[]] => [process.execPath, [file]],
  (err: Error) => {
    console.error(`pollster: the worker could not be compiled (${err.message}); it runs from source`);
    return node('workers/main.ts');
  },
);

if (embedded) {
  env.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
  supervisor.supervise('temporal', () => {
    const server = spawnDevServer({
      log: 'pipe',
      detached: true,
      dbFile: join(dataDir, 'temporal.sqlite'),
      port: temporalPort,
      uiPort,
      // The UI cannot send the API's Authorization header: it gets a key derived from the secrets in the path.
      codecEndpoint: `http://127.0.0.1:${apiPort}/elements/api-v2/codec/${codecPathKey({ userSecret: secrets.POLLSTER_USER_SECRET, organizationSecret: secrets.POLLSTER_ORGANIZATION_SECRET })}`,
    });
    showDevServerOutput(server.stdout);
    showDevServerOutput(server.stderr);
    return server;
  });
}
try {
  await waitForTemporal(env.TEMPORAL_ADDRESS!, env.TEMPORAL_NAMESPACE || 'default');
} catch (err) {
  console.error(`pollster: ${(err as Error).message}`);
  stopAll(1);
}
const bundle = await workflowBundle;
if (supervisor.isStopping) await new Promise(() => undefined); // Ctrl-C during the build, or no Temporal: stopAll exits
if (bundle) env.POLLSTER_WORKFLOW_BUNDLE = bundle;
else console.error('pollster: the workflow bundle could not be built; the worker bundles workflows/ itself');

const worker = await workerCommand;
supervisor.supervise('worker', () => spawn(...worker, { env: { ...workerProcessEnv(env), ...env }, stdio: 'inherit' }));
supervisor.supervise('api', () => spawn(...node('api/main.ts'), { env, stdio: 'inherit' }));

console.log(`
Pollster is starting.
  API          http://127.0.0.1:${apiPort}/elements/api-v2   (health: /elements/api-v2/healthz, docs: /elements/api-v2/docs)
  Console      http://127.0.0.1:${apiPort}/console
  Temporal     ${env.TEMPORAL_ADDRESS}${embedded ? `   (dev server, SQLite at ${join(dataDir, 'temporal.sqlite')})` : ''}
  Temporal UI  ${embedded ? `http://127.0.0.1:${uiPort}` : '(your cluster)'}
  Credentials  ${file}${created ? '   (generated now, readable by you only)' : ''}
A process that dies is started again. Ctrl-C stops everything.
`);
