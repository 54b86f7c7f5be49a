/**
 * The one reader of ISO-8601 date-times: record dates without a configured format
 * (core/javaDate.ts) and CEQL literals (elements/ceql.ts). Pure, no luxon: safe for workflow code.
 *
 * Accepted: `yyyy-MM-dd`, then optionally `T` or a space and `HH:mm[:ss[.fraction]]`, then
 * optionally `Z` or `±HH[[:]mm]`; a comma may stand for the decimal point. Out-of-range fields are
 * refused rather than rolled over.
 */
import { fractionMs, validWall, wallAsUtc, type Wall } from './wallClock';

export interface IsoDateTime {
  /** Wall-clock fields; `ms` is the fraction truncated to milliseconds. */
  wall: Wall;
  /** The fraction's digits as written ('' when there is none), for comparisons finer than a millisecond. */
  fraction: string;
  hasTime: boolean;
  /** Minutes east of UTC; undefined when the text carries no offset (a local time). */
  offsetMinutes?: number;
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?(?:(Z)|([+-])(\d\d)(?::?(\d\d))?)?$/i;

export function parseIsoDateTime(text: string): IsoDateTime | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const num = (i: number): number => Number(m[i] ?? 0);
  const fraction = m[7] ?? '';
  const wall: Wall = { y: num(1), M: num(2), d: num(3), H: num(4), m: num(5), s: num(6), ms: fraction ? fractionMs(fraction) : 0 };
  if (!validWall(wall)) return undefined;
  let offsetMinutes: number | undefined;
  if (m[8]) offsetMinutes = 0;
  else if (m[9]) {
    const [h, min] = [num(10), num(11)];
    if (h > 23 || min > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (h * 60 + min);
  }
  return { wall, fraction, hasTime: m[4] !== undefined, offsetMinutes };
}

/** Epoch ms of a date-time that has an offset (the fraction truncated to milliseconds). */
export function offsetInstantMs(d: IsoDateTime & { offsetMinutes: number }): number {
  return wallAsUtc(d.wall) - d.offsetMinutes * 60_000;
}

/** An ISO-8601 instant with a `T` and a time, read as UTC when it has no offset (`event.poller.since`). */
export function parseIsoInstant(text: string): number | undefined {
  const d = /^\s*\d{4}-\d\d-\d\dT/i.test(text) ? parseIsoDateTime(text) : undefined;
  return d?.hasTime ? offsetInstantMs({ ...d, offsetMinutes: d.offsetMinutes ?? 0 }) : undefined;
}
