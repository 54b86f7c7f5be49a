/**
 * One poll of an instance: refresh OAuth2 tokens when due, look at every resource's first page at once (a local
 * activity: most polls end there), then read the resources that have something with page runs, in order. A failed
 * resource keeps its checkpoint and the others go on.
 */
import { ApplicationFailure, log, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import { nextBoundary } from '../core/boundary';
import { ELEMENT_HUBS, OAUTH_ELEMENTS, type PollerSettings, type ResourceConfig } from '../core/settings';
import { activityConfiguration, type CheckFailure, type PollsterActivities, type ResourceCheck } from '../contract/activities';
import { FailureType } from '../contract/failures';
import type { InstanceRecord, InstanceState, LastRun, ResourceState } from '../contract/instance';
import { checkActivityOptions, pageRunActivityOptions } from '../contract/retryPolicy';
import { errorMessage, failureType } from './failures';
import { pollResource, type ResourcePass } from './resourcePass';

const { pollPage, authenticate } = proxyActivities<PollsterActivities>(pageRunActivityOptions);
const { checkResources } = proxyLocalActivities<PollsterActivities>(checkActivityOptions);

/** Refresh OAuth2 tokens this long before they expire. */
const REFRESH_MARGIN_MS = 2 * 60_000;
const RECENT_NOTIFICATIONS = 100;

export async function pollCycle(instance: InstanceRecord, settings: PollerSettings, state: InstanceState, pollStartMs: number): Promise<void> {
  const ref = {
    id: instance.id,
    name: instance.spec.name,
    tags: instance.spec.tags,
    elementKey: instance.spec.elementKey,
    hubKey: ELEMENT_HUBS[instance.spec.elementKey],
  };
  const configuration = activityConfiguration(instance.spec.configuration);
  const run: Omit<LastRun, 'startedAt' | 'endedAt'> & { problems: number } = { records: 0, events: 0, problems: 0, failedResources: [] };
  const oauth = OAUTH_ELEMENTS.includes(instance.spec.elementKey);

  const refreshCredentials = async (): Promise<void> => {
    state.credentials = await authenticate({
      elementKey: instance.spec.elementKey,
      configuration,
      credentials: state.credentials,
      providerCode: state.credentials ? undefined : instance.spec.providerCode,
    });
  };
  try {
    if (oauth && (!state.credentials || (state.credentials.expiresAtMs ?? Infinity) - Date.now() < REFRESH_MARGIN_MS)) await refreshCredentials();
  } catch (err) {
    state.authError = errorMessage(err);
  }

  if (state.authError) {
    // Refused credentials: nothing is polled until the configuration changes.
    state.polls++;
    state.lastRun = { startedAt: new Date(pollStartMs).toISOString(), endedAt: new Date().toISOString(), ...run, failedResources: Object.keys(settings.resources) };
    return;
  }
  const resources = Object.entries(settings.resources).map(([name, resource]) => ({ name, resource, rs: resourceState(state, settings, name) }));
  const checks = await firstPages(resources, { ref, configuration, state, pollStartMs });

  const pass = (name: string, resource: ResourceConfig): ResourcePass => ({
    pollPage,
    page: { instance: ref, configuration, resourceName: name, resource, credentials: state.credentials },
    onPageRun(page) {
      const rs = state.resources[name]!;
      rs.records += page.records;
      rs.events += page.events;
      rs.problems += page.problems;
      rs.lastProblem = page.lastProblem ?? rs.lastProblem;
      remember(state, page.notifications);
      run.records += page.records;
      run.problems += page.problems;
      run.events += page.events;
    },
  });

  for (const { name, resource, rs } of resources) {
    if (state.authError) {
      run.failedResources.push(name); // refused by an earlier resource in this poll
      continue;
    }
    const check = checks[name];
    try {
      if (check?.quiet) {
        // Its first page was its last and held no change: the poll is done for it.
        rs.records += check.records;
        run.records += check.records;
        rs.boundary = nextBoundary(rs.boundary, [], pollStartMs - resource.pollDelaySec * 1000);
        rs.checkpointMs = pollStartMs;
      } else {
        try {
          if (check?.failure) await afterFailedCheck(check.failure);
          await pollResource(pass(name, resource), rs, pollStartMs);
        } catch (err) {
          if (!(oauth && failureType(err) === FailureType.auth)) throw err;
          await refreshCredentials(); // the token was refused before its expiry: refresh once, then try again
          await pollResource(pass(name, resource), rs, pollStartMs);
        }
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
}

/** Longest wait for a provider's Retry-After inside a poll (the page run's retries wait at most this long too). */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The quick look failed: fail the resource now when the page run would fail the same way, else respect the
 * provider's Retry-After before the page run asks again.
 */
async function afterFailedCheck(failure: CheckFailure): Promise<void> {
  if (failure.nonRetryable) throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true });
  if (failure.retryAfterMs) await sleep(Math.min(failure.retryAfterMs, MAX_RETRY_AFTER_MS));
}

function resourceState(state: InstanceState, settings: PollerSettings, name: string): ResourceState {
  return (state.resources[name] ??= { checkpointMs: settings.sinceMs ?? state.enabledAtMs, boundary: [], events: 0, records: 0, problems: 0 });
}

/** The quick look, for the resources that have no interrupted pass to finish first. */
async function firstPages(
  resources: { name: string; resource: ResourceConfig; rs: ResourceState }[],
  o: { ref: Parameters<PollsterActivities['checkResources']>[0]['instance']; configuration: Record<string, string>; state: InstanceState; pollStartMs: number },
): Promise<Record<string, ResourceCheck>> {
  const candidates = resources.filter(({ rs }) => !rs.resume);
  if (candidates.length === 0) return {};
  // The look only saves work: if it fails as a whole (a timeout), every resource goes to its page run.
  return checkResources({
    instance: o.ref,
    configuration: o.configuration,
    credentials: o.state.credentials,
    pollStartMs: o.pollStartMs,
    resources: candidates.map(({ name, resource, rs }) => ({ name, resource, sinceMs: rs.checkpointMs - resource.pollDelaySec * 1000, boundary: rs.boundary })),
  }).catch((err: unknown) => {
    log.warn('the quick look failed; every resource goes to its page run', { error: errorMessage(err) });
    return {};
  });
}

function remember(state: InstanceState, notifications: InstanceState['recentNotifications']): void {
  state.recentNotifications.push(...notifications);
  if (state.recentNotifications.length > RECENT_NOTIFICATIONS) state.recentNotifications.splice(0, state.recentNotifications.length - RECENT_NOTIFICATIONS);
}
