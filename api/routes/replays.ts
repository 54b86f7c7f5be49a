/**
 * Rewind and replay (Pollster extensions): `PATCH /instances/{id}/poller` moves live checkpoints;
 * `/instances/{id}/events/replay` starts, lists, shows and cancels replays of a past window.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkpointIssues, readCheckpoints } from '../../contract/checkpoints';
import { parseIsoInstant } from '../../core/isoInstant';
import type { Issue } from '../../core/issues';
import { pollerSettings } from '../../core/pollerSettings';
import { badRequest, notFound } from '../errors';
import { addressedInstance } from '../instances/addressing';
import type { InstanceService } from '../instances/service';
import type { ReplayService } from '../replays/service';
import { idParams } from './instances';

const isoInstant = z.string().max(64).describe('an ISO-8601 instant, e.g. 2026-12-01T00:00:00Z');
const rewindBody = z.object({
  resources: z.record(z.string().max(200), z.object({ checkpoint: isoInstant }).strict()).describe('the checkpoints to set, by resource name'),
}).strict();
const replayBody = z.object({
  since: isoInstant.describe('the window starts here: changes dated at or after it'),
  until: isoInstant.optional().describe('the window ends here (changes dated before it); now when absent'),
  resources: z.array(z.string().max(200)).min(1).max(100).optional().describe('the resources to replay, in this order; all of the instance\u2019s when absent'),
}).strict();
/** Replays the list shows unless `limit` says otherwise. */
export const DEFAULT_REPLAYS = 10;
const replaysQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(DEFAULT_REPLAYS).describe('how many replays, 1\u201350'),
});
const replayParams = idParams.extend({ replayId: z.string().regex(/^[0-9a-f]{16}$/, 'a replay id (16 hex digits)') });

const resourceProgress = z.object({
  status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
  records: z.number(),
  events: z.number(),
  problems: z.number(),
  notifications: z.number(),
  lastError: z.string().optional(),
});
const replayStatusSchema = z.object({
  replayId: z.string(),
  instanceId: z.number(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  since: z.string(),
  until: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  resources: z.record(z.string(), resourceProgress),
});

const instant = (text: string, path: string, issues: Issue[]): number => {
  const ms = parseIsoInstant(text);
  if (ms === undefined) issues.push({ path, message: `expected an ISO-8601 instant, got '${text.slice(0, 40)}'` });
  return ms ?? NaN;
};

export const replayRoutes: FastifyPluginAsyncZod<{ instances: InstanceService; replays: ReplayService }> = async (app, { instances, replays }) => {
  app.patch(
    '/instances/:id/poller',
    { schema: { params: idParams, body: rewindBody, tags: ['instances'], summary: 'Rewind: move live checkpoints (Pollster extension)' } },
    async (request) => {
      const record = await addressedInstance(instances, request, request.params.id);
      const { checkpoints, issues } = readCheckpoints(request.body.resources, parseIsoInstant);
      const known = Object.keys(pollerSettings(record.spec.configuration).resources);
      // Only the instants that read are checked further; an empty body is checkpointIssues' own issue.
      const checked = checkpointIssues(checkpoints, known, Date.now());
      issues.push(...(Object.keys(request.body.resources).length > 0 ? checked.filter((i) => i.path !== 'resources') : checked));
      if (issues.length > 0) throw badRequest(issues);
      const set = await replays.setCheckpoints(record.id, checkpoints);
      return { id: record.id, checkpoints: set };
    },
  );

  app.post(
    '/instances/:id/events/replay',
    { schema: { params: idParams, body: replayBody, response: { 202: replayStatusSchema }, tags: ['events'], summary: 'Replay a past window from the provider (Pollster extension)' } },
    async (request, reply) => {
      const record = await addressedInstance(instances, request, request.params.id);
      const nowMs = Date.now();
      const issues: Issue[] = [];
      const sinceMs = instant(request.body.since, 'since', issues);
      const untilMs = request.body.until === undefined ? nowMs : instant(request.body.until, 'until', issues);
      if (untilMs > nowMs) issues.push({ path: 'until', message: `${request.body.until} is later than now: a replay reads the past` });
      if (sinceMs >= untilMs) issues.push({ path: 'since', message: 'the window is empty: since must be earlier than until (or now)' });
      const known = Object.keys(pollerSettings(record.spec.configuration).resources);
      const resources = request.body.resources ?? known;
      request.body.resources?.forEach((name, i) => {
        if (!known.includes(name)) issues.push({ path: `resources[${i}]`, message: `the instance has no resource '${name.slice(0, 200)}'` });
        else if (request.body.resources!.indexOf(name) !== i) issues.push({ path: `resources[${i}]`, message: `'${name}' is named twice` });
      });
      if (resources.length === 0) issues.push({ path: 'resources', message: 'the instance has no resource to replay' });
      if (issues.length > 0) throw badRequest(issues);
      const started = await replays.start(record, { sinceMs, untilMs, resources });
      return reply.status(202).send(started);
    },
  );

  app.get(
    '/instances/:id/events/replay',
    { schema: { params: idParams, querystring: replaysQuery, response: { 200: z.array(replayStatusSchema) }, tags: ['events'], summary: 'The instance\u2019s recent replays, newest first (Pollster extension)' } },
    async (request) => {
      const record = await addressedInstance(instances, request, request.params.id);
      return replays.list(record.id, request.query.limit);
    },
  );

  app.get(
    '/instances/:id/events/replay/:replayId',
    { schema: { params: replayParams, response: { 200: replayStatusSchema }, tags: ['events'], summary: 'A replay\u2019s progress (Pollster extension)' } },
    async (request) => {
      const record = await addressedInstance(instances, request, request.params.id);
      const status = await replays.status(record.id, request.params.replayId);
      if (!status) throw notFound(`replay ${request.params.replayId}`);
      return status;
    },
  );

  app.delete(
    '/instances/:id/events/replay/:replayId',
    { schema: { params: replayParams, response: { 202: replayStatusSchema }, tags: ['events'], summary: 'Cancel a replay (Pollster extension)' } },
    async (request, reply) => {
      const record = await addressedInstance(instances, request, request.params.id);
      const status = await replays.cancel(record.id, request.params.replayId);
      if (!status) throw notFound(`replay ${request.params.replayId}`);
      return reply.status(202).send(status);
    },
  );
};
