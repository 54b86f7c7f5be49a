/**
 * The instance workflow of the previous release (input without settings), kept unchanged so that runs started on
 * it replay. Such a run moves to the current workflow at its first live turn of the loop (patch `migrate-to-v2`):
 * it continues as new with the settings its configuration gives. Delete this folder once no run of it is left.
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
  patched,
  ApplicationFailure,
  defineUpdate,
} from '@temporalio/workflow';
import { ELEMENT_HUBS, OAUTH_ELEMENTS, minutesToMs, pollerSettings, type PollerSettings } from './settings';
import type { PollsterActivities } from '../../contract/activities';
import type { InstanceWorkflowInput as CurrentInput } from '../../contract/instance';
import { pause, pollNow, recentNotifications, resume, setRefreshInterval, status } from '../../contract/messages';
import type { InstanceSpec } from '../../core/instanceSpec';
import type { InstanceRecord, InstanceState, InstanceWorkflowInput, PollerStatus, ResourceState } from './types';
import { workflowMetrics } from '../metrics';
import { pollResource, type ResourcePass } from './resourcePass';
import { EventsEnabled, InstanceName, InstanceTags, LastPollAt, PollerState } from '../../contract/searchAttributes';

/** The `configure` update as this release read it: the specification only (the current API also sends settings). */
const configure = defineUpdate<InstanceRecord, [InstanceSpec]>('configure');

/** Runs of this workflow continue as new into the current one at their first live turn of the loop. */
export const MIGRATE_TO_V2 = 'migrate-to-v2';

/**
 * From this patch on, PollerState is not upserted as 'polling' for the length of each poll: that was
 * two of a cycle's three search-attribute upserts (bench/NOTES.md, B2). The `status` query still
 * says 'polling'. Histories recorded before it replay the old branch (test/histories).
 */
const NO_POLLING_STATE_UPSERT = 'no-polling-state-upsert';

const { pollPage, authenticate } = proxyActivities<PollsterActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['AuthError', 'ProviderRequestError', 'ConfigurationError'],
  },
});

export async function instanceWorkflowV1(input: InstanceWorkflowInput): Promise<void> {
  const instance: InstanceRecord = input.instance;
  let settings: PollerSettings = pollerSettings(instance.spec.configuration);
  const state: InstanceState = input.state ?? {
    resources: {},
    paused: false,
    enabledAtMs: Date.parse(instance.createdDate),
    polls: 0,
    recentNotifications: [],
  };
  let lastPollStartMs = state.lastRun ? Date.parse(state.lastRun.startedAt) : Date.now();
  let polling = false;
  let pollRequested = false;
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
    settings = pollerSettings(instance.spec.configuration);
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
    (spec) => {
      const wasEnabled = settings.enabled;
      instance.spec = spec;
      settings = pollerSettings(spec.configuration);
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
      validator: (spec) => {
        if (spec.elementKey !== instance.spec.elementKey) throw new Error('the element of an instance cannot change');
        // A light check without zod (the API validated the body): throws on values the poller cannot read.
        pollerSettings(spec.configuration);
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

  /** The current workflow continues from here: same instance, same state, settings from the same configuration. */
  const migrate = async (): Promise<void> => {
    await condition(allHandlersFinished);
    if (pollRequested) state.pollRequested = true;
    await continueAsNew<(input: CurrentInput) => Promise<void>>({ instance, settings, state, maxHistoryEvents: input.maxHistoryEvents });
  };

  for (;;) {
    if (patched(MIGRATE_TO_V2)) await migrate();
    showState(active() ? 'waiting' : instance.spec.disabled || !settings.enabled ? 'disabled' : 'paused');
    woken = false;
    const dueInMs = lastPollStartMs + settings.refreshIntervalMs - Date.now();
    if (!pollRequested && dueInMs > 0) {
      await condition(() => woken, dueInMs);
      if (woken && !pollRequested) continue; // interval or state changed: recompute the wait
    }
    if (patched(MIGRATE_TO_V2)) await migrate();
    const requested = pollRequested;
    pollRequested = false;
    const dueAtMs = lastPollStartMs + settings.refreshIntervalMs;
    lastPollStartMs = Date.now();
    if (active()) {
      polling = true;
      if (!patched(NO_POLLING_STATE_UPSERT)) showState('polling');
      if (!requested) workflowMetrics().scheduleLag.record(Math.max(0, lastPollStartMs - dueAtMs));
      await pollCycle(instance, settings, state, lastPollStartMs);
      workflowMetrics().polls.add(1, { element: instance.spec.elementKey });
      workflowMetrics().pollDuration.record(Date.now() - lastPollStartMs);
      polling = false;
    }
    if (workflowInfo().continueAsNewSuggested || (input.maxHistoryEvents && workflowInfo().historyLength > input.maxHistoryEvents)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof instanceWorkflowV1>({ instance, state, maxHistoryEvents: input.maxHistoryEvents });
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
        if (!(oauth && failureType(err) === 'AuthError')) throw err;
        await refreshCredentials(); // the token was refused before its expiry: refresh once, then try again
        await pollResource(pass(name, resource), rs, pollStartMs);
      }
      rs.lastError = undefined;
      rs.lastErrorAt = undefined;
    } catch (err) {
      rs.lastError = errorMessage(err);
      rs.lastErrorAt = new Date().toISOString();
      run.failedResources.push(name);
      if (failureType(err) === 'AuthError') state.authError = rs.lastError;
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
    // (A run of this release has none of the current release's tombstones, settle or scan state.)
    resources[name] = { ...rest, checkpoint: new Date(checkpointMs).toISOString() } as PollerStatus['resources'][string];
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
