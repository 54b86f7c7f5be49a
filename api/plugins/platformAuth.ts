/**
 * Cloud Elements' platform credentials on every route of the scope it is registered in (a fastify-plugin, so its
 * hooks reach the sibling route plugins): `Authorization: User <secret>, Organization <secret>`. Requests with wrong
 * or missing credentials are also rate-limited per client address, so secrets cannot be guessed at speed.
 */
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { parseAuthorization, platformAuthorized, type ApiSecrets } from '../auth';
import { ApiError } from '../errors';

/** Requests with wrong credentials one client address may make per minute before it gets 429s. */
export const FAILED_AUTH_PER_MINUTE = 30;

export const platformAuth = fp<{ secrets: ApiSecrets }>(
  async (app, { secrets }) => {
    const authorized = (authorization: string | undefined): boolean => platformAuthorized(parseAuthorization(authorization), secrets);
    await app.register(rateLimit, {
      max: FAILED_AUTH_PER_MINUTE,
      timeWindow: 60_000,
      hook: 'onRequest',
      // Only failed authentication counts: a client with the right credentials is never limited here.
      allowList: (request) => authorized(request.headers.authorization),
      errorResponseBuilder: (_request, context) => new ApiError(429, `too many requests with wrong credentials; try again in ${Math.ceil(context.ttl / 1000)} s`),
    });
    app.addHook('onRequest', async (request) => {
      if (!authorized(request.headers.authorization)) {
        throw new ApiError(401, 'missing or wrong credentials: expected Authorization: User <secret>, Organization <secret>');
      }
    });
  },
  { name: 'platform-auth' },
);
