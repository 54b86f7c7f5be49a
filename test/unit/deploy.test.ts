/**
 * The shipped deployment files agree with what the cluster tests run: the systemd units and the Dockerfile
 * start deploy/Procfile's commands (which `npm run cluster` runs), the server units start the server the way
 * scripts/cluster/serverConfig.ts does, and the variables the configuration template and the schema script
 * read are the ones the code sets and the example environment files name.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BUILT_WORKER } from '../../scripts/build-worker';
import { WORKER_PROCESS_ENV } from '../../workers/tuning';
import { parseProcfile, PROCFILE } from '../../scripts/cluster/procfile';
import { pgEnv, REPO_ROOT, SCHEMA_SCRIPT, SERVER_CONFIG_DIR, SERVER_CONFIG_ENV, serverArgs, serverEnv } from '../../scripts/cluster/serverConfig';

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');
const procfile = parseProcfile(readFileSync(PROCFILE, 'utf8'));
const template = read(`${SERVER_CONFIG_DIR}/${SERVER_CONFIG_ENV}.yaml`);

function execStart(unit: string): string[] {
  const line = read(`deploy/systemd/${unit}`)
    .split('\n')
    .find((l) => l.startsWith('ExecStart='));
  assert.ok(line, `${unit} has an ExecStart`);
  return line.slice('ExecStart='.length).split(/\s+/);
}

/** A Procfile command's leading `env K=V …`, apart from the command it runs. */
function envPrefix(command: string[]): { env: Record<string, string>; run: string[] } {
  if (command[0] !== 'env') return { env: {}, run: command };
  const at = command.findIndex((a, i) => i > 0 && !a.includes('='));
  return { env: Object.fromEntries(command.slice(1, at).map((a) => a.split('=') as [string, string])), run: command.slice(at) };
}
const worker = envPrefix(procfile.worker!);

/** Variables a file reads: `env "X"` in the template, `$X` / `${X…}` in a shell script, `X=` lines in an env file. */
function variables(text: string, pattern: RegExp): Set<string> {
  return new Set([...text.matchAll(pattern)].map((m) => m[1]!));
}

describe('deploy/', () => {
  test('the Procfile runs the compiled worker that npm run build writes, and the api from source', () => {
    assert.deepEqual(Object.keys(procfile).sort(), ['api', 'worker']);
    assert.deepEqual(worker.run, ['node', relative(REPO_ROOT, BUILT_WORKER)]);
    assert.deepEqual(worker.env, WORKER_PROCESS_ENV, "the worker's process environment (workers/tuning.ts)");
    assert.match(read('package.json'), /"build": "[^"]*build:worker/);
    assert.deepEqual(procfile.api!.slice(0, 3), ['node', '--import', 'tsx']);
    assert.ok(existsSync(join(REPO_ROOT, procfile.api![3]!)), procfile.api!.join(' '));
  });

  test('the systemd units run the Procfile commands, the worker with its process environment', () => {
    for (const [unit, command] of [['pollster-worker@.service', worker.run], ['pollster-api@.service', procfile.api!]] as const) {
      const [node, ...args] = execStart(unit);
      assert.equal(node, '/usr/bin/node');
      assert.deepEqual(args, command.slice(1), unit);
    }
    for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) assert.match(read('deploy/systemd/pollster-worker@.service'), new RegExp(`^Environment=${name}=${value}$`, 'm'));
  });

  test("the Dockerfile builds the worker, its entrypoint and default command are the Procfile's worker, and it documents the api's", () => {
    const dockerfile = read('deploy/Dockerfile');
    const json = (instruction: string): string[] => JSON.parse(new RegExp(`^${instruction} (\\[.*\\])$`, 'm').exec(dockerfile)![1]!);
    assert.match(dockerfile, /^RUN .*scripts\/build-worker\.ts/m);
    assert.deepEqual([...json('ENTRYPOINT'), ...json('CMD')], worker.run);
    for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) assert.match(dockerfile, new RegExp(`^ENV (.*\\\\\\n)*\\s*${name}=${value}\\b`, 'm'));
    // jemalloc installed, linked to the one path that LD_PRELOAD names.
    assert.match(dockerfile, /^RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2\b/m);
    const preload = /^\s*LD_PRELOAD=(\S+)/m.exec(dockerfile)?.[1];
    assert.ok(preload && dockerfile.includes(`ln -s "$(find /usr/lib -name libjemalloc.so.2 | head -n 1)" ${preload}`), 'LD_PRELOAD names the linked jemalloc');
    assert.ok(dockerfile.includes(`pollster ${procfile.api!.slice(1).join(' ')} `), 'the api command in the header');
  });

  test('the server unit starts the server as the cluster does, with the schema steps first', () => {
    const [binary, ...args] = execStart('temporal-server.service');
    assert.equal(binary, '/usr/local/bin/temporal-server');
    const ours = serverArgs();
    // The same flags; only the root differs (/etc/temporal holds a copy of deploy/temporal).
    assert.deepEqual(args.filter((a, i) => a !== '--root' && args[i - 1] !== '--root'), ours.filter((a, i) => a !== '--root' && ours[i - 1] !== '--root').map((a) => (a === SERVER_CONFIG_DIR ? 'config' : a)));
    assert.match(read('deploy/systemd/temporal-server.service'), /^ExecStartPre=\/etc\/temporal\/schema\.sh$/m);
  });

  test('the template reads exactly the variables the cluster sets or its header documents, and the example sets them', () => {
    const reads = variables(template, /env "([A-Z0-9_]+)"/g);
    const documented = variables(template.split('\n').filter((l) => l.startsWith('#')).join('\n'), /\b(TEMPORAL_[A-Z0-9_]+)\b/g);
    const set = Object.keys(serverEnv({ pg: { host: 'h', port: 1, user: 'u', password: 'p', tls: false }, databases: { main: 'm', visibility: 'v' }, ports: { frontend: 1, frontendHttp: 2, history: 3, matching: 4, worker: 5, frontendMembership: 6, historyMembership: 7, matchingMembership: 8, workerMembership: 9 }, historyShards: 4, maxConns: { main: 1, visibility: 1 } }));
    for (const name of set) assert.ok(reads.has(name), `the template reads ${name}, which the cluster sets`);
    for (const name of reads) assert.ok(documented.has(name), `the template's header documents ${name}`);
    const example = variables(read('deploy/systemd/temporal.env.example'), /^([A-Z0-9_]+)=/gm);
    for (const name of ['TEMPORAL_PG_HOST', 'TEMPORAL_PG_USER', 'TEMPORAL_PG_PASSWORD', 'TEMPORAL_HISTORY_SHARDS', 'TEMPORAL_BIND_IP', 'TEMPORAL_DYNAMIC_CONFIG', 'TEMPORAL_SQL_TOOL']) assert.ok(example.has(name), `temporal.env.example sets ${name}`);
    for (const name of example) assert.ok(reads.has(name) || name === 'TEMPORAL_SQL_TOOL', `temporal.env.example sets ${name}, which the template reads`);
  });

  test('the schema script reads the PostgreSQL variables the cluster sets', () => {
    const script = readFileSync(SCHEMA_SCRIPT, 'utf8');
    const used = variables(script, /\$\{?(TEMPORAL_[A-Z0-9_]+)/g);
    for (const name of Object.keys(pgEnv({ host: 'h', port: 1, user: 'u', password: 'p', tls: false }, { main: 'm', visibility: 'v' }))) assert.ok(used.has(name), `schema.sh reads ${name}`);
  });
});
