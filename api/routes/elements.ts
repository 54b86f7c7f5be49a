/** `/elements`: the supported elements, their configuration definitions and default poller configuration. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { allElements, elementAdapter } from '../../elements/registry';
import { notFound } from '../errors';

const keyParams = z.object({ key: z.string() });

export const elementRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/elements', { schema: { tags: ['elements'] } }, async () =>
    allElements().map(({ definition: d }) => ({ key: d.key, name: d.name, hub: d.hub, authentication: { type: d.authType }, description: d.description })),
  );

  app.get('/elements/:key/configuration', { schema: { params: keyParams, tags: ['elements'] } }, async (request) => {
    const adapter = elementAdapter(request.params.key);
    if (!adapter) throw notFound(`element ${request.params.key}`);
    const d = adapter.definition;
    return [
      ...d.configuration,
      { key: 'event.poller.configuration', name: 'Event Poller Resources Configuration', type: 'TEXTAREA', required: false, defaultValue: JSON.stringify(d.defaultPollerConfiguration) },
    ];
  });
};
