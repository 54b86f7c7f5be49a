/**
 * Where a dry run reads each resource from: a new instance, one refresh interval back (what its polls will cover) or
 * `event.poller.since`; an existing one, exactly where its next poll starts (checkpoint, boundary set).
 */
import type { Issue } from '../../core/issues';
import type { PollerSettings } from '../../core/settings';
import type { PollPosition } from '../../contract/instance';
import type { DryRunTarget } from '../../source/dryRun';
import { badRequest } from '../errors';

/** A new instance: every resource from `event.poller.since`, else from one refresh interval before now. */
export function newInstanceTargets(settings: PollerSettings, nowMs: number): DryRunTarget[] {
  const checkpointMs = settings.sinceMs ?? nowMs - settings.refreshIntervalMs;
  return Object.entries(settings.resources).map(([name, resource]) => ({ name, resource, sinceMs: checkpointMs - resource.pollDelaySec * 1000, boundary: [] }));
}

/**
 * An instance's resources (those named, in the order configured) from their checkpoints, as its next poll reads them;
 * a resource not polled yet from where its first poll will start. A name the instance does not poll is a 400.
 */
export function instanceTargets(settings: PollerSettings, position: PollPosition, names?: readonly string[]): DryRunTarget[] {
  const configured = Object.keys(settings.resources);
  const unknown: Issue[] = (names ?? []).flatMap((name, i) =>
    Object.hasOwn(settings.resources, name) ? [] : [{ path: `resources[${i}]`, message: `the instance polls no resource '${name}' (it polls ${configured.join(', ') || 'none'})` }],
  );
  if (unknown.length > 0) throw badRequest(unknown);
  return configured
    .filter((name) => names === undefined || names.includes(name))
    .map((name) => {
      const resource = settings.resources[name]!;
      const state = position.resources[name];
      const checkpointMs = state?.checkpointMs ?? settings.sinceMs ?? position.enabledAtMs;
      return { name, resource, sinceMs: checkpointMs - resource.pollDelaySec * 1000, boundary: state?.boundary ?? [] };
    });
}
