/**
 * The workflow bundle stays free of zod and luxon. With reuseV8Context every cached workflow
 * evaluates every module of the bundle again: the two cost ~1.3 MB per cached instance (bench/NOTES.md,
 * B3). An import of core/config.ts or core/diff.ts (or anything reaching core/javaDate.ts) from
 * workflows/ brings them back and fails here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../../workers/workflowBundle';

const quiet = { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never;

/** Webpack's module ids ("./node_modules/zod/v4/core/api.js", "./workflows/instance.ts"): one per bundled module. */
function moduleIds(code: string): string[] {
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1]!);
}

describe('the workflow bundle', () => {
  test('holds neither zod nor luxon', async () => {
    const { code } = await bundleWorkflowCode({ ...workflowBundleOptions, logger: quiet });
    const ids = moduleIds(code);
    // The id format is what this test relies on: known modules must show up in it.
    assert.ok(ids.includes('./workflows/instance.ts'), `no workflow module ids found; webpack's output changed? ${ids.slice(0, 5).join(', ')}`);
    assert.ok(ids.some((id) => id.startsWith('./node_modules/@temporalio/workflow/')), 'the SDK is listed under node_modules');
    const heavy = ids.filter((id) => /node_modules\/(zod|luxon)\//.test(id) || id === './core/config.ts' || id === './core/javaDate.ts');
    assert.deepEqual(heavy, [], 'workflows/ imports zod or luxon at runtime: use core/settings.ts and core/boundary.ts (or `import type`)');
    assert.doesNotMatch(code, /node_modules[\\/](zod|luxon)[\\/]/);
  });
});
