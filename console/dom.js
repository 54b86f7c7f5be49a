// Tiny DOM helpers. Text always goes in as text (never innerHTML): names, payloads and errors are user data.

import { formatLocal, relative } from './format.js';

/**
 * `h('button', { class: 'x', onclick: fn, 'aria-label': 'y' }, 'text', child)`.
 * Props: `class`, `text`, `dataset`, `on<event>` handlers, booleans as present/absent attributes,
 * `value`/`checked`/`disabled`/`hidden` set as properties; everything else as attributes.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (['value', 'checked', 'disabled', 'hidden', 'selected', 'open'].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replaces the children (like replaceChildren, but null/false/undefined are skipped, not written as text). */
export function fill(el, ...children) {
  return append(clear(el), children);
}

let counter = 0;
/** A unique id for label/aria wiring. */
export const uid = (prefix = 'id') => `${prefix}-${++counter}`;

/** A polite announcement for screen readers, shown in the header until it times out or is dismissed. */
export function announce(message, kind = 'info') {
  const region = document.getElementById('status');
  if (!region) return;
  // The region stays in the page (a live region that appears with its text may go unannounced).
  region.textContent = message;
  region.title = message;
  const toast = region.parentElement;
  toast.dataset.kind = kind;
  delete toast.dataset.empty;
  const dismiss = document.getElementById('dismiss');
  if (dismiss) {
    dismiss.hidden = false;
    dismiss.onclick = clearAnnouncement;
  }
  clearTimeout(announce.timer);
  announce.timer = setTimeout(clearAnnouncement, kind === 'error' ? 12_000 : 6_000);
}

function clearAnnouncement() {
  clearTimeout(announce.timer);
  const region = document.getElementById('status');
  if (!region) return;
  region.textContent = '';
  region.removeAttribute('title');
  region.parentElement.dataset.empty = '';
  const dismiss = document.getElementById('dismiss');
  if (dismiss) dismiss.hidden = true;
}

/** `<time>`: the local time with its zone, and how long ago or ahead it is ("in 14 s", "3 min ago"). */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', { text: String(iso) });
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, `${formatLocal(d)} `, h('span', { class: 'muted', text: `(${relative(d)})` }));
}

/** A status badge; the word is the information, the colour only repeats it. */
export function badge(text, kind = String(text)) {
  return h('span', { class: `badge badge-${String(kind).replace(/[^a-z-]/gi, '')}`, text: String(text) });
}

/** A collapsible JSON view. */
export function jsonDetails(summary, value) {
  return h('details', { class: 'json' }, h('summary', { text: summary }), h('pre', { class: 'code', tabindex: '0', text: JSON.stringify(value, null, 2) }));
}

/** An accessible modal confirmation (native <dialog>: focus is trapped and Escape cancels). */
export function confirmDialog(title, message, confirmLabel = 'Confirm') {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId, text: title }),
      h('p', { text: message }),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'danger', text: confirmLabel, onclick: () => dialog.close('yes') }),
        h('button', { type: 'button', text: 'Cancel', autofocus: true, onclick: () => dialog.close('no') }),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A titled section with an h2 and its body. */
export function section(title, ...body) {
  const id = uid('section');
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id, text: title }), ...body);
}

export function errorText(err) {
  if (!err) return '';
  const status = err.status ? `${err.status}: ` : '';
  return `${status}${err.message}`;
}
