/** The `status` query's answer (GET /instances/{id}/poller): the poller's state, its last run and each resource's checkpoint. */
import type { PollerSettings } from '../core/settings';
import type { InstanceRecord, InstanceState, PollerStateName, PollerStatus } from '../contract/instance';

export function pollerStateName(instance: InstanceRecord, state: InstanceState, settings: PollerSettings, polling: boolean): PollerStateName {
  return instance.spec.disabled || !settings.enabled ? 'disabled' : state.paused ? 'paused' : polling ? 'polling' : 'waiting';
}

export function describe(instance: InstanceRecord, state: InstanceState, settings: PollerSettings, polling: boolean, lastPollStartMs: number): PollerStatus {
  const stateName = pollerStateName(instance, state, settings, polling);
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
    health: state.health ?? { state: 'healthy', reasons: [], since: instance.createdDate },
    resources,
  };
}
