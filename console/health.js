// An instance's health as the console shows it: a badge (the word is the information, the colour only repeats it)
// and the reasons, each a line the user can act on. Failing is red, degraded amber, healthy green; the poller's own
// state (waiting, polling) is shown beside it in a neutral colour, so a failing instance never looks healthy.

import { badge, h, time } from './dom.js';
import { splitRequest, withoutRequest } from './errorParts.js';

export function healthBadge(health) {
  if (!health?.state) return h('span', { class: 'muted', text: '…' });
  const el = badge(health.state, `health-${health.state}`);
  el.dataset.health = health.state;
  return el;
}

/** An error text, the request it names (if any) set apart on a line of its own. */
export function errorWithRequest(text) {
  const parts = splitRequest(text);
  if (!parts) return text;
  return [withoutRequest(text), h('div', { class: 'request mono', text: parts.request })];
}

/** The reasons as a list; at most `limit` of them, then how many more. `brief`: each cut to a few lines (the list). */
export function reasonList(reasons = [], limit = Infinity, { brief = false } = {}) {
  if (reasons.length === 0) return null;
  const shown = reasons.slice(0, limit);
  return h(
    'ul',
    { class: `reasons${brief ? ' brief' : ''}` },
    shown.map((r) => (brief ? h('li', { title: r }, h('span', { class: 'clamp', text: withoutRequest(r) })) : h('li', {}, errorWithRequest(r)))),
    reasons.length > shown.length ? h('li', { class: 'muted', text: `and ${reasons.length - shown.length} more` }) : null,
  );
}

const WORDS = { healthy: 'Healthy', degraded: 'Degraded', failing: 'Failing' };

/** The instance page's health block: the state since when, and every reason. */
export function healthSummary(health) {
  if (!health?.state) return h('p', { class: 'muted', text: 'Health not known yet.' });
  return h(
    'div',
    { class: `health-summary health-${health.state}`, dataset: { health: health.state } },
    h('p', {}, healthBadge(health), ' ', `${WORDS[health.state] ?? health.state}${health.since ? ' since ' : ''}`, health.since ? time(health.since) : null, health.reasons?.length ? ':' : '.'),
    reasonList(health.reasons),
  );
}
