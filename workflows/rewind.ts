/**
 * Rewind: checkpoints set by hand (PATCH /instances/{id}/poller). A rewound resource's next poll reads from its new
 * checkpoint; what it reported near the old one (the boundary set) and a pass it had not finished (the resume point)
 * belong to the old position, so both go.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { PollerSettings } from '../core/settings';
import { CHECKPOINT_CLOCK_SLACK_MS, checkpointIssues } from '../contract/checkpoints';
import { FailureType } from '../contract/failures';
import type { InstanceState } from '../contract/instance';
import { resourceState } from './pollCycle';

/** The update's validator: refuses unknown resources and instants later than now (with the clocks' slack). */
export function checkCheckpoints(checkpoints: Record<string, number>, settings: PollerSettings, nowMs: number): void {
  const issues = checkpointIssues(checkpoints ?? {}, Object.keys(settings.resources), nowMs + CHECKPOINT_CLOCK_SLACK_MS);
  if (issues.length > 0) {
    throw ApplicationFailure.create({ type: FailureType.invalidCheckpoints, message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), nonRetryable: true, details: [issues] });
  }
}

/** Moves the checkpoints (never past now); resources the settings no longer have are left alone. */
export function rewind(state: InstanceState, settings: PollerSettings, checkpoints: Record<string, number>, nowMs: number): Record<string, string> {
  const set: Record<string, string> = {};
  for (const [name, ms] of Object.entries(checkpoints)) {
    if (!settings.resources[name]) continue; // removed by a configure while the update waited for a poll
    const rs = resourceState(state, settings, name);
    rs.checkpointMs = Math.min(ms, nowMs);
    rs.boundary = [];
    rs.resume = undefined;
    set[name] = new Date(rs.checkpointMs).toISOString();
  }
  return set;
}
