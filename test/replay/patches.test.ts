/**
 * Every patched() branch of the instance and subscription workflows is covered by a recorded history on each side:
 * recorded before the patch (the old branch replays) and after it (the new one does). replay.test.ts
 * replays them all; this checks that both kinds are there, and that they show what the patch changed.
 * The patches of the previous release (workflows/v1) concern its runs only: histories whose input carries no
 * settings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dataConverterFromEnv } from '../../temporal/codec';
import { HISTORIES_DIR, replayEnv } from './fixtures';
import { historyFromJSON } from './historyJson';

type History = ReturnType<typeof historyFromJSON>;
type Payload = { data?: Uint8Array | null };

const decode = (p: Payload | undefined | null): unknown => (p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined);

function historiesOf(workflowType: string): { file: string; history: History }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))) }))
    .filter(({ history }) => history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === workflowType);
}

const allInstanceHistories = (): { file: string; history: History }[] => historiesOf('instanceWorkflow');

const codec = dataConverterFromEnv(replayEnv()).payloadCodecs[0]!;

/** A payload the workflow wrote (inputs, continue-as-new arguments): encrypted by the recording's codec. */
async function decrypt(p: Payload | undefined | null): Promise<unknown> {
  if (!p) return undefined;
  const [plain] = await codec.decode([p as never]);
  return decode(plain);
}

/** Runs of the previous release: their input has no settings. */
const v1Files = new Set<string>();
for (const { file, history } of allInstanceHistories()) {
  const input = (await decrypt(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0])) as { settings?: unknown } | undefined;
  if (input?.settings === undefined) v1Files.add(file);
}
const isV1 = (file: string): boolean => v1Files.has(file);

function instanceHistories(): { file: string; history: History }[] {
  return allInstanceHistories().filter(({ file }) => isV1(file));
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

// workflows/v1/instance.ts MIGRATE_TO_V2
const MIGRATE_TO_V2 = 'migrate-to-v2';

describe(`patch ${MIGRATE_TO_V2}`, () => {
  const v1 = instanceHistories();
  const migrated = v1.filter(({ history }) => patchesOf(history).includes(MIGRATE_TO_V2));

  test('runs of the previous release are recorded without it (they replay in its code) and with it (they migrate)', () => {
    assert.ok(v1.some(({ history }) => !patchesOf(history).includes(MIGRATE_TO_V2)), 'no history of the previous release');
    assert.ok(migrated.length > 0, 'no history of a run that migrated: record one (test/replay/upgrade.ts)');
  });

  test('with it, the run continues as new with the settings its configuration gives', async () => {
    for (const { file, history } of migrated) {
      const last = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      assert.ok(last, `${file} ends in continue-as-new`);
      const next = (await decrypt(last.input?.payloads?.[0])) as { settings?: { resources?: Record<string, unknown> } } | undefined;
      assert.ok(next?.settings?.resources && Object.keys(next.settings.resources).length > 0, `${file}: the next run's input carries the settings`);
    }
  });

  test('the current workflow is recorded too', () => {
    assert.ok(allInstanceHistories().some(({ file }) => !isV1(file)), 'no history of the current instance workflow');
  });
});

// workflows/v1/subscription.ts SUBSCRIPTION_V2
const SUBSCRIPTION_V2 = 'subscription-v2';

const inputOf = async (history: History): Promise<{ version?: unknown; state?: { queue?: unknown[] } } | undefined> =>
  (await decrypt(history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0])) as never;

const scheduled = (history: History): string[] =>
  (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });

describe(`patch ${SUBSCRIPTION_V2}`, async () => {
  const all = await Promise.all(historiesOf('subscriptionWorkflow').map(async (h) => ({ ...h, input: await inputOf(h.history) })));
  // Runs of the previous release: their input has no version.
  const v1 = all.filter(({ input }) => input?.version === undefined);
  const current = all.filter(({ input }) => input?.version === 2);
  const migrated = v1.filter(({ history }) => patchesOf(history).includes(SUBSCRIPTION_V2));

  test('runs of the previous release are recorded without it (they replay in its code) and with it (they migrate)', () => {
    assert.ok(v1.some(({ history }) => !patchesOf(history).includes(SUBSCRIPTION_V2)), 'no history of the previous subscription workflow');
    assert.ok(migrated.length > 0, 'no history of a subscription that migrated: record one (test/replay/upgradeSubscription.ts)');
  });

  test("with it, the run continues as new into the current workflow, carrying what it still holds", async () => {
    for (const { file, history } of migrated) {
      const last = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      assert.ok(last, `${file} ends in continue-as-new`);
      const next = (await decrypt(last.input?.payloads?.[0])) as { version?: unknown; state?: { queue?: unknown[] } } | undefined;
      assert.equal(next?.version, 2, `${file}: the next run is the current workflow`);
      assert.ok((next?.state?.queue?.length ?? 0) > 0, `${file}: the queued notification travels into the next run`);
    }
  });

  test("the earlier release's deliverNotification, retrying when the worker was replaced, completes on the new one", () => {
    for (const { file, history } of migrated) {
      const events = history.events ?? [];
      const marker = events.findIndex((e) => e.markerRecordedEventAttributes);
      assert.ok(scheduled(history).includes('deliverNotification'), file);
      assert.ok(events.slice(0, marker).some((e) => e.activityTaskCompletedEventAttributes), `${file}: the activity completed before the run migrated`);
    }
  });

  test("the current workflow is recorded too, its attempts its own activities (attemptDelivery, deliverPaced), never the earlier release's deliverNotification", () => {
    assert.ok(current.length > 0, 'no history of the current subscription workflow');
    assert.ok(current.some(({ history }) => scheduled(history).includes('attemptDelivery')), 'no attemptDelivery recorded');
    assert.ok(current.some(({ history }) => scheduled(history).includes('deliverPaced')), 'no paced delivery recorded');
    for (const { file, history } of current) assert.ok(!scheduled(history).includes('deliverNotification'), file);
  });
});
