/**
 * `npm start` itself (scripts/start.ts, as `npm start` runs it after set-up), on free ports with a
 * data dir left 0755/0644 by an older version: the dir becomes 0700 and every file in it 0600 (the
 * dev server's SQLite file and journals included), the banner names the secrets file but prints no
 * secret, a SIGKILLed worker is started again, and Ctrl-C (SIGINT to the process group, as a
 * terminal sends it) stops every process.
 *
 * Its terminal, with `npm run example` polled and the console's refreshes: readable lines (no JSON),
 * none per API request, one per poll outcome, one per failed delivery attempt with its cause and no
 * stack trace, and nothing but "stopping"/"stopped" on Ctrl-C (the dev server's own shutdown warnings
 * are dropped). A second API process started beside it logs JSON lines with LOG_FORMAT=json, and
 * refuses an unknown LOG_FORMAT naming it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, killIfStillRunning, processRef, REPO_ROOT, stillRunning, type ProcessRef } from '../support/processes';
import { runsOnJemalloc } from '../../workers/allocator';
import { workerProcessEnv } from '../../workers/tuning';

const EXAMPLE_KEY = 'example-signing-key';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** The direct children of `pid`, with their command lines. */
function childrenOf(pid: number): { pid: number; args: string }[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return out
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), args: m[2]! }));
}

let start: ChildProcess | undefined;
/** Processes outside npm start's process group (the dev server has its own; the example and the extra API are the test's). */
const strays = new Set<ProcessRef>();
const dir = mkdtempSync(join(tmpdir(), 'pollster-start-'));
after(() => {
  if (start?.pid && start.exitCode === null) process.kill(-start.pid, 'SIGKILL');
  for (const ref of strays) killIfStillRunning(ref);
  rmSync(dir, { recursive: true, force: true });
});

