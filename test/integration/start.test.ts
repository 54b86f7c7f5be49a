/**
 * `npm start` itself (scripts/start.ts, as `npm start` runs it after set-up), on free ports with a
 * data dir left 0755/0644 by an older version: the dir becomes 0700 and every file in it 0600 (the
 * dev server's SQLite file and journals included), the banner names the secrets file but prints no
 * secret, a SIGKILLed worker is started again, and SIGINT stops every process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, REPO_ROOT } from '../support/processes';

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

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let start: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'pollster-start-'));
after(() => {
  if (start?.pid && start.exitCode === null) process.kill(-start.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('npm start: private data dir, no secret in the banner, a dead worker comes back, Ctrl-C stops everything', async (t) => {
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
    },
  });
  start.stdout!.on('data', (c: Buffer) => (output += c));
  start.stderr!.on('data', (c: Buffer) => (output += c));
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

  // A SIGKILLed worker is started again.
  const worker = () => childrenOf(start!.pid!).find((c) => c.args.includes('workers/main.ts'));
  const first = worker();
  assert.ok(first, `a worker child among ${JSON.stringify(childrenOf(start.pid!))}`);
  process.kill(first.pid, 'SIGKILL');
  await eventually(() => /pollster: worker exited \(SIGKILL\); restarting it in 1 s/.test(output), 'the restart announced', 30_000);
  const second = await eventually(() => {
    const w = worker();
    return w && w.pid !== first.pid ? w : undefined;
  }, 'a new worker process', 30_000);
  await eventually(() => (output.match(/worker polling task queue/g) ?? []).length >= 2, 'the new worker polling', 60_000);

  // Ctrl-C: everything stops, nothing is restarted.
  // (tsx's own esbuild service, also a child, is not one of Pollster's processes.)
  const all = childrenOf(start.pid!).filter((c) => /server start-dev|workers\/main\.ts|api\/main\.ts/.test(c.args));
  assert.equal(all.length, 3, `temporal, worker and api: ${JSON.stringify(childrenOf(start.pid!))}`);
  process.kill(start.pid!, 'SIGINT');
  assert.equal(await exited, 0);
  for (const c of [...all, second]) assert.ok(!alive(c.pid), `${c.args} stopped`);
});
