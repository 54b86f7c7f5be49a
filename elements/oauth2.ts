/**
 * OAuth2 authorization-code grant with rotating refresh tokens (RFC 6749 §4.1, §6), shared by the
 * Sage Accounting and Maximizer adapters. The workflow keeps the returned Credentials in its state,
 * so a rotated refresh token is durable as soon as this returns.
 */
import type { AuthenticateRequest, Credentials } from './types';
import { requestJson } from './providerHttp';
import { ProviderError } from './providerError';

export interface OAuthClient {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

function tokenCredentials(body: unknown, previous: Credentials | undefined): Credentials {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.access_token !== 'string' || b.access_token === '') {
    throw new ProviderError('token endpoint answered without an access_token', 200, 'auth');
  }
  const expiresIn = Number(b.expires_in);
  return {
    accessToken: b.access_token,
    // A provider that does not rotate sends no refresh token on refresh: the old one stays valid.
    refreshToken: typeof b.refresh_token === 'string' && b.refresh_token !== '' ? b.refresh_token : previous?.refreshToken,
    expiresAtMs: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : undefined,
  };
}

/** Exchanges `providerCode`, or refreshes `credentials`; a refused grant is an auth error (re-authorize). */
export async function oauthAuthenticate(request: AuthenticateRequest, client: OAuthClient): Promise<Credentials> {
  const common = { client_id: client.clientId, client_secret: client.clientSecret };
  let form: Record<string, string>;
  if (request.credentials?.refreshToken) {
    form = { grant_type: 'refresh_token', refresh_token: request.credentials.refreshToken, ...common };
  } else if (request.providerCode) {
    form = { grant_type: 'authorization_code', code: request.providerCode, redirect_uri: client.redirectUri, ...common };
  } else {
    const why = request.credentials ? 'the access token was refused and there is no refresh token' : 'no providerData.code to exchange';
    throw new ProviderError(`cannot authenticate: ${why}; re-authorize the instance`, 401, 'auth');
  }
  try {
    const res = await requestJson(client.tokenUrl, { method: 'POST', form, signal: request.signal });
    return tokenCredentials(res.body, request.credentials);
  } catch (err) {
    // RFC 6749 §5.2: a 4xx from the token endpoint (invalid_grant, invalid_client…) is a refused grant
    // that no retry fixes; the instance must be re-authorized. 429/5xx stay retryable.
    if (err instanceof ProviderError && err.kind === 'client') {
      throw new ProviderError(`${form.grant_type} grant refused: ${err.message}`, err.status, 'auth');
    }
    throw err;
  }
}

/** The provider's authorization URL: `authorizeUrl` (which may carry its own query) plus the code-flow parameters. */
export function authorizationUrl(authorizeUrl: string, params: Record<string, string | undefined>): string {
  const url = new URL(authorizeUrl);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  return url.toString();
}

/** The bearer token of the context, or an auth error that makes the workflow authenticate. */
export function accessToken(credentials: Credentials | undefined): string {
  if (!credentials?.accessToken) throw new ProviderError('not authenticated yet: no access token', 401, 'auth');
  return credentials.accessToken;
}
