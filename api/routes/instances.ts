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

  app.get('/instances/:id/poller', { schema: { params: idParams, tags: ['instances'] } }, async (request) => {
    if (!(await service.get(request.params.id))) throw notFound(`instance ${request.params.id}`);
    return service.status(request.params.id);
  });
};
