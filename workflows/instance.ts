/**
 * One element instance: wait for the refresh interval (a signal can cut the wait short), poll every
 * resource, move each resource's checkpoint only once its events are handed off, and repeat.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  log,
  ApplicationFailure,
} from '@temporalio/workflow';
// core/settings, not core/config: zod stays out of the workflow bundle (test/unit/workflowBundle.test.ts).
import { ELEMENT_HUBS, MAX_INTERVAL_MINUTES, OAUTH_ELEMENTS, minutesToMs, type PollerSettings } from '../core/settings';
import type { PollsterActivities } from '../contract/activities';
import { FailureType } from '../contract/failures';
import type { InstanceRecord, InstanceState, InstanceWorkflowInput, PollerStatus, ResourceState } from '../contract/instance';
import { configure, pause, pollNow, recentNotifications, resume, setRefreshInterval, status } from '../contract/messages';
import { pageRunActivityOptions } from '../contract/retryPolicy';
import { EventsEnabled, InstanceName, InstanceTags, LastPollAt, PollerState } from '../contract/searchAttributes';
import { workflowMetrics } from './metrics';
import { pollResource, type ResourcePass } from './resourcePass';
import { instanceWorkflowV1 } from './v1/instance';
import type { InstanceWorkflowInput as InstanceWorkflowInputV1 } from './v1/types';


const { pollPage, authenticate } = proxyActivities<PollsterActivities>(pageRunActivityOptions);

/**
 * One element instance. Runs started by the previous release (their input has no settings) run its code until their
 * first live turn of the loop, then continue as new into this one.
 */
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
      },
    },
  );
  setHandler(status, (): PollerStatus => describe(instance, state, settings, polling, lastPollStartMs));

  const active = (): boolean => settings.enabled && !state.paused && !instance.spec.disabled;
  let shownState = '';
  const showState = (value: PollerStatus['state']): void => {
    if (value === shownState) return;
    shownState = value;
    upsertSearchAttributes([{ key: PollerState, value }]);
  };

  for (;;) {
    showState(active() ? 'waiting' : instance.spec.disabled || !settings.enabled ? 'disabled' : 'paused');
    woken = false;
    const dueInMs = lastPollStartMs + settings.refreshIntervalMs - Date.now();
    if (!pollRequested && dueInMs > 0) {
      await condition(() => woken, dueInMs);
      if (woken && !pollRequested) continue; // interval or state changed: recompute the wait
    }
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
    }
    if (workflowInfo().continueAsNewSuggested || (input.maxHistoryEvents && workflowInfo().historyLength > input.maxHistoryEvents)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof instanceWorkflow>({ instance, settings, state, maxHistoryEvents: input.maxHistoryEvents });
    }
  }
}

/** Refresh OAuth2 tokens this long before they expire. */
const REFRESH_MARGIN_MS = 2 * 60_000;

/** One poll run: resources in order; a failed resource keeps its checkpoint and the others go on. */
async function pollCycle(instance: InstanceRecord, settings: PollerSettings, state: InstanceState, pollStartMs: number): Promise<void> {
  const ref = {
    id: instance.id,
    name: instance.spec.name,
    tags: instance.spec.tags,
    elementKey: instance.spec.elementKey,
    hubKey: ELEMENT_HUBS[instance.spec.elementKey],
  };
  const run = { records: 0, events: 0, failedResources: [] as string[] };
  const oauth = OAUTH_ELEMENTS.includes(instance.spec.elementKey);

  const refreshCredentials = async (): Promise<void> => {
    state.credentials = await authenticate({
      elementKey: instance.spec.elementKey,
      configuration: instance.spec.configuration,
      credentials: state.credentials,
      providerCode: state.credentials ? undefined : instance.spec.providerCode,
    });
  };

  const pass = (name: string, resource: PollerSettings['resources'][string]): ResourcePass => ({
    pollPage,
    page: { instance: ref, configuration: instance.spec.configuration, resourceName: name, resource, credentials: state.credentials },
    onPageRun(page) {
      const rs = state.resources[name]!;
      rs.records += page.records;
      rs.events += page.events;
      rs.problems += page.problems;
      rs.lastProblem = page.lastProblem ?? rs.lastProblem;
      remember(state, page.notifications);
      run.records += page.records;
      run.events += page.events;
    },
  });

  try {
    if (oauth && (!state.credentials || (state.credentials.expiresAtMs ?? Infinity) - Date.now() < REFRESH_MARGIN_MS)) await refreshCredentials();
  } catch (err) {
    state.authError = errorMessage(err);
  }

  for (const [name, resource] of Object.entries(settings.resources)) {
    if (state.authError) {
      run.failedResources.push(name);
      continue;
    }
    const rs: ResourceState = (state.resources[name] ??= {
      checkpointMs: settings.sinceMs ?? state.enabledAtMs,
      boundary: [],
      events: 0,
      records: 0,
      problems: 0,
    });
    try {
      try {
        await pollResource(pass(name, resource), rs, pollStartMs);
      } catch (err) {
        if (!(oauth && failureType(err) === FailureType.auth)) throw err;
        await refreshCredentials(); // the token was refused before its expiry: refresh once, then try again
        await pollResource(pass(name, resource), rs, pollStartMs);
      }
      rs.lastError = undefined;
      rs.lastErrorAt = undefined;
    } catch (err) {
      rs.lastError = errorMessage(err);
      rs.lastErrorAt = new Date().toISOString();
      run.failedResources.push(name);
      if (failureType(err) === FailureType.auth) state.authError = rs.lastError;
      log.warn('resource poll failed; its checkpoint holds', { resource: name, error: rs.lastError });
    }
  }
  state.polls++;
  state.lastRun = { startedAt: new Date(pollStartMs).toISOString(), endedAt: new Date().toISOString(), ...run };
  upsertSearchAttributes([{ key: LastPollAt, value: new Date(pollStartMs) }]);
}

const RECENT_NOTIFICATIONS = 100;

function remember(state: InstanceState, notifications: InstanceState['recentNotifications']): void {
  state.recentNotifications.push(...notifications);
  if (state.recentNotifications.length > RECENT_NOTIFICATIONS) state.recentNotifications.splice(0, state.recentNotifications.length - RECENT_NOTIFICATIONS);
}

/** The innermost failure: an activity failure wraps the activity's own ApplicationFailure. */
function rootCause(err: unknown): unknown {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e;
}

function failureType(err: unknown): string | undefined {
  const e = rootCause(err);
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}

function errorMessage(err: unknown): string {
  const e = rootCause(err);
  if (e instanceof ApplicationFailure && e.type) return `${e.type}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

function describe(instance: InstanceRecord, state: InstanceState, settings: PollerSettings, polling: boolean, lastPollStartMs: number): PollerStatus {
  const stateName: PollerStatus['state'] = instance.spec.disabled || !settings.enabled ? 'disabled' : state.paused ? 'paused' : polling ? 'polling' : 'waiting';
  const resources: PollerStatus['resources'] = {};
  for (const [name, rs] of Object.entries(state.resources)) {
    const { boundary: _boundary, checkpointMs, resume: _resume, ...rest } = rs;
    resources[name] = { ...rest, checkpoint: new Date(checkpointMs).toISOString() };
  }
  return {
    instanceId: instance.id,
    state: stateName,
    refreshIntervalMinutes: settings.refreshIntervalMs / 60_000,
    nextRunAt: stateName === 'waiting' ? new Date(lastPollStartMs + settings.refreshIntervalMs).toISOString() : undefined,
    lastRun: state.lastRun,
    polls: state.polls,
    authError: state.authError,
    resources,
  };
}
