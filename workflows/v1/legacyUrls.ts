/**
 * The previous release's reading of `event.poller.urls`, unchanged (see ./instance.ts).
 *
 * The legacy `event.poller.urls` key, in its two historical uses:
 * - poller lines `<resource>|<url>|<xPath>|<updatedField>|<updatedFormat>|<updatedZone>|<createdField>|<createdFormat>|<createdZone>`,
 *   one per line (the archived JSON-less format; trailing fields may be left out);
 * - a list of resource names (`contacts|leads`, one per line, or comma-separated) that selects which
 *   resources of `event.poller.configuration` are polled.
 * A value whose every name is a resource of the JSON configuration is a list of names (resource
 * names may look like paths: `/changed-messages`); otherwise a value with a URL in the second field
 * of some line is poller lines. Legacy lines have no id field: records are identified by `id`.
 * The xPath field is read and ignored. Pure.
 */

/** A resource defined by a poller line, before the settings read it. */
interface ResourceInput {
  url: string;
  idField: string;
  datesConfiguration?: Record<string, string>;
}

export interface LegacyPollerUrls {
  /** Resources defined by poller lines (not yet validated: run them through the resource schema). */
  resources: Record<string, ResourceInput>;
  /** The 1-based line of each resource of `resources`, for error messages. */
  lines: Record<string, number>;
  /** Set when the value is a list of names: only these resources of the JSON configuration are polled. */
  names?: string[];
  errors: string[];
}

/** The id field of resources defined by poller lines, which have none. */
export const LEGACY_ID_FIELD = 'id';
const FIELDS = 9;

const isUrl = (s: string): boolean => s.startsWith('/') || /^https?:\/\//i.test(s);

/**
 * @param configured the resource names of `event.poller.configuration`, or undefined when the
 *   instance gives none (the element's default then applies, which this module cannot see, so names
 *   are not checked).
 */
export function parseLegacyPollerUrls(value: string, configured?: readonly string[]): LegacyPollerUrls {
  const lines = value.split(/\r?\n/).map((l, i) => ({ text: l.trim(), number: i + 1 })).filter((l) => l.text !== '');
  const tokens = lines.flatMap((l) => l.text.split(/[|,]/)).map((n) => n.trim()).filter((n) => n !== '');
  const allConfigured = configured !== undefined && tokens.length > 0 && tokens.every((n) => configured.includes(n));
  const pollerLines = !allConfigured && lines.some((l) => isUrl(l.text.split('|')[1]?.trim() ?? ''));

  if (!pollerLines) {
    if (tokens.length === 0) return { resources: {}, lines: {}, errors: [] };
    const unknown = configured === undefined ? [] : tokens.filter((n) => !configured.includes(n));
    return {
      resources: {},
      lines: {},
      names: [...new Set(tokens)],
      errors: unknown.map((n) => `'${n}' is not a resource of event.poller.configuration`),
    };
  }

  const resources: Record<string, ResourceInput> = {};
  const numbers: Record<string, number> = {};
  const errors: string[] = [];
  for (const { text, number } of lines) {
    const fields = text.split('|').map((f) => f.trim());
    const [name = '', url = '', , updatedField, updatedFormat, updatedZone, createdField, createdFormat, createdZone] = fields;
    if (!name || !isUrl(url)) {
      errors.push(`line ${number}: expected '<resource>|<url>|<xPath>|<updatedField>|<updatedFormat>|<updatedZone>|<createdField>|<createdFormat>|<createdZone>'`);
      continue;
    }
    if (fields.length > FIELDS) {
      errors.push(`line ${number} (${name}): ${fields.length} fields, at most ${FIELDS}`);
      continue;
    }
    if (resources[name] !== undefined) {
      errors.push(`line ${number}: resource '${name}' is already defined on line ${numbers[name]}`);
      continue;
    }
    const dates: Record<string, string> = {};
    const set = (key: string, v: string | undefined): void => {
      if (v) dates[key] = v;
    };
    set('updatedDateField', updatedField);
    set('updatedDateFormat', updatedFormat);
    set('updatedDateTimezone', updatedZone);
    set('createdDateField', createdField);
    set('createdDateFormat', createdFormat);
    set('createdDateTimezone', createdZone);
    resources[name] = { url, idField: LEGACY_ID_FIELD, ...(Object.keys(dates).length > 0 ? { datesConfiguration: dates } : {}) };
    numbers[name] = number;
  }
  return { resources, lines: numbers, errors };
}
