/**
 * Java `SimpleDateFormat`-compatible formatting and parsing (Locale.US), on luxon zones.
 *
 * Cloud Elements poller configurations carry Java patterns, so URLs must render and record
 * dates must parse as Java would. Pure: no I/O, no clock. Deliberate differences from Java:
 *  - Parsing reads `S` digits as a decimal fraction of a second: ".451000" is 451 ms,
 *    ".4" is 400 ms, ".1234567" is 123 ms (Java would add 451000 ms / 4 ms / 1234567 ms).
 *  - Parsing requires the whole text to be consumed (Java ignores trailing text) and validates
 *    ranges (Java's lenient calendar rolls "2017-02-29" over to March 1).
 *  - Parsing is more accepting for offsets: `Z`/`X`/`z` all read "Z", ±hh, ±hhmm, ±hh:mm and
 *    GMT/UTC±h[:mm]. Zone names (`z`) are read as Java reads them (./zoneNames.ts: the configured
 *    zone's own names first, then Java's table; an id such as "America/Denver" is not a name),
 *    except that a name must be a whole word (Java reads "WITA" as "WIT" and drops the "A").
 *    Adjacent numeric fields (`yyyyMMdd`) use fixed widths.
 *  - Zone *settings* Java does not know are not GMT: "EDT" is −04:00, "-6:00" and "UTC+1" are
 *    those offsets (Java silently uses GMT for all three).
 *  - `yy` parses with a fixed 1950–2049 window instead of Java's "now − 80 years" (no clock).
 *  - An unterminated quote runs to the end of the pattern (Java throws); this accepts the
 *    documented `yyyy-MM-dd'T'HH:mm:ssXXX'` typo.
 * Wall times without an offset resolve as Java's Calendar does: in a DST overlap the later
 * (standard-time) instant, in a gap the pre-transition offset (02:30 → 03:30 daylight).
 * Note a quoted 'Z' is a literal: "2017-06-12T14:09:00Z" with `yyyy-MM-dd'T'HH:mm:ss'Z'` in
 * zone "EST" is 14:09 EST wall clock (19:09Z), exactly as on Cloud Elements.
 */
import { FixedOffsetZone, IANAZone, Zone } from 'luxon';
import type { ZoneOffsetFormat, ZoneOffsetOptions } from 'luxon';
import { parseIsoDateTime } from './isoInstant';
import { memoByKey } from './memo';
import { fractionMs, validWall, wallAsUtc, type Wall } from './wallClock';
import { javaDisplayName, matchZoneName, namedOffset, standardOffset, type NameMatch } from './zoneNames';

const MINUTE = 60_000;
const DAY = 86_400_000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A fixed-offset zone that keeps Java's display name ("GMT", "EST", "GMT-06:00") for `z`. */
class JavaFixedZone extends Zone<true> {
  constructor(private readonly id: string, private readonly minutes: number, private readonly longName = id) {
    super();
  }
  override get type(): string { return 'java-fixed'; }
  override get name(): string { return this.id; }
  override get isUniversal(): boolean { return true; }
  override get isValid(): true { return true; }
  override offsetName(_ts: number, opts: ZoneOffsetOptions): string { return opts.format === 'long' ? this.longName : this.id; }
  override formatOffset(ts: number, format: ZoneOffsetFormat): string { return FixedOffsetZone.instance(this.minutes).formatOffset(ts, format); }
  override offset(): number { return this.minutes; }
  override equals(other: Zone): boolean { return other instanceof JavaFixedZone && other.minutes === this.minutes; }
}

/**
 * Zone *settings* that name an abbreviation Java has no zone id for: Java silently turns
 * "EDT"/"CDT"/"CEST"… into GMT; Pollster uses the fixed offset they name (and prints that name
 * for `z`). EST, MST, HST, GMT and UTC are Java's own fixed zones. Record text is read with Java's
 * own names instead (./zoneNames.ts).
 */
