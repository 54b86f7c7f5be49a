// The poller's state of an instance, as the list and the instance page show it.

import { badge, h } from './dom.js';

/** The most recent error the poller reports: auth first, then the newest resource error. */
export function lastError(status) {
  if (!status) return undefined;
  if (status.authError) return { message: `authentication: ${status.authError}` };
  let newest;
  for (const [name, r] of Object.entries(status.resources ?? {})) {
    if (r.lastError && (!newest || (r.lastErrorAt ?? '') > (newest.at ?? ''))) newest = { message: `${name}: ${r.lastError}`, at: r.lastErrorAt };
  }
  return newest;
}

/** The poller's state (waiting, polling, paused, disabled, events off): what it does, not how well. */
export function stateBadge(instance, status) {
  if (instance.disabled) return badge('disabled');
  if (!instance.eventsEnabled) return badge('events off', 'off');
  return status ? badge(status.state) : h('span', { class: 'muted', text: '…' });
}

export const temporalLink = (config, id) => `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.namespace || 'default')}/workflows/instance-${id}`;
