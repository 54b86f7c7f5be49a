/** Errors as the API answers them: `{ requestId, message, issues? }`, never a stack trace. */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Issue } from '../core/issues';

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

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { issues?: Issue[] }, request, reply) => {
    const status = error instanceof ApiError ? error.statusCode : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, `${request.method} ${request.routeOptions.url ?? '(no route)'} failed: ${error.message}`);
    const message = status >= 500 ? 'internal error' : error.message;
    void reply.status(status).send({ requestId: request.id, message, ...(error.issues ? { issues: error.issues } : {}) });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ requestId: request.id, message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}
