// Deliveries: those that have not reached their callback yet, live from their subscriptions (retrying: the
// subscription keeps trying, or paces them; queued: it is deactivated until a redeliver), and the recently delivered,
// from the delivery log, with their payloads. One callback URL is one subscription: redelivery and retry now of a
// whole queue are per URL, retry now of one notification per row. The account's failure policy decides what a
// failure becomes.

import { api, quote } from './api.js';
import { announce, badge, errorText, h, jsonDetails, section, time, uid, fill } from './dom.js';
import { plural, waitsOf } from './format.js';
import { instanceNames } from './instanceNames.js';
import { retryButton, retryCallback } from './retryNow.js';

const VIEWS = {
  pending: { label: 'Queued and retrying', statuses: ['queued', 'retry'] },
  queued: { label: 'Queued', statuses: ['queued'] },
  retry: { label: 'Retrying', statuses: ['retry'] },
  // From the delivery log: first-time deliveries and retried ones, with payloads (the newest 200 per instance, 7 days).
  delivered: { label: 'Delivered (recent)', statuses: ['delivered'] },
};
let view = 'pending';

export async function renderDeliveries(main) {
  const policy = h('select', { id: uid('policy') }, h('option', { value: 'retry', text: 'retry: up to 9 retries over about 73 hours, then queue' }), h('option', { value: 'queue', text: 'queue: a failed delivery is queued at once' }));
  const policyForm = h(
    'form',
    { class: 'inline-form', onsubmit: (e) => { e.preventDefault(); void savePolicy(); } },
    h('div', { class: 'field' }, h('label', { for: policy.id, text: 'When a callback fails (notification.webhook.failure.policy)' }), policy),
    h('button', { type: 'submit', text: 'Save policy' }),
  );
  const statusSelect = h('select', { id: uid('status') }, Object.entries(VIEWS).map(([k, v]) => h('option', { value: k, text: v.label })));
  statusSelect.value = view;
  const urlFilter = h('input', { type: 'text', id: uid('url'), placeholder: 'any callback URL', autocomplete: 'off', inputmode: 'url' });
  const holder = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));

  fill(main,
    h('div', { class: 'title-row' }, h('h1', { tabindex: '-1', text: 'Deliveries' }), h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => void load(), text: 'Refresh' }), h('button', { type: 'button', class: 'primary', onclick: () => void redeliver(), text: 'Redeliver all queued' }))),
    section('Failure policy', policyForm),
    h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter deliveries', onsubmit: (e) => { e.preventDefault(); void load(); } },
      h('div', { class: 'field' }, h('label', { for: statusSelect.id, text: 'Status' }), statusSelect),
      h('div', { class: 'field' }, h('label', { for: urlFilter.id, text: 'Callback URL' }), urlFilter),
      h('button', { type: 'submit', text: 'Show' }),
    ),
    holder,
  );
  statusSelect.addEventListener('change', () => {
    view = statusSelect.value;
    void load();
  });

  async function loadPolicy() {
    try {
      const settings = await api('GET', '/accounts/settings');
      policy.value = settings['notification.webhook.failure.policy'] ?? 'retry';
    } catch (err) {
      announce(`Settings unavailable: ${errorText(err)}`, 'error');
    }
  }

  async function savePolicy() {
    try {
      const settings = await api('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': policy.value });
      announce(`Failure policy is now “${settings['notification.webhook.failure.policy']}”.`);
    } catch (err) {
      announce(`Could not save the policy: ${errorText(err)}`, 'error');
    }
  }

  /** The instance's name (a link) above its id; a deleted instance keeps the name its notification carries. */
  const instanceCell = (id, name, carried) =>
    name === null
      ? [h('span', { text: carried ?? `#${id}` }), h('div', { class: 'muted small', text: `#${id}, deleted` })]
      : name === undefined && !carried
        ? h('a', { href: `#/instances/${id}`, text: `#${id}` })
        : [h('a', { href: `#/instances/${id}`, text: name ?? carried }), h('div', { class: 'muted small', text: `#${id}` })];

  /** When a pending one is tried next (or when a delivered one went out), and what it waits for. */
  const nextCell = (d) =>
    d.status === 'delivered'
      ? time(d.deliveredDate)
      : [
          d.nextAttemptAt ? time(d.nextAttemptAt) : h('span', { class: 'muted', text: d.status === 'queued' ? 'after a redeliver' : '—' }),
          d.retryAfter ? h('div', { class: 'small' }, 'receiver asked: not before ', time(d.retryAfter)) : null,
          ...waitsOf(d).map((text) => h('div', { class: 'muted small', text })),
        ];

  const pending = (d) => d.status === 'retry' || d.status === 'queued';

  const where = (status, url) => [`channel='webhook'`, status ? `status=${quote(status)}` : null, url ? `config.url=${quote(url)}` : null].filter(Boolean).join(' and ');

  async function load() {
    const url = urlFilter.value.trim();
    let list;
    try {
      const pages = await Promise.all(VIEWS[view].statuses.map((s) => api('GET', `/notifications/subscriptions/deliveries?${new URLSearchParams({ where: where(s, url) })}`)));
      list = pages.flat();
    } catch (err) {
      fill(holder, h('p', { class: 'error', text: `Could not list deliveries: ${errorText(err)}` }));
      return;
    }
    if (list.length === 0) {
      fill(holder, h('p', { class: 'empty', text: `No ${VIEWS[view].label.toLowerCase()} deliveries${url ? ` for ${url}` : ''}.` }));
      return;
    }
    const names = await instanceNames(list.map((d) => d.instanceId));
    // One group per callback URL (one subscription each), newest first inside.
    const byUrl = new Map();
    for (const d of list) byUrl.set(d.config.url, [...(byUrl.get(d.config.url) ?? []), d]);
    fill(holder,
      ...[...byUrl].map(([callback, items]) => {
        // Pending ones in their queue's order (the head first), delivered ones newest first.
        if (items.every((d) => d.status === 'delivered')) items.sort((a, b) => (b.deliveredDate ?? '').localeCompare(a.deliveredDate ?? ''));
        const queued = items.filter((d) => d.status === 'queued').length;
        const waiting = items.filter(pending).length;
        const headingId = uid('sub');
        return h(
          'section',
          { class: 'panel subscription', 'aria-labelledby': headingId, dataset: { url: callback } },
          h(
            'div',
            { class: 'title-row' },
            h('h2', { id: headingId }, h('span', { class: 'mono', text: callback })),
            h(
              'div',
              { class: 'actions' },
              waiting > 0 ? h('button', { type: 'button', onclick: () => void retryAll(callback), text: `Retry ${waiting} now`, 'aria-label': `Retry ${waiting} pending to ${callback} now` }) : null,
              queued > 0 ? h('button', { type: 'button', class: 'primary', onclick: () => void redeliver(callback), text: `Redeliver ${queued} queued`, 'aria-label': `Redeliver ${queued} queued to ${callback}` }) : null,
            ),
          ),
          h(
            'table',
            { class: 'data' },
            h('caption', { text: plural(items.length, 'delivery', 'deliveries') }),
            h('thead', {}, h('tr', {}, ['Created', 'Instance', 'Resource', 'Events', 'Status', 'Attempts', 'Last error', waiting > 0 ? 'Next attempt' : 'Delivered', 'Payload', waiting > 0 ? 'Actions' : null].filter(Boolean).map((c) => h('th', { scope: 'col', text: c })))),
            h(
              'tbody',
              {},
              items.map((d) =>
                h(
                  'tr',
                  { dataset: { deliveryId: d.id, status: d.status } },
                  h('td', {}, time(d.createdDate)),
                  h('td', {}, instanceCell(d.instanceId, names.get(Number(d.instanceId)), d.instanceName)),
                  h('td', { text: d.resource }),
                  h('td', { class: 'num', text: String(d.events) }),
                  h('td', {}, badge(d.status)),
                  h('td', { class: 'num', text: String(d.attempts) }),
                  h('td', { class: 'error-cell', text: d.lastError ?? '' }),
                  h('td', {}, nextCell(d)),
                  h('td', {}, d.payload ? jsonDetails('Payload', d.payload) : h('span', { class: 'muted small', text: '—' })),
                  waiting > 0 ? h('td', {}, pending(d) ? retryButton(d.id, () => later()) : null) : null,
                ),
              ),
            ),
          ),
        );
      }),
    );
  }

  const timers = [];
  /** Redelivery and retries run in the subscription workflow: look again a few times as it drains. */
  const later = () => {
    for (const ms of [800, 2500, 6000]) timers.push(setTimeout(() => void load(), ms));
  };

  async function redeliver(callback) {
    try {
      const sent = await api('PUT', `/notifications/subscriptions/deliveries?${new URLSearchParams({ where: where('queued', callback) })}`);
      announce(sent.length ? `Redelivering ${plural(sent.length, 'notification')}${callback ? ` to ${callback}` : ''}.` : 'Nothing queued to redeliver.');
    } catch (err) {
      announce(`Redeliver failed: ${errorText(err)}`, 'error');
    }
    later();
  }

  async function retryAll(callback) {
    await retryCallback(callback);
    later();
  }

  await Promise.all([loadPolicy(), load()]);
  return () => timers.forEach(clearTimeout);
}
