/** `/accounts/settings`: the delivery failure policy (`retry`, the default, or `queue`). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DeliveryService } from '../deliveries/service';

const settingsBody = z.object({ 'notification.webhook.failure.policy': z.enum(['retry', 'queue']).optional() }).strict();

export const accountRoutes: FastifyPluginAsyncZod<{ deliveries: DeliveryService }> = async (app, { deliveries }) => {
  app.get('/accounts/settings', { schema: { tags: ['accounts'] } }, async () => deliveries.settings());
  app.patch('/accounts/settings', { schema: { body: settingsBody, tags: ['accounts'] } }, async (request) => deliveries.updateSettings(request.body));
};
