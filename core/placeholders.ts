/**
 * Poller URL placeholders, as Cloud Elements' poller configurations write them:
 *   ${gmtDate:FMT}  ${date:FMT}  ${dateTimeZone:ZONE:FMT}  ${date}
 *   ${epoch}  ${epoch:ms}  ${milliseconds}  ${epoch:s}  ${epoch:us}
 * Descriptors are case-insensitive (`${DateTimeZone:PST:…}` occurs in the wild). A placeholder
 * ends at the first `}`; formats contain quotes and colons, so nothing else is a delimiter.
 * Pure: the instant is passed in.
 */
import { formatJavaDate, resolveZone, toIsoSeconds } from './javaDate';

export class PlaceholderError extends Error {
  constructor(readonly placeholder: string, detail: string) {
    super(`${placeholder}: ${detail}`);
    this.name = 'PlaceholderError';
  }
}

const KNOWN = 'expected gmtDate, date, dateTimeZone, epoch or milliseconds';

/**
 * `ZONE:FMT` where both may contain ':' ("-6:00:yyyy-MM-dd'T'HH:mm:ss"). Take the LONGEST
 * prefix before a ':' that is a zone: the shortest would split "-6:00" into "-6" + "00:…".
 * IANA ids and abbreviations contain no ':', and no zone is followed by ":<pattern letters>",
 * so the longest match is unambiguous.
 */
function splitZone(arg: string): [zone: string, format: string] | undefined {
  for (let i = arg.lastIndexOf(':'); i > 0; i = arg.lastIndexOf(':', i - 1)) {
    if (resolveZone(arg.slice(0, i))) return [arg.slice(0, i), arg.slice(i + 1)];
  }
  return undefined;
}

function renderOne(inner: string, sinceMs: number): string {
  const raw = `\${${inner}}`;
  const fail = (detail: string): PlaceholderError => new PlaceholderError(raw, detail);
  const colon = inner.indexOf(':');
  const descriptor = (colon < 0 ? inner : inner.slice(0, colon)).trim().toLowerCase();
  const arg = colon < 0 ? undefined : inner.slice(colon + 1);
  const format = (fmt: string | undefined, zone: string): string => {
    if (!fmt) throw fail('missing date format');
    try {
      return formatJavaDate(sinceMs, fmt, zone);
    } catch (e) {
      throw fail((e as Error).message);
    }
  };
  switch (descriptor) {
    case 'gmtdate':
      return format(arg, 'GMT');
    case 'date': // Pollster servers run in UTC, so "server time" is UTC
      return arg === undefined ? toIsoSeconds(sinceMs) : format(arg, 'UTC');
    case 'datetimezone': {
      if (!arg?.includes(':') || resolveZone(arg)) throw fail('expected ${dateTimeZone:ZONE:FORMAT}');
      const split = splitZone(arg);
      if (!split) throw fail('unknown time zone (use an IANA id such as America/Denver, an abbreviation such as MST, or an offset such as -6:00)');
      return format(split[1], split[0]);
    }
    case 'epoch':
      switch ((arg ?? 'ms').trim().toLowerCase()) {
        case 'ms': return String(Math.floor(sinceMs));
        case 's': return String(Math.floor(sinceMs / 1000));
        case 'us': return String(Math.floor(sinceMs) * 1000);
        default: throw fail('epoch unit must be ms, s or us');
      }
    case 'milliseconds':
      if (arg !== undefined) throw fail('${milliseconds} takes no format');
      return String(Math.floor(sinceMs));
    default:
      throw fail(`unknown placeholder "${descriptor}" (${KNOWN})`);
  }
}

/** Each `${...}` in order with its span; an unterminated one is reported as an error. */
function* placeholders(url: string): Generator<{ start: number; end: number; inner: string } | PlaceholderError> {
  for (let i = url.indexOf('${'); i >= 0; i = url.indexOf('${', i)) {
    const end = url.indexOf('}', i + 2);
    if (end < 0) {
      yield new PlaceholderError(url.slice(i), 'unterminated placeholder (no closing "}")');
      return;
    }
    yield { start: i, end: end + 1, inner: url.slice(i + 2, end) };
    i = end + 1;
  }
}

/**
 * Render every ${...} placeholder of a poller URL for the instant `sinceMs` (= checkpoint −
 * pollDelay), URL-encoding each rendered value once (encodeURIComponent: `+` → %2B, `:` → %3A)
 * and leaving the rest of the URL as written. Throws PlaceholderError for an unknown
 * descriptor or a bad format/zone.
 */
export function renderPlaceholders(url: string, sinceMs: number): string {
  let out = '', last = 0;
  for (const p of placeholders(url)) {
    if (p instanceof PlaceholderError) throw p;
    out += url.slice(last, p.start) + encodeURIComponent(renderOne(p.inner, sinceMs));
    last = p.end;
  }
  return out + url.slice(last);
}

/** Validate without rendering: returns a list of error messages (empty when fine). Used by config validation to give a 400. */
export function checkPlaceholders(url: string): string[] {
  const errors: string[] = [];
  for (const p of placeholders(url)) {
    if (p instanceof PlaceholderError) errors.push(p.message);
    else {
      try {
        renderOne(p.inner, 0); // every letter and zone is checked whatever the instant
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
  }
  return errors;
}
