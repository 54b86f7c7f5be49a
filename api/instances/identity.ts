/** An instance's id and token: the id derives from the request body (a repeated POST is the same instance), the token names its id. */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../core/canonicalJson';

/** A stable id for a request body, so a repeated POST addresses the same instance (idempotency). */
export function instanceIdFor(canonical: unknown): number {
  const digest = createHash('sha256').update(canonicalJson(canonical)).digest();
  return digest.readUIntBE(0, 6) || 1;
}

/** `<id>.<random>`: the token names its instance, so `Element <token>` needs no lookup table. */
export function newToken(id: number): string {
  return `${Buffer.from(String(id)).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
}

export function instanceIdOfToken(token: string): number | undefined {
  const id = Number(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
