/**
 * Zone names as Java's SimpleDateFormat (Locale.US) prints and reads them for `z` / `zzzz`, from
 * data generated out of Java itself (./javaZones.ts). Pure.
 *
 * Printing: the standard or daylight name of the zone, daylight meaning what Java's calendar means
 * (the offset differs from Java's standard offset for the zone at that moment).
 * Reading follows Java's order: the names of the configured zone first, then those of the JVM's
 * default zone (UTC, as Pollster's servers run), then every zone in Java's own table order, the
 * first zone with a matching name winning. Ids are never read as names ("America/Denver" in the
 * text is not a zone name to Java).
 */
import type { Zone } from 'luxon';
import { JAVA_NAME_SETS, JAVA_ZONES } from './javaZones';

export type NameSet = readonly [longStandard: string, shortStandard: string, longDaylight: string, shortDaylight: string];

export interface JavaZone {
  id: string;
  printed: NameSet;
  /** The names Java's parser matches for this zone; undefined when it never matches this id. */
  read?: NameSet;
  /** `read`, lower-cased once (names are matched ignoring case, for every record). */
  readLower?: NameSet;
  /** Java's TimeZone.getDSTSavings(): what a daylight name adds to the standard offset. */
  dstSavingsMinutes: number;
  /** [minutes since 1970, standard offset in minutes] pairs, ascending. */
  standard: readonly number[];
}

const lowerSets = JAVA_NAME_SETS.map((set) => set.map((n) => n.toLowerCase()) as unknown as NameSet);
const ZONES: JavaZone[] = JAVA_ZONES.map(([id, printed, read, dst, standard]) => ({
  id,
  printed: JAVA_NAME_SETS[printed]!,
  read: read < 0 ? undefined : JAVA_NAME_SETS[read]!,
  readLower: read < 0 ? undefined : lowerSets[read]!,
  dstSavingsMinutes: dst,
  standard,
}));
const READ_ORDER = ZONES.filter((z) => z.read);
// Java's ids are case-sensitive; zone settings here are not (America/denver resolves), so neither is this.
const BY_ID = new Map(ZONES.map((z) => [z.id.toLowerCase(), z]));
const JVM_DEFAULT = 'UTC';

export function javaZone(id: string): JavaZone | undefined {
  return BY_ID.get(id.toLowerCase());
}

/** Java's standard offset (minutes) of a zone at `ts`; before 1970, its 1970 offset. */
function javaStandardOffset(zone: JavaZone, ts: number): number {
  const minutes = Math.floor(ts / 60_000);
  let offset = zone.standard[1]!;
  for (let i = 2; i < zone.standard.length && zone.standard[i]! <= minutes; i += 2) offset = zone.standard[i + 1]!;
  return offset;
}

const HALF_YEAR = 181 * 86_400_000;

/**
 * A zone's standard offset at `ts` in minutes: Java's own where Java knows the zone, otherwise the
 * lower of its offsets at the start and the middle of that year (daylight time adds to it).
 */
export function standardOffset(id: string, zone: Zone, ts: number): number {
  const java = javaZone(id);
  if (java) return javaStandardOffset(java, ts);
  const start = Date.UTC(new Date(ts).getUTCFullYear(), 0, 1);
  return Math.min(zone.offset(start), zone.offset(start + HALF_YEAR));
}

/** The name Java prints for the zone with Java id `id` at `ts`, or undefined when Java has no such zone. */
export function javaDisplayName(id: string, zone: Zone, ts: number, long: boolean): string | undefined {
  const java = javaZone(id);
  if (!java) return undefined;
  const daylight = zone.offset(ts) !== javaStandardOffset(java, ts) ? 2 : 0;
  return java.printed[daylight + (long ? 0 : 1)];
}

export interface NameMatch {
  zone: JavaZone & { read: NameSet };
  /** 0 long standard, 1 short standard, 2 long daylight, 3 short daylight (Java's order of trying them). */
  nameIndex: number;
  length: number;
}

/**
 * A name must be whole: Java also takes a name that is only the start of a word ("WIT" of "WITA",
 * then ignores the "A"), which reads Makassar's WITA an hour off; Pollster reads the whole word.
 */
const wholeAt = (lower: string, name: string, pos: number): boolean =>
  lower.startsWith(name, pos) && !/[a-z]/.test(lower[pos + name.length] ?? '');

function matchIn(zone: JavaZone | undefined, lower: string, pos: number): NameMatch | undefined {
  const read = zone?.read;
  if (!zone || !read || !zone.readLower) return undefined;
  const nameIndex = zone.readLower.findIndex((n) => wholeAt(lower, n, pos));
  return nameIndex < 0 ? undefined : { zone: { ...zone, read }, nameIndex, length: read[nameIndex]!.length };
}

/** The zone name at `pos` of `text` (case-insensitive, as Java), searched in Java's order. */
export function matchZoneName(text: string, pos: number, configuredId: string): NameMatch | undefined {
  const lower = text.toLowerCase();
  const first = matchIn(javaZone(configuredId), lower, pos) ?? matchIn(javaZone(JVM_DEFAULT), lower, pos);
  if (first) return first;
  for (const zone of READ_ORDER) {
    const m = matchIn(zone, lower, pos);
    if (m) return m;
  }
  return undefined;
}

/**
 * How Java turns a matched name into an offset. A standard name fixes the zone's standard offset
 * (`PST` in July is still −08:00), a daylight name adds the zone's DST savings; a name the zone uses
 * for both, or a daylight name of a zone without DST savings, lets the zone's own rules decide.
 */
export function namedOffset(match: NameMatch): { fixed: true; daylightMinutes: number } | { fixed: false } {
  const { zone, nameIndex } = match;
  const sameName = nameIndex < 2 && zone.read[nameIndex]!.toLowerCase() === zone.read[nameIndex + 2]!.toLowerCase();
  const daylight = nameIndex >= 2;
  if (sameName || (daylight && zone.dstSavingsMinutes === 0)) return { fixed: false };
  return { fixed: true, daylightMinutes: daylight ? zone.dstSavingsMinutes : 0 };
}
