/**
 * `npm start`: the embedded default — a Temporal dev server (unless TEMPORAL_ADDRESS is set), one
 * worker and the API, as children of this process. Ctrl-C stops them all. The worker gets a
 * workflow bundle built here into the data dir (POLLSTER_WORKFLOW_BUNDLE), so it does not run
 * webpack itself (bench/NOTES.md, B3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnDevServer, waitForTemporal } from './devServer';
import { loadOrCreateSecrets } from './secrets';
import { codecPathKey } from '../api/routes/codec';

const env = { ...process.env };
const dataDir = resolve(env.POLLSTER_DATA_DIR || '.data');
mkdirSync(dataDir, { recursive: true });
const apiPort = Number(env.POLLSTER_API_PORT || 3000);
const temporalPort = Number(env.POLLSTER_TEMPORAL_PORT || 7233);
const uiPort = Number(env.POLLSTER_TEMPORAL_UI_PORT || 8233);
const embedded = !env.TEMPORAL_ADDRESS;

const { secrets, file, created } = loadOrCreateSecrets(dataDir, env);
Object.assign(env, secrets);
const metricsPort = Number(env.POLLSTER_WORKER_METRICS_PORT || 9464);
env.POLLSTER_WORKER_METRICS_ADDRESS ??= `127.0.0.1:${metricsPort}`;
env.POLLSTER_WORKER_METRICS_URL ??= `http://${env.POLLSTER_WORKER_METRICS_ADDRESS}/metrics`;
// The local default may call back to localhost; a deployment with its own Temporal must opt in.
if (embedded && env.POLLSTER_ALLOW_PRIVATE_CALLBACKS === undefined) env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  console.log('pollster: stopping');
  for (const child of [...children].reverse()) child.kill('SIGINT');
  const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 10_000);
  force.unref();
  void Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function watch(name: string, child: ChildProcess): ChildProcess {
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`pollster: ${name} exited (${signal ?? code}); stopping`);
      stopAll(1);
    }
  });
  return child;
}

const tsx = join('node_modules', '.bin', 'tsx');

/**
 * Builds the workflow bundle in a child, beside the dev server's start-up: webpack's memory stays
 * out of this process and the worker. Undefined when the build fails: the worker then bundles
 * workflows/ itself, as it would without POLLSTER_WORKFLOW_BUNDLE.
 */
function buildWorkflowBundle(file: string): Promise<string | undefined> {
  const child = spawn(tsx, ['scripts/build-workflow-bundle.ts', file], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return new Promise((resolve) => {
    child.once('error', () => resolve(undefined));
    child.once('exit', (code) => {
      children.splice(children.indexOf(child), 1);
      resolve(code === 0 ? file : undefined);
    });
  });
}
// A bundle named in the environment is used as it is.
const workflowBundle = env.POLLSTER_WORKFLOW_BUNDLE ? Promise.resolve(env.POLLSTER_WORKFLOW_BUNDLE) : buildWorkflowBundle(join(dataDir, 'workflow-bundle.js'));

if (embedded) {
  env.TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
  watch(
    'temporal',
    spawnDevServer({
      dbFile: join(dataDir, 'temporal.sqlite'),
      port: temporalPort,
      uiPort,
      // The UI cannot send the API's Authorization header: it gets a key derived from the secrets in the path.
      codecEndpoint: `http://127.0.0.1:${apiPort}/elements/api-v2/codec/${codecPathKey({ userSecret: secrets.POLLSTER_USER_SECRET, organizationSecret: secrets.POLLSTER_ORGANIZATION_SECRET })}`,
    }),
  );
}
await waitForTemporal(env.TEMPORAL_ADDRESS!, env.TEMPORAL_NAMESPACE || 'default');
const bundle = await workflowBundle;
if (stopping) await new Promise(() => undefined); // Ctrl-C during the build: stopAll exits
if (bundle) env.POLLSTER_WORKFLOW_BUNDLE = bundle;
else console.error('pollster: the workflow bundle could not be built; the worker bundles workflows/ itself');

watch('worker', spawn(tsx, ['workers/main.ts'], { env, stdio: 'inherit' }));
watch('api', spawn(tsx, ['api/main.ts'], { env, stdio: 'inherit' }));

console.log(`
Pollster is starting.
  API          http://127.0.0.1:${apiPort}/elements/api-v2   (health: /elements/api-v2/healthz, docs: /elements/api-v2/docs)
  Console      http://127.0.0.1:${apiPort}/console
  Temporal     ${env.TEMPORAL_ADDRESS}${embedded ? `   (dev server, SQLite at ${join(dataDir, 'temporal.sqlite')})` : ''}
  Temporal UI  ${embedded ? `http://127.0.0.1:${uiPort}` : '(your cluster)'}
  Credentials  ${file}${created ? `   (generated now; shown once)\n  Header       Authorization: User ${secrets.POLLSTER_USER_SECRET}, Organization ${secrets.POLLSTER_ORGANIZATION_SECRET}` : ''}
Ctrl-C stops everything.
`);
