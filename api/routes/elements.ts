/**
 * `/elements`: the supported elements, their configuration definitions and default poller
 * configuration, and (OAuth2 elements) the provider's authorization URL.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { httpUrl } from '../../core/config';
import { allElements, elementAdapter } from '../../elements/registry';
import { badRequest, notFound } from '../errors';
import { issuePath } from '../plugins/validation';

const keyParams = z.object({ key: z.string() });

/**
 * Cloud Elements' parameters; any other query parameter is read as instance configuration, so an
 * element's URL settings apply (e.g. `base.url`, `maximizer.alias`, `oauth.scope`, `country`).
 */
const oauthQuery = z
  .object({
    apiKey: z.string().min(1, 'required'),
    apiSecret: z.string().optional(),
    callbackUrl: httpUrl,
    state: z.string().optional(),
    // The settings an authorization URL is built on: http(s) only, so no `javascript:` ever comes back as one.
    'oauth.authorization.url': httpUrl.optional(),
    'base.url': httpUrl.optional(),
  })
  .catchall(z.string());

/** The authorization URL as an http(s) URL, or undefined when the parameters do not make one. */
function httpAuthorizationUrl(build: () => string): string | undefined {
  try {
    const url = new URL(build());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export const elementRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/elements', { schema: { tags: ['elements'] } }, async () =>
    allElements().map(({ definition: d }) => ({ key: d.key, name: d.name, hub: d.hub, authentication: { type: d.authType }, description: d.description })),
  );

  app.get('/elements/:key/configuration', { schema: { params: keyParams, tags: ['elements'] } }, async (request) => {
    const adapter = elementAdapter(request.params.key);
    if (!adapter) throw notFound(`element ${request.params.key}`);
    const d = adapter.definition;
    return [
      ...d.configuration,
      { key: 'event.poller.configuration', name: 'Event Poller Resources Configuration', type: 'TEXTAREA', required: false, defaultValue: JSON.stringify(d.defaultPollerConfiguration) },
    ];
  });

  app.get('/elements/:key/oauth/url', { schema: { params: keyParams, querystring: oauthQuery, tags: ['elements'] } }, async (request) => {
    const adapter = elementAdapter(request.params.key);
    if (!adapter?.oauthUrl) throw notFound(adapter ? `OAuth2 authorization for element ${request.params.key}` : `element ${request.params.key}`);
    const { apiKey, apiSecret, callbackUrl, state, ...rest } = request.query;
    // The secret is accepted for compatibility but never placed in a URL.
    const configuration = rest as Record<string, string>;
    const oauthUrl = httpAuthorizationUrl(() => adapter.oauthUrl!({ apiKey, apiSecret: apiSecret ?? '', callbackUrl, state, configuration }));
    if (!oauthUrl) {
      // Only the configuration shapes the URL's scheme and host: name what was given of it.
      const given = Object.keys(configuration);
      throw badRequest((given.length > 0 ? given : ['']).map((key) => ({ path: issuePath('querystring', key ? [key] : []), message: 'these parameters do not make an http(s) authorization URL' })));
    }
    return { element: adapter.definition.key, oauthUrl };
  });
};
