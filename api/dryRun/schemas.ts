/** The dry-run calls' query, body and answer, as zod schemas: the OpenAPI document is built from them. */
import { z } from 'zod';
import { REPORTED_REASONS, SKIPPED_REASONS } from '../../core/diff';
import { instanceChangeSchema } from '../instances/merge';

export const DEFAULT_TIME_LIMIT_S = 20;
export const MAX_TIME_LIMIT_S = 60;

export const dryRunQuery = z.object({
  timeLimit: z.coerce
    .number()
    .min(1, 'at least 1 second')
    .max(MAX_TIME_LIMIT_S, `at most ${MAX_TIME_LIMIT_S} seconds`)
    .default(DEFAULT_TIME_LIMIT_S)
    .describe(`Seconds the dry run may take, for all resources together (default ${DEFAULT_TIME_LIMIT_S}); past it, it answers with what it read and complete: false`),
});

/** `POST /instances/{id}/events/dry-run`: which resources, and a change to try before saving it. */
export const instanceDryRunBody = z
  .strictObject({
    resources: z.array(z.string().min(1, 'a resource name')).min(1, 'name at least one resource, or leave resources out').max(100).optional().describe('Only these resources (default: every resource the instance polls)'),
    change: instanceChangeSchema.optional().describe('A PATCH body to try before saving it: the dry run reads with the instance as that PATCH would leave it'),
  })
  // No body at all is every resource, as saved.
  .nullish();

const reason = z.enum([...REPORTED_REASONS, ...SKIPPED_REASONS]);

const resourceAnswer = z.object({
  since: z.string(),
  complete: z.boolean(),
  error: z.string().optional(),
  requests: z.array(z.object({ method: z.string(), url: z.string(), status: z.number(), ms: z.number(), error: z.string().optional() })),
  records: z.number(),
  problems: z.number(),
  problemDetails: z.array(z.object({ objectId: z.string(), kind: z.enum(['missingId', 'badDate']), detail: z.string() })),
  events: z.array(z.object({ eventType: z.enum(['CREATED', 'UPDATED', 'DELETED']), objectId: z.string(), date: z.string(), record: z.unknown() })),
  decisions: z.array(z.object({ objectId: z.string(), decision: z.enum(['reported', 'skipped']), reason, detail: z.string() })),
  reasons: z.partialRecord(reason, z.number()),
});

export const dryRunAnswer = z.object({
  complete: z.boolean(),
  pollStart: z.string(),
  resources: z.record(z.string(), resourceAnswer),
});
