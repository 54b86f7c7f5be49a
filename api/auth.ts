/**
 * Cloud Elements' Authorization header: `User <userSecret>, Organization <orgSecret>[, Element <token>]`.
 */
import { timingSafeEqual } from 'node:crypto';

/** The parts of an Authorization header. */
export interface AuthorizationParts {
  user?: string;
  organization?: string;
  element?: string;
}

export function parseAuthorization(header: string | undefined): AuthorizationParts {
  const out: AuthorizationParts = {};
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*(User|Organization|Element)\s+(\S+)\s*$/i.exec(part);
    if (!m) continue;
    out[m[1]!.toLowerCase() as keyof AuthorizationParts] = m[2];
  }
  return out;
}

export function secretEquals(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ApiSecrets {
  userSecret: string;
  organizationSecret: string;
}

export function platformAuthorized(credentials: AuthorizationParts, secrets: ApiSecrets): boolean {
  return secretEquals(credentials.user, secrets.userSecret) && secretEquals(credentials.organization, secrets.organizationSecret);
}
