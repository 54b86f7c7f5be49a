/** The HTTP API: Fastify under `/elements/api-v2`, Cloud Elements' auth header, zod validation. */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import { parseAuthorization, platformAuthorized, type ApiSecrets } from './auth';
import { ApiError, registerErrorHandler } from './errors';
import { registerZodValidation } from './validation';
import { InstanceService } from './instanceService';
import { instanceRoutes } from './routes/instances';
import { elementRoutes } from './routes/elements';
import { deliveryRoutes } from './routes/deliveries';
import { DeliveryService } from './deliveryService';

export const BASE_PATH = '/elements/api-v2';

export interface ApiOptions {
  client: Client;
  secrets: ApiSecrets;
  taskQueue?: string;
  logger?: boolean | object;
}

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
  }).withTypeProvider<ZodTypeProvider>();
  registerZodValidation(app);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  const service = new InstanceService(options.client, options.taskQueue);
  const deliveries = new DeliveryService(options.client, options.taskQueue);

  await app.register(
    async (api) => {
      api.get('/healthz', async (_request, reply) => {
        try {
          await options.client.connection.workflowService.getSystemInfo({});
          return { status: 'ok', temporal: 'ok' };
        } catch (err) {
          return reply.status(503).send({ status: 'unavailable', temporal: (err as Error).message });
        }
      });
      await api.register(async (secured) => {
        secured.addHook('onRequest', async (request) => {
          if (!platformAuthorized(parseAuthorization(request.headers.authorization), options.secrets)) {
            throw new ApiError(401, 'missing or wrong credentials: expected Authorization: User <secret>, Organization <secret>');
          }
        });
        await secured.register(instanceRoutes(service));
        await secured.register(elementRoutes);
        await secured.register(deliveryRoutes(deliveries));
      });
    },
    { prefix: BASE_PATH },
  );
  return app;
}
