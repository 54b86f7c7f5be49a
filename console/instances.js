// One instance: its health and why, its actions, interval, checkpoints, poll history with charts, and recent
// notifications. (The list is in instanceList.js.)

import { api, ApiError } from './api.js';
import { announce, badge, confirmDialog, errorText, h, jsonDetails, section, time, uid, fill } from './dom.js';
import { plural } from './format.js';
import { explainSection } from './explain.js';
import { retryButton } from './retryNow.js';
import { errorWithRequest, healthBadge, healthSummary } from './health.js';
import { stateBadge, temporalLink } from './instanceState.js';
import { pollHistory } from './pollHistory.js';
import { deletionState } from './deletionState.js';
import { replaySections } from './replayView.js';

export { renderInstances } from './instanceList.js';
export { temporalLink } from './instanceState.js';

const REFRESH_MS = 5000;

export async function renderInstance(main, { id, config, navigate }) {
  let instance;
  try {
    instance = await api('GET', `/instances/${id}`);
  } catch (err) {
    fill(main,
      h('h1', { tabindex: '-1', text: `Instance ${id}` }),
      h('p', { class: 'error', text: err instanceof ApiError && err.status === 404 ? 'This instance does not exist (or was deleted).' : `Could not read it: ${errorText(err)}` }),
      h('p', {}, h('a', { href: '#/instances', text: 'Back to the instances' })),
    );
    return () => {};
  }

  const heading = h('h1', { tabindex: '-1' });
  const healthBlock = h('div', { class: 'health-block', dataset: { testid: 'health' } });
  const history = pollHistory(id);
  const facts = h('dl', { class: 'facts' });
  const toolbar = h('div', { class: 'actions toolbar', role: 'group', 'aria-label': 'Instance actions' });
  const pollerBody = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const eventsBody = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const autoToggle = h('input', { type: 'checkbox', id: uid('auto'), checked: true });

  // Interval: slider + number, applied with PATCH (the workflow takes it without a restart).
  const intervalNumber = h('input', { type: 'number', id: uid('interval'), min: '0.0167', step: 'any', class: 'narrow', required: true });
  const intervalSlider = h('input', { type: 'range', min: '1', max: '120', step: '1', 'aria-label': 'Refresh interval slider (minutes)' });
  const intervalError = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  intervalNumber.setAttribute('aria-describedby', intervalError.id);
  intervalSlider.addEventListener('input', () => {
    intervalNumber.value = intervalSlider.value;
  });
  intervalNumber.addEventListener('input', () => {
    const n = Number(intervalNumber.value);
    if (Number.isFinite(n)) intervalSlider.value = String(Math.min(120, Math.max(1, Math.round(n))));
  });
  const intervalForm = h(
    'form',
    { class: 'interval-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); void changeInterval(); } },
    h('div', { class: 'interval' }, intervalSlider, intervalNumber, h('button', { type: 'submit', text: 'Change interval' })),
    intervalError,
  );
  // The section's heading is the field's label: one "Refresh interval", not a heading and a label saying it twice.
  const intervalSection = h(
    'section',
    { class: 'panel', 'aria-label': 'Refresh interval' },
    h('h2', {}, h('label', { for: intervalNumber.id, text: 'Refresh interval (minutes)' })),
    intervalForm,
  );

  fill(main,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/instances', text: 'Instances' }), ' / ', `#${id}`),
    h('div', { class: 'title-row' }, heading, h('div', { class: 'field check' }, autoToggle, h('label', { for: autoToggle.id, text: 'Refresh every 5 s' }))),
    healthBlock,
    facts,
    toolbar,
    intervalSection,
    section('Poller and checkpoints', pollerBody),
    history.section,
    section('Recent notifications', eventsBody),
    explainSection(instance),
    replaySections(instance),
  );

  /** The health the status reports (fresh, with reasons), else the one the instance was read with. */
  const currentHealth = () => lastStatus?.health ?? instance.health;

  function paintHeading() {
    const health = currentHealth();
    fill(heading, instance.name, ' ', stateBadge(instance, lastStatus), ' ', healthBadge(health));
    healthBlock.dataset.health = health?.state ?? '';
    fill(healthBlock, healthSummary(health));
  }

  function paintInstance() {
    paintHeading();
    const c = instance.configuration ?? {};
    const fact = (term, ...value) => [h('dt', { text: term }), h('dd', {}, ...value)];
    fill(facts,
      ...fact('ID', String(instance.id)),
      ...fact('Element', instance.element.key),
      ...fact('Tags', (instance.tags ?? []).length ? instance.tags.map((t) => h('span', { class: 'tag', text: t })) : h('span', { class: 'muted', text: 'none' })),
      ...fact('Created', time(instance.createdDate)),
      ...fact('Events', instance.eventsEnabled ? 'enabled' : 'off'),
      ...fact('Callback URL', c['event.notification.callback.url'] ?? '—'),
      ...fact('Signature key', c['event.notification.signature.key'] ? 'set' : 'none'),
    );
    const paused = instance.disabled;
    fill(toolbar,
      h('button', { type: 'button', dataset: { focusKey: 'toggle' }, onclick: () => void act(paused ? 'PUT' : 'DELETE', `/instances/${id}/enabled`, paused ? 'Resumed: polling again.' : 'Paused: no polls until resumed.') }, paused ? 'Resume' : 'Pause'),
      h('button', { type: 'button', disabled: paused, onclick: () => void pollNow() }, 'Poll now'),
      h('a', { class: 'button', href: `#/instances/${id}/edit`, text: 'Edit configuration' }),
      h('a', { class: 'button', href: temporalLink(config, id), target: '_blank', rel: 'noopener noreferrer', text: 'Open in Temporal UI', 'aria-label': 'Open the workflow in the Temporal UI (new tab)' }),
      h('button', { type: 'button', class: 'danger', onclick: () => void remove() }, 'Delete'),
    );
    if (document.activeElement !== intervalNumber) {
      intervalNumber.value = c['event.poller.refresh_interval'] ?? '15';
      intervalNumber.dispatchEvent(new Event('input'));
    }
  }

  let lastStatus;
  function paintPoller(status) {
    lastStatus = status;
    const run = status.lastRun;
    const resources = Object.entries(status.resources ?? {});
    fill(pollerBody,
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'State' }),
        h('dd', {}, badge(status.state)),
        h('dt', { text: 'Interval' }),
        h('dd', { text: `${status.refreshIntervalMinutes} min`, dataset: { testid: 'poller-interval' } }),
        h('dt', { text: 'Polls' }),
        h('dd', { text: String(status.polls) }),
        h('dt', { text: 'Next poll' }),
        h('dd', {}, instance.disabled ? h('span', { class: 'muted', text: 'paused' }) : time(status.nextRunAt)),
        h('dt', { text: 'Last poll' }),
        h('dd', {}, run ? [time(run.startedAt), ` — ${plural(run.records, 'record')}, ${plural(run.events, 'event')}${run.failedResources?.length ? `, failed: ${run.failedResources.join(', ')}` : ''}`] : h('span', { class: 'muted', text: 'not yet' })),
        status.authError ? [h('dt', { text: 'Authentication' }), h('dd', { class: 'error', text: status.authError })] : null,
      ),
      resources.length === 0
        ? h('p', { class: 'muted', text: instance.eventsEnabled ? 'No checkpoints yet: each resource gets one with its first poll.' : 'Events are off: nothing is polled.' })
        : h(
            'table',
            { class: 'data' },
            h('caption', { text: 'Checkpoints: each resource is next polled for changes after its checkpoint' }),
            h('thead', {}, h('tr', {}, ['Resource', 'Checkpoint', 'Records', 'Events', 'Problems', 'Last error'].map((c) => h('th', { scope: 'col', text: c })))),
            h(
              'tbody',
              {},
              resources.map(([name, r]) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row', text: name }),
                  h('td', {}, time(r.checkpoint)),
                  h('td', { class: 'num', text: String(r.records) }),
                  h('td', { class: 'num', text: String(r.events) }),
                  h('td', { class: 'num', text: String(r.problems), title: r.lastProblem ?? '' }),
                  h('td', { class: 'error-cell' }, r.lastError ? [errorWithRequest(r.lastError), ' ', time(r.lastErrorAt)] : r.lastProblem ? h('span', { class: 'muted', text: r.lastProblem }) : ''),
                ),
              ),
            ),
          ),
      deletionState(status.resources),
    );
    paintHeading();
  }

  let notifications = [];
  let nextPage;
  function paintEvents() {
    const open = new Set([...eventsBody.querySelectorAll('details[open]')].map((d) => d.dataset.id));
    if (notifications.length === 0) {
      fill(eventsBody, h('p', { class: 'muted', text: 'No notifications yet: they appear after a poll finds created or updated records.' }));
      return;
    }
    fill(eventsBody,
      h(
        'table',
        { class: 'data' },
        h('caption', { text: 'Newest first; the payload is kept while a delivery is pending or queued' }),
        h('thead', {}, h('tr', {}, ['Date', 'Resource', 'Events', 'Status', 'Attempts', 'Last error', 'Payload'].map((c) => h('th', { scope: 'col', text: c })))),
        h(
          'tbody',
          {},
          notifications.map((n) =>
            h(
              'tr',
              { dataset: { notificationId: n.id } },
              h('td', {}, time(n.eventDate)),
              h('td', { text: n.objectType }),
              h('td', { class: 'num', text: String(n.events) }),
              h('td', {}, badge(n.status), n.status === 'retry' || n.status === 'queued' ? [' ', retryButton(n.id, () => setTimeout(() => void refresh(), 1200))] : null),
              h('td', { class: 'num', text: n.attempts === undefined ? '' : String(n.attempts) }),
              h('td', { class: 'error-cell', text: n.lastError ?? '' }),
              h('td', {}, n.payload ? withId(jsonDetails(`Notification ${n.id.slice(0, 12)}…`, n.payload), n.id, open) : h('span', { class: 'muted small', text: n.status === 'delivered' ? 'delivered' : '—' })),
            ),
          ),
        ),
      ),
      nextPage ? h('button', { type: 'button', onclick: () => void loadEvents(true), text: 'Load older notifications' }) : null,
    );
  }
  const withId = (details, notificationId, open) => {
    details.dataset.id = notificationId;
    details.open = open.has(notificationId);
    return details;
  };

  async function loadEvents(more = false) {
    const query = new URLSearchParams({ pageSize: '20', ...(more && nextPage ? { nextPage } : {}) });
    const res = await api('GET', `/instances/${id}/events?${query}`, undefined, { raw: true });
    notifications = more ? [...notifications, ...res.body] : res.body;
    nextPage = res.headers.get('elements-next-page-token') ?? undefined;
    paintEvents();
  }

  let alive = true;
  async function refresh() {
    const focusKey = document.activeElement?.dataset?.focusKey;
    const [inst, status] = await Promise.allSettled([api('GET', `/instances/${id}`), api('GET', `/instances/${id}/poller`)]);
    if (!alive) return;
    if (inst.status === 'fulfilled') instance = inst.value;
    else if (inst.reason instanceof ApiError && inst.reason.status === 404) {
      announce(`Instance ${id} no longer exists.`, 'error');
      navigate('#/instances');
      return;
    }
    if (status.status === 'fulfilled') paintPoller(status.value);
    else fill(pollerBody, h('p', { class: 'error', text: `Poller status unavailable: ${errorText(status.reason)}` }));
    paintInstance();
    // A page of notifications is a refresh of the first page only while no older page is shown.
    await history.load();
    if (!alive) return;
    if (!nextPage || notifications.length <= 20) await loadEvents().catch((err) => fill(eventsBody, h('p', { class: 'error', text: `Notifications unavailable: ${errorText(err)}` })));
    if (focusKey) main.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
  }

  async function act(method, path, message) {
    try {
      await api(method, path);
      announce(message);
    } catch (err) {
      announce(`Failed: ${errorText(err)}`, 'error');
    }
    await refresh();
  }

  async function pollNow() {
    try {
      await api('POST', `/instances/${id}/events/poll`);
      announce('Poll requested: it runs now.');
    } catch (err) {
      announce(`Poll failed: ${errorText(err)}`, 'error');
    }
    setTimeout(() => void refresh(), 1200);
  }

  async function changeInterval() {
    intervalError.hidden = true;
    intervalNumber.removeAttribute('aria-invalid');
    const minutes = Number(intervalNumber.value);
    if (intervalNumber.value.trim() === '' || !Number.isFinite(minutes) || minutes < 1 / 60 - 1e-9) {
      intervalError.textContent = 'A number of minutes, at least 1 second (0.0167).';
      intervalError.hidden = false;
      intervalNumber.setAttribute('aria-invalid', 'true');
      intervalNumber.focus();
      return;
    }
    try {
      instance = await api('PATCH', `/instances/${id}`, { configuration: { 'event.poller.refresh_interval': intervalNumber.value.trim() } });
      announce(`Interval set to ${plural(intervalNumber.value.trim(), 'minute')}.`);
    } catch (err) {
      intervalError.textContent = err.issues?.map((i) => i.message).join('; ') || errorText(err);
      intervalError.hidden = false;
      intervalNumber.setAttribute('aria-invalid', 'true');
    }
    await refresh();
  }

  async function remove() {
    if (!(await confirmDialog(`Delete ${instance.name}?`, 'Polling stops and the workflow ends; the instance token stops working. This cannot be undone.', 'Delete instance'))) return;
    try {
      await api('DELETE', `/instances/${id}`);
      announce(`Deleted ${instance.name}.`);
      navigate('#/instances');
    } catch (err) {
      announce(`Delete failed: ${errorText(err)}`, 'error');
    }
  }

  paintInstance();
  await refresh();
  const timer = setInterval(() => {
    if (autoToggle.checked && !document.hidden) void refresh();
  }, REFRESH_MS);
  return () => {
    alive = false;
    clearInterval(timer);
    history.destroy();
  };
}
