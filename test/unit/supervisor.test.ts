/**
 * `npm start`'s supervisor with real child processes: a killed child comes back (a new process), a
 * child that keeps crashing is restarted after doubling delays, and stop() ends every child for
 * good, newest first (the dev server, started first, is signalled only once the worker has exited),
 * with SIGKILL for one that ignores the signal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { restartDelay, Supervisor } from '../../scripts/supervisor';

const FAST = { initialMs: 20, maxMs: 100, stableAfterMs: 60_000 };

/** A long-running node child that prints "up <pid>" once it runs; `ignoreSigint` makes it deaf to Ctrl-C. */
function longRunning(ignoreSigint = false): ChildProcess {
  const code = `${ignoreSigint ? "process.on('SIGINT', () => {});" : ''} console.log('up ' + process.pid); setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function up(child: ChildProcess): Promise<void> {
  for await (const chunk of child.stdout!) if (String(chunk).includes(`up ${child.pid}`)) return;
  throw new Error(`child ${child.pid} ended before it was up`);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('restartDelay doubles from the initial delay up to the maximum', () => {
  const table: [number, number][] = [
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16_000],
    [6, 30_000],
    [1000, 30_000],
  ];
  for (const [exits, delay] of table) assert.equal(restartDelay(exits), delay, `${exits} exits`);
});

test('a killed child is started again: a new process, up and running', async () => {
  const restarted: ChildProcess[] = [];
  const supervisor = new Supervisor({ backoff: FAST, log: () => undefined, onRestart: (_name, child) => restarted.push(child) });
  const first = supervisor.supervise('worker', () => longRunning());
  try {
    await up(first);
    first.kill('SIGKILL');
    await once(first, 'exit');
    while (restarted.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = restarted[0]!;
    await up(second);
    assert.notEqual(second.pid, first.pid);
    assert.equal(supervisor.child('worker'), second);
    assert.equal(supervisor.restarts('worker'), 1);
    assert.ok(alive(second.pid!));
  } finally {
    await supervisor.stop();
  }
});

test('a child that keeps crashing is restarted after doubling delays, up to the maximum', async () => {
  const lines: string[] = [];
  const supervisor = new Supervisor({ backoff: FAST, log: (line) => lines.push(line) });
  supervisor.supervise('api', () => spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' }));
  try {
    while (supervisor.restarts('api') < 5) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await supervisor.stop();
  }
  assert.deepEqual(lines.slice(0, 5), [
    'pollster: api exited (3); restarting it in 0.02 s',
    'pollster: api exited (3); restarting it in 0.04 s',
    'pollster: api exited (3); restarting it in 0.08 s',
    'pollster: api exited (3); restarting it in 0.1 s',
    'pollster: api exited (3); restarting it in 0.1 s',
  ]);
});

test('stop() ends every child for good, newest first, and SIGKILLs one that ignores SIGINT after the grace period', async () => {
  const supervisor = new Supervisor({ backoff: FAST, log: () => undefined });
  const order: string[] = [];
  const temporal = supervisor.supervise('temporal', () => longRunning());
  const worker = supervisor.supervise('worker', () => longRunning(true));
  await Promise.all([up(temporal), up(worker)]);
  temporal.once('exit', () => order.push('temporal'));
  worker.once('exit', (_code, signal) => order.push(`worker ${signal}`));
  await supervisor.stop('SIGINT', 200);
  assert.ok(!alive(temporal.pid!) && !alive(worker.pid!));
  assert.deepEqual(order, ['worker SIGKILL', 'temporal'], 'the deaf worker was killed after the grace period, and only then was temporal stopped');
  assert.equal(supervisor.restarts('temporal') + supervisor.restarts('worker'), 0);
  assert.equal(supervisor.child('worker'), worker, 'nothing was started again');
});

test('killAll() SIGKILLs every child still up, at once, even one deaf to SIGINT', async () => {
  const supervisor = new Supervisor({ backoff: FAST, log: () => undefined });
  const children = [supervisor.supervise('temporal', () => longRunning(true)), supervisor.supervise('worker', () => longRunning())];
  await Promise.all(children.map(up));
  const signals = children.map((c) => once(c, 'exit').then(([, signal]) => signal));
  supervisor.killAll();
  assert.deepEqual(await Promise.all(signals), ['SIGKILL', 'SIGKILL']);
  await new Promise((r) => setTimeout(r, 100)); // longer than FAST's first restart delay
  assert.equal(supervisor.restarts('temporal') + supervisor.restarts('worker'), 0, 'nothing was started again');
});
