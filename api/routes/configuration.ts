/** `/instances/{id}/configuration`: the configuration as entries `{ id, key, propertyValue }`, secrets masked; one entry changed at a time. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { notFound } from '../errors';
import { addressedInstance } from '../instances/addressing';
import type { InstanceService } from '../instances/service';
import { updateInstance } from '../instances/update';
import { configurationEntries, instanceView } from '../instances/views';
import { idParams } from './instances';

const entryParams = idParams.extend({ configurationId: z.coerce.number().int().positive() });
const tokenEntryParams = z.object({ configurationId: z.coerce.number().int().positive() });
const entryBody = z.object({ propertyValue: z.union([z.string(), z.number(), z.boolean(), z.null()]) }).catchall(z.unknown());

export const configurationRoutes: FastifyPluginAsyncZod<{ instances: InstanceService }> = async (app, { instances }) => {
  const entries = async (request: FastifyRequest, id?: number) => configurationEntries(await addressedInstance(instances, request, id));
  const entry = async (request: FastifyRequest, configurationId: number, id?: number) => {
    const found = (await entries(request, id)).find((e) => e.id === configurationId);
    if (!found) throw notFound(`configuration ${configurationId}`);
    return found;
  };
  const patchEntry = async (request: FastifyRequest, configurationId: number, value: string | number | boolean | null, id?: number) => {
    const { key } = await entry(request, configurationId, id);
    const view = instanceView(await updateInstance(instances, request, { configuration: { [key]: value } }, false, id));
    return { id: configurationId, key, propertyValue: (view.configuration as Record<string, string | undefined>)[key] ?? null };
  };

  app.get('/instances/:id/configuration', { schema: { params: idParams, tags: ['configuration'] } }, (r) => entries(r, r.params.id));
  app.get('/instances/:id/configuration/:configurationId', { schema: { params: entryParams, tags: ['configuration'] } }, (r) => entry(r, r.params.configurationId, r.params.id));
  app.patch('/instances/:id/configuration/:configurationId', { schema: { params: entryParams, body: entryBody, tags: ['configuration'] } }, (r) =>
    patchEntry(r, r.params.configurationId, r.body.propertyValue, r.params.id),
  );
  app.get('/instances/configuration', { schema: { tags: ['configuration'] } }, (r) => entries(r));
  app.patch('/instances/configuration/:configurationId', { schema: { params: tokenEntryParams, body: entryBody, tags: ['configuration'] } }, (r) =>
    patchEntry(r, r.params.configurationId, r.body.propertyValue),
  );
};
