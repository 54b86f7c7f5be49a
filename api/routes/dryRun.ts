/**
 * Dry runs (Pollster extension): `POST /instances/dry-run` tries a body that would create an instance, and
 * `POST /instances/{id}/events/dry-run` an instance from its checkpoints (optionally with a change not saved yet).
 * One poll of each resource against the provider; nothing is delivered, started or moved.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pollerSettings } from '../../core/pollerSettings';
import { dryRunAnswer, dryRunQuery, instanceDryRunBody } from '../dryRun/schemas';
import type { DryRunService } from '../dryRun/service';
import { addressedInstance } from '../instances/addressing';
import { changedBody } from '../instances/merge';
import type { InstanceService } from '../instances/service';
import { instanceInputSchema, validateInstanceBody, validInstance } from '../instances/validate';
import { idParams } from './instances';

/** Aborted when the client goes away before the answer: the dry run stops reading. */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export const dryRunRoutes: FastifyPluginAsyncZod<{ instances: InstanceService; dryRuns: DryRunService }> = async (app, { instances, dryRuns }) => {
  app.post(
    '/instances/dry-run',
    {
      schema: {
        body: instanceInputSchema,
        querystring: dryRunQuery,
        response: { 200: dryRunAnswer },
        tags: ['instances'],
        summary: 'Dry run of a new instance (Pollster extension)',
        description: 'The same body and 400s as POST /instances. One poll of every resource, from event.poller.since or one refresh interval back; nothing is delivered and no instance is created.',
      },
    },
    async (request, reply) => {
      const valid = await validInstance(request.body);
      return dryRuns.tryNew(valid, { timeLimitMs: request.query.timeLimit * 1000, signal: clientGone(reply) });
    },
  );

  app.post(
    '/instances/:id/events/dry-run',
    {
      schema: {
        params: idParams,
        body: instanceDryRunBody,
        querystring: dryRunQuery,
        response: { 200: dryRunAnswer },
        tags: ['events'],
        summary: 'Dry run of an instance from its checkpoints (Pollster extension)',
        description: 'One poll of every (or each named) resource from where its next poll starts, with the instance’s tokens; nothing is delivered and no checkpoint moves.',
      },
    },
    async (request, reply) => {
      const record = await addressedInstance(instances, request, request.params.id);
      const change = request.body?.change;
      const valid = change ? await validateInstanceBody(changedBody(record, change, false)) : { spec: record.spec, settings: pollerSettings(record.spec.configuration) };
      return dryRuns.tryInstance(record.id, valid, request.body?.resources, { timeLimitMs: request.query.timeLimit * 1000, signal: clientGone(reply) });
    },
  );
};
