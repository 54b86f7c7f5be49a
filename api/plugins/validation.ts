/** Fastify validation through zod, every issue named by its path (`body` paths bare, others prefixed: `query.where`). */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { zodIssues } from '../../core/issues';
import { ApiError } from '../errors';

export function registerZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as z.ZodType).safeParse(data);
    if (result.success) return { value: result.data };
    const issues = zodIssues(result.error).map((i) => ({ ...i, path: httpPart === 'body' ? i.path : `${httpPart}.${i.path}`.replace(/\.$/, '') }));
    return { error: new ApiError(400, issues.length === 1 ? `${issues[0]!.path || httpPart}: ${issues[0]!.message}` : `${issues.length} problems in the request`, issues) };
  });
}
