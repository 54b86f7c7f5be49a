/** `/instances`: create (idempotent), list, read, update, replace, delete, enable and disable. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { addressedInstance } from '../instances/addressing';
import { instanceChangeSchema, type InstanceChange } from '../instances/merge';
import type { InstanceService } from '../instances/service';
import { updateInstance } from '../instances/update';
import { instanceInputSchema, validInstance } from '../instances/validate';
import { instanceView } from '../instances/views';

export const idParams = z.object({ id: z.coerce.number().int().positive() });
const listQuery = z.object({ 'tags[]': z.union([z.string(), z.array(z.string())]).optional() });

export const instanceRoutes: FastifyPluginAsyncZod<{ instances: InstanceService }> = async (app, { instances }) => {
  const update = async (request: FastifyRequest, change: InstanceChange, replace: boolean, id?: number) => instanceView(await updateInstance(instances, request, change, replace, id));
  const remove = async (request: FastifyRequest, id?: number) => {
    const record = await addressedInstance(instances, request, id);
    await instances.delete(record.id);
    return {};
  };
  const setEnabled = (request: FastifyRequest, enabled: boolean, id?: number) => update(request, { disabled: !enabled }, false, id);

  app.post('/instances', { schema: { body: instanceInputSchema, tags: ['instances'], summary: 'Create an instance (idempotent)' } }, async (request) =>
    instanceView(await instances.create(await validInstance(request.body))),
  );

  app.get('/instances', { schema: { querystring: listQuery, tags: ['instances'], summary: 'List instances, optionally by tags[]' } }, async (request) => {
    const tags = request.query['tags[]'];
    return (await instances.list(tags === undefined ? [] : [tags].flat())).map(instanceView);
  });

  app.get('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, async (r) => instanceView(await addressedInstance(instances, r, r.params.id)));
  app.patch('/instances/:id', { schema: { params: idParams, body: instanceChangeSchema, tags: ['instances'], summary: 'Partial update' } }, (r) => update(r, r.body, false, r.params.id));
  app.put('/instances/:id', { schema: { params: idParams, body: instanceChangeSchema, tags: ['instances'], summary: 'Replace' } }, (r) => update(r, r.body, true, r.params.id));
  app.delete('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, (r) => remove(r, r.params.id));
  app.put('/instances/:id/enabled', { schema: { params: idParams, tags: ['instances'], summary: 'Enable' } }, (r) => setEnabled(r, true, r.params.id));
  app.delete('/instances/:id/enabled', { schema: { params: idParams, tags: ['instances'], summary: 'Disable (no polls)' } }, (r) => setEnabled(r, false, r.params.id));

  // Token-scoped forms: the instance is the one of the `Element` token.
  app.patch('/instances', { schema: { body: instanceChangeSchema, tags: ['instances'] } }, (r) => update(r, r.body, false));
  app.put('/instances', { schema: { body: instanceChangeSchema, tags: ['instances'] } }, (r) => update(r, r.body, true));
  app.delete('/instances', { schema: { tags: ['instances'] } }, (r) => remove(r));
  app.put('/instances/enabled', { schema: { tags: ['instances'] } }, (r) => setEnabled(r, true));
  app.delete('/instances/enabled', { schema: { tags: ['instances'] } }, (r) => setEnabled(r, false));
};
