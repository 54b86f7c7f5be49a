/**
 * Fastify validation through zod, every issue named by its path (`body` paths bare, others prefixed: `query.where`);
 * and, before any schema runs, a bound on how deeply a body nests (deeper would overflow the stack, not fail politely).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { formatPath } from '../../core/issues';
import { jsonDepth, MAX_JSON_DEPTH } from '../../core/jsonDepth';
import { ApiError, badRequest } from '../errors';

/** What each part of a request is called in an issue's path. */
const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/**
 * A body issue by its field alone (`configuration['base.url']`), other parts prefixed (`query.where`,
 * `query['tags[]']`); an issue about a whole part is named by the part (`body`), so every 400 names a field.
 */
export function issuePath(httpPart: string | undefined, path: readonly PropertyKey[]): string {
  const part = PART_NAMES[httpPart ?? 'body'] ?? httpPart ?? 'body';
  if (path.length === 0) return part;
  return part === 'body' ? formatPath(path) : formatPath([part, ...path]);
}

export function registerZodValidation(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (jsonDepth(request.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw badRequest([{ path: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as z.ZodType).safeParse(data);
    if (result.success) return { value: result.data };
    const issues = result.error.issues.map((i) => ({ path: issuePath(httpPart, i.path), message: i.message }));
    return { error: new ApiError(400, issues.length === 1 ? `${issues[0]!.path}: ${issues[0]!.message}` : `${issues.length} problems in the request`, issues) };
  });
}
