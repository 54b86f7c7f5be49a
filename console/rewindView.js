// Rewind: per resource, a new checkpoint (not in the future) → PATCH /instances/{id}/poller. The next poll of that
// resource reads from there, so the events since then come again.

import { api } from './api.js';
import { announce, confirmDialog, errorText, fill, h, section, time, uid } from './dom.js';
import { formatLocal } from './format.js';
import { instanceResources } from './instanceResources.js';
import { isoToLocal, localToIso } from './localInstant.js';

function rewindRow(instance, name, onDone) {
  const input = h('input', { type: 'datetime-local', step: '1', id: uid('rewind'), required: true });
  const error = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  input.setAttribute('aria-describedby', error.id);
  const current = h('span', { class: 'muted', text: '—' });
  const button = h('button', { type: 'submit', text: 'Rewind', 'aria-label': `Rewind ${name}` });

  const showError = (message) => {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };

  async function rewind() {
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    const checkpoint = localToIso(input.value);
    if (!checkpoint) return showError('A date and time: the checkpoint to read from.');
    if (Date.parse(checkpoint) > Date.now()) return showError('Not in the future: a checkpoint moves back, or forward no later than now.');
    const ok = await confirmDialog(
      `Rewind ${name}?`,
      `The next poll of ${name} reads from ${formatLocal(new Date(checkpoint))}: the events since then come again to the callback URL. ` +
        'Where a record has not changed since, its event comes again with the id it had (a receiver that drops repeats by id drops it); ' +
        'a record changed since comes as a new event under a new id.',
      'Rewind',
    );
    if (!ok) return;
    button.disabled = true;
    try {
      const res = await api('PATCH', `/instances/${instance.id}/poller`, { resources: { [name]: { checkpoint } } });
      announce(`Rewound ${name}: its next poll reads from ${formatLocal(new Date(res.checkpoints[name]))}.`);
      onDone();
    } catch (err) {
      const mine = err.issues?.filter((i) => i.path === `resources.${name}.checkpoint` || i.path === `resources.${name}` || i.path === 'resources');
      showError(mine?.length ? mine.map((i) => i.message).join('; ') : errorText(err));
    } finally {
      button.disabled = false;
    }
  }

  const row = h(
    'form',
    { class: 'inline-form rewind-row', novalidate: true, dataset: { resource: name }, onsubmit: (e) => { e.preventDefault(); void rewind(); } },
    h('div', { class: 'field' }, h('strong', { text: name }), h('span', { class: 'small' }, 'checkpoint now: ', current)),
    h('div', { class: 'field' }, h('label', { for: input.id, text: `New checkpoint for ${name}` }), input, error),
    button,
  );
  return {
    row,
    show(checkpoint) {
      fill(current, checkpoint ? time(checkpoint) : h('span', { class: 'muted', text: 'none yet' }));
      input.max = isoToLocal(Date.now());
      if (!input.value && checkpoint) input.value = isoToLocal(checkpoint);
    },
  };
}

/** The section, for the instance page. */
export function rewindSection(instance) {
  const names = instanceResources(instance);
  const rows = new Map();
  const body = h('div', {});
  async function load() {
    try {
      const status = await api('GET', `/instances/${instance.id}/poller`);
      for (const [name, r] of rows) r.show(status.resources?.[name]?.checkpoint);
    } catch (err) {
      for (const r of rows.values()) r.show(undefined);
      announce(`Checkpoints unavailable: ${errorText(err)}`, 'error');
    }
  }
  for (const name of names) rows.set(name, rewindRow(instance, name, () => void load()));
  fill(body, names.length ? [...rows.values()].map((r) => r.row) : h('p', { class: 'muted', text: 'The instance has no resource.' }));
  void load();
  return section(
    'Rewind',
    h('p', { class: 'hint', text: 'Move a resource’s checkpoint back: its next poll reads from there, and the events since come again — with the ids they had where the records have not changed.' }),
    body,
  );
}
