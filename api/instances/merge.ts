/** PATCH and PUT: a change laid over the current instance, into a whole body that is validated like a POST. */
import { z } from 'zod';
import { tagsSchema } from '../../core/config';
import { MASK } from '../../core/instanceSpec';
import type { InstanceRecord } from '../../contract/instance';

const scalarOrObject = z.union([z.string(), z.number(), z.boolean(), z.null(), z.record(z.string(), z.unknown())]);

/** The body of PATCH and PUT (and of the enable/disable calls, which change `disabled`). */
export const instanceChangeSchema = z.object({
  name: z.string().max(200).optional(),
  tags: tagsSchema.optional(),
  configuration: z.record(z.string(), scalarOrObject).optional(),
  providerData: z.object({ code: z.string().optional() }).catchall(z.unknown()).optional(),
  disabled: z.boolean().optional(),
});
export type InstanceChange = z.infer<typeof instanceChangeSchema>;

/** A body's configuration over the current one: `null` removes a key, the mask keeps a secret as it is. */
export function mergeConfiguration(current: Record<string, string>, change: Record<string, unknown>, replace: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = replace ? {} : { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete out[key];
    else if (value === MASK && current[key] !== undefined) out[key] = current[key];
    else out[key] = value;
  }
  return out;
}

/** The whole body the change makes: PATCH keeps what the change leaves out, PUT (`replace`) drops it. */
export function changedBody(record: InstanceRecord, change: InstanceChange, replace: boolean): Record<string, unknown> {
  const spec = record.spec;
  return {
    element: { key: spec.elementKey },
    name: change.name ?? (replace ? undefined : spec.name),
    tags: change.tags ?? (replace ? undefined : spec.tags),
    configuration: mergeConfiguration(spec.configuration, change.configuration ?? {}, replace),
    providerData: change.providerData ?? (spec.providerCode ? { code: spec.providerCode } : undefined),
    disabled: change.disabled ?? (replace ? undefined : spec.disabled),
  };
}
