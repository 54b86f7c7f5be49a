// Replay from the source: a window (since, until, resources) → POST /instances/{id}/events/replay; the replay's
// progress (GET …/replay/{replayId}) every few seconds until it ends, a Cancel (DELETE); the instance's recent
// replays (GET …/events/replay). With it, the rewind section (rewindView.js).

import { api } from './api.js';
import { announce, badge, errorText, fill, h, section, time, uid } from './dom.js';
import { instanceResources } from './instanceResources.js';
import { isoToLocal, localToIso } from './localInstant.js';
import { rewindSection } from './rewindView.js';

const WATCH_MS = 2000;

function field(label, input, hint) {
  const error = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  input.setAttribute('aria-describedby', error.id);
  return { input, error, root: h('div', { class: 'field' }, h('label', { for: input.id, text: label }), hint ? h('p', { class: 'hint', text: hint }) : null, input, error) };
}

/** Which field an issue of the API's 400 belongs to: `since`, `until`, or `resources` (also `resources[1]`). */
const fieldOf = (path) => (path === 'since' || path === 'until' ? path : /^resources(\[\d+\])?$/.test(path ?? '') ? 'resources' : undefined);

function progressView(replay, onCancel) {
  const resources = Object.entries(replay.resources ?? {});
  return [
    h(
      'dl',
      { class: 'facts' },
      h('dt', { text: 'Replay' }),
      h('dd', {}, h('code', { text: replay.replayId }), ' ', h('span', { dataset: { testid: 'replay-status' } }, badge(replay.status)), replay.cancelRequested && replay.status === 'running' ? h('span', { class: 'muted', text: ' cancel requested: it stops before its next page run' }) : null),
      h('dt', { text: 'Window' }),
      h('dd', {}, time(replay.since), ' to ', time(replay.until)),
      h('dt', { text: 'Started' }),
      h('dd', {}, time(replay.startedAt)),
      h('dt', { text: 'Ended' }),
      h('dd', {}, replay.endedAt ? time(replay.endedAt) : h('span', { class: 'muted', text: 'still running' })),
    ),
    h(
      'table',
      { class: 'data', dataset: { testid: 'replay-progress' } },
      h('caption', { text: 'Per resource, in the order replayed: records read, events and notifications sent so far' }),
      h('thead', {}, h('tr', {}, ['Resource', 'Status', 'Records', 'Events', 'Problems', 'Notifications', 'Last error'].map((c) => h('th', { scope: 'col', text: c })))),
      h(
        'tbody',
        {},
        resources.map(([name, r]) =>
          h(
            'tr',
            { dataset: { resource: name } },
            h('th', { scope: 'row', text: name }),
            h('td', {}, badge(r.status)),
            h('td', { class: 'num', text: String(r.records) }),
            h('td', { class: 'num', text: String(r.events) }),
            h('td', { class: 'num', text: String(r.problems) }),
            h('td', { class: 'num', text: String(r.notifications) }),
            h('td', { class: 'error-cell', text: r.lastError ?? '' }),
          ),
        ),
      ),
    ),
    replay.status === 'running' && !replay.cancelRequested ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: onCancel, text: 'Cancel replay' })) : null,
  ];
}

