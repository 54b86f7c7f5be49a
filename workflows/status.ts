/** The `status` query's answer (GET /instances/{id}/poller): the poller's state, its last run and each resource's checkpoint. */
import type { PollerSettings } from '../core/settings';
import type { InstanceRecord, InstanceState, PollerStateName, PollerStatus, ResourceState, ResourceStatus } from '../contract/instance';

export function pollerStateName(instance: InstanceRecord, state: InstanceState, settings: PollerSettings, polling: boolean): PollerStateName {
  return instance.spec.disabled || !settings.enabled ? 'disabled' : state.paused ? 'paused' : polling ? 'polling' : 'waiting';
}

const iso = (ms: number): string => new Date(ms).toISOString();

function resourceStatus(rs: ResourceState): ResourceStatus {
  const { boundary: _boundary, checkpointMs, resume: _resume, tombstones, settle, scan, ...rest } = rs;
  const sorted = [...(settle?.latenessMs ?? [])].sort((a, b) => a - b);
  return {
    ...rest,
    checkpoint: iso(checkpointMs),
    ...(tombstones ? { tombstones: { checkpoint: iso(tombstones.checkpointMs), lastError: tombstones.lastError } } : {}),
    ...(settle
      ? {
          settle: {
            pendingWindows: settle.windows.map((w) => ({ since: iso(w.sinceMs), until: iso(w.untilMs), dueAt: iso(w.dueAtMs) })),
            lateRecords: settle.lateRecords,
            latenessMs: sorted.length > 0 ? { p50: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted.at(-1)!, samples: sorted.length } : undefined,
            lastError: settle.lastError,
          },
        }
      : {}),
    ...(scan
      ? { scan: { lastScanAt: scan.lastStartedAtMs === undefined ? undefined : iso(scan.lastStartedAtMs), lastIds: scan.lastIds, deleted: scan.deleted, scanning: scan.pending !== undefined, lastError: scan.lastError } }
      : {}),
  };
}

export function describe(instance: InstanceRecord, state: InstanceState, settings: PollerSettings, polling: boolean, lastPollStartMs: number): PollerStatus {
  const stateName = pollerStateName(instance, state, settings, polling);
  const resources: PollerStatus['resources'] = {};
  for (const [name, rs] of Object.entries(state.resources)) resources[name] = resourceStatus(rs);
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
