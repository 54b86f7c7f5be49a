import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capacityFromEnv, DEFAULT_HEAP_GROWTH_PERCENT, DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_WORKFLOW_THREADS, heapGrowthFlags, JEMALLOC_MAX_CACHED_WORKFLOWS, workflowSource, workflowThreadHeapFlags } from '../../workers/tuning';
import { workflowsPath } from '../../workers/worker';
import { workflowInterceptorsPath } from '../../workers/workflowBundle';

describe('worker capacity from the environment', () => {
  test('defaults: the cache and one workflow thread; the SDK keeps its own concurrency defaults', () => {
    const defaults = { maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS, workflowThreadPoolSize: DEFAULT_WORKFLOW_THREADS };
    assert.deepEqual(capacityFromEnv({}), defaults);
    assert.deepEqual(capacityFromEnv({ POLLSTER_MAX_CACHED_WORKFLOWS: '', POLLSTER_WORKFLOW_THREADS: ' ' }), defaults);
    assert.equal(capacityFromEnv({ POLLSTER_WORKFLOW_THREADS: '2' }).workflowThreadPoolSize, 2, 'two threads when asked');
  });

  test('on jemalloc the cache defaults to 500; a value in the environment wins either way', () => {
    assert.equal(capacityFromEnv({}, true).maxCachedWorkflows, JEMALLOC_MAX_CACHED_WORKFLOWS);
    assert.equal(capacityFromEnv({}, false).maxCachedWorkflows, DEFAULT_MAX_CACHED_WORKFLOWS);
    assert.equal(capacityFromEnv({ POLLSTER_MAX_CACHED_WORKFLOWS: '50' }, true).maxCachedWorkflows, 50);
    assert.ok(JEMALLOC_MAX_CACHED_WORKFLOWS > DEFAULT_MAX_CACHED_WORKFLOWS);
  });

  test("the heap growth: 50 % by default, as set, none at 0 (V8's own), a bad value named", () => {
    assert.deepEqual(heapGrowthFlags({}), [`--heap-growing-percent=${DEFAULT_HEAP_GROWTH_PERCENT}`]);
    assert.deepEqual(heapGrowthFlags({ POLLSTER_HEAP_GROWTH_PERCENT: ' 100 ' }), ['--heap-growing-percent=100']);
    assert.deepEqual(heapGrowthFlags({ POLLSTER_HEAP_GROWTH_PERCENT: '0' }), []);
    assert.throws(() => heapGrowthFlags({ POLLSTER_HEAP_GROWTH_PERCENT: 'half' }), /POLLSTER_HEAP_GROWTH_PERCENT must be a whole number/);
  });

  test('every knob set', () => {
    const env = { POLLSTER_MAX_CACHED_WORKFLOWS: '1000', POLLSTER_MAX_CONCURRENT_WORKFLOW_TASKS: ' 20 ', POLLSTER_MAX_CONCURRENT_ACTIVITIES: '50', POLLSTER_WORKFLOW_THREADS: '2' };
    assert.deepEqual(capacityFromEnv(env), { maxCachedWorkflows: 1000, maxConcurrentWorkflowTaskExecutions: 20, maxConcurrentActivityTaskExecutions: 50, workflowThreadPoolSize: 2 });
  });

  test('a cache of 0 turns caching off', () => {
    assert.equal(capacityFromEnv({ POLLSTER_MAX_CACHED_WORKFLOWS: '0' }).maxCachedWorkflows, 0);
  });

  const bad: [string, string][] = [
    ['POLLSTER_MAX_CACHED_WORKFLOWS', 'lots'],
    ['POLLSTER_MAX_CACHED_WORKFLOWS', '-1'],
    ['POLLSTER_MAX_CACHED_WORKFLOWS', '2.5'],
    ['POLLSTER_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
    ['POLLSTER_MAX_CONCURRENT_ACTIVITIES', '0'],
    ['POLLSTER_WORKFLOW_THREADS', '0'],
  ];
  for (const [name, value] of bad) {
    test(`${name}=${value} stops the worker, naming the variable`, () => {
      assert.throws(() => capacityFromEnv({ [name]: value }), new RegExp(name));
    });
  }
});

describe('workflow code from the environment', () => {
  test('no POLLSTER_WORKFLOW_BUNDLE: workflows/ bundled at start, its modules preloaded, with the workflow interceptors', () => {
    assert.deepEqual(workflowSource({}), { workflowsPath, bundlerOptions: { preloadModules: [workflowsPath] }, workflowModules: [workflowInterceptorsPath] });
  });

  test('POLLSTER_WORKFLOW_BUNDLE: that file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollster-tuning-'));
    try {
      const file = join(dir, 'workflow-bundle.js');
      writeFileSync(file, '');
      assert.deepEqual(workflowSource({ POLLSTER_WORKFLOW_BUNDLE: file }), { workflowBundle: { codePath: file } });
      assert.throws(() => workflowSource({ POLLSTER_WORKFLOW_BUNDLE: join(dir, 'missing.js') }), /POLLSTER_WORKFLOW_BUNDLE: no file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the workflow threads' heap limits", () => {
  const cases: [string, NodeJS.ProcessEnv, string][] = [
    ['the default cache (100)', {}, '--max-old-space-size=256'],
    ['a cache of 128 or less keeps the floor', { POLLSTER_MAX_CACHED_WORKFLOWS: '0' }, '--max-old-space-size=256'],
    ['a larger cache, 1 MB more per workflow above 128', { POLLSTER_MAX_CACHED_WORKFLOWS: '1000' }, '--max-old-space-size=1128'],
  ];
  for (const [name, env, oldSpace] of cases) {
    test(`${name}: ${oldSpace}, and a 1 MB young generation`, () => {
      assert.deepEqual(workflowThreadHeapFlags(capacityFromEnv(env).maxCachedWorkflows!), ['--max-semi-space-size=1', oldSpace]);
    });
  }

  test('a bad cache size fails naming the variable, before any limit is derived from it', () => {
    assert.throws(() => workflowThreadHeapFlags(capacityFromEnv({ POLLSTER_MAX_CACHED_WORKFLOWS: 'lots' }).maxCachedWorkflows!), /POLLSTER_MAX_CACHED_WORKFLOWS must be a whole number/);
  });

  test('set at run time, they bound a thread started after, and leave the running isolate as it was', async () => {
    const { spawnSync } = await import('node:child_process');
    // In a child process: flags set here would reach every thread this test process starts after.
    const script = `
      const v8 = require('node:v8'); const { Worker } = require('node:worker_threads');
      const before = v8.getHeapStatistics().heap_size_limit;
      v8.setFlagsFromString('--max-old-space-size=256');
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true });
      w.on('message', (thread) => { console.log(JSON.stringify({ before, after: v8.getHeapStatistics().heap_size_limit, thread })); w.terminate(); });`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    const { before, after, thread } = JSON.parse(out.stdout) as { before: number; after: number; thread: number };
    assert.equal(after, before, 'the running isolate keeps its limit');
    assert.ok(thread < 400 * 2 ** 20 && thread < before, `the thread's limit follows the flag: ${thread}`);
  });
});
