/** `/notifications/subscriptions/deliveries`: what waits, retries or went out, per callback URL; redelivery and retry now. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeliveryService } from '../deliveries/service';
import { parseDeliveryWhere, parseRetryWhere } from '../deliveries/where';
import { notFound } from '../errors';

const whereQuery = z.object({ where: z.string().optional() });
/** A notification id: 32 hex characters (core/envelope.ts); any id-like text is looked up, anything else is refused. */
const notificationParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'expected a notification id (letters, digits, - and _)') });

export const deliveryRoutes: FastifyPluginAsyncZod<{ deliveries: DeliveryService }> = async (app, { deliveries }) => {
  app.get('/notifications/subscriptions/deliveries', { schema: { querystring: whereQuery, tags: ['deliveries'] } }, async (request) =>
    deliveries.list(parseDeliveryWhere(request.query.where)),
  );

  app.put('/notifications/subscriptions/deliveries', { schema: { querystring: whereQuery, tags: ['deliveries'], summary: 'Redeliver queued deliveries' } }, async (request) =>
    deliveries.redeliver(parseDeliveryWhere(request.query.where)),
  );

  app.post(
    '/notifications/subscriptions/deliveries/retry',
    { schema: { querystring: whereQuery, tags: ['deliveries'], summary: 'Retry now the pending deliveries the filter selects (Pollster extension)' } },
    async (request) => deliveries.retryNow(parseRetryWhere(request.query.where)),
  );

  app.post(
    '/notifications/subscriptions/deliveries/:id/retry',
    { schema: { params: notificationParams, tags: ['deliveries'], summary: 'Retry one pending notification now (Pollster extension)' } },
    async (request) => {
      const held = await deliveries.retryOne(request.params.id);
      if (!held) throw notFound(`pending delivery ${request.params.id}`);
      return held;
    },
  );
};
