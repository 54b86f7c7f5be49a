/**
 * Every patched() branch of the instance workflow is covered by a recorded history on each side:
 * recorded before the patch (the old branch replays) and after it (the new one does). replay.test.ts
 * replays them all; this checks that both kinds are there, and that they show what the patch changed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HISTORIES_DIR } from './fixtures';
import { historyFromJSON } from './historyJson';

type History = ReturnType<typeof historyFromJSON>;
type Payload = { data?: Uint8Array | null };

const decode = (p: Payload | undefined | null): unknown => (p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined);

function instanceHistories(): { file: string; history: History }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))) }))
    .filter(({ history }) => history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === 'instanceWorkflow');
}

/** Patch ids of the history's patch markers (the SDK records one when patched() first returns true). */
function patchesOf(history: History): string[] {
  const ids: string[] = [];
  for (const e of history.events ?? []) {
    const details = e.markerRecordedEventAttributes?.details;
    for (const payload of Object.values(details ?? {}).flatMap((d) => d.payloads ?? [])) {
      const id = (decode(payload) as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') ids.push(id);
    }
  }
  return ids;
}

/** PollerState values the workflow upserted, in order. */
function pollerStates(history: History): unknown[] {
  return (history.events ?? []).flatMap((e) => {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.['PollerState'];
    return field ? [decode(field)] : [];
  });
}

const polls = (history: History): number => (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollPage').length;

// workflows/instance.ts NO_POLLING_STATE_UPSERT
const NO_POLLING_STATE_UPSERT = 'no-polling-state-upsert';

describe(`patch ${NO_POLLING_STATE_UPSERT}`, () => {
  const histories = instanceHistories();
  const after = histories.filter(({ history }) => patchesOf(history).includes(NO_POLLING_STATE_UPSERT));
  const before = histories.filter(({ history }) => !patchesOf(history).includes(NO_POLLING_STATE_UPSERT));

  test('histories from before and after it are recorded, so replay runs both branches', () => {
    assert.ok(before.length > 0, 'no instance history without the patch marker');
    assert.ok(after.length > 0, `no instance history with the patch marker: record one (test/histories/README.md)`);
  });

  test('before it, each poll shows PollerState=polling', () => {
    for (const { file, history } of before.filter(({ history }) => polls(history) > 0)) {
      assert.ok(pollerStates(history).includes('polling'), file);
    }
  });

  test('after it, polls run without a PollerState upsert of their own', () => {
    for (const { file, history } of after) {
      assert.ok(polls(history) > 1, `${file} polls more than once`);
      assert.deepEqual(pollerStates(history).filter((s) => s === 'polling'), [], file);
    }
  });
});

// workflows/resourcePass.ts RESUME_FAILED_PASS
const RESUME_FAILED_PASS = 'resume-failed-pass';

const failedPolls = (history: History): number => (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes).length;

describe(`patch ${RESUME_FAILED_PASS}`, () => {
  const histories = instanceHistories().filter(({ history }) => failedPolls(history) > 0);

  test('histories with a failed page run are recorded on both sides of it, so replay runs both branches', () => {
    assert.ok(histories.some(({ history }) => !patchesOf(history).includes(RESUME_FAILED_PASS)), 'no failed page run recorded before the patch');
    assert.ok(histories.some(({ history }) => patchesOf(history).includes(RESUME_FAILED_PASS)), 'no failed page run recorded with the patch marker');
  });

  test('with it, the pass is finished: page runs go on after the failure', () => {
    for (const { file, history } of histories.filter(({ history }) => patchesOf(history).includes(RESUME_FAILED_PASS))) {
      const events = history.events ?? [];
      const failedAt = events.findIndex((e) => e.activityTaskFailedEventAttributes);
      assert.ok(events.slice(failedAt).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollPage').length >= 2, file);
    }
  });
});
