/**
 * `npm run cluster`: a production-shaped Temporal on this machine, and Pollster on it. PostgreSQL (the local
 * one, or POLLSTER_CLUSTER_PG_URL), the schema set up and upgraded with Temporal's schema tool, the Temporal
 * server configured from deploy/temporal (persistence and SQL visibility on PostgreSQL, 4 history shards), the
 * namespace and search attributes; then POLLSTER_CLUSTER_WORKERS workers and POLLSTER_CLUSTER_APIS API
 * replicas, started with deploy/Procfile's commands. A second run reuses all of it; Ctrl-C stops what this
 * run started (PostgreSQL, a shared system service, keeps running).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { existingDatabases } from './cluster/postgres';
import { clusterPostgres } from './cluster/clusterPostgres';
import { startNodeProcess, type NodeProcess } from './cluster/children';
import { procfileCommand } from './cluster/procfile';
import { jemallocPreload } from '../workers/allocator';
import { buildWorker } from './build-worker';
import { ensureNamespace } from './cluster/namespace';
import { prepareSchema } from './cluster/schema';
import { portsFrom, REPO_ROOT } from './cluster/serverConfig';
import { temporalAnswers, TemporalServer } from './cluster/server';
import { clusterSettings } from './cluster/settings';
import { serverTools } from './cluster/tools';
import { loadOrCreateSecrets } from './secrets';

const HISTORY_SHARDS = 4;
const t0 = Date.now();
const timings: string[] = [];
let stepStart = Date.now();
function step(name: string, detail: string): void {
  const s = ((Date.now() - stepStart) / 1000).toFixed(1);
  timings.push(`${name} ${s}`);
  console.log(`pollster cluster: ${name} ready in ${s} s: ${detail}`);
  stepStart = Date.now();
}
/** Paths under the working directory relative to it, others as they are. */
const show = (file: string): string => {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
};

let settings: ReturnType<typeof clusterSettings>;
try {
  settings = clusterSettings(process.env);
} catch (err) {
  console.error(`pollster cluster: ${(err as Error).message}`);
  process.exit(2);
}
// Logs are per run; the state lives in PostgreSQL and the secrets files.
const logs = join(settings.dir, 'logs');
rmSync(logs, { recursive: true, force: true });
mkdirSync(logs, { recursive: true });

// ---------------------------------------------------------------------------------------------
// Stopping: what this run started, in reverse order; a child that dies on its own stops the rest.

let server: TemporalServer | undefined;
let reusedServer = false;
const pollster: NodeProcess[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('pollster cluster: stopping');
    await Promise.all(pollster.map((p) => p.stop()));
    await server?.stop('SIGTERM');
    console.log(`pollster cluster: stopped${reusedServer ? ' (the Temporal server was not ours and keeps running)' : ''}`);
    process.exit(code);
  }
  return new Promise<never>(() => undefined);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
function watch(p: NodeProcess): NodeProcess {
  pollster.push(p);
  void p.exited.then((code) => {
    if (stopping) return;
    console.error(`pollster cluster: ${p.name} exited (${code}); stopping. ${show(p.logFile)}:\n${p.tail()}`);
    void stopAll(1);
  });
  return p;
}

