/**
 * A request body becomes a valid instance here, once: element defaults, the schema, the element's own rules, the
 * limits, the address policy of every endpoint, and the poller settings the workflow runs on.
 */
import { z } from 'zod';
import { instanceBodySchema } from '../../core/config';
import { toInstanceSpec, type InstanceSpec } from '../../core/instanceSpec';
import { zodIssues } from '../../core/issues';
import { pollerSettings } from '../../core/pollerSettings';
import type { PollerSettings } from '../../core/settings';
import { elementAdapter } from '../../elements/registry';
import { checkProviderEndpoints } from '../../elements/providerEndpoints';
import { checkOutboundUrl, OutboundRefused } from '../../net/outboundGuard';
import { badRequest } from '../errors';
import { withElementDefaults } from './defaults';
import { limitIssues } from './limits';

/** A body as POST /instances takes it: the element's defaults filled in, then the instance schema. */
export const instanceInputSchema = z.preprocess(withElementDefaults, instanceBodySchema);
export type InstanceInput = z.output<typeof instanceInputSchema>;

export interface ValidInstance {
  spec: InstanceSpec;
  settings: PollerSettings;
}

/** A body that passed `instanceInputSchema`, checked further; throws a 400 naming each problem. */
export async function validInstance(body: InstanceInput): Promise<ValidInstance> {
  const parsed = toInstanceSpec(body);
  if (!parsed.ok) throw badRequest(parsed.issues);
  const spec = parsed.value;
  const adapter = elementAdapter(spec.elementKey);
  if (!adapter) throw badRequest([{ path: 'element.key', message: `element '${spec.elementKey}' is not available yet` }]);
  const issues = adapter.validate(spec.configuration).map((i) => ({ path: `configuration['${i.key}']`, message: i.message }));
  if (issues.length > 0) throw badRequest(issues);
  const settings = pollerSettings(spec.configuration);
  const tooLarge = limitIssues(spec, settings);
  if (tooLarge.length > 0) throw badRequest(tooLarge);
  if (settings.enabled && Object.keys(settings.resources).length === 0) {
    throw badRequest([{ path: "configuration['event.poller.configuration']", message: 'events are enabled but no resource is configured to poll' }]);
  }
  // The address policy: every endpoint Pollster will call for this instance (checked again at every connection).
  const refused = (await checkProviderEndpoints(spec.configuration)).map((i) => ({ path: `configuration['${i.key}']`, message: i.message }));
  if (settings.callbackUrl) {
    try {
      await checkOutboundUrl(settings.callbackUrl, 'callback');
    } catch (err) {
      if (!(err instanceof OutboundRefused)) throw err;
      refused.push({ path: "configuration['event.notification.callback.url']", message: err.message });
    }
  }
  if (refused.length > 0) throw badRequest(refused);
  return { spec, settings };
}

/** A whole body not yet parsed (PUT, a PATCH merged onto the current instance). */
export async function validateInstanceBody(body: unknown): Promise<ValidInstance> {
  const result = instanceInputSchema.safeParse(body);
  if (!result.success) throw badRequest(zodIssues(result.error));
  return validInstance(result.data);
}
