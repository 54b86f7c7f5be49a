// One labelled form field (label, input, hint, error), registered in the form's state by its
// configuration key so that an error can be shown at it.

import { h, uid } from './dom.js';

export function field(state, key, label, input, { hint, required } = {}) {
  const errorId = uid('err');
  const hintId = hint ? uid('hint') : undefined;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const isCheck = input.type === 'checkbox';
  const labelEl = h('label', { for: input.id }, label);
  const wrap = h('div', { class: `field${isCheck ? ' check' : ''}` }, isCheck ? [input, labelEl] : [labelEl, input], hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null, error);
  state.fields.set(key, { input, error, wrap, label: labelEl });
  setRequired(state, key, Boolean(required));
  return wrap;
}

/** Marks the field of `key` required or not: "(required)" in its label, and aria-required. */
export function setRequired(state, key, required) {
  const f = state.fields.get(key);
  if (!f?.label) return;
  const marker = f.label.querySelector('.req');
  if (required && !marker) f.label.append(h('span', { class: 'req', text: ' (required)' }));
  if (!required) marker?.remove();
  if (required) f.input.setAttribute('aria-required', 'true');
  else f.input.removeAttribute('aria-required');
}

/** Registers a field laid out by hand (an error paragraph appended to `wrap`). */
export function registerField(state, key, input, wrap, describedBy = []) {
  const error = h('p', { class: 'field-error', id: uid('err'), hidden: true });
  wrap.append(error);
  input.setAttribute('aria-describedby', [...describedBy, error.id].join(' '));
  state.fields.set(key, { input, error, wrap });
}