/** A child of the test, its output collected. */
function spawnCollected(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const ref = processRef(child.pid!);
  if (ref) strays.add(ref);
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

const linesOf = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

test('npm start: private data dir, no secret in the banner, short readable output, a dead worker comes back, Ctrl-C stops everything quietly', async (t) => {
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'notes.txt'), 'left by an older version');
  chmodSync(join(dataDir, 'notes.txt'), 0o644);

  const [apiPort, temporalPort, uiPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  let output = '';
  start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO_ROOT,
    detached: true, // its own process group: the cleanup can reach every process it started
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POLLSTER_TEMPORAL_CLI: process.env.POLLSTER_TEMPORAL_CLI,
      POLLSTER_DATA_DIR: dataDir,
      POLLSTER_API_PORT: String(apiPort),
      POLLSTER_TEMPORAL_PORT: String(temporalPort),
      POLLSTER_TEMPORAL_UI_PORT: String(uiPort),
      POLLSTER_WORKER_METRICS_PORT: String(metricsPort),
      POLLSTER_RETRY_SCALE: '0.01', // delivery retries in tens of milliseconds, not seconds
    },
  });
  start.stdout!.on('data', (c: Buffer) => (output += c));
  start.stderr!.on('data', (c: Buffer) => (output += c));
  // What npm start printed, when something here fails (the test's own messages name only what was awaited).
  t.after(() => {
    if (!/pollster: stopped/.test(output)) for (const line of ['npm start printed:', ...linesOf(output)]) t.diagnostic(line);
  });
  const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));

  await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/elements/api-v2/healthz`).catch(() => undefined);
    return res?.status === 200;
  }, 'the API healthy', 180_000, 500);
  await eventually(() => /worker polling task queue/.test(output), 'the worker up', 60_000);

  // The banner: the secrets file, never the secrets.
  const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  assert.match(output, new RegExp(`Credentials  ${join(dataDir, 'secrets.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  for (const [name, value] of Object.entries(secrets)) assert.ok(!output.includes(value), `${name} is not printed`);

  // Owner-only, the files made before this start and those its children made.
  assert.equal(mode(dataDir), '700');
  const files = readdirSync(dataDir);
  for (const name of ['secrets.json', 'temporal.sqlite', 'workflow-bundle.js', 'notes.txt']) assert.ok(files.includes(name), `${name} in ${files.join(', ')}`);
  for (const name of files) assert.equal(mode(join(dataDir, name)), '600', name);
  t.diagnostic(`data dir: ${files.join(', ')}`);

  const api = `http://127.0.0.1:${apiPort}/elements/api-v2`;
  const auth = `User ${secrets.POLLSTER_USER_SECRET}, Organization ${secrets.POLLSTER_ORGANIZATION_SECRET}`;
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${api}${path}`, { method, headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  const temporal = childrenOf(start.pid!).find((c) => c.args.includes('server start-dev'));
  const temporalRef = temporal && processRef(temporal.pid);
  if (temporalRef) strays.add(temporalRef); // its own process group: the clean-up kills it by pid

  // The walkthrough: the example's contacts API and receiver, and its instance.
  const [exampleApiPort, receiverPort] = [await freePort(), await freePort()];
  const example = spawnCollected(['examples/main.ts'], { EXAMPLE_API_PORT: String(exampleApiPort), EXAMPLE_RECEIVER_PORT: String(receiverPort), EXAMPLE_SIGNATURE_KEY: EXAMPLE_KEY, POLLSTER_DATA_DIR: join(dir, 'example') });
  const contacts = `http://127.0.0.1:${exampleApiPort}`;
  await eventually(() => /Ctrl-C stops both/.test(example.output()), 'the example up', 60_000);
  const body = readFileSync(join(REPO_ROOT, 'examples/contacts-instance.json'), 'utf8').replaceAll('127.0.0.1:4000', `127.0.0.1:${exampleApiPort}`).replaceAll('127.0.0.1:5000', `127.0.0.1:${receiverPort}`);
  const { id } = (await call('POST', '/instances', JSON.parse(body))) as { id: number };
  const label = `instance ${id} (example contacts)`;
  const addContact = (name: string) => fetch(`${contacts}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) }).then((r) => r.json() as Promise<{ id: string }>);

  // The console's refreshes (what its instance page asks every 5 s): no line for any of them. (A loaded machine may
  // still print a warning of its own meanwhile, e.g. the dev server's "Slow gRPC call".)
  const beforeConsole = output.length;
  for (let i = 0; i < 10; i++) for (const path of ['/instances', `/instances/${id}/poller`, `/instances/${id}/events`, '/notifications/subscriptions/deliveries']) await call('GET', path);
  const duringConsole = linesOf(output.slice(beforeConsole));
  assert.deepEqual(duringConsole.filter((line) => /\(api\)|\/elements\/api-v2\/|\/instances|\/deliveries/.test(line)), [], 'no line per API request');
  assert.ok(duringConsole.length < 5, `40 requests, ${duringConsole.length} lines:\n${duringConsole.join('\n')}`);

  // A change and a poll: one line for what the poll found, and the event at the receiver.
  const ada = await addContact('Ada Lovelace');
  await call('POST', `/instances/${id}/events/poll`);
  await eventually(() => output.includes(`${label} contacts: 1 record, 1 event; 1 notification delivered`), 'the poll line', 60_000);
  await eventually(() => example.output().includes(`CREATED contacts/${ada.id}`), 'the event at the receiver', 30_000);

  // The receiver stopped: each failed delivery attempt is one warning with its cause; started again, the retry delivers.
  await fetch(`${contacts}/receiver/stop`, { method: 'POST' });
  const edsger = await addContact('Edsger Dijkstra');
  await call('POST', `/instances/${id}/events/poll`);
  // (The contacts API's updatedSince is inclusive: the poll reads Ada again, and reports her no more.)
  await eventually(() => new RegExp(`${label.replace(/[()]/g, '\\$&')} contacts: \\d+ records?, 1 event; 1 notification to the retry path`).test(output), 'the poll line naming the retry path', 60_000);
  const retry = new RegExp(`WARN \\(worker\\): notification (\\w+) to http://127\\.0\\.0\\.1:${receiverPort}/events: callback unreachable: .*ECONNREFUSED.* \\(attempt 2\\); next try in `);
  const notificationId = (await eventually(() => retry.exec(output) ?? undefined, 'a failed retry, in one line', 60_000))[1];
  await fetch(`${contacts}/receiver/start`, { method: 'POST' });
  await eventually(() => new RegExp(`notification ${notificationId} delivered to http://127\\.0\\.0\\.1:${receiverPort}/events \\(attempt \\d+\\)`).test(output), 'the delivery from the retry path', 120_000);
  await eventually(() => example.output().includes(`CREATED contacts/${edsger.id}`), 'the retried event at the receiver', 30_000);

  // Every line readable, none a JSON object, no stack trace, no request line.
  const lines = linesOf(output);
  for (const line of lines) {
    assert.ok(!line.trimStart().startsWith('{'), `not JSON: ${line}`);
    assert.ok(!/^\s+at /.test(line), `no stack trace: ${line}`);
    assert.ok(!/incoming request|request completed|GET \/elements/.test(line), `no request line: ${line}`);
  }
  for (const line of [`${lines.length} lines from the start to the delivered retry:`, ...lines]) t.diagnostic(line);

  // LOG_FORMAT=json: a second API beside it logs pino's JSON lines (requests at debug here); an unknown format is refused.
  const jsonApiPort = await freePort();
  const processEnv = { TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, POLLSTER_USER_SECRET: secrets.POLLSTER_USER_SECRET, POLLSTER_ORGANIZATION_SECRET: secrets.POLLSTER_ORGANIZATION_SECRET, POLLSTER_ENCRYPTION_KEY: secrets.POLLSTER_ENCRYPTION_KEY, POLLSTER_API_PORT: String(jsonApiPort) };
  const jsonApi = spawnCollected(['api/main.ts'], { ...processEnv, LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
  await eventually(() => /API listening/.test(jsonApi.output()), 'the JSON API up', 60_000);
  await fetch(`http://127.0.0.1:${jsonApiPort}/elements/api-v2/instances/${id}/poller`, { headers: { authorization: auth } });
  const entries = await eventually(() => {
    const parsed = linesOf(jsonApi.output()).map((l) => JSON.parse(l) as { name: string; msg: string; req?: { url: string; headers?: unknown } });
    return parsed.some((e) => e.req?.url?.endsWith('/poller')) ? parsed : undefined;
  }, 'the request line in JSON');
  assert.ok(entries.every((e) => e.name === 'api'));
  assert.ok(entries.some((e) => e.msg.startsWith('API listening on http://127.0.0.1:')));
  assert.ok(!jsonApi.output().includes(secrets.POLLSTER_USER_SECRET!), 'no credential in the log');
  jsonApi.child.kill('SIGTERM');
  assert.equal(await jsonApi.exited, 0);
  const badFormat = spawnCollected(['api/main.ts'], { ...processEnv, LOG_FORMAT: 'xml' });
  assert.notEqual(await badFormat.exited, 0);
  assert.match(badFormat.output(), /LOG_FORMAT must be one of pretty, json, got 'xml'/);

  // npm start runs the compiled worker (dist/worker.mjs, not tsx); SIGKILLed, it is started again.
  const worker = () => childrenOf(start!.pid!).find((c) => / \S*dist\/worker\.mjs$/.test(c.args));
  const first = worker();
  assert.ok(first, `a worker child among ${JSON.stringify(childrenOf(start.pid!))}`);
  const workerEnv = readFileSync(`/proc/${first.pid}/environ`, 'utf8').split('\0');
  for (const [name, value] of Object.entries(workerProcessEnv({}))) assert.ok(workerEnv.includes(`${name}=${value}`), `the worker runs with ${name}=${value}`);
  // On jemalloc (scripts/setup.sh installs it), and so with the larger cache.
  assert.ok(runsOnJemalloc(() => readFileSync(`/proc/${first.pid}/maps`, 'utf8')), 'jemalloc is mapped into the worker');
  assert.match(output, /worker polling task queue .*; jemalloc, 500 workflows cached/);
  process.kill(first.pid, 'SIGKILL');
  await eventually(() => /pollster: worker exited \(SIGKILL\); restarting it in 1 s/.test(output), 'the restart announced', 30_000);
  const second = await eventually(() => {
    const w = worker();
    return w && w.pid !== first.pid ? w : undefined;
  }, 'a new worker process', 30_000);
  await eventually(() => (output.match(/worker polling task queue/g) ?? []).length >= 2, 'the new worker polling', 60_000);

  // Ctrl-C, as a terminal sends it (to the whole process group): everything stops, nothing is restarted, and
  // nothing but "stopping" and "stopped" is printed. (esbuild's services, tsx's and the worker build's, are children too,
  // but not Pollster's processes.)
  const all = childrenOf(start.pid!).filter((c) => /server start-dev|dist\/worker\.mjs|api\/main\.ts/.test(c.args));
  const refs = [...all, second].map((c) => ({ ...c, ref: processRef(c.pid) }));
  assert.equal(all.length, 3, `temporal, worker and api: ${JSON.stringify(childrenOf(start.pid!))}`);
  const beforeStop = output.length;
  process.kill(-start.pid!, 'SIGINT');
  assert.equal(await exited, 0);
  for (const c of refs) assert.ok(!c.ref || !stillRunning(c.ref), `${c.args} stopped`);
  assert.deepEqual(linesOf(output.slice(beforeStop)), ['pollster: stopping', 'pollster: stopped']);

  example.child.kill('SIGINT');
  assert.equal(await example.exited, 0);
});
