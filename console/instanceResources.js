// The resources an instance polls, by name, from its stored poller configuration (a JSON string, or JSON in one).

const POLLER_KEY = 'event.poller.configuration';

export function instanceResources(instance) {
  try {
    const poller = JSON.parse(instance.configuration?.[POLLER_KEY] ?? '{}');
    return Object.keys(typeof poller === 'string' ? JSON.parse(poller) : poller);
  } catch {
    return [];
  }
}
