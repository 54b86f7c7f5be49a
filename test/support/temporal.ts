/** A real Temporal dev server for one test file, on free ports, with Pollster's search attributes. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../contract/searchAttributes';
import { temporalCliPath } from '../../scripts/devServer';
import { workflowBundleOptions } from '../../workers/workflowBundle';

// Pollster's store (SQLite) in a directory of this test process's own, removed at its exit.
if (!process.env.POLLSTER_DATA_DIR) {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-test-data-'));
  process.env.POLLSTER_DATA_DIR = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
}
// Every test process encrypts with its own throwaway key, exactly as production does with its own.
process.env.POLLSTER_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
// Fakes listen on 127.0.0.1; the SSRF guard's own tests turn these off explicitly.
process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS ??= 'true';
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS ??= 'true';
// Delivery retries at 4^x ms instead of 4^x s.
process.env.POLLSTER_RETRY_SCALE ??= '0.001';

export async function startTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: process.env.POLLSTER_TEMPORAL_CLI || temporalCliPath() },
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<WorkflowBundle> | undefined;
/** The workflow bundle, built once per test process. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ ...workflowBundleOptions, logger: { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never });
  return bundle;
}
