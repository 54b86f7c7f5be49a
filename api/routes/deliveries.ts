/** `/notifications/subscriptions/deliveries` and `/accounts/settings` (SPEC §3). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { parseDeliveryWhere, type DeliveryService } from '../deliveryService';

const whereQuery = z.object({ where: z.string().optional() });
const settingsBody = z.object({ 'notification.webhook.failure.policy': z.enum(['retry', 'queue']).optional() }).strict();

export const deliveryRoutes = (service: DeliveryService): FastifyPluginAsyncZod => async (app) => {
  app.get('/notifications/subscriptions/deliveries', { schema: { querystring: whereQuery, tags: ['deliveries'] } }, async (request) =>
    service.list(parseDeliveryWhere(request.query.where)),
  );

  app.put('/notifications/subscriptions/deliveries', { schema: { querystring: whereQuery, tags: ['deliveries'] } }, async (request) =>
    service.redeliver(parseDeliveryWhere(request.query.where)),
  );

  app.get('/accounts/settings', { schema: { tags: ['accounts'] } }, async () => service.settings());

  app.patch('/accounts/settings', { schema: { body: settingsBody, tags: ['accounts'] } }, async (request) => service.updateSettings(request.body));
};
