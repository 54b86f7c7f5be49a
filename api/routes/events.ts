/**
 * `/instances/{id}/events` (recent notifications and their delivery status; with `objectId`, the delivery log's
 * notifications that carried that object), poll now, and the poller's status.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { notFound } from '../errors';
import { addressedInstance } from '../instances/addressing';
import type { InstanceService } from '../instances/service';
import type { PollsterStore } from '../../store/types';
import { objectIdSchema, objectNotifications, objectNotificationView, requireStore } from '../explain/history';
import { eventView } from '../instances/views';
import { idParams } from './instances';

const eventParams = idParams.extend({ eventId: z.string().min(1) });
const pageQuery = z.object({
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  nextPage: z.string().optional(),
  objectId: objectIdSchema.optional().describe('Only the notifications that carried this object (from the delivery log), each with its events for it (Pollster extension)'),
});

const pageOffset = (token: string | undefined): number => (token ? Number(Buffer.from(token, 'base64url').toString()) || 0 : 0);
const pageToken = (offset: number): string => Buffer.from(String(offset)).toString('base64url');

export const eventRoutes: FastifyPluginAsyncZod<{ instances: InstanceService; store?: PollsterStore }> = async (app, { instances, store }) => {
  app.get('/instances/:id/events', { schema: { params: idParams, querystring: pageQuery, tags: ['events'] } }, async (request, reply) => {
    const record = await addressedInstance(instances, request, request.params.id);
    const { objectId, pageSize, nextPage } = request.query;
    if (objectId !== undefined) {
      // One more than the page, to know whether another follows; the token is the last listed notification's id.
      const after = nextPage === undefined ? undefined : Buffer.from(nextPage, 'base64url').toString();
      const entries = await objectNotifications(requireStore(store), record.id, objectId, pageSize + 1, after);
      const page = entries.slice(0, pageSize);
      if (entries.length > pageSize) void reply.header('elements-next-page-token', Buffer.from(page.at(-1)!.id).toString('base64url'));
      return page.map((e) => objectNotificationView(e, objectId));
    }
    const all = await instances.events(record);
    const offset = pageOffset(request.query.nextPage);
    const page = all.slice(offset, offset + request.query.pageSize);
    if (offset + page.length < all.length) void reply.header('elements-next-page-token', pageToken(offset + page.length));
    return page.map((e) => eventView(record.id, e));
  });

  app.get('/instances/:id/events/:eventId', { schema: { params: eventParams, tags: ['events'] } }, async (request) => {
    const record = await addressedInstance(instances, request, request.params.id);
    const event = (await instances.events(record)).find((e) => e.id === request.params.eventId);
    if (!event) throw notFound(`event ${request.params.eventId}`);
    return eventView(record.id, event);
  });

  app.post('/instances/:id/events/poll', { schema: { params: idParams, tags: ['events'], summary: 'Poll now (Pollster extension)' } }, async (request) => {
    const record = await addressedInstance(instances, request, request.params.id);
    await instances.pollNow(record.id);
    return { id: record.id, polling: true };
  });

  app.get('/instances/:id/poller', { schema: { params: idParams, tags: ['instances'], summary: 'Poller status (Pollster extension)' } }, async (request) => {
    const record = await addressedInstance(instances, request, request.params.id);
    return instances.status(record.id);
  });
};
