// "Deletes and late records" under a checked resource: how it reports DELETED events (none, a flag field, a
// tombstones list or an id scan) and its settleDelay. The controls edit that resource's object in the code view
// (through `onChange`) and are redrawn from it (`update`), so the code view stays the source of truth.

import { h, uid, fill } from './dom.js';
import { controlsOf, describeDeletion, MODES, startingFields, withDeletion } from './deletionConfig.js';

const MODE_LABELS = { none: 'none', flag: 'a flag field on the record', tombstones: 'a list of deleted records (tombstones)', scan: 'an id scan' };

/** Per form, the inputs: [key, label, hint?]. Their keys are the API's, after `deletion` (scan ones after `deletion.scan`). */
const FIELDS = {
  flag: [
    ['field', 'Flag field', 'A JSON path in the record, e.g. deletedFlag or _info.deleted.'],
    ['value', 'Flag value', 'true, false, null, a number, or text ("…" to quote text that reads as one of those).'],
  ],
  tombstones: [
    ['url', 'Deleted records URL', 'Listed after each poll like the resource, with the same date placeholders.'],
    ['idField', 'Id field'],
    ['dateField', 'Date field (optional)', 'The deletion date in a listed record; without it, the poll start.'],
    ['dateFormat', 'Date format (optional)'],
    ['dateTimezone', 'Date time zone (optional)'],
  ],
  scan: [
    ['url', 'Id listing URL', 'Every record, as few fields as the API allows, no date filter.'],
    ['idField', 'Id field'],
    ['every', 'Scan every (minutes)', 'At least 1 second (0.0167). Ids gone since the last complete scan are reported DELETED.'],
  ],
};

/** One labelled input with its hint and error paragraph. */
function control(label, input, hint) {
  const error = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  const hintEl = hint ? h('p', { class: 'hint', id: uid('hint'), text: hint }) : null;
  input.id = uid('del');
  input.setAttribute('aria-describedby', [hintEl?.id, error.id].filter(Boolean).join(' '));
  return { input, error, root: h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input, hintEl, error) };
}

/**
 * `onChange(change)`: `change(resource)` is the resource with the controls' values; the caller writes it to the code
 * view and returns it (undefined when the code view cannot be read). Returns `{ root, update(resource, issues) }`; `issues` are `{ path, message }` with `path` after the resource
 * (['deletion', 'scan', 'every'], ['settleDelay']), each shown at its input.
 */
export function deletionControls(resourceName, onChange) {
  const mode = h('select', {}, MODES.map((m) => h('option', { value: m, text: MODE_LABELS[m] })));
  const modeField = control('Deleted records reported from', mode);
  // Text inputs, not number ones: what the code view holds is shown as written, even when it is not a number.
  const settle = h('input', { type: 'text', class: 'narrow', inputmode: 'decimal', autocomplete: 'off' });
  const settleField = control('Settle delay (seconds, optional)', settle, 'Each poll’s window is read once more this long after the poll, for records the provider shows late.');
  const summaryNote = h('span', { class: 'muted' });
  const inputs = { flag: {}, tombstones: {}, scan: {} };
  const groups = {};
  for (const [m, list] of Object.entries(FIELDS)) {
    groups[m] = h('div', { class: 'grid', dataset: { mode: m } }, list.map(([key, label, hint]) => {
      const f = control(label, h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...(key === 'every' ? { inputmode: 'decimal', class: 'narrow' } : {}) }), hint);
      inputs[m][key] = f;
      f.input.addEventListener('input', changed);
      return f.root;
    }));
  }
  const root = h(
    'details',
    { class: 'resource-extras', dataset: { resource: resourceName } },
    h('summary', {}, 'Deletes and late records ', summaryNote),
    h('div', { class: 'extras-body' }, modeField.root, Object.values(groups), settleField.root),
  );
  let current = {};

  function showGroup() {
    for (const [m, group] of Object.entries(groups)) group.hidden = m !== mode.value;
  }

  function values() {
    const m = mode.value;
    const fields = Object.fromEntries(Object.entries(inputs[m] ?? {}).map(([key, f]) => [key, f.input.value]));
    return { mode: m, fields, settleDelay: settle.value };
  }

  function changed() {
    const next = onChange((resource) => withDeletion(resource, values()));
    if (next) {
      current = next;
      fill(summaryNote, `— ${describeDeletion(next)}`);
    }
  }

  mode.addEventListener('change', () => {
    // A form chosen for the first time starts from sensible values (its inputs are empty).
    const group = inputs[mode.value];
    if (group && Object.values(group).every((f) => f.input.value === '')) {
      for (const [key, value] of Object.entries(startingFields(mode.value, current))) group[key].input.value = value;
    }
    showGroup();
    changed();
  });
  settle.addEventListener('input', changed);

  const inputAt = (path) => {
    const [first, second, third] = path;
    if (first === 'settleDelay') return settleField;
    if (first !== 'deletion') return undefined;
    if (second === 'scan') return inputs.scan[third] ?? modeField;
    return (mode.value === 'flag' || mode.value === 'tombstones' ? inputs[mode.value][second] : undefined) ?? modeField;
  };

  return {
    root,
    update(resource, issues = []) {
      current = resource;
      const c = controlsOf(resource);
      // The code view may hold a deletion none of the three forms describes: shown as such, left as written.
      const other = mode.querySelector('option[value="other"]');
      if (c.mode === 'other' && !other) mode.append(h('option', { value: 'other', text: 'as written in the code view (not one of these forms)' }));
      if (c.mode !== 'other') other?.remove();
      mode.value = c.mode;
      for (const [key, value] of Object.entries(c.fields)) if (inputs[c.mode][key] && inputs[c.mode][key].input !== document.activeElement) inputs[c.mode][key].input.value = value;
      if (settle !== document.activeElement) settle.value = c.settleDelay;
      showGroup();
      fill(summaryNote, `— ${describeDeletion(resource)}`);
      const all = [modeField, settleField, ...Object.values(inputs).flatMap((g) => Object.values(g))];
      for (const f of all) {
        f.error.hidden = true;
        f.error.textContent = '';
        f.input.removeAttribute('aria-invalid');
      }
      for (const { path, message } of issues) {
        const f = inputAt(path);
        if (!f) continue;
        f.error.textContent = f.error.hidden ? message : `${f.error.textContent} ${message}`;
        f.error.hidden = false;
        f.input.setAttribute('aria-invalid', 'true');
      }
      if (issues.some((i) => inputAt(i.path))) root.open = true;
    },
  };
}
