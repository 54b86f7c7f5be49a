// Section 1 of the instance form: the element (fixed once the instance exists), its name and tags.

import { h, uid } from './dom.js';
import { field } from './formField.js';

export function elementSection(state) {
  const select = h('select', { id: uid('element'), disabled: state.editing }, state.elements.map((e) => h('option', { value: e.key, text: `${e.name} (${e.key})` })));
  select.value = state.element.key;
  const hint = h('p', { class: 'hint' });
  const nameInput = h('input', { type: 'text', id: uid('name'), autocomplete: 'off', maxlength: '200' });
  const tagsInput = h('input', { type: 'text', id: uid('tags'), autocomplete: 'off' });

  const root = h(
    'fieldset',
    {},
    h('legend', { text: '1. Element' }),
    h('div', { class: 'grid' }, field(state, 'element', 'Element', select, { required: true }), field(state, 'name', 'Instance name', nameInput), field(state, 'tags', 'Tags (comma-separated)', tagsInput)),
    hint,
  );

  return {
    root,
    select,
    /** Describes the chosen element under the select. */
    describe() {
      const e = state.element;
      hint.textContent = `${e.description} Hub: ${e.hub}. Authentication: ${e.authentication.type}.`;
    },
    values: () => ({ name: nameInput.value, tags: tagsInput.value }),
    restore(s) {
      nameInput.value = s.name ?? '';
      tagsInput.value = s.tags ?? '';
    },
    /** The body's `name` and `tags`. */
    body: () => ({ name: nameInput.value.trim() || undefined, tags: tagsInput.value.split(',').map((t) => t.trim()).filter(Boolean) }),
  };
}
