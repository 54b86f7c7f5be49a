/** `/instances`: create, read, delete element instances. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { instanceBodySchema, maskConfiguration, toInstanceSpec } from '../../core/config';
import { elementAdapter } from '../../elements/registry';
import type { InstanceRecord } from '../../workflows/types';
import { badRequest, notFound } from '../errors';
import { CallbackRefused, checkCallbackUrl } from '../../net/callbackGuard';
import type { InstanceService } from '../instanceService';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const eventParams = idParams.extend({ eventId: z.string().min(1) });
const pageQuery = z.object({
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  nextPage: z.string().optional(),
});

const pageOffset = (token: string | undefined): number => (token ? Number(Buffer.from(token, 'base64url').toString()) || 0 : 0);
const pageToken = (offset: number): string => Buffer.from(String(offset)).toString('base64url');

type EventEntry = Awaited<ReturnType<InstanceService['events']>>[number];

/** An event-log entry: the notification, its status, and its payload when the retry path holds it. */
function eventView(instanceId: number, e: EventEntry): Record<string, unknown> {
  return {
    id: e.id,
    instanceId,
    eventDate: new Date(e.atMs).toISOString(),
    objectType: e.resource,
    events: e.events,
    status: e.status,
    attempts: e.delivery?.attempts,
    lastError: e.delivery?.lastError,
    payload: e.delivery?.payload,
  };
}

/** The instance as Cloud Elements returns it: configuration as strings, secrets masked. */
export function instanceView(record: InstanceRecord): Record<string, unknown> {
  const { spec } = record;
  return {
    id: record.id,
    name: spec.name,
    token: record.token,
    createdDate: record.createdDate,
    element: { key: spec.elementKey },
    configuration: maskConfiguration(spec.configuration),
    tags: spec.tags,
    eventsEnabled: spec.configuration['event.notification.enabled'] === 'true',
    valid: true,
    disabled: spec.disabled,
  };
}

export const instanceRoutes = (service: InstanceService): FastifyPluginAsyncZod => async (app) => {
  app.post('/instances', { schema: { body: instanceBodySchema, tags: ['instances'] } }, async (request) => {
    const parsed = toInstanceSpec(request.body);
    if (!parsed.ok) throw badRequest(parsed.issues);
    const adapter = elementAdapter(parsed.value.elementKey);
    if (!adapter) throw badRequest([{ path: 'element.key', message: `element '${parsed.value.elementKey}' is not available yet` }]);
    const issues = adapter.validate(parsed.value.configuration).map((i) => ({ path: `configuration['${i.key}']`, message: i.message }));
    if (issues.length > 0) throw badRequest(issues);
    const callbackUrl = parsed.value.configuration['event.notification.callback.url'];
    if (callbackUrl) {
      try {
        await checkCallbackUrl(callbackUrl);
      } catch (err) {
        if (err instanceof CallbackRefused) throw badRequest([{ path: "configuration['event.notification.callback.url']", message: err.message }]);
        throw err;
      }
    }
    return instanceView(await service.create(parsed.value));
  });

  app.get('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, async (request) => {
    const record = await service.get(request.params.id);
    if (!record) throw notFound(`instance ${request.params.id}`);
    return instanceView(record);
  });

  app.delete('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, async (request) => {
    if (!(await service.delete(request.params.id))) throw notFound(`instance ${request.params.id}`);
    return {};
  });

  app.get('/instances/:id/events', { schema: { params: idParams, querystring: pageQuery, tags: ['events'] } }, async (request, reply) => {
    const record = await service.get(request.params.id);
    if (!record) throw notFound(`instance ${request.params.id}`);
    const all = await service.events(record);
    const offset = pageOffset(request.query.nextPage);
    const page = all.slice(offset, offset + request.query.pageSize);
    if (offset + page.length < all.length) void reply.header('elements-next-page-token', pageToken(offset + page.length));
    return page.map((e) => eventView(record.id, e));
  });

  app.get('/instances/:id/events/:eventId', { schema: { params: eventParams, tags: ['events'] } }, async (request) => {
    const record = await service.get(request.params.id);
    if (!record) throw notFound(`instance ${request.params.id}`);
    const event = (await service.events(record)).find((e) => e.id === request.params.eventId);
    if (!event) throw notFound(`event ${request.params.eventId}`);
    return eventView(record.id, event);
  });

  app.get('/instances/:id/poller', { schema: { params: idParams, tags: ['instances'] } }, async (request) => {
    if (!(await service.get(request.params.id))) throw notFound(`instance ${request.params.id}`);
    return service.status(request.params.id);
  });
};