function replaySection(instance) {
  const names = instanceResources(instance);
  const since = field('Since (required)', h('input', { type: 'datetime-local', step: '1', id: uid('replay-since'), required: true }), 'Changes dated at or after it (your time zone).');
  const until = field('Until', h('input', { type: 'datetime-local', step: '1', id: uid('replay-until') }), 'Changes dated before it; now when empty.');
  const boxes = names.map((name) => h('input', { type: 'checkbox', id: uid('replay-resource'), value: name, checked: true }));
  const resourcesError = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  const resourceSet = h(
    'fieldset',
    { class: 'resource-set', 'aria-describedby': resourcesError.id },
    h('legend', { text: 'Resources' }),
    h('ul', { class: 'resources' }, boxes.map((box) => h('li', {}, box, h('label', { for: box.id, text: box.value })))),
    resourcesError,
  );
  const start = h('button', { type: 'submit', text: 'Start replay' });
  const fields = { since, until, resources: { input: boxes[0] ?? resourceSet, error: resourcesError } };
  const progress = h('div', { 'aria-live': 'polite', class: 'replay-progress' });
  const recent = h('div', { class: 'replay-recent' });

  function clearErrors() {
    for (const f of Object.values(fields)) {
      f.error.hidden = true;
      f.error.textContent = '';
      f.input.removeAttribute('aria-invalid');
    }
  }
  function atField(key, message) {
    const f = fields[key];
    f.error.textContent = f.error.hidden ? message : `${f.error.textContent} ${message}`;
    f.error.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
  }

  let watched;
  let timer;
  function show(replay) {
    watched = replay;
    fill(progress, h('h3', { text: replay.status === 'running' ? 'Replay under way' : 'Last replay' }), progressView(replay, () => void cancel()));
    clearTimeout(timer);
    // Refreshed until it ends, and only while the page shows it (leaving the page removes the section).
    if (replay.status === 'running') timer = setTimeout(() => void watch(replay.replayId), WATCH_MS);
    else void loadRecent();
  }
  async function watch(replayId) {
    if (!progress.isConnected || watched?.replayId !== replayId) return;
    try {
      show(await api('GET', `/instances/${instance.id}/events/replay/${replayId}`));
    } catch (err) {
      fill(progress, h('p', { class: 'error', text: `Could not read replay ${replayId}: ${errorText(err)}` }));
    }
  }

  async function cancel() {
    if (!watched) return;
    try {
      show(await api('DELETE', `/instances/${instance.id}/events/replay/${watched.replayId}`));
      announce('Cancel requested: the replay stops before its next page run.');
    } catch (err) {
      announce(`Cancel failed: ${errorText(err)}`, 'error');
    }
  }

  async function submit() {
    clearErrors();
    const body = {};
    const sinceIso = localToIso(since.input.value);
    if (!sinceIso) atField('since', 'A date and time: the window’s start.');
    else body.since = sinceIso;
    if (until.input.value) {
      const untilIso = localToIso(until.input.value);
      if (!untilIso) atField('until', 'A date and time, or empty for now.');
      else body.until = untilIso;
    }
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    if (boxes.length > 0 && chosen.length === 0) atField('resources', 'At least one resource.');
    if (chosen.length < boxes.length) body.resources = chosen;
    if (Object.values(fields).some((f) => !f.error.hidden)) {
      Object.values(fields).find((f) => !f.error.hidden).input.focus();
      return;
    }
    start.disabled = true;
    try {
      const replay = await api('POST', `/instances/${instance.id}/events/replay`, body);
      announce(`Replay ${replay.replayId} started: its notifications are marked as a replay.`);
      show(replay);
    } catch (err) {
      const placed = (err.issues ?? []).filter((i) => fieldOf(i.path));
      for (const i of placed) atField(fieldOf(i.path), i.message);
      if (placed.length) fields[fieldOf(placed[0].path)].input.focus();
      if (placed.length < (err.issues ?? []).length || placed.length === 0) announce(`Replay not started: ${errorText(err)}`, 'error');
    } finally {
      start.disabled = false;
    }
  }

  async function loadRecent() {
    let list;
    try {
      list = await api('GET', `/instances/${instance.id}/events/replay?limit=10`);
    } catch (err) {
      fill(recent, h('p', { class: 'muted', text: `The recent replays are unavailable: ${errorText(err)}` }));
      return;
    }
    if (!watched && list[0]) show(list[0]);
    fill(
      recent,
      h('h3', { text: 'Recent replays' }),
      list.length === 0
        ? h('p', { class: 'muted', text: 'No replay yet.' })
        : h(
            'table',
            { class: 'data' },
            h('caption', { text: 'Newest first (the last 10)' }),
            h('thead', {}, h('tr', {}, ['Replay', 'Status', 'Window', 'Started', 'Events', ''].map((c) => h('th', { scope: 'col', text: c })))),
            h(
              'tbody',
              {},
              list.map((r) =>
                h(
                  'tr',
                  { dataset: { replayId: r.replayId } },
                  h('td', {}, h('code', { text: r.replayId })),
                  h('td', {}, badge(r.status)),
                  h('td', {}, time(r.since), ' to ', time(r.until)),
                  h('td', {}, time(r.startedAt)),
                  h('td', { class: 'num', text: String(Object.values(r.resources).reduce((n, x) => n + x.events, 0)) }),
                  h('td', {}, h('button', { type: 'button', 'aria-label': `Show replay ${r.replayId}`, text: 'Show', onclick: () => show(r) })),
                ),
              ),
            ),
          ),
    );
  }

  // A window to start from: the last hour.
  since.input.value = isoToLocal(Date.now() - 3_600_000);
  void loadRecent();
  const form = h(
    'form',
    { class: 'replay-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); void submit(); } },
    h('div', { class: 'replay-window' }, since.root, until.root),
    boxes.length ? resourceSet : null,
    start,
  );
  return section(
    'Replay from the source',
    h('p', { class: 'hint', text: `Reads the provider again over a past window and sends every change found there, marked as a replay (message.replay and the Pollster-Replay header) under ids of its own. Live polling goes on meanwhile; the checkpoints do not move.` }),
    form,
    progress,
    recent,
  );
}

/** The replay and rewind sections, for the instance page. */
export function replaySections(instance) {
  return [replaySection(instance), rewindSection(instance)];
}
