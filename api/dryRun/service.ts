/**
 * Dry runs: one poll of an instance's resources (a new instance's, or an existing one's from its checkpoints) run in
 * the API process through the element adapters and the diff, with nothing delivered, started or moved.
 */
import { elementAdapter } from '../../elements/registry';
import { dryRun } from '../../source/dryRun';
import type { DryRunAnswer } from '../../source/answer';
import type { ValidInstance } from '../instances/validate';
import { ApiError } from '../errors';
import { newInstanceCredentials } from './credentials';
import { inFlightLimit } from './inFlight';
import type { PollPositions } from './positions';
import { instanceTargets, newInstanceTargets } from './targets';

export interface DryRunOptions {
  timeLimitMs: number;
  /** Keep only this object's events and decisions (the record explain view). */
  objectId?: string;
  /** The client went away. */
  signal?: AbortSignal;
}

export interface DryRunService {
  /** A body that would create an instance, tried without creating it. */
  tryNew(valid: ValidInstance, options: DryRunOptions): Promise<DryRunAnswer>;
  /**
   * Instance `instanceId` from its checkpoints and with its tokens; `valid` is its specification and settings as
   * saved, or as a change not yet saved would make them. `resources`: only these (default all).
   */
  tryInstance(instanceId: number, valid: ValidInstance, resources: readonly string[] | undefined, options: DryRunOptions): Promise<DryRunAnswer>;
}

export function dryRunService(positions: PollPositions, now: () => number = Date.now): DryRunService {
  const limited = inFlightLimit();
  const adapterOf = (valid: ValidInstance) => {
    const adapter = elementAdapter(valid.spec.elementKey);
    if (!adapter) throw new ApiError(400, `element '${valid.spec.elementKey}' is not available`, [{ path: 'element.key', message: 'not available' }]);
    return adapter;
  };
  return {
    async tryNew(valid, options) {
      const adapter = adapterOf(valid);
      const credentials = newInstanceCredentials(adapter, valid.spec);
      const pollStartMs = now();
      const resources = newInstanceTargets(valid.settings, pollStartMs);
      return limited(() => dryRun({ adapter, configuration: valid.spec.configuration, credentials, resources, pollStartMs, ...options }));
    },
    async tryInstance(instanceId, valid, names, options) {
      const adapter = adapterOf(valid);
      const position = await positions(instanceId);
      const resources = instanceTargets(valid.settings, position, names);
      return limited(() => dryRun({ adapter, configuration: valid.spec.configuration, credentials: position.credentials, resources, pollStartMs: now(), ...options }));
    },
  };
}
