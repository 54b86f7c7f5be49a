// The record explain view of an instance: an object id in, and in one place what the instance last reported for it,
// what a poll would decide now (a dry run filtered to it), and the notifications that carried it.

import { api } from './api.js';
import { badge, errorText, h, jsonDetails, section, time, uid, fill } from './dom.js';
import { decisionsTable, eventsTable, requestsTable } from './dryRunView.js';

const POLLER_KEY = 'event.poller.configuration';

/** The resources the instance polls, from its stored poller configuration. */
function resourceNames(instance) {
  try {
    const poller = JSON.parse(instance.configuration?.[POLLER_KEY] ?? '{}');
    return Object.keys(typeof poller === 'string' ? JSON.parse(poller) : poller);
  } catch {
    return [];
  }
}

function lastReportedView(last) {
  if (!last) return h('p', { class: 'muted', text: 'Nothing: no notification in the delivery log carried this object.' });
  return h(
    'dl',
    { class: 'facts' },
    h('dt', { text: 'Event' }),
    h('dd', {}, badge(last.eventType, last.eventType.toLowerCase()), ' dated ', time(last.date)),
    h('dt', { text: 'Notification' }),
    h('dd', {}, h('code', { text: last.notificationId }), ' ', badge(last.status), ` after ${last.attempts} attempt${last.attempts === 1 ? '' : 's'}`),
    h('dt', { text: 'Reported' }),
    h('dd', {}, time(last.reportedDate)),
    last.deliveredDate ? [h('dt', { text: 'Delivered' }), h('dd', {}, time(last.deliveredDate))] : null,
    h('dt', { text: 'Record' }),
    h('dd', {}, jsonDetails('As it went out', last.record)),
  );
}

function nowView(now) {
  return [
    h('p', { class: 'verdict', dataset: { testid: 'verdict' } }, h('strong', { text: 'A poll now: ' }), now.verdict),
    h('p', { class: 'muted small' }, 'Read from ', time(now.since), `: ${now.records} record${now.records === 1 ? '' : 's'} returned${now.complete ? '' : ' before the time limit cut the dry run short'}. Nothing was delivered and no checkpoint moved.`),
    now.decisions.length ? decisionsTable(now.decisions, 'What a poll would decide for it') : null,
    now.events.length ? eventsTable(now.events, 'The event a poll would send') : null,
    h('details', {}, h('summary', { text: 'Requests made' }), requestsTable(now.requests)),
  ];
}

function notificationsView(list) {
  if (!list.length) return h('p', { class: 'muted', text: 'None in the delivery log.' });
  return h(
    'table',
    { class: 'data' },
    h('caption', { text: 'Notifications that carried it, newest first' }),
    h('thead', {}, h('tr', {}, ['Date', 'Notification', 'Its events', 'Status', 'Attempts'].map((c) => h('th', { scope: 'col', text: c })))),
    h(
      'tbody',
      {},
      list.map((n) =>
        h(
          'tr',
          { dataset: { notificationId: n.id } },
          h('td', {}, time(n.eventDate)),
          h('td', {}, h('code', { text: n.id })),
          h('td', { text: n.objectEvents.map((e) => `${e.eventType} ${e.date}`).join(', ') }),
          h('td', {}, badge(n.status)),
          h('td', { class: 'num', text: String(n.attempts) }),
        ),
      ),
    ),
  );
}

/** The section, for the instance page. */
export function explainSection(instance) {
  const names = resourceNames(instance);
  const resource = names.length
    ? h('select', { id: uid('explain-resource') }, names.map((n) => h('option', { value: n, text: n })))
    : h('input', { type: 'text', id: uid('explain-resource'), autocomplete: 'off', class: 'narrow' });
  const objectId = h('input', { type: 'text', id: uid('explain-object'), autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  objectId.setAttribute('aria-describedby', error.id);
  const result = h('div', { class: 'explain-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', text: 'Explain' });

  async function explain() {
    error.hidden = true;
    objectId.removeAttribute('aria-invalid');
    const id = objectId.value.trim();
    if (!id) {
      error.textContent = 'An object id: the value of the resource’s idField.';
      error.hidden = false;
      objectId.setAttribute('aria-invalid', 'true');
      objectId.focus();
      return;
    }
    button.disabled = true;
    fill(result, h('p', { class: 'muted', text: `Reading the delivery log and polling ${resource.value} once for ${id} (nothing is delivered)…` }));
    try {
      const path = `/instances/${instance.id}/records/${encodeURIComponent(resource.value)}/${encodeURIComponent(id)}`;
      const [record, carried] = await Promise.all([api('GET', path), api('GET', `/instances/${instance.id}/events?${new URLSearchParams({ objectId: id, pageSize: '20' })}`)]);
      fill(
        result,
        h('h3', { text: `${record.resource} ${record.objectId}` }),
        h('h4', { text: 'Last reported' }),
        lastReportedView(record.lastReported),
        h('h4', { text: 'Now' }),
        nowView(record.now),
        h('h4', { text: 'Notifications' }),
        notificationsView(carried),
      );
    } catch (err) {
      fill(result, h('p', { class: 'error', text: `Could not explain it: ${errorText(err)}` }));
    } finally {
      button.disabled = false;
    }
  }

  const form = h(
    'form',
    { class: 'inline-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); void explain(); } },
    h('div', { class: 'field' }, h('label', { for: resource.id, text: 'Resource' }), resource),
    h('div', { class: 'field' }, h('label', { for: objectId.id, text: 'Object id' }), objectId, error),
    button,
  );
  return section('Explain a record', h('p', { class: 'hint', text: 'Why was a record reported, or not? What a poll would do with it now.' }), form, result);
}
