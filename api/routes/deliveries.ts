/** `/notifications/subscriptions/deliveries`: what waits, retries or went out, per callback URL; and redelivery. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeliveryService } from '../deliveries/service';
import { parseDeliveryWhere } from '../deliveries/where';

const whereQuery = z.object({ where: z.string().optional() });

export const deliveryRoutes: FastifyPluginAsyncZod<{ deliveries: DeliveryService }> = async (app, { deliveries }) => {
  app.get('/notifications/subscriptions/deliveries', { schema: { querystring: whereQuery, tags: ['deliveries'] } }, async (request) =>
    deliveries.list(parseDeliveryWhere(request.query.where)),
  );

  app.put('/notifications/subscriptions/deliveries', { schema: { querystring: whereQuery, tags: ['deliveries'], summary: 'Redeliver queued deliveries' } }, async (request) =>
    deliveries.redeliver(parseDeliveryWhere(request.query.where)),
  );
};
