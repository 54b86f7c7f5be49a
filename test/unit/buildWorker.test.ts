/**
 * The compiled worker (scripts/build-worker.ts): what `npm start`, `npm run cluster` and deploy/Procfile run.
 * That it starts and polls is shown by test/integration/start.test.ts; here, what it is made of.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILT_WORKER, buildWorker, WORKER_BUILD_DIR } from '../../scripts/build-worker';
import { FAILURE_CONVERTER_BUILT, failureConverterPath } from '../../temporal/codec';

describe('compiled worker', () => {
  test('is plain JavaScript that imports its packages from node_modules, and needs no TypeScript loader', async () => {
    assert.equal(await buildWorker(), BUILT_WORKER);
    const code = readFileSync(BUILT_WORKER, 'utf8');
    assert.match(code, /from "@temporalio\/worker"/, 'the SDK stays a package import (its worker threads load files by path)');
    assert.doesNotMatch(code, /from "(\.\.?\/)[^"]*"/, 'every module of the repository is inside the file');
    assert.doesNotMatch(code, /from "tsx|import\("tsx/);
  });

  test('ships the failure converter the SDK loads by path, as CommonJS beside the worker', async () => {
    await buildWorker();
    const loaded = createRequire(import.meta.url)(join(WORKER_BUILD_DIR, FAILURE_CONVERTER_BUILT)) as { failureConverter?: { errorToFailure?: unknown; failureToError?: unknown } };
    assert.equal(typeof loaded.failureConverter?.errorToFailure, 'function');
    assert.equal(typeof loaded.failureConverter?.failureToError, 'function');
    // From source the path is the .ts file; the compiled worker computes its own, beside dist/worker.mjs.
    assert.match(failureConverterPath, /temporal\/failureConverter\.ts$/);
    assert.ok(readFileSync(BUILT_WORKER, 'utf8').includes(`"${FAILURE_CONVERTER_BUILT}"`), 'the compiled worker names the compiled converter');
  });
});
