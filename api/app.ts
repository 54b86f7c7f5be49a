/** The HTTP API: Fastify under `/elements/api-v2`, Cloud Elements' auth header, zod validation. */
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { request as httpRequest } from 'undici';
import { parseAuthorization, platformAuthorized, type ApiSecrets } from './auth';
import { ApiError, registerErrorHandler } from './errors';
import { registerZodValidation } from './validation';
import { InstanceService } from './instanceService';
import { instanceRoutes } from './routes/instances';
import { elementRoutes } from './routes/elements';
import { deliveryRoutes } from './routes/deliveries';
import { DeliveryService } from './deliveryService';
import { codecRoutes } from './routes/codec';
import { consoleRoutes } from './routes/console';

export const BASE_PATH = '/elements/api-v2';

export interface ApiOptions {
  client: Client;
  secrets: ApiSecrets;
  taskQueue?: string;
  logger?: boolean | object;
  /** The payload codec, served to the Temporal UI and CLI at /codec. */
  codec?: PayloadCodec;
  /** A worker's Prometheus endpoint, served again at /metrics. */
  workerMetricsUrl?: string;
  /** The Temporal UI the console links to (default POLLSTER_TEMPORAL_UI_URL, else the dev server's UI). */
  consoleUiUrl?: string;
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

  await app.register(swagger, {
    openapi: {
      info: { title: 'Pollster', description: 'Cloud Elements-compatible polling events on Temporal', version: '0.1.0' },
      components: { securitySchemes: { cloudElements: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'User <secret>, Organization <secret>[, Element <token>]' } } },
      security: [{ cloudElements: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: `${BASE_PATH}/docs` });
  await app.register(consoleRoutes({ temporalUiUrl: options.consoleUiUrl, namespace: options.client.options.namespace }));

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
      api.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
        let body = '# HELP pollster_api_up The API answers.\n# TYPE pollster_api_up gauge\npollster_api_up 1\n';
        if (options.workerMetricsUrl) {
          try {
            const res = await httpRequest(options.workerMetricsUrl, { headersTimeout: 5000, bodyTimeout: 5000 });
            body = (await res.body.text()) + body;
          } catch (err) {
            api.log.warn({ err }, 'worker metrics unavailable');
          }
        }
        return reply.type('text/plain; version=0.0.4').send(body);
      });
      if (options.codec) await api.register(codecRoutes(options.codec, options.secrets, { uiUrl: options.consoleUiUrl }));
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
