import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { exposeGc, heapSlack, releaseHeapSlack } from '../../workers/heapRelease';

/** About `mb` MB of small objects, kept until the caller drops them: what a burst leaves behind. */
const garbage = (mb: number): unknown[] => Array.from({ length: mb * 10 }, (_, i) => Array.from({ length: 2_000 }, (_, j) => ({ i, j, s: `${i}:${j}` })));

describe('giving back the heap a burst left', () => {
  test('the slack is what V8 holds beyond what it uses, never negative', () => {
    const cases: [number, number, number][] = [
      [200e6, 105e6, 95e6],
      [80e6, 80e6, 0],
      [80e6, 81e6, 0], // heapUsed read after heapTotal can pass it
    ];
    for (const [heapTotal, heapUsed, slack] of cases) assert.equal(heapSlack({ heapTotal, heapUsed }), slack, `${heapTotal}/${heapUsed}`);
  });

  test('a full collection after a burst shrinks the committed heap', () => {
    const gc = exposeGc();
    let kept: unknown[] | undefined = garbage(60);
    const high = process.memoryUsage().heapTotal;
    kept = undefined;
    gc();
    const after = process.memoryUsage().heapTotal;
    assert.equal(kept, undefined);
    assert.ok(high - after > 30e6, `heapTotal ${Math.round(high / 1e6)} MB → ${Math.round(after / 1e6)} MB`);
  });

  test('no gc global is left for contexts and threads made afterwards (the workflow threads)', async () => {
    exposeGc();
    assert.equal(runInNewContext('typeof gc'), 'undefined');
    const thread = new Worker("require('node:worker_threads').parentPort.postMessage(typeof gc)", { eval: true });
    const seen = await new Promise((resolve) => thread.once('message', resolve));
    await thread.terminate();
    assert.equal(seen, 'undefined');
  });

  test('the check collects only past the bound, and stops when told', async () => {
    let kept: unknown[] | undefined = garbage(60);
    kept = undefined;
    const released: number[] = [];
    const stop = releaseHeapSlack({ everyMs: 20, slackBytes: 16e6, onRelease: (freed) => released.push(freed) });
    try {
      for (let i = 0; i < 100 && released.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(kept, undefined);
      assert.ok(released.length >= 1 && released[0]! > 0, `released ${released.join(', ')}`);
    } finally {
      stop();
    }
    const count = released.length;
    garbage(40);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(released.length, count, 'nothing collected after stop');
  });

  test('a worker never quiet is never collected, whatever its slack', async () => {
    let kept: unknown[] | undefined = garbage(40);
    kept = undefined;
    const released: number[] = [];
    // Busy at least 0 % of every interval: never under the bound.
    const stop = releaseHeapSlack({ everyMs: 10, slackBytes: 1, quietUtilization: 0, onRelease: (freed) => released.push(freed) });
    await new Promise((r) => setTimeout(r, 80));
    stop();
    assert.equal(kept, undefined);
    assert.deepEqual(released, []);
  });

  test('a busy event loop is left alone; the collection comes once it is quiet', async () => {
    let kept: unknown[] | undefined = garbage(40);
    kept = undefined;
    const released: number[] = [];
    const stop = releaseHeapSlack({ everyMs: 50, slackBytes: 1e6, onRelease: (freed) => released.push(freed) });
    try {
      const busyUntil = performance.now() + 300;
      while (performance.now() < busyUntil); // the first check's whole interval is busy
      await new Promise((r) => setTimeout(r, 5)); // the overdue check runs here
      assert.deepEqual(released, [], 'nothing collected while busy');
      for (let i = 0; i < 50 && released.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(kept, undefined);
      assert.equal(released.length, 1, 'collected at the first quiet check');
    } finally {
      stop();
    }
  });

  test('a bound above the slack never collects', async () => {
    const released: number[] = [];
    const stop = releaseHeapSlack({ everyMs: 10, slackBytes: Number.MAX_SAFE_INTEGER, onRelease: (freed) => released.push(freed) });
    garbage(20);
    await new Promise((r) => setTimeout(r, 80));
    stop();
    assert.deepEqual(released, []);
  });
});
