/**
 * One element instance: wait for the refresh interval (a signal can cut the wait short), poll, repeat. Runs started
 * by the previous release (their input has no settings) run its code until their first live turn of the loop, then
 * continue as new into this one.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import { MAX_INTERVAL_MINUTES, minutesToMs, type PollerSettings } from '../core/settings';
import type { InstanceRecord, InstanceState, InstanceWorkflowInput, PollerStatus } from '../contract/instance';
import { MAX_TAGS_BYTES, tagsTooLarge } from '../contract/limits';
import { configure, deliveryHealth, pause, pollNow, pollPosition, recentNotifications, resume, setCheckpoints, setRefreshInterval, status } from '../contract/messages';
import { EventsEnabled, Health, InstanceName, InstanceTags, LastPollAt, PollerState } from '../contract/searchAttributes';
import { workflowMetrics } from './metrics';
import { pollCycle } from './pollCycle';
import { SideWork } from './sideWork';
import { judgeHealth } from './health';
import { checkCheckpoints, rewind } from './rewind';
import { describe, pollerStateName } from './status';
import { instanceWorkflowV1 } from './v1/instance';
import type { InstanceWorkflowInput as InstanceWorkflowInputV1 } from './v1/types';

/**
 * A run continues as new once its history passes this many events (a quiet poll writes six) or bytes: a worker
 * that does not hold the instance in its cache replays the run at its next poll, so a short run keeps that cheap.
 */
export const CONTINUE_AS_NEW_EVENTS = 500;
export const CONTINUE_AS_NEW_BYTES = 1_000_000;

/** LastPollAt is a visibility write: kept to this resolution (a stale-instance query still finds instances that stopped). */
export const LAST_POLL_AT_RESOLUTION_MS = 10 * 60_000;

export async function instanceWorkflow(input: InstanceWorkflowInput | InstanceWorkflowInputV1): Promise<void> {
  if (!('settings' in input) || input.settings === undefined) return instanceWorkflowV1(input);
  return instanceLoop(input);
}