try {
  // The workflow bundle builds in a child meanwhile (webpack's memory stays out of this process).
  const bundleFile = join(settings.dir, 'workflow-bundle.js');
  const bundle = new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', bundleFile], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the workflow bundle build failed (${code})`))));
  });
  bundle.catch(() => undefined);

  const tools = serverTools();
  step('tools', `${show(tools.server)}, ${show(tools.sqlTool)}`);

  const { pg, databases, description } = clusterPostgres(settings.pgUrl, settings.dir);
  const hadDatabases = (await existingDatabases(pg, [databases.main])).length > 0;
  step('PostgreSQL', description);

  const secrets = loadOrCreateSecrets(settings.dir, process.env);
  if (secrets.created && hadDatabases) {
    console.warn(`pollster cluster: new secrets in ${show(secrets.file)}, but the database ${databases.main} exists: instances stored with an earlier POLLSTER_ENCRYPTION_KEY cannot be read with this one`);
  }

  await prepareSchema(tools.sqlTool, pg, databases, join(logs, 'schema.log'));
  step('schema', `${databases.main}, ${databases.visibility} at the server's version (${hadDatabases ? 'existed' : 'created now'}; log ${show(join(logs, 'schema.log'))})`);

  const ports = portsFrom(settings.temporalPort);
  const address = `127.0.0.1:${ports.frontend}`;
  if (await temporalAnswers(address)) {
    reusedServer = true;
    step('Temporal', `${address} already answers: reused (Ctrl-C leaves it running)`);
  } else {
    const ours = new TemporalServer(tools.server, { pg, databases, ports, historyShards: HISTORY_SHARDS }, join(logs, 'temporal-server.log'));
    server = ours;
    await ours.start();
    void ours.whenExited().then(() => {
      if (stopping) return;
      console.error(`pollster cluster: the Temporal server exited; stopping (${show(ours.logFile)})`);
      void stopAll(1);
    });
    step('Temporal', `${address}, pid ${ours.pid}, ${HISTORY_SHARDS} history shards (log ${show(ours.logFile)})`);
  }

  const ns = await ensureNamespace(address, settings.namespace);
  step('namespace', `${settings.namespace} (${ns.namespaceCreated ? 'registered now' : 'existed'}); search attributes ${ns.attributesAdded.length > 0 ? `added ${ns.attributesAdded.join(', ')}` : 'all registered before'}`);

  await bundle;
  step('workflow bundle', show(bundleFile));
  if (settings.workers > 0) step('worker', `${show(await buildWorker())} (compiled; deploy/Procfile runs it)`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...secrets.secrets,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: settings.namespace,
    POLLSTER_ALLOW_PRIVATE_CALLBACKS: String(settings.allowPrivateCallbacks),
    POLLSTER_ALLOW_PRIVATE_PROVIDERS: String(settings.allowPrivateProviders),
    POLLSTER_WORKFLOW_BUNDLE: bundleFile,
  };
  const metricsUrl = (i: number): string => `http://127.0.0.1:${settings.metricsPort + i}/metrics`;
  // Each is watched as soon as it is up, so a failure of another stops it too; the lines say where each one is.
  const lines = await Promise.all([
    ...Array.from({ length: settings.workers }, (_, i) =>
      startNodeProcess({
        name: `worker ${i + 1}`,
        command: procfileCommand('worker'),
        // The Procfile's line, with jemalloc preloaded as npm start does (workers/allocator.ts).
        env: { ...jemallocPreload(env), ...env, POLLSTER_WORKER_METRICS_ADDRESS: `127.0.0.1:${settings.metricsPort + i}` },
        logFile: join(logs, `worker-${i + 1}.log`),
        ready: /worker polling task queue/,
      }).then((p) => `${watch(p).name.padEnd(9)} pid ${p.pid}, metrics ${metricsUrl(i)}   (log ${show(p.logFile)})`),
    ),
    ...Array.from({ length: settings.apis }, (_, i) =>
      startNodeProcess({
        name: `API ${i + 1}`,
        command: procfileCommand('api'),
        env: { ...env, POLLSTER_API_PORT: String(settings.apiPort + i), ...(settings.workers > 0 ? { POLLSTER_WORKER_METRICS_URL: metricsUrl(0) } : {}) },
        logFile: join(logs, `api-${i + 1}.log`),
        ready: /API listening/,
      }).then((p) => `${watch(p).name.padEnd(9)} http://127.0.0.1:${settings.apiPort + i}/elements/api-v2   (pid ${p.pid}, log ${show(p.logFile)})`),
    ),
  ]);
  step('Pollster', `${settings.workers} worker(s), ${settings.apis} API replica(s)`);

  const stopLine = (): string => {
    const ours = [settings.workers > 0 ? 'the workers' : '', settings.apis > 0 ? 'the APIs' : '', server ? 'the Temporal server' : ''].filter(Boolean);
    if (ours.length === 0) return 'Nothing was started here, so there is nothing to watch: done.';
    const list = ours.length === 1 ? ours[0] : `${ours.slice(0, -1).join(', ')} and ${ours.at(-1)}`;
    return `Ctrl-C stops ${list}; ${server ? 'PostgreSQL keeps' : 'PostgreSQL and the Temporal server keep'} running.`;
  };
  console.log(`
Pollster cluster is up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${timings.join(', ')}).
  PostgreSQL   ${description}
  Temporal     ${address}   namespace ${settings.namespace}, ${HISTORY_SHARDS} history shards, SQL visibility${server ? `   (pid ${server.pid}, log ${show(server.logFile)})` : '   (reused)'}
${lines.map((l) => `  ${l}\n`).join('')}  Credentials  ${show(secrets.file)}${secrets.created ? `   (generated now; shown once)\n  Header       Authorization: User ${secrets.secrets.POLLSTER_USER_SECRET}, Organization ${secrets.secrets.POLLSTER_ORGANIZATION_SECRET}` : ''}
  CLI          temporal --address ${address} --namespace ${settings.namespace} workflow list
  Bench        TEMPORAL_ADDRESS=${address} TEMPORAL_NAMESPACE=${settings.namespace} npm run bench   (its own workers: start this with POLLSTER_CLUSTER_WORKERS=0)
${stopLine()}
`);
} catch (err) {
  console.error(`pollster cluster: ${(err as Error).message}`);
  await stopAll(1);
}