const ABBREVIATIONS: Record<string, [minutes: number, longName: string]> = {
  GMT: [0, 'Greenwich Mean Time'], UTC: [0, 'Coordinated Universal Time'], WET: [0, 'Western European Time'],
  BST: [60, 'British Summer Time'], CET: [60, 'Central European Time'], WEST: [60, 'Western European Summer Time'],
  CEST: [120, 'Central European Summer Time'], EET: [120, 'Eastern European Time'], EEST: [180, 'Eastern European Summer Time'],
  MSK: [180, 'Moscow Standard Time'], IST: [330, 'India Standard Time'], SGT: [480, 'Singapore Time'],
  AWST: [480, 'Australian Western Standard Time'], JST: [540, 'Japan Standard Time'], KST: [540, 'Korea Standard Time'],
  ACST: [570, 'Australian Central Standard Time'], AEST: [600, 'Australian Eastern Standard Time'],
  AEDT: [660, 'Australian Eastern Daylight Time'], NZST: [720, 'New Zealand Standard Time'], NZDT: [780, 'New Zealand Daylight Time'],
  NDT: [-150, 'Newfoundland Daylight Time'], NST: [-210, 'Newfoundland Standard Time'], ADT: [-180, 'Atlantic Daylight Time'],
  AST: [-240, 'Atlantic Standard Time'], EDT: [-240, 'Eastern Daylight Time'], EST: [-300, 'Eastern Standard Time'],
  CDT: [-300, 'Central Daylight Time'], CST: [-360, 'Central Standard Time'], MDT: [-360, 'Mountain Daylight Time'],
  MST: [-420, 'Mountain Standard Time'], PDT: [-420, 'Pacific Daylight Time'], PST: [-480, 'Pacific Standard Time'],
  AKDT: [-480, 'Alaska Daylight Time'], AKST: [-540, 'Alaska Standard Time'], HDT: [-540, 'Hawaii-Aleutian Daylight Time'],
  HST: [-600, 'Hawaii-Aleutian Standard Time'],
};

/**
 * Zone *settings* Java resolves to regions (java.time.ZoneId.SHORT_IDS, plus tzdb's CET/EET/
 * WET/MET): "PST" observes DST like America/Los_Angeles, as it did on Cloud Elements. EST, MST
 * and HST are fixed offsets in Java and stay in ABBREVIATIONS. Java's quirks are kept
 * (BST = Asia/Dhaka, AST = America/Anchorage, NST = Pacific/Auckland) so URLs render as before.
 */
const JAVA_ZONE_IDS: Record<string, string> = {
  ACT: 'Australia/Darwin', AET: 'Australia/Sydney', AGT: 'America/Argentina/Buenos_Aires', ART: 'Africa/Cairo',
  AST: 'America/Anchorage', BET: 'America/Sao_Paulo', BST: 'Asia/Dhaka', CAT: 'Africa/Harare', CNT: 'America/St_Johns',
  CST: 'America/Chicago', CTT: 'Asia/Shanghai', EAT: 'Africa/Addis_Ababa', ECT: 'Europe/Paris',
  IET: 'America/Indiana/Indianapolis', IST: 'Asia/Kolkata', JST: 'Asia/Tokyo', MIT: 'Pacific/Apia', NET: 'Asia/Yerevan',
  NST: 'Pacific/Auckland', PLT: 'Asia/Karachi', PNT: 'America/Phoenix', PRT: 'America/Puerto_Rico',
  PST: 'America/Los_Angeles', SST: 'Pacific/Guadalcanal', VST: 'Asia/Ho_Chi_Minh',
  CET: 'CET', EET: 'EET', WET: 'WET', MET: 'MET',
};

/** A region Java knows under another id ("PST" is America/Los_Angeles): Java's names are the id's. */
class JavaIdZone extends IANAZone {
  constructor(readonly javaId: string, region: string) {
    super(region);
  }
}

