/**
 * The poller settings of a configuration: derived once, by the API, from the configuration strings it stores, with
 * the same zod schema that validated them. The instance workflow gets the result and parses nothing.
 */
import { configurationSchema, resourceSchema, type ResourceInput } from './config';
import { parseIsoInstant } from './isoInstant';
import { parseLegacyPollerUrls } from './legacyUrls';
import { DEFAULT_REFRESH_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES, minutesToMs, normalizeResource, type PollerSettings, type ResourceConfig } from './settings';

/** Settings of a configuration the schema accepts (throws a ZodError otherwise). */
export function pollerSettings(configuration: Record<string, string>): PollerSettings {
  const c = configurationSchema.parse(configuration);
  const json = c['event.poller.configuration'];
  const urls = c['event.poller.urls'];
  // Without a JSON configuration names are not checked (the element's default applies), as in the schema.
  const legacy = urls === undefined ? undefined : parseLegacyPollerUrls(urls, json && Object.keys(json));
  const inputs: Record<string, ResourceInput> = {};
  // Poller lines first, then the JSON configuration (which wins for a resource in both).
  for (const [name, resource] of Object.entries(legacy?.resources ?? {})) inputs[name] = resourceSchema.parse(resource);
  for (const [name, resource] of Object.entries(json ?? {})) {
    if (!legacy?.names || legacy.names.includes(name)) inputs[name] = resource;
  }
  const resources: Record<string, ResourceConfig> = {};
  for (const [name, resource] of Object.entries(inputs)) resources[name] = normalizeResource(resource);
  const since = c['event.poller.since'];
  return {
    enabled: c['event.notification.enabled'] ?? false,
    refreshIntervalMs: minutesToMs(Math.min(c['event.poller.refresh_interval'] ?? DEFAULT_REFRESH_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES)),
    callbackUrl: c['event.notification.callback.url'],
    signatureKey: c['event.notification.signature.key'] || undefined,
    sinceMs: since === undefined ? undefined : parseIsoInstant(since),
    resources,
  };
}
