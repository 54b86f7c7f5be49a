/**
 * GET /instances pages: Temporal's visibility page token, sealed with a MAC over the filter it belongs to. Temporal
 * answers a token it cannot read with an internal error, so the API only ever hands it back a token it issued, for
 * the same tags; anything else is a 400 at `query.nextPage`. The key derives from the API credentials, so every API
 * replica reads every other's tokens and a restart keeps them valid.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiSecrets } from '../auth';

export interface PageTokens {
  /** The token to answer with (`elements-next-page-token`). */
  seal(filter: readonly string[], token: string): string;
  /** Temporal's token from a sealed one, or undefined when this API did not issue it for this filter. */
  open(filter: readonly string[], sealed: string): string | undefined;
}

export function pageTokens(secrets: ApiSecrets): PageTokens {
  const key = createHmac('sha256', secrets.organizationSecret).update(`page-token:${secrets.userSecret}`).digest();
  // Compared as text: two spellings of the same bytes (base64url's spare bits) are not both valid.
  const mac = (filter: readonly string[], token: string): Buffer =>
    Buffer.from(createHmac('sha256', key).update(JSON.stringify(filter)).update('\n').update(token).digest().subarray(0, 16).toString('base64url'));
  return {
    seal: (filter, token) => `${token}.${mac(filter, token).toString()}`,
    open(filter, sealed) {
      const dot = sealed.lastIndexOf('.');
      if (dot < 0) return undefined;
      const token = sealed.slice(0, dot);
      const given = Buffer.from(sealed.slice(dot + 1));
      const expected = mac(filter, token);
      return given.length === expected.length && timingSafeEqual(given, expected) ? token : undefined;
    },
  };
}
