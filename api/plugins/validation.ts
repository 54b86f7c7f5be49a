/**
 * Fastify validation through zod, every issue named by its path (`body` paths bare, others prefixed: `query.where`);
 * and, before any schema runs, a bound on how deeply a body nests (deeper would overflow the stack, not fail politely).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { zodIssues } from '../../core/issues';
import { jsonDepth, MAX_JSON_DEPTH } from '../../core/jsonDepth';
import { ApiError, badRequest } from '../errors';

export function registerZodValidation(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (jsonDepth(request.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw badRequest([{ path: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as z.ZodType).safeParse(data);
    if (result.success) return { value: result.data };
    const issues = zodIssues(result.error).map((i) => ({ ...i, path: httpPart === 'body' ? i.path : `${httpPart}.${i.path}`.replace(/\.$/, '') }));
    return { error: new ApiError(400, issues.length === 1 ? `${issues[0]!.path || httpPart}: ${issues[0]!.message}` : `${issues.length} problems in the request`, issues) };
  });
}
