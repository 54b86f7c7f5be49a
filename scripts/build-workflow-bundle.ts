/**
 * Writes the workflow bundle (workflows/, bundled by the SDK's webpack, source map inline) to a file.
 * A worker started with POLLSTER_WORKFLOW_BUNDLE=<that file> loads it instead of bundling at start,
 * which costs each worker ~160 MB of RSS it never gives back and ~3 s of CPU (bench/NOTES.md, B3).
 *
 *   npm run build:workflows [-- <file>]      default: dist/workflow-bundle.js
 *
 * Rebuild whenever workflows/ (or what it imports) changes: a worker runs the bundle it is given.
 * `npm start` and the bench build their own on every run.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../workers/workflowBundle';

const out = resolve(process.argv[2] || 'dist/workflow-bundle.js');
const t0 = Date.now();
const { code } = await bundleWorkflowCode({
  ...workflowBundleOptions,
  logger: { log() {}, info() {}, warn: console.warn, error: console.error, debug() {}, trace() {} } as never,
});
mkdirSync(dirname(out), { recursive: true });
// Written beside, then renamed: a worker starting meanwhile reads the old file or the new one, never half of one.
const partial = `${out}.${process.pid}.partial`;
writeFileSync(partial, code);
renameSync(partial, out);
console.log(`workflow bundle: ${out} (${(code.length / 1024 / 1024).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
