/**
 * A replay: a second, durable reading of an instance's past window [since, until), apart from its polls. For each
 * resource in order, one pass of page runs (the resource pass and pollPage in `replay` mode) from `since` with an
 * empty boundary, each change going out again under the replay's own notification ids, marked as the replay's. Its
 * read positions are its own state: the instance's checkpoints neither move nor wait. A cancellation (the API's
 * DELETE) is taken between page runs; the replay then ends `cancelled`.
 */
import { CancellationScope, condition, continueAsNew, isCancellation, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { activityConfiguration, type PollsterActivities } from '../contract/activities';
import { replayStatus } from '../contract/messages';
import type { ReplayInput, ReplayResourceState, ReplayState, ReplayStatus, ReplayStatusName } from '../contract/replay';
import { pageRunActivityOptions } from '../contract/retryPolicy';
import { errorMessage } from './failures';
import { instanceRef } from './reading';
import { runPass, type ResourcePass } from './resourcePass';

const { pollPage } = proxyActivities<PollsterActivities>(pageRunActivityOptions);

/** Passes that fail (each after its page runs' own retries) before the resource is given up as failed. */
const PASS_FAILURES = 3;
/** The wait after a failed pass, times the failures so far: a provider down for a minute or two is waited out. */
const PASS_RETRY_DELAY_MS = 30_000;
/** A run continues as new past this many history events (a page run writes a handful). */
export const REPLAY_CONTINUE_AS_NEW_EVENTS = 2000;

/** Thrown before a page run to leave the pass where it stands: the replay stops, or goes on in a new run. */
class StopBeforePageRun extends Error {
  constructor(readonly reason: 'cancelled' | 'continueAsNew') {
    super(`replay stops before its next page run: ${reason}`);
  }
}

export async function replayWorkflow(input: ReplayInput): Promise<ReplayStatus> {
  const state: ReplayState = input.state ?? {
    startedAtMs: Date.now(),
    resources: Object.fromEntries(input.resources.map((name) => [name, freshResource(input.sinceMs)])),
  };
  const credentials = state.credentials ?? input.credentials;
  setHandler(replayStatus, () => statusOf(input, state));

  // The DELETE cancels the workflow: noted here, acted on before the next page run (a page run under way finishes).
  CancellationScope.current().cancelRequested.catch((err: unknown) => {
    if (isCancellation(err)) state.cancelRequested = true;
  });
  const started = workflowInfo().historyLength;
  const historyIsLong = (): boolean => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength - started > (input.maxHistoryEvents ?? REPLAY_CONTINUE_AS_NEW_EVENTS);
  };

  const instance = instanceRef(input.instance);
  const configuration = activityConfiguration(input.instance.spec.configuration);
  let stopped: StopBeforePageRun['reason'] | undefined;
  await CancellationScope.nonCancellable(async () => {
    for (const name of input.resources) {
      const rs = state.resources[name]!;
      const resource = input.settings.resources[name];
      if (rs.status !== 'pending' && rs.status !== 'running') continue;
      if (!resource) {
        Object.assign(rs, { status: 'failed', lastError: `the instance has no resource '${name}'` });
        continue;
      }
      rs.status = 'running';
      const pass: ResourcePass = {
        async pollPage(page) {
          if (state.cancelRequested) throw new StopBeforePageRun('cancelled');
          if (historyIsLong()) throw new StopBeforePageRun('continueAsNew');
          return pollPage(page);
        },
        page: { instance, configuration, resourceName: name, resource, credentials, mode: 'replay', replayId: input.replayId },
        onPageRun(page) {
          rs.records += page.records;
          rs.events += page.events;
          rs.problems += page.problems;
          rs.notifications += page.notifications.length;
        },
      };
      while (rs.status === 'running') {
        try {
          // `until` is the pass's poll start: changes dated before it, as filterByCurrentDate reads a poll's. The diff
          // reports changes dated after its since: one millisecond earlier takes in those dated at `since` itself.
          const fresh = { sinceMs: input.sinceMs - 1, pollStartMs: input.untilMs, previousPageKeys: [], reported: [], attempts: 0 };
          await runPass(pass, rs.read, rs.read.resume ?? fresh);
          rs.status = 'completed';
        } catch (err) {
          if (err instanceof StopBeforePageRun) {
            // Not a failure: the resume point the pass left keeps its attempts.
            if (rs.read.resume) rs.read.resume.attempts = Math.max(0, rs.read.resume.attempts - 1);
            stopped = err.reason;
            if (err.reason === 'cancelled') markCancelled(state);
            return;
          }
          rs.failures += 1;
          rs.lastError = errorMessage(err);
          log.warn('a replay pass failed', { resource: name, failures: rs.failures, error: rs.lastError });
          if (rs.failures >= PASS_FAILURES) rs.status = 'failed';
          // A while before the next try; a cancellation cuts the wait short (the next page run then stops).
          else await condition(() => state.cancelRequested === true, rs.failures * (input.passRetryDelayMs ?? PASS_RETRY_DELAY_MS));
        }
      }
    }
  });
  if (stopped === 'continueAsNew') {
    await continueAsNew<typeof replayWorkflow>({ ...input, state: { ...state, credentials } });
  }
  if (state.cancelRequested) markCancelled(state);
  state.endedAtMs ??= Date.now();
  return statusOf(input, state);
}

function freshResource(sinceMs: number): ReplayResourceState {
  return { status: 'pending', read: { checkpointMs: sinceMs, boundary: [] }, records: 0, events: 0, problems: 0, notifications: 0, failures: 0 };
}

function markCancelled(state: ReplayState): void {
  for (const rs of Object.values(state.resources)) if (rs.status === 'pending' || rs.status === 'running') rs.status = 'cancelled';
  state.endedAtMs ??= Date.now();
}

function statusOf(input: ReplayInput, state: ReplayState): ReplayStatus {
  const all = Object.values(state.resources);
  const overall: ReplayStatusName =
    state.endedAtMs === undefined ? 'running' : all.some((r) => r.status === 'cancelled') ? 'cancelled' : all.some((r) => r.status === 'failed') ? 'failed' : 'completed';
  return {
    replayId: input.replayId,
    instanceId: input.instance.id,
    status: overall,
    since: new Date(input.sinceMs).toISOString(),
    until: new Date(input.untilMs).toISOString(),
    startedAt: new Date(state.startedAtMs).toISOString(),
    ...(state.endedAtMs !== undefined ? { endedAt: new Date(state.endedAtMs).toISOString() } : {}),
    ...(state.cancelRequested ? { cancelRequested: true } : {}),
    resources: Object.fromEntries(
      input.resources.map((name) => {
        const { status, records, events, problems, notifications, lastError } = state.resources[name]!;
        return [name, { status, records, events, problems, notifications, ...(lastError !== undefined ? { lastError } : {}) }];
      }),
    ),
  };
}
