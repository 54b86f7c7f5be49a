/** The OpenAPI document, generated from the routes' zod schemas, and its UI at `<base>/docs`. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export const openApi = fp<{ routePrefix: string }>(
  async (app, { routePrefix }) => {
    await app.register(swagger, {
      openapi: {
        info: { title: 'Pollster', description: 'Cloud Elements-compatible polling events on Temporal', version: '0.1.0' },
        components: { securitySchemes: { cloudElements: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'User <secret>, Organization <secret>[, Element <token>]' } } },
        security: [{ cloudElements: [] }],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix });
  },
  { name: 'openapi' },
);
