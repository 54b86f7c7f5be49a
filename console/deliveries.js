// Deliveries that have not reached their callback: retrying (the subscription keeps trying) and queued
// (the subscription is deactivated until a redeliver). One callback URL is one subscription, so
// redelivery is per URL. The account's failure policy decides which of the two a failure becomes.

import { api, quote } from './api.js';
import { announce, badge, errorText, h, jsonDetails, section, time, uid, fill } from './dom.js';
import { plural } from './format.js';
import { instanceNames } from './instanceNames.js';

const VIEWS = {
  pending: { label: 'Queued and retrying', statuses: ['queued', 'retry'] },
  queued: { label: 'Queued', statuses: ['queued'] },
  retry: { label: 'Retrying', statuses: ['retry'] },
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

  /** The instance's name (a link) above its id; a deleted instance keeps its id only. */
  const instanceCell = (id, name) =>
    name === null
      ? [h('span', { text: `#${id}` }), h('div', { class: 'muted small', text: 'deleted' })]
      : name === undefined
        ? h('a', { href: `#/instances/${id}`, text: `#${id}` })
        : [h('a', { href: `#/instances/${id}`, text: name }), h('div', { class: 'muted small', text: `#${id}` })];

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
        items.sort((a, b) => (b.createdDate ?? '').localeCompare(a.createdDate ?? ''));
        const queued = items.filter((d) => d.status === 'queued').length;
        const headingId = uid('sub');
        return h(
          'section',
          { class: 'panel subscription', 'aria-labelledby': headingId, dataset: { url: callback } },
          h(
            'div',
            { class: 'title-row' },
            h('h2', { id: headingId }, h('span', { class: 'mono', text: callback })),
            queued > 0 ? h('button', { type: 'button', class: 'primary', onclick: () => void redeliver(callback), text: `Redeliver ${queued} queued`, 'aria-label': `Redeliver ${queued} queued to ${callback}` }) : null,
          ),
          h(
            'table',
            { class: 'data' },
            h('caption', { text: plural(items.length, 'delivery', 'deliveries') }),
            h('thead', {}, h('tr', {}, ['Created', 'Instance', 'Resource', 'Events', 'Status', 'Attempts', 'Last error', 'Next attempt', 'Payload'].map((c) => h('th', { scope: 'col', text: c })))),
            h(
              'tbody',
              {},
              items.map((d) =>
                h(
                  'tr',
                  { dataset: { deliveryId: d.id, status: d.status } },
                  h('td', {}, time(d.createdDate)),
                  h('td', {}, instanceCell(d.instanceId, names.get(Number(d.instanceId)))),
                  h('td', { text: d.resource }),
                  h('td', { class: 'num', text: String(d.events) }),
                  h('td', {}, badge(d.status)),
                  h('td', { class: 'num', text: String(d.attempts) }),
                  h('td', { class: 'error-cell', text: d.lastError ?? '' }),
                  h('td', {}, d.nextAttemptAt ? time(d.nextAttemptAt) : h('span', { class: 'muted', text: '—' })),
                  h('td', {}, d.payload ? jsonDetails('Payload', d.payload) : h('span', { class: 'muted small', text: d.status === 'delivered' ? 'delivered' : '—' })),
                ),
              ),
            ),
          ),
        );
      }),
    );
  }

  const timers = [];
  async function redeliver(callback) {
    try {
      const sent = await api('PUT', `/notifications/subscriptions/deliveries?${new URLSearchParams({ where: where('queued', callback) })}`);
      announce(sent.length ? `Redelivering ${plural(sent.length, 'notification')}${callback ? ` to ${callback}` : ''}.` : 'Nothing queued to redeliver.');
    } catch (err) {
      announce(`Redeliver failed: ${errorText(err)}`, 'error');
    }
    // Redelivery runs in the subscription workflow: look again a few times as it drains.
    for (const ms of [800, 2500, 6000]) timers.push(setTimeout(() => void load(), ms));
  }

  await Promise.all([loadPolicy(), load()]);
  return () => timers.forEach(clearTimeout);
}
