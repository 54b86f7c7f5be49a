/** `/instances`: create (idempotent), list, read, update, replace, delete, enable and disable. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { addressedInstance } from '../instances/addressing';
import { instanceChangeSchema, type InstanceChange } from '../instances/merge';
import type { InstanceService, ListFilter } from '../instances/service';
import { updateInstance } from '../instances/update';
import { instanceInputSchema, validInstance } from '../instances/validate';
import { healthView, instanceView } from '../instances/views';
import { MAX_LIST_PAGE_SIZE } from '../../contract/limits';
import { tagSchema, tagsSchema } from '../../core/config';
import { badRequest } from '../errors';
import type { PageTokens } from '../instances/pageToken';

export const idParams = z.object({ id: z.coerce.number().int().positive() });
// A tag to filter by is a tag: the same rules as the tags an instance is given.
const HEALTH_LIST = /^(healthy|degraded|failing)(,(healthy|degraded|failing))*$/;
const listQuery = z.object({
  'tags[]': z.union([tagSchema, tagsSchema]).optional(),
  health: z.string().max(100).regex(HEALTH_LIST, 'expected healthy, degraded or failing, or several of them separated by commas').optional(),
  orderBy: z.literal('health', { error: "expected 'health' (failing first, then degraded, then healthy)" }).optional(),
  pageSize: z.coerce.number().int().min(1).max(MAX_LIST_PAGE_SIZE).default(MAX_LIST_PAGE_SIZE),
  nextPage: z.string().max(4096).regex(/^[A-Za-z0-9_.-]*$/, 'expected the token of a previous page').optional(),
});
const STRANGE_TOKEN = 'not a token this API issued for this filter: use elements-next-page-token of the previous page, with the same tags[], health and orderBy';

/**
 * What a page token is sealed for: the tags, as before, and after a control character (which no tag holds) the health
 * filter and the order, when given.
 */
function tokenFilter(filter: ListFilter): string[] {
  if (filter.health.length === 0 && !filter.orderBy) return filter.tags;
  return [...filter.tags, '\u0000', `health=${filter.health.join(',')}`, `orderBy=${filter.orderBy ?? ''}`];
}

export const instanceRoutes: FastifyPluginAsyncZod<{ instances: InstanceService; pageTokens: PageTokens }> = async (app, { instances, pageTokens }) => {
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

  app.get(
    '/instances',
    { schema: { querystring: listQuery, tags: ['instances'], summary: 'List instances, optionally by tags[] and health, a page at a time, optionally worst health first' } },
    async (request, reply) => {
      const tags = request.query['tags[]'];
      const filter: ListFilter = {
        tags: tags === undefined ? [] : [tags].flat(),
        health: request.query.health ? [...new Set(request.query.health.split(','))] as ListFilter['health'] : [],
        orderBy: request.query.orderBy,
      };
      const sealed = request.query.nextPage;
      const token = sealed ? pageTokens.open(tokenFilter(filter), sealed) : undefined;
      if (sealed && token === undefined) throw badRequest([{ path: 'query.nextPage', message: STRANGE_TOKEN }]);
      const page = await instances.list(filter, { size: request.query.pageSize, token });
      if (page.nextPage) void reply.header('elements-next-page-token', pageTokens.seal(tokenFilter(filter), page.nextPage));
      return page.instances.map(({ record, health }) => instanceView(record, { state: health }));
    },
  );

  app.get('/instances/:id', { schema: { params: idParams, tags: ['instances'] } }, async (r) => {
    const record = await addressedInstance(instances, r, r.params.id);
    return instanceView(record, healthView(await instances.health(record.id)));
  });
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
