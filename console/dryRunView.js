// A dry run's answer as the console shows it: per resource, the requests made, the events a poll would send, the
// records it would skip with their reasons, and the problems. Shared by "Try it" (formTry.js) and the record explain
// view (explain.js).

import { badge, h, jsonDetails, time } from './dom.js';
import { plural } from './format.js';

const table = (caption, columns, rows) =>
  h(
    'table',
    { class: 'data' },
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows),
  );

/** The provider requests: method, URL (credentials masked by the API), status, time. */
export function requestsTable(requests) {
  if (!requests.length) return h('p', { class: 'muted', text: 'No request was made.' });
  return table(
    `${plural(requests.length, 'request')} to the provider (credentials masked)`,
    ['Method', 'URL', 'Status', 'ms'],
    requests.map((r) =>
      h(
        'tr',
        {},
        h('td', { text: r.method }),
        h('td', { class: 'url-cell' }, h('code', { text: r.url })),
        h('td', { class: r.status >= 200 && r.status < 300 ? '' : 'error-cell', text: r.status === 0 ? `no answer${r.error ? `: ${r.error}` : ''}` : String(r.status) }),
        h('td', { class: 'num', text: String(r.ms) }),
      ),
    ),
  );
}

/** The events a poll would send, each with its record. */
export function eventsTable(events, caption) {
  return table(
    caption,
    ['Event', 'Object id', 'Date', 'Record'],
    events.map((e) =>
      h('tr', { dataset: { objectId: e.objectId } }, h('td', {}, badge(e.eventType, e.eventType.toLowerCase())), h('td', { text: e.objectId || '(none)' }), h('td', {}, time(e.date)), h('td', {}, jsonDetails('Record', e.record))),
    ),
  );
}

/** Decisions: each record's object id, what was decided, the reason and the facts behind it. */
export function decisionsTable(decisions, caption) {
  return table(
    caption,
    ['Object id', 'Decision', 'Reason', 'Why'],
    decisions.map((d) => h('tr', { dataset: { objectId: d.objectId, reason: d.reason } }, h('td', { text: d.objectId || '(none)' }), h('td', { text: d.decision }), h('td', { class: 'reason-cell' }, h('code', { text: d.reason })), h('td', { text: d.detail }))),
  );
}

/** Problem records: reported once (without an id, or with a filter date that does not parse), and what is wrong. */
function problemsTable(problems) {
  return table(
    `${plural(problems.length, 'problem record')}: reported once, identified by content`,
    ['Object id', 'Problem'],
    problems.map((p) => h('tr', { dataset: { objectId: p.objectId, problem: p.kind } }, h('td', { text: p.objectId || '(none)' }), h('td', { text: p.detail }))),
  );
}

const counts = (reasons) =>
  Object.entries(reasons ?? {})
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');

/** One resource of a dry run. */
export function dryRunResource(name, r) {
  const skipped = r.decisions.filter((d) => d.decision === 'skipped');
  return h(
    'section',
    { class: 'dry-run-resource', 'aria-label': `Resource ${name}`, dataset: { resource: name } },
    h('h3', {}, name, ' ', r.complete ? null : badge('cut short', 'retry'), r.error ? badge('failed', 'queued') : null),
    h(
      'dl',
      { class: 'facts' },
      h('dt', { text: 'Read from' }),
      h('dd', {}, time(r.since)),
      h('dt', { text: 'Records' }),
      h('dd', { text: `${r.records} returned, ${plural(r.problems, 'problem')}` }),
      h('dt', { text: 'Decisions' }),
      h('dd', { text: counts(r.reasons) || 'none' }),
      r.error ? [h('dt', { text: 'Error' }), h('dd', { class: 'error', text: r.error })] : null,
    ),
    requestsTable(r.requests),
    r.events.length ? eventsTable(r.events, `${plural(r.events.length, 'event')} a poll would send${(r.reasons.created ?? 0) + (r.reasons.updated ?? 0) + (r.reasons.deleted ?? 0) > r.events.length ? ' (the first ones)' : ''}`) : h('p', { class: 'muted', text: 'No event: a poll now would send nothing for this resource.' }),
    skipped.length ? decisionsTable(skipped, `${plural(skipped.length, 'record')} a poll would skip, and why`) : null,
    r.problemDetails?.length ? problemsTable(r.problemDetails) : null,
  );
}

/** A whole answer, under a heading of level 2. */
export function dryRunView(answer, heading) {
  const resources = Object.entries(answer.resources);
  return h(
    'section',
    { class: 'panel dry-run', 'aria-label': heading, dataset: { complete: String(answer.complete) } },
    h('h2', { text: heading }),
    h(
      'p',
      { class: answer.complete ? 'muted' : 'notice' },
      answer.complete
        ? `Nothing was delivered and no checkpoint moved. Judged as a poll starting ${new Date(answer.pollStart).toISOString()} would judge them.`
        : 'The time limit cut this dry run short: below is what it read until then. Nothing was delivered and no checkpoint moved.',
    ),
    resources.length ? resources.map(([name, r]) => dryRunResource(name, r)) : h('p', { class: 'muted', text: 'No resource to poll.' }),
  );
}
