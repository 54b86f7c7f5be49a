/**
 * `/instances/{id}/polls` (Pollster extension): the instance's last polls from Pollster's store, newest first. Each
 * poll, per resource: the provider requests (URL with credentials masked, status, time), records, events, problems,
 * the error, and whether the quick look found nothing changed.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RETENTION } from '../../store/retention';
import type { PollsterStore, PollSummary } from '../../store/types';
import { addressedInstance } from '../instances/addressing';
import type { InstanceService } from '../instances/service';
import { idParams } from './instances';

/** Polls a page shows unless `limit` says otherwise. */
export const DEFAULT_POLLS = 20;

const pollsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(RETENTION.pollsPerInstance).default(DEFAULT_POLLS),
});

const requestSchema = z.object({
  method: z.string(),
  url: z.string().describe('credentials masked'),
  status: z.number().int().describe('0 when no answer came'),
  ms: z.number(),
  error: z.string().optional(),
});

const resourceSchema = z.object({
  resource: z.string(),
  requests: z.array(requestSchema).describe(`the first ${RETENTION.requestsPerPollEntry} of each page run`),
  requestCount: z.number().int().describe('requests made in all'),
  records: z.number().int(),
  events: z.number().int(),
  problems: z.number().int(),
  failed: z.boolean().describe('the resource failed this poll (its checkpoint held)'),
  error: z.string().optional().describe('the last error; with failed false, an attempt that a retry made good'),
  quiet: z.boolean().describe('the quick look found nothing changed: no page run followed'),
});

const pollSchema = z.object({
  startedAt: z.string(),
  lastAt: z.string().describe('when its last entry was written'),
  durationMs: z.number().int(),
  records: z.number().int(),
  events: z.number().int(),
  problems: z.number().int(),
  failedResources: z.array(z.string()),
  resources: z.array(resourceSchema),
});

export type PollView = z.infer<typeof pollSchema>;

export function pollView(poll: PollSummary): PollView {
  const sum = (key: 'records' | 'events' | 'problems') => poll.resources.reduce((n, r) => n + r[key], 0);
  return {
    startedAt: new Date(poll.pollStartMs).toISOString(),
    lastAt: new Date(poll.lastAtMs).toISOString(),
    durationMs: Math.max(0, poll.lastAtMs - poll.pollStartMs),
    records: sum('records'),
    events: sum('events'),
    problems: sum('problems'),
    failedResources: poll.resources.filter((r) => r.failed).map((r) => r.resource),
    resources: poll.resources.map((r) => ({
      resource: r.resource,
      requests: r.requests,
      requestCount: r.requestCount,
      records: r.records,
      events: r.events,
      problems: r.problems,
      failed: r.failed,
      ...(r.lastError !== undefined ? { error: r.lastError } : {}),
      quiet: r.quiet,
    })),
  };
}

export const pollRoutes: FastifyPluginAsyncZod<{ instances: InstanceService; store?: PollsterStore }> = async (app, { instances, store }) => {
  app.get(
    '/instances/:id/polls',
    {
      schema: {
        params: idParams,
        querystring: pollsQuery,
        tags: ['instances'],
        summary: `The instance's last polls, newest first (Pollster extension; the last ${RETENTION.pollsPerInstance} are kept)`,
        response: { 200: z.array(pollSchema), 503: z.object({ requestId: z.string(), message: z.string() }) },
      },
    },
    async (request, reply) => {
      const record = await addressedInstance(instances, request, request.params.id);
      // Said as it is (the error handler answers every 5xx as an internal error).
      if (!store) return reply.status(503).send({ requestId: request.id, message: 'poll history is not available: this API runs without Pollster’s store' });
      return (await store.polls(record.id, request.query.limit)).map(pollView);
    },
  );
};
