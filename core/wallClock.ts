/**
 * Wall-clock fields (year … millisecond) and their arithmetic, without luxon: core/javaDate.ts
 * parses record dates with them, and core/settings.ts (in the workflow bundle) parses instants.
 */
export interface Wall {
  y: number;
  M: number;
  d: number;
  H: number;
  m: number;
  s: number;
  ms: number;
}

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

export function validWall(w: Wall): boolean {
  return w.M >= 1 && w.M <= 12 && w.d >= 1 && w.d <= daysInMonth(w.y, w.M) && w.H >= 0 && w.H <= 23 && w.m >= 0 && w.m <= 59 && w.s >= 0 && w.s <= 59;
}

/** Wall clock → epoch ms, read as if it were UTC (setUTCFullYear keeps years 0–99 literal). */
export function wallAsUtc(w: Wall): number {
  const t = new Date(0);
  t.setUTCFullYear(w.y, w.M - 1, w.d);
  t.setUTCHours(w.H, w.m, w.s, w.ms);
  return t.getTime();
}

/** Fraction digits → ms: ".4" = 400, ".451000" = 451, ".1234567" = 123 (truncated). */
export const fractionMs = (digits: string): number => Number((digits + '00').slice(0, 3));
