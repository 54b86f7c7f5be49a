/**
 * One poll of an instance: refresh OAuth2 tokens when due, look at every resource's first page at once (a local
 * activity: most polls end there), then read the resources that have something with page runs, in order, and their
 * tombstones. A failed resource keeps its checkpoint and the others go on. A window whose checkpoint moved waits for
 * its second look when the resource has a settle delay.
 */
import { ApplicationFailure, log, proxyLocalActivities, sleep } from '@temporalio/workflow';
import { nextBoundary } from '../core/boundary';
import type { PollerSettings, ResourceConfig } from '../core/settings';
import type { CheckFailure, PollsterActivities, ResourceCheck } from '../contract/activities';
import { FailureType } from '../contract/failures';
import type { InstanceRecord, InstanceState, LastRun, ResourceState } from '../contract/instance';
import { checkActivityOptions } from '../contract/retryPolicy';
import { tombstoneResource } from './deletions';
import { errorMessage, failureType } from './failures';
import { reading, type Reading } from './reading';
import { pollResource } from './resourcePass';
import { awaitSettle } from './settle';

const { checkResources } = proxyLocalActivities<PollsterActivities>(checkActivityOptions);

export async function pollCycle(instance: InstanceRecord, settings: PollerSettings, state: InstanceState, pollStartMs: number): Promise<void> {
  const read = reading(instance, state);
  const run: Omit<LastRun, 'startedAt' | 'endedAt'> & { problems: number } = { records: 0, events: 0, problems: 0, failedResources: [] };
  const counted = (page: { records: number; events: number; problems: number }): void => {
    run.records += page.records;
    run.events += page.events;
    run.problems += page.problems;
  };
  try {
    if (read.credentialsDue(Date.now())) await read.refreshCredentials();
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
  const checks = await firstPages(resources, read, state, pollStartMs);

  for (const { name, resource, rs } of resources) {
    if (state.authError) {
      run.failedResources.push(name); // refused by an earlier resource in this poll
      continue;
    }
    const check = checks[name];
    const before = rs.checkpointMs;
    try {
      if (check?.quiet) {
        // Its first page was its last and held no change: the poll is done for it, with no await (a replay pays for each).
        rs.records += check.records;
        counted({ records: check.records, events: 0, problems: 0 });
        rs.boundary = nextBoundary(rs.boundary, [], pollStartMs - resource.pollDelaySec * 1000);
        rs.checkpointMs = pollStartMs;
      } else {
        await withRefresh(read, async (refreshed) => {
          // After a refresh the look's refusal is stale: the page run asks again with the new token.
          if (check?.failure && !refreshed) await afterFailedCheck(check.failure);
          await pollResource(read.pass(name, resource, undefined, counted), rs, pollStartMs);
        });
      }
      if (rs.checkpointMs > before) awaitSettle(rs, resource, before - resource.pollDelaySec * 1000, rs.checkpointMs);
      const deletion = resource.deletion;
      if (deletion?.kind === 'tombstones') {
        const tombstones = (rs.tombstones ??= { checkpointMs: before, boundary: [] });
        await withRefresh(read, () => pollResource(read.pass(name, tombstoneResource(resource, deletion), 'tombstones', counted), tombstones, pollStartMs));
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

/** An OAuth2 token refused before its expiry: refresh once, then try again (`work(true)`). */
export async function withRefresh(read: Reading, work: (refreshed: boolean) => Promise<void>): Promise<void> {
  try {
    await work(false);
  } catch (err) {
    if (!(read.oauth && failureType(err) === FailureType.auth)) throw err;
    await read.refreshCredentials();
    await work(true);
  }
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

export function resourceState(state: InstanceState, settings: PollerSettings, name: string): ResourceState {
  return (state.resources[name] ??= { checkpointMs: settings.sinceMs ?? state.enabledAtMs, boundary: [], events: 0, records: 0, problems: 0 });
}

/** The quick look, for the resources that have no interrupted pass to finish first. */
function firstPages(resources: { name: string; resource: ResourceConfig; rs: ResourceState }[], read: Reading, state: InstanceState, pollStartMs: number): Promise<Record<string, ResourceCheck>> {
  const candidates = resources.filter(({ rs }) => !rs.resume);
  if (candidates.length === 0) return Promise.resolve({});
  // The look only saves work: if it fails as a whole (a timeout), every resource goes to its page run.
  return checkResources({
    instance: read.ref,
    configuration: read.configuration,
    credentials: state.credentials,
    pollStartMs,
    resources: candidates.map(({ name, resource, rs }) => ({ name, resource, sinceMs: rs.checkpointMs - resource.pollDelaySec * 1000, boundary: rs.boundary })),
  }).catch((err: unknown) => {
    log.warn('the quick look failed; every resource goes to its page run', { error: errorMessage(err) });
    return {};
  });
}
