/**
 * Replays every recorded history in test/histories (test/replay/record.ts) against the current
 * workflow code, bundled from workers/worker.ts's workflowsPath and decrypted with the recording's
 * test key through the production data converter. A change to workflows/ that would break running
 * workflows (different commands for the same history) fails here. An intended, versioned change
 * re-records (and keeps the old files when old runs must still replay).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { dataConverterFromEnv } from '../../temporal/codec';
import { workflowBundleOptions } from '../../workers/workflowBundle';
import { HISTORIES_DIR, replayEnv } from './fixtures';
import { historyFromJSON } from './historyJson';

// Replay workers announce every start and stop: errors only.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });

const quiet = { log() {}, info() {}, warn() {}, error: console.error, debug() {}, trace() {} } as never;

function recorded(): { workflowId: string; workflowType: string; history: ReturnType<typeof historyFromJSON> }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, f), 'utf8')));
      const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
      return { workflowId: basename(f, '.json'), workflowType, history };
    });
}

describe('replay of recorded histories', () => {
  const histories = recorded();

  test('the recordings cover every workflow type', () => {
    assert.deepEqual([...new Set(histories.map((h) => h.workflowType))].sort(), ['accountWorkflow', 'instanceWorkflow', 'replayWorkflow', 'subscriptionWorkflow']);
  });

  test('the recordings cover the DELETED and late-record paths (tombstones, an id scan, a settle pass)', () => {
    const scheduled = (id: string): string[] =>
      (histories.find((h) => h.workflowId === id)?.history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
    for (const id of ['instance-tombstones-v2', 'instance-scan-v2', 'instance-settle-v2']) assert.ok(histories.some((h) => h.workflowId === id), `test/histories/${id}.json`);
    assert.ok(scheduled('instance-scan-v2').includes('scanIds'), 'the scan history runs the scanIds activity');
    // Tombstones: the resource's page run and the deleted list's; settle: the polls' page runs and the second looks'.
    assert.ok(scheduled('instance-tombstones-v2').filter((t) => t === 'pollPage').length >= 2);
    assert.ok(scheduled('instance-settle-v2').filter((t) => t === 'pollPage').length >= 2);
  });

  test("a quiet resource's window, closed outside the refresh wrapper (no command changed): recorded before (-v2) and after (-v3)", () => {
    for (const id of ['instance-lifecycle', 'instance-continue-as-new-1', 'instance-continue-as-new-2', 'instance-oauth-sageone', 'instance-provider-failures']) {
      for (const release of ['-v2', '-v3']) assert.ok(histories.some((h) => h.workflowId === id + release), `test/histories/${id}${release}.json`);
    }
  });

  test('every recorded history replays against the current workflow code', async () => {
    const options: ReplayWorkerOptions = {
      workflowBundle: await bundleWorkflowCode({ ...workflowBundleOptions, logger: quiet }),
      dataConverter: dataConverterFromEnv(replayEnv()),
    };
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(options, histories.map(({ workflowId, history }) => ({ workflowId, history })))) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    assert.equal(replayed, histories.length);
    assert.deepEqual(failures, [], 'a recorded history no longer replays: the workflow change is not deterministic (use patched() or re-record)');
  });

  test('a workflow that issues other commands fails to replay (the check is real)', async () => {
    const canary = fileURLToPath(new URL('./canary.ts', import.meta.url));
    const options: ReplayWorkerOptions = {
      workflowBundle: await bundleWorkflowCode({ workflowsPath: canary, logger: quiet }),
      dataConverter: dataConverterFromEnv(replayEnv()),
    };
    const instance = histories.find((h) => h.workflowId === 'instance-lifecycle');
    assert.ok(instance, 'test/histories/instance-lifecycle.json');
    await assert.rejects(Worker.runReplayHistory(options, instance.history, instance.workflowId), DeterminismViolationError);
  });
});
