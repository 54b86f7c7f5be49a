/**
 * `/healthz` (the API and its Temporal) and `/metrics` (the worker's Prometheus metrics, served again, and the API's
 * own: that it answers, and the running instances per health state).
 */
import type { FastifyPluginAsync } from 'fastify';
import { request as httpRequest } from 'undici';
import type { HealthState } from '../../contract/instance';
import { errorText } from '../../log/errorText';

export interface HealthRouteOptions {
  /** Resolves when Temporal answers. */
  checkTemporal(): Promise<void>;
  /** A worker's Prometheus endpoint, served again at /metrics. */
  workerMetricsUrl?: string;
  /** Running instances per health state (visibility counts). */
  countInstances?(): Promise<Record<HealthState, number>>;
  /** How long a count is served again before visibility is asked anew (default INSTANCE_COUNT_TTL_MS). */
  countTtlMs?: number;
}

/** Scrapes come every few seconds from each Prometheus: the counts are three visibility reads, taken at most this often. */
export const INSTANCE_COUNT_TTL_MS = 10_000;

/** `fn`'s answer, kept for `ttlMs`; callers in the meantime share it (and share one call in flight). */
export function cached<T>(fn: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let kept: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!kept || now() - kept.at >= ttlMs) {
      const value = fn();
      kept = { at: now(), value };
      // A failure is not kept: the next scrape asks again.
      value.catch(() => {
        if (kept?.value === value) kept = undefined;
      });
    }
    return kept.value;
  };
}

/** The gauge of running instances per health state, in Prometheus' text format. */
export function instanceHealthMetric(counts: Record<HealthState, number>): string {
  const lines = ['# HELP pollster_instances Running instances by health (healthy, degraded, failing).', '# TYPE pollster_instances gauge'];
  for (const state of ['healthy', 'degraded', 'failing'] as const) lines.push(`pollster_instances{health="${state}"} ${counts[state] ?? 0}`);
  return `${lines.join('\n')}\n`;
}

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { checkTemporal, workerMetricsUrl, countInstances, countTtlMs }) => {
  const counts = countInstances ? cached(countInstances, countTtlMs ?? INSTANCE_COUNT_TTL_MS) : undefined;
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
    if (counts) {
      try {
        body += instanceHealthMetric(await counts());
      } catch (err) {
        app.log.warn({ err }, `instance counts unavailable: ${errorText(err)}`);
      }
    }
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
