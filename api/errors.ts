/** Errors as the API answers them: `{ requestId, message, issues? }`, never a stack trace. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Issue } from '../core/issues';
import { STALE_QUERY_MESSAGE } from '../contract/failures';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

export const badRequest = (issues: Issue[]): ApiError =>
  new ApiError(400, issues.length === 1 ? `${issues[0]!.path}: ${issues[0]!.message}` : `${issues.length} problems in the request`, issues);
export const notFound = (what: string): ApiError => new ApiError(404, `${what} not found`);

/**
 * Fastify's own refusals of a body it cannot read (empty, not JSON, a prototype key), with the parser's reason: the
 * body is the field they name.
 */
function bodyProblem(error: FastifyError): string | undefined {
  if (error.statusCode !== 400 || !error.code?.startsWith('FST_ERR_CTP_')) return undefined;
  const cause = (error.cause as Error | undefined)?.message;
  return cause ? `${error.message}: ${cause}` : error.message;
}

/** A query the worker refused for now (workflows/interceptors.ts): asked again in a few seconds, it is answered. */
function isStaleQuery(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e.message.includes(STALE_QUERY_MESSAGE)) return true;
  return false;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { issues?: Issue[] }, request, reply) => {
    if (isStaleQuery(error)) {
      // The instance's worker is catching up after a restart: its state is readable again within seconds.
      void reply.status(503).header('retry-after', '2').send({ requestId: request.id, message: 'the instance is catching up after a worker restart; try again in a few seconds' });
      return;
    }
    const status = error instanceof ApiError ? error.statusCode : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, `${request.method} ${request.routeOptions.url ?? '(no route)'} failed: ${error.message}`);
    const message = status >= 500 ? 'internal error' : bodyProblem(error) ?? error.message;
    const issues = status >= 500 ? undefined : error instanceof ApiError ? error.issues : bodyProblem(error) ? [{ path: 'body', message: message }] : undefined;
    void reply.status(status).send({ requestId: request.id, message, ...(issues ? { issues } : {}) });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ requestId: request.id, message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}

/**
 * Fastify's `frameworkErrors`: a request its router cannot read (a path that is not percent-encoded UTF-8, a path
 * parameter too long) answered in the API's shape, naming the URL, without echoing it.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_BAD_URL' ? 400 : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
  const message = error.code === 'FST_ERR_BAD_URL' ? 'the request path is not valid percent-encoded UTF-8' : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'internal error';
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(status).send({ requestId: request.id, message, ...(status === 400 ? { issues: [{ path: 'url', message }] } : {}) });
}
