/**
 * The legacy `event.poller.urls` key, in its two historical uses:
 * - poller lines `<resource>|<url>|<xPath>|<updatedField>|<updatedFormat>|<updatedZone>|<createdField>|<createdFormat>|<createdZone>`,
 *   one per line (the archived JSON-less format);
 * - a list of resource names (`contacts|leads`, one per line, or comma-separated) that selects which
 *   resources of `event.poller.configuration` are polled.
 */
import type { ResourceInput } from './config';

export interface LegacyPollerUrls {
  /** Resources defined by poller lines. */
  resources: Record<string, ResourceInput>;
  /** Set when the value is a list of names: only these resources of the JSON configuration are polled. */
  names?: string[];
  errors: string[];
}

const isUrl = (s: string): boolean => s.startsWith('/') || /^https?:\/\//i.test(s);

export function parseLegacyPollerUrls(value: string, configured: string[]): LegacyPollerUrls {
  const lines = value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const isPollerLine = (line: string): boolean => isUrl(line.split('|')[1]?.trim() ?? '');
  if (lines.some(isPollerLine)) {
    const resources: Record<string, ResourceInput> = {};
    const errors: string[] = [];
    lines.forEach((line, i) => {
      const [name = '', url = '', , updatedField, updatedFormat, updatedZone, createdField, createdFormat, createdZone] = line
        .split('|')
        .map((f) => f.trim());
      if (!name || !isUrl(url)) {
        errors.push(`line ${i + 1}: expected '<resource>|<url>|...'`);
        return;
      }
      resources[name] = {
        url,
        idField: 'id',
        datesConfiguration: {
          updatedDateField: updatedField || undefined,
          updatedDateFormat: updatedFormat || undefined,
          updatedDateTimezone: updatedZone || undefined,
          createdDateField: createdField || undefined,
          createdDateFormat: createdFormat || undefined,
          createdDateTimezone: createdZone || undefined,
        },
      };
    });
    return { resources, errors };
  }
  const names = lines.flatMap((l) => l.split(/[|,]/)).map((n) => n.trim()).filter((n) => n !== '');
  const errors = names.filter((n) => !configured.includes(n)).map((n) => `'${n}' is not a resource of event.poller.configuration`);
  return { resources: {}, names, errors };
}
