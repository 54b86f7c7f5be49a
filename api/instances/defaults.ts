/**
 * The element's default poller configuration applies, as on Cloud Elements, when an instance brings none; and
 * bodies select resources with empty objects (`"opportunities": { }`), which take the element's default for that
 * resource.
 */
import { elementAdapter } from '../../elements/registry';

export function withElementDefaults(body: unknown): unknown {
  const b = body as { element?: { key?: unknown }; configuration?: Record<string, unknown> } | null;
  const adapter = typeof b?.element?.key === 'string' ? elementAdapter(b.element.key) : undefined;
  if (!adapter || !b?.configuration || typeof b.configuration !== 'object') return body;
  const defaults = adapter.definition.defaultPollerConfiguration;
  let poller = b.configuration['event.poller.configuration'];
  if (poller === undefined || poller === null) {
    if (Object.keys(defaults).length === 0) return body;
    return { ...b, configuration: { ...b.configuration, 'event.poller.configuration': defaults } };
  }
  if (typeof poller === 'string') {
    try {
      poller = JSON.parse(poller);
    } catch {
      return body; // the schema reports it
    }
  }
  if (!poller || typeof poller !== 'object' || Array.isArray(poller)) return body;
  const filled = Object.fromEntries(
    Object.entries(poller as Record<string, unknown>).map(([name, value]) => {
      const empty = value && typeof value === 'object' && Object.keys(value).length === 0;
      return [name, empty && defaults[name] ? defaults[name] : value];
    }),
  );
  return { ...b, configuration: { ...b.configuration, 'event.poller.configuration': filled } };
}