async function instanceLoop(input: InstanceWorkflowInput): Promise<void> {
  const instance: InstanceRecord = input.instance;
  let settings: PollerSettings = input.settings;
  const state: InstanceState = input.state ?? {
    resources: {},
    paused: false,
    enabledAtMs: Date.parse(instance.createdDate),
    polls: 0,
    recentNotifications: [],
  };
  let lastPollStartMs = state.lastRun ? Date.parse(state.lastRun.startedAt) : Date.now();
  let polling = false;
  let pollRequested = state.pollRequested === true;
  state.pollRequested = undefined;
  let woken = false;
  const wake = (): void => {
    woken = true;
  };

  setHandler(setRefreshInterval, (minutes) => {
    const value = Number(minutes);
    if (!Number.isFinite(value) || minutesToMs(value) < 1000) {
      log.warn('setRefreshInterval ignored: expected minutes ≥ 1/60', { minutes });
      return;
    }
    instance.spec.configuration['event.poller.refresh_interval'] = String(value);
    settings = { ...settings, refreshIntervalMs: minutesToMs(Math.min(value, MAX_INTERVAL_MINUTES)) };
    upsertMemo({ instance });
    wake();
  });
  setHandler(pollNow, () => {
    pollRequested = true;
    wake();
  });
  setHandler(pause, () => {
    state.paused = true;
    wake();
  });
  setHandler(resume, () => {
    state.paused = false;
    wake();
  });
  setHandler(recentNotifications, () => state.recentNotifications);
  setHandler(
    configure,
    (spec, newSettings) => {
      const wasEnabled = settings.enabled;
      instance.spec = spec;
      settings = newSettings;
      // New credentials or configuration: an auth failure may be fixed, so polling may resume.
      state.authError = undefined;
      // A new URL or paging may not know an interrupted pass's page token: the next pass starts over.
      for (const rs of Object.values(state.resources)) rs.resume = undefined;
      if (!wasEnabled && settings.enabled) state.enabledAtMs = Date.now();
      showHealth();
      upsertMemo({ instance });
      upsertSearchAttributes([
        { key: InstanceName, value: spec.name },
        { key: InstanceTags, value: spec.tags },
        { key: EventsEnabled, value: settings.enabled },
      ]);
      wake();
      return instance;
    },
    {
      validator: (spec, newSettings) => {
        if (spec.elementKey !== instance.spec.elementKey) throw new Error('the element of an instance cannot change');
        if (!newSettings || typeof newSettings.refreshIntervalMs !== 'number') throw new Error('configure needs the settings the API derived');
        // Temporal would terminate the run for a search attribute over its size: refuse the update instead.
        const tagBytes = tagsTooLarge(spec.tags);
        if (tagBytes !== undefined) throw new Error(`the tags take ${tagBytes} bytes; at most ${MAX_TAGS_BYTES}`);
      },
    },
  );
  setHandler(status, (): PollerStatus => describe(instance, state, settings, polling, lastPollStartMs));
  setHandler(pollPosition, () => ({
    resources: Object.fromEntries(Object.entries(state.resources).map(([name, rs]) => [name, { checkpointMs: rs.checkpointMs, boundary: rs.boundary }])),
    enabledAtMs: state.enabledAtMs,
    credentials: state.credentials,
  }));
  setHandler(
    setCheckpoints,
    async (checkpoints) => {
      // A poll under way moves its checkpoints when it ends: the rewind waits for it, so it is not overwritten.
      await condition(() => !polling);
      return rewind(state, settings, checkpoints, Date.now());
    },
    { validator: (checkpoints) => checkCheckpoints(checkpoints, settings, Date.now()) },
  );
  setHandler(deliveryHealth, (report) => {
    state.delivery = { ...state.delivery, [report.callbackUrl]: report };
    showHealth();
  });

  const active = (): boolean => settings.enabled && !state.paused && !instance.spec.disabled;
  // Search attributes are visibility writes: each is upserted only when its value changes.
  const showState = (): void => {
    const value = pollerStateName(instance, state, settings, false);
    if (workflowInfo().typedSearchAttributes.get(PollerState) !== value) upsertSearchAttributes([{ key: PollerState, value }]);
  };
  const showLastPoll = (pollStartMs: number): void => {
    const shown = workflowInfo().typedSearchAttributes.get(LastPollAt);
    if (!shown || pollStartMs - shown.getTime() >= LAST_POLL_AT_RESOLUTION_MS) upsertSearchAttributes([{ key: LastPollAt, value: new Date(pollStartMs) }]);
  };
  /** Judges the instance's health again; the Health search attribute changes only with its value. */
  const showHealth = (): void => {
    state.health = judgeHealth(state, Object.keys(settings.resources), settings.callbackUrl, Date.now());
    if (workflowInfo().typedSearchAttributes.get(Health) !== state.health.state) upsertSearchAttributes([{ key: Health, value: state.health.state }]);
  };
  // Measured from this run's start: a run continues as new for what it did, never for what it started with.
  const started = { length: workflowInfo().historyLength, size: workflowInfo().historySize };
  /**
   * After a poll the run continues as new past the thresholds; between polls (signals and updates, which grow history
   * too: a flood of PATCHes) only past twice them, so that a poll that is due runs first.
   */
  const historyIsLong = (betweenPolls = false): boolean => {
    const info = workflowInfo();
    if (info.historyLength <= started.length + 1) return false;
    const factor = betweenPolls ? 2 : 1;
    const maxEvents = (input.maxHistoryEvents ?? CONTINUE_AS_NEW_EVENTS) * factor;
    return info.continueAsNewSuggested || info.historyLength > maxEvents || info.historySize - started.size > CONTINUE_AS_NEW_BYTES * factor;
  };

  // Id scans run beside the polls (one may take minutes), at most one per resource; a run continues as new after them.
  const scanning = new Map<string, Promise<void>>();
  const sideWork = new SideWork(instance, state, () => settings, scanning, wake);

  for (;;) {
    if (historyIsLong(true)) await continueAsNewNow();
    showState();
    woken = false;
    const nowMs = Date.now();
    const pollAtMs = pollRequested ? nowMs : lastPollStartMs + settings.refreshIntervalMs;
    const sideAtMs = active() ? sideWork.dueAtMs() : undefined;
    const nextAtMs = Math.min(pollAtMs, sideAtMs ?? Infinity);
    if (nextAtMs > nowMs) {
      await condition(() => woken, nextAtMs - nowMs);
      continue; // a timer or a signal: look again at what is due
    }
    if (sideAtMs !== undefined && sideAtMs <= nowMs) await sideWork.run(nowMs);
    if (pollAtMs > nowMs) continue;
    const requested = pollRequested;
    pollRequested = false;
    const dueAtMs = lastPollStartMs + settings.refreshIntervalMs;
    lastPollStartMs = Date.now();
    if (active()) {
      polling = true;
      if (!requested) workflowMetrics().scheduleLag.record(Math.max(0, lastPollStartMs - dueAtMs));
      await pollCycle(instance, settings, state, lastPollStartMs);
      workflowMetrics().polls.add(1, { element: instance.spec.elementKey });
      workflowMetrics().pollDuration.record(Date.now() - lastPollStartMs);
      polling = false;
      showLastPoll(lastPollStartMs);
      showHealth();
    }
    if (historyIsLong()) await continueAsNewNow();
  }

  async function continueAsNewNow(): Promise<void> {
    await Promise.all(scanning.values());
    await condition(allHandlersFinished);
    state.pollRequested = pollRequested || undefined;
    await continueAsNew<typeof instanceWorkflow>({ instance, settings, state, maxHistoryEvents: input.maxHistoryEvents });
  }
}
