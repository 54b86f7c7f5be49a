// An instance's last polls (GET /instances/{id}/polls): two small charts, events and duration per poll, and a table of
// the polls with each resource's outcome and its provider requests (URLs as the API masks them).

import { api, ApiError } from './api.js';
import { badge, errorText, h, time, fill } from './dom.js';
import { plural, zoneLabel } from './format.js';
import { timeChart } from './charts.js';
import { errorWithRequest } from './health.js';

/** Polls shown (the store keeps 50). */
export const POLLS_SHOWN = 20;

const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** One resource's outcome in a poll: failed, nothing changed, or what it read. */
function resourceLine(r) {
  const outcome = r.failed ? badge('failed', 'failed') : r.quiet ? badge('no change', 'quiet') : badge('read', 'read');
  const counts = r.failed
    ? ''
    : r.quiet
      ? r.records > 0 ? ` in ${plural(r.records, 'record')}` : ''
      : ` ${plural(r.records, 'record')}, ${plural(r.events, 'event')}${r.problems ? `, ${plural(r.problems, 'problem')}` : ''}`;
  return h(
    'li',
    { dataset: { resource: r.resource } },
    h('span', { class: 'mono', text: r.resource }),
    ' ',
    outcome,
    counts,
    r.error ? h('div', { class: r.failed ? 'error small' : 'muted small' }, r.failed ? null : 'retried after: ', errorWithRequest(r.error)) : null,
  );
}

/** The requests of a poll, every resource's, in a collapsed table. */
function requestDetails(poll) {
  const requests = poll.resources.flatMap((r) => r.requests.map((q) => ({ resource: r.resource, ...q })));
  const made = poll.resources.reduce((n, r) => n + r.requestCount, 0);
  if (made === 0) return null;
  return h(
    'details',
    { class: 'requests' },
    h('summary', { text: `${plural(made, 'request')}${made > requests.length ? ` (the first ${requests.length} kept)` : ''}` }),
    h(
      'table',
      { class: 'data compact' },
      h('thead', {}, h('tr', {}, ['Resource', 'Request', 'Status', 'Time'].map((c) => h('th', { scope: 'col', text: c })))),
      h(
        'tbody',
        {},
        requests.map((q) =>
          h(
            'tr',
            { dataset: { status: String(q.status) } },
            h('td', { text: q.resource }),
            h('td', { class: 'url' }, h('span', { class: 'mono', text: `${q.method} ${q.url}` }), q.error ? h('div', { class: 'error small', text: q.error }) : null),
            h('td', { class: 'num', text: q.status === 0 ? 'no answer' : String(q.status) }),
            h('td', { class: 'num', text: `${q.ms} ms` }),
          ),
        ),
      ),
    ),
  );
}

/** The "Poll history" section; `load()` reads the polls again and redraws. */
export function pollHistory(instanceId) {
  const events = timeChart({ title: 'Events per poll', label: 'events', kind: 'bars', counts: true, format: (v) => String(Math.round(v)) });
  const duration = timeChart({ title: 'Poll duration (seconds)', label: 'duration', format: (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)}` });
  const table = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const charts = h('div', { class: 'charts' }, events.figure, duration.figure);
  charts.hidden = true;
  const section = h('section', { class: 'panel', 'aria-label': 'Poll history' }, h('h2', { text: 'Poll history' }), charts, table);

  function paint(polls) {
    if (polls.length === 0) {
      charts.hidden = true;
      fill(table, h('p', { class: 'muted', text: 'No polls yet: each poll is listed here with what it asked the provider.' }));
      return;
    }
    const oldestFirst = [...polls].reverse();
    const at = oldestFirst.map((p) => Date.parse(p.startedAt));
    charts.hidden = false;
    events.set(at, oldestFirst.map((p) => p.events));
    duration.set(at, oldestFirst.map((p) => p.durationMs / 1000));
    const zone = zoneLabel(-new Date().getTimezoneOffset());
    fill(table,
      h(
        'table',
        { class: 'data polls' },
        h('caption', { text: `${polls.length === 1 ? 'The first poll' : `The last ${polls.length} polls, newest first`} (chart times in ${zone})` }),
        h('thead', {}, h('tr', {}, ['Started', 'Duration', 'Records', 'Events', 'Problems', 'Resources'].map((c) => h('th', { scope: 'col', text: c })))),
        h(
          'tbody',
          {},
          polls.map((p) =>
            h(
              'tr',
              { dataset: { pollStart: p.startedAt, failed: String(p.failedResources.length > 0) } },
              h('td', {}, time(p.startedAt)),
              h('td', { class: 'num', text: seconds(p.durationMs) }),
              h('td', { class: 'num', text: String(p.records) }),
              h('td', { class: 'num', text: String(p.events) }),
              h('td', { class: 'num', text: String(p.problems) }),
              h('td', {}, h('ul', { class: 'poll-resources' }, p.resources.map(resourceLine)), requestDetails(p)),
            ),
          ),
        ),
      ),
    );
  }

  let shownKey;
  let unavailable = false;
  return {
    section,
    /** Reads the polls again; redraws only when they changed. */
    async load() {
      if (unavailable) return;
      let polls;
      try {
        polls = await api('GET', `/instances/${instanceId}/polls?limit=${POLLS_SHOWN}`);
      } catch (err) {
        // 503: this API runs without Pollster's store; asking again every few seconds would not change that.
        if (err instanceof ApiError && err.status === 503) unavailable = true;
        fill(table, h('p', { class: unavailable ? 'muted' : 'error', text: `Poll history unavailable: ${errorText(err)}` }));
        return;
      }
      const key = JSON.stringify(polls.map((p) => [p.startedAt, p.lastAt]));
      if (key === shownKey) return;
      shownKey = key;
      const open = new Set([...table.querySelectorAll('details[open]')].map((d) => d.closest('tr')?.dataset.pollStart));
      paint(polls);
      for (const d of table.querySelectorAll('details')) if (open.has(d.closest('tr')?.dataset.pollStart)) d.open = true;
    },
    destroy() {
      events.destroy();
      duration.destroy();
    },
  };
}
