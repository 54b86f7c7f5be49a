/**
 * GET /instances sorted by health: SQL visibility stores cannot order by a search attribute, so the list is one
 * visibility listing per health state, worst first, read one after the other. The page token carries which listing it
 * is in and Temporal's token within it. Unsorted, the list is one listing and the token is Temporal's, as before.
 */
import type { HealthState } from '../../contract/instance';
import { HEALTH_WORST_FIRST } from './visibilityQuery';

/** What GET /instances lists. */
export interface ListFilter {
  /** Every one of these tags. */
  tags: string[];
  /** Any of these health states (any health when empty). */
  health: HealthState[];
  /** `health`: failing instances first, then degraded, then healthy. */
  orderBy?: 'health';
}

/** The health states of each listing, in the order they are read. */
export function listPhases(filter: Pick<ListFilter, 'health' | 'orderBy'>): HealthState[][] {
  if (filter.orderBy !== 'health') return [filter.health];
  return HEALTH_WORST_FIRST.filter((s) => filter.health.length === 0 || filter.health.includes(s)).map((s) => [s]);
}

export interface ListCursor {
  /** The listing (index into the phases); `phases` when the list is read to its end. */
  phase: number;
  /** Temporal's page token within it. */
  token?: Buffer;
}

/** Where a page token resumes. Only tokens this API issued reach here (pageToken.ts seals them). */
export function pageCursor(token: string | undefined, phases: number): ListCursor {
  if (!token) return { phase: 0 };
  if (phases === 1) return { phase: 0, token: Buffer.from(token, 'base64url') };
  const m = /^(\d+)-([A-Za-z0-9_-]*)$/.exec(token);
  if (!m || Number(m[1]) >= phases) return { phase: phases };
  return { phase: Number(m[1]), token: m[2] ? Buffer.from(m[2], 'base64url') : undefined };
}

/** The token of the next page, or undefined at the end of the last listing. */
export function phaseToken(phase: number, token: Buffer | undefined, phases: number): string | undefined {
  if (phase >= phases) return undefined;
  const temporal = token?.toString('base64url') ?? '';
  if (phases === 1) return temporal || undefined;
  return `${phase}-${temporal}`;
}
