/**
 * The OAuth2 tokens a dry run reads with. An existing instance's are its own (never refreshed here: a refresh rotates
 * the refresh token the instance holds). A new instance has only what its configuration holds itself: an
 * authorization code is good for a single exchange, and the instance needs that one.
 */
import type { InstanceSpec } from '../../core/instanceSpec';
import { OAUTH_ELEMENTS } from '../../core/settings';
import type { Credentials, ElementAdapter } from '../../elements/types';
import { badRequest } from '../errors';

export function newInstanceCredentials(adapter: ElementAdapter, spec: InstanceSpec): Credentials | undefined {
  if (!OAUTH_ELEMENTS.includes(spec.elementKey)) return undefined;
  const direct = adapter.directCredentials;
  const credentials = direct?.read(spec.configuration);
  if (credentials) return credentials;
  const why = 'an authorization code is good for one exchange, which the instance needs: create the instance, then dry-run it (POST /instances/{id}/events/dry-run)';
  throw badRequest([
    direct
      ? { path: `configuration['${direct.key}']`, message: `a dry run of a new ${spec.elementKey} instance needs this token; ${why}` }
      : { path: spec.providerCode ? 'providerData.code' : 'element.key', message: `a new ${spec.elementKey} instance cannot be dry-run: ${why}` },
  ]);
}
