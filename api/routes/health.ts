/** `/healthz` (the API and its Temporal) and `/metrics` (the worker's Prometheus metrics, served again, and the API's own). */
import type { FastifyPluginAsync } from 'fastify';
import { request as httpRequest } from 'undici';
import { errorText } from '../../log/errorText';

export interface HealthRouteOptions {
  /** Resolves when Temporal answers. */
  checkTemporal(): Promise<void>;
  /** A worker's Prometheus endpoint, served again at /metrics. */
  workerMetricsUrl?: string;
}

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { checkTemporal, workerMetricsUrl }) => {
  app.get('/healthz', { schema: { tags: ['health'] } }, async (_request, reply) => {
    try {
      await checkTemporal();
      return { status: 'ok', temporal: 'ok' };
    } catch (err) {
      return reply.status(503).send({ status: 'unavailable', temporal: (err as Error).message });
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    let body = '# HELP pollster_api_up The API answers.\n# TYPE pollster_api_up gauge\npollster_api_up 1\n';
    if (workerMetricsUrl) {
      try {
        const res = await httpRequest(workerMetricsUrl, { headersTimeout: 5000, bodyTimeout: 5000 });
        body = (await res.body.text()) + body;
      } catch (err) {
        app.log.warn({ err }, `worker metrics unavailable at ${workerMetricsUrl}: ${errorText(err)}`);
      }
    }
    return reply.type('text/plain; version=0.0.4').send(body);
  });
};
