/**
 * `GET /instances/{id}/records/{resource}/{objectId}` (Pollster extension): one object explained in one place, what the
 * instance last reported for it (from the delivery log) and what a poll would decide now (a dry run filtered to it).
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pollerSettings } from '../../core/pollerSettings';
import type { PollsterStore } from '../../store/types';
import { dryRunQuery } from '../dryRun/schemas';
import type { DryRunService } from '../dryRun/service';
import { notFound } from '../errors';
import { lastReport, objectIdSchema, requireStore } from '../explain/history';
import { verdict } from '../explain/verdict';
import { addressedInstance } from '../instances/addressing';
import type { InstanceService } from '../instances/service';
import { idParams } from './instances';

const recordParams = idParams.extend({ resource: z.string().min(1).max(200), objectId: objectIdSchema });

export const recordRoutes: FastifyPluginAsyncZod<{ instances: InstanceService; dryRuns: DryRunService; store?: PollsterStore }> = async (app, { instances, dryRuns, store }) => {
  app.get(
    '/instances/:id/records/:resource/:objectId',
    {
      schema: {
        params: recordParams,
        querystring: dryRunQuery,
        tags: ['events'],
        summary: 'One record explained: what was last reported for it, and what a poll would decide now (Pollster extension)',
      },
    },
    async (request) => {
      const { resource, objectId } = request.params;
      const record = await addressedInstance(instances, request, request.params.id);
      const settings = pollerSettings(record.spec.configuration);
      if (!Object.hasOwn(settings.resources, resource)) throw notFound(`resource ${resource} of instance ${record.id}`);
      const last = await lastReport(requireStore(store), record.id, resource, objectId);
      const answer = await dryRuns.tryInstance(record.id, { spec: record.spec, settings }, [resource], { timeLimitMs: request.query.timeLimit * 1000, objectId });
      const now = answer.resources[resource]!;
      return {
        resource,
        objectId,
        lastReported: last ?? null,
        now: {
          verdict: verdict(objectId, now),
          complete: now.complete,
          since: now.since,
          pollStart: answer.pollStart,
          error: now.error,
          records: now.records,
          requests: now.requests,
          decisions: now.decisions,
          events: now.events,
        },
      };
    },
  );
};