const UTC_ZONE = new JavaFixedZone('UTC', 0, 'Coordinated Universal Time');

/** "-6:00", "+06:00", "-0800", "+6", "GMT-08:00", "UTC+1" → minutes; undefined otherwise. */
function offsetSetting(s: string): number | undefined {
  const m = /^(?:GMT|UTC|UT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(s);
  return m ? signedMinutes(m[1]!, m[2]!, m[3]) : undefined;
}

function signedMinutes(sign: string, hh: string, mm: string | undefined): number | undefined {
  const h = Number(hh), m = Number(mm ?? 0);
  if (h > 23 || m > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (h * 60 + m);
}

/** "+05:30" style (sep ':'), "+0530" (sep ''). */
function offsetText(minutes: number, sep: string): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}${sep}${pad(a % 60, 2)}`;
}

/**
 * Resolve a zone setting. Order: Java's region ids (PST → America/Los_Angeles), fixed
 * abbreviations (GMT, UTC, Z, EST, MST, HST, EDT, CEST…), offsets (named "GMT-06:00" as Java
 * names custom zones), then IANA ids. Empty/undefined → UTC; garbage → undefined.
 */
export function resolveZone(zone: string | undefined): Zone | undefined {
  return resolvedZones(zone ?? '');
}

function resolveZoneText(zone: string): Zone | undefined {
  const s = zone.trim();
  if (s === '') return UTC_ZONE;
  const up = s.toUpperCase();
  if (up === 'Z' || up === 'UT') return UTC_ZONE;
  const region = JAVA_ZONE_IDS[up];
  if (region) return region === up ? IANAZone.create(region) : new JavaIdZone(up, region);
  const abbr = ABBREVIATIONS[up];
  if (abbr) return new JavaFixedZone(up, abbr[0], abbr[1]);
  const minutes = offsetSetting(s);
  if (minutes !== undefined) return new JavaFixedZone(`GMT${offsetText(minutes, ':')}`, minutes);
  return IANAZone.isValidZone(s) ? IANAZone.create(s) : undefined;
}

// Each pattern, zone and digit run is compiled (resolved) once: the same few come with every record of a resource.
const resolvedZones = memoByKey(resolveZoneText);

// ---------------------------------------------------------------------------------------------
// Patterns

type Token = { lit: string } | { letter: string; count: number };
type Field = { letter: string; count: number };

const SUPPORTED = 'yMdHhkKmsSaEZXz';
/** Numeric fields (MMM and longer is text). */
const isNumeric = (t: Token | undefined): boolean =>
  t !== undefined && 'letter' in t && ('ydHhkKmsS'.includes(t.letter) || (t.letter === 'M' && t.count <= 2));

/** Split a pattern into literals and letter runs (shared: never changed); throws naming an unsupported letter. */
const compile = memoByKey((pattern: string): readonly Token[] => compilePattern(pattern));

function compilePattern(pattern: string): Token[] {
  const out: Token[] = [];
  const lit = (s: string): void => {
    const last = out[out.length - 1];
    if (last && 'lit' in last) last.lit += s;
    else out.push({ lit: s });
  };
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === "'") {
      let j = i + 1, text = '';
      for (; j < pattern.length; j++) {
        if (pattern[j] !== "'") text += pattern[j];
        else if (pattern[j + 1] === "'") { text += "'"; j++; } // '' inside quotes
        else break;
      }
      lit(j === i + 1 && j < pattern.length ? "'" : text); // a bare '' is one quote
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!SUPPORTED.includes(c)) {
        throw new Error(`unsupported date pattern letter '${c}' in "${pattern}"${c === 'Y' ? " (week year; use 'y')" : ''}`);
      }
      if (c === 'X' && j - i > 3) throw new Error(`pattern letter 'X' repeats at most 3 times (X, XX, XXX) in "${pattern}"`);
      out.push({ letter: c, count: j - i });
      i = j;
    } else {
      lit(c);
      i++;
    }
  }
  return out;
}

/** "milliseconds" (also with a stray quote) → epoch ms; Eloqua's phrase → epoch seconds. */
function epochPattern(pattern: string | undefined): 'ms' | 's' | undefined {
  const p = (pattern ?? '').replace(/'/g, '').trim().toLowerCase();
  return p === 'milliseconds' ? 'ms' : p === '10 digit integer unix time' ? 's' : undefined;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

// ---------------------------------------------------------------------------------------------
// Formatting

/** The zone id Java knows this zone by (Java's names are keyed by it). */
function javaId(zone: Zone): string {
  return zone instanceof JavaIdZone ? zone.javaId : zone.name;
}

function zoneName(zone: Zone, ts: number, long: boolean): string {
  // Java's names (IST for Asia/Kolkata, JST for Asia/Tokyo); a zone Java has no names for prints
  // as GMT±hh:mm, and so do custom offsets (their id is already that).
  const java = javaDisplayName(javaId(zone), zone, ts, long);
  if (java) return java;
  if (zone instanceof JavaFixedZone) return zone.offsetName(ts, { format: long ? 'long' : 'short' });
  return `GMT${offsetText(zone.offset(ts), ':')}`;
}

function formatField(f: Field, local: Date, offset: number, zone: Zone, ts: number): string {
  const { letter, count } = f;
  const hour = local.getUTCHours();
  switch (letter) {
    case 'y': return count === 2 ? pad(local.getUTCFullYear() % 100, 2) : pad(local.getUTCFullYear(), count);
    case 'M': {
      const m = local.getUTCMonth();
      return count >= 4 ? MONTHS[m]! : count === 3 ? MONTHS[m]!.slice(0, 3) : pad(m + 1, count);
    }
    case 'd': return pad(local.getUTCDate(), count);
    case 'H': return pad(hour, count);
    case 'k': return pad(hour || 24, count);
    case 'K': return pad(hour % 12, count);
    case 'h': return pad(hour % 12 || 12, count);
    case 'm': return pad(local.getUTCMinutes(), count);
    case 's': return pad(local.getUTCSeconds(), count);
    case 'S': return pad(local.getUTCMilliseconds(), count); // Java: milliseconds, padded, never a fraction
    case 'a': return hour < 12 ? 'AM' : 'PM';
    case 'E': { const d = DAYS[local.getUTCDay()]!; return count >= 4 ? d : d.slice(0, 3); }
    case 'Z': return offsetText(offset, '');
    case 'X': return offset === 0 ? 'Z' : count === 1 ? offsetText(offset, '').slice(0, 3) : offsetText(offset, count === 2 ? '' : ':');
    default: return zoneName(zone, ts, count >= 4); // 'z'
  }
}

/** Format an instant (epoch ms) with a Java SimpleDateFormat pattern in a zone. pattern "milliseconds" → String(epochMs). */
export function formatJavaDate(epochMs: number, pattern: string, zone?: string): string {
  const ms = Math.floor(epochMs);
  const epoch = epochPattern(pattern);
  if (epoch) return String(epoch === 'ms' ? ms : Math.floor(ms / 1000));
  const tokens = compile(pattern);
  const z = resolveZone(zone);
  if (!z) throw new Error(`unknown time zone "${zone}"`);
  const offset = z.offset(ms);
  const local = new Date(ms + offset * MINUTE); // wall clock read through the UTC getters
  if (Number.isNaN(local.getTime())) throw new Error(`instant out of range: ${epochMs}`);
  return tokens.map((t) => ('lit' in t ? t.lit : formatField(t, local, offset, z, ms))).join('');
}

/** Instant → ISO UTC with seconds, no millis: "2018-07-31T19:39:46Z" (the event `date` format). */
export function toIsoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Wall clock in a zone → instant, deterministically and like java.util.Calendar: try the
 * offsets in force a day before and after; in an overlap take the later instant (standard
 * time), in a gap use the earlier offset. (luxon's fromObject depends on the current date here.)
 */
function wallToEpoch(w: Wall, zone: Zone): number {
  const local = wallAsUtc(w);
  const before = zone.offset(local - DAY), after = zone.offset(local + DAY);
  const t1 = local - before * MINUTE, t2 = local - after * MINUTE;
  const ok1 = zone.offset(t1) === before, ok2 = zone.offset(t2) === after;
  if (ok1 && ok2) return Math.max(t1, t2);
  if (ok2) return t2;
  return t1;
}

function twoDigitYear(n: number): number {
  return n < 50 ? 2000 + n : 1900 + n; // fixed 1950–2049 window (Java: now−80 … now+20)
}

const OFFSET_RE = /(?:GMT|UTC|UT)?([+-])(\d\d?)(?::?(\d\d))?/iy;
const WORD_RE = /[A-Za-z]+/y;

type ZoneText = { at: number; offset: number } | { at: number; named: NameMatch };

/** An offset at `pos`: ±hh[[:]mm], optionally after GMT/UTC/UT, or "Z". */
function readOffset(text: string, pos: number): { at: number; offset: number } | undefined {
  OFFSET_RE.lastIndex = pos;
  const m = OFFSET_RE.exec(text);
  if (m) {
    const offset = signedMinutes(m[1]!, m[2]!, m[3]);
    return offset === undefined ? undefined : { at: pos + m[0].length, offset };
  }
  return text[pos] === 'Z' ? { at: pos + 1, offset: 0 } : undefined;
}

/** Zone text at `pos` for `Z`/`z`: an offset, a bare GMT, or a zone name as Java reads it. */
function readZoneText(text: string, pos: number, configuredId: string): ZoneText | undefined {
  OFFSET_RE.lastIndex = pos;
  if (OFFSET_RE.test(text)) return readOffset(text, pos);
  if (text.slice(pos, pos + 3).toUpperCase() === 'GMT') return { at: pos + 3, offset: 0 }; // as Java, before names
  const named = matchZoneName(text, pos, configuredId);
  if (named) return { at: pos + named.length, named };
  WORD_RE.lastIndex = pos;
  const word = WORD_RE.exec(text)?.[0].toUpperCase();
  return word === 'Z' || word === 'UT' ? { at: pos + word.length, offset: 0 } : undefined;
}

/** Wall clock + a matched zone name → instant, as Java's calendar resolves it. */
function namedToEpoch(w: Wall, named: NameMatch): number {
  const zone = IANAZone.create(named.zone.id);
  const how = namedOffset(named);
  if (!how.fixed) return wallToEpoch(w, zone);
  const local = wallAsUtc(w);
  return local - (standardOffset(named.zone.id, zone, local) + how.daylightMinutes) * MINUTE;
}

/** Case-insensitive match of the longest name in `names` (long before short) at `pos`. */
function readName(text: string, pos: number, names: string[]): { at: number; index: number } | undefined {
  const lower = text.toLowerCase();
  for (const len of [Infinity, 3]) {
    const index = names.findIndex((n) => lower.startsWith(n.slice(0, len).toLowerCase(), pos));
    if (index >= 0) return { at: pos + Math.min(len, names[index]!.length), index };
  }
  return undefined;
}

/** A sticky regexp of `min` to `max` digits (`max` '' for any number), one per shape. */
const digitRuns = memoByKey((shape: string): RegExp => new RegExp(`\\d{${shape}}`, 'y'));

function parsePattern(text: string, tokens: readonly Token[], zone: Zone): number | undefined {
  const w: Wall = { y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0, ms: 0 };
  let hour24: number | undefined, hour12: number | undefined, pm = false;
  let zoneText: ZoneText | undefined;
  let pos = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if ('lit' in t) {
      if (!text.startsWith(t.lit, pos)) return undefined;
      pos += t.lit.length;
      continue;
    }
    const { letter, count } = t;
    if (isNumeric(t)) {
      // Adjacent numeric fields (yyyyMMdd) need fixed widths; otherwise 1..n digits, as Java's
      // lenient parser reads "2017-1-5" with yyyy-MM-dd. Fractions take every digit.
      const fixed = isNumeric(tokens[i + 1]);
      const max = fixed ? count : letter === 'S' ? '' : Math.max(count, letter === 'y' ? 4 : 2);
      const re = digitRuns(`${fixed ? count : 1},${max}`);
      re.lastIndex = pos;
      const digits = re.exec(text)?.[0];
      if (digits === undefined) return undefined;
      pos += digits.length;
      const n = Number(digits);
      switch (letter) {
        case 'y': w.y = count <= 2 && digits.length === 2 ? twoDigitYear(n) : n; break;
        case 'M': w.M = n; break;
        case 'd': w.d = n; break;
        case 'H': hour24 = n; break;
        case 'k': if (n < 1 || n > 24) return undefined; hour24 = n % 24; break;
        case 'h': if (n < 1 || n > 12) return undefined; hour12 = n % 12; break;
        case 'K': if (n > 11) return undefined; hour12 = n; break;
        case 'm': w.m = n; break;
        case 's': w.s = n; break;
        default: w.ms = fractionMs(digits); // 'S'
      }
      continue;
    }
    switch (letter) {
      case 'M': case 'E': {
        const r = readName(text, pos, letter === 'M' ? MONTHS : DAYS);
        if (!r) return undefined;
        if (letter === 'M') w.M = r.index + 1; // day names are tolerated, not checked
        pos = r.at;
        break;
      }
      case 'a': {
        const ap = text.slice(pos, pos + 2).toUpperCase();
        if (ap !== 'AM' && ap !== 'PM') return undefined;
        pm = ap === 'PM';
        pos += 2;
        break;
      }
      default: { // Z, X, z
        zoneText = letter === 'X' ? readOffset(text, pos) : readZoneText(text, pos, javaId(zone));
        if (!zoneText) return undefined;
        pos = zoneText.at;
      }
    }
  }
  if (pos !== text.length) return undefined;
  w.H = hour24 ?? (hour12 ?? 0) + (pm ? 12 : 0);
  if (!validWall(w)) return undefined;
  if (!zoneText) return wallToEpoch(w, zone);
  if ('named' in zoneText) return namedToEpoch(w, zoneText.named);
  return wallAsUtc(w) - zoneText.offset * MINUTE;
}

function parseIso(text: string, zone: Zone): number | undefined {
  const iso = parseIsoDateTime(text);
  if (!iso) return undefined;
  return iso.offsetMinutes === undefined ? wallToEpoch(iso.wall, zone) : wallAsUtc(iso.wall) - iso.offsetMinutes * MINUTE;
}

const NUMBER_RE = /^-?\d+(?:\.\d+)?$/;

/**
 * Parse a record's date value with a Java pattern; the zone is used when the text carries no
 * offset. Returns epoch ms, or undefined when it does not parse (never throws). "milliseconds"
 * (and "milliseconds'") → epoch ms from a number or numeric string; "10 digit integer Unix
 * time" → epoch seconds. No pattern: ISO-8601 strings (no offset → in `zone`), numbers as ms.
 */
export function parseJavaDate(value: unknown, pattern: string | undefined, zone?: string): number | undefined {
  const epoch = epochPattern(pattern);
  if (epoch || (!pattern?.trim() && typeof value === 'number')) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && NUMBER_RE.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n)) return undefined;
    return epoch === 's' ? Math.round(n * 1000) : Math.floor(n);
  }
  if (typeof value !== 'string') return undefined;
  const z = resolveZone(zone);
  if (!z) return undefined;
  const text = value.trim();
  try {
    return pattern?.trim() ? parsePattern(text, compile(pattern), z) : parseIso(text, z);
  } catch {
    return undefined; // unsupported pattern letter
  }
}
