/**
 * Cloud Elements' platform credentials on every route of the scope it is registered in (a fastify-plugin, so its
 * hook reaches the sibling route plugins): `Authorization: User <secret>, Organization <secret>`.
 */
import fp from 'fastify-plugin';
import { parseAuthorization, platformAuthorized, type ApiSecrets } from '../auth';
import { ApiError } from '../errors';

export const platformAuth = fp<{ secrets: ApiSecrets }>(
  async (app, { secrets }) => {
    app.addHook('onRequest', async (request) => {
      if (!platformAuthorized(parseAuthorization(request.headers.authorization), secrets)) {
        throw new ApiError(401, 'missing or wrong credentials: expected Authorization: User <secret>, Organization <secret>');
      }
    });
  },
  { name: 'platform-auth' },
);
