// The resources to poll: a checkbox per resource (the element's defaults, and any the user adds) and
// the code view of `event.poller.configuration`, the source of truth the checkboxes are read from.
// The code view is checked while typing (syntax at its line and column, each resource's shape).

import { announce, h, uid, fill } from './dom.js';
import { codeEditor, locate, parseJson } from './jsonEditor.js';
import { deletionControls } from './formDeletion.js';

const HTTP_DATE = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const LIVE_CHECK_MS = 250;

export const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
export const pretty = (v) => JSON.stringify(v, null, 2);

export function resourcesSection(state) {
  const list = h('ul', { class: 'resources' });
  const newResourceInput = h('input', { type: 'text', id: uid('resource'), autocomplete: 'off', class: 'narrow', placeholder: 'e.g. contacts' });
  const editor = codeEditor({
    label: 'Poller configuration (event.poller.configuration, JSON)',
    hint: 'One entry per resource: url (with a date placeholder such as ${gmtDate:yyyy-MM-dd\'T\'HH:mm:ss\'Z\'}), idField, datesConfiguration. Checked resources above are the keys of this object.',
    rows: 18,
  });

  const resourceSet = h(
    'fieldset',
    { class: 'resource-set' },
    h('legend', { text: 'Resources to poll' }),
    list,
    h(
      'div',
      { class: 'add-resource' },
      h('label', { for: newResourceInput.id, text: 'Add a resource' }),
      newResourceInput,
      h('button', { type: 'button', onclick: addResource, text: 'Add' }),
    ),
  );

  function parsed() {
    try {
      return { ok: true, ...parseJson(editor.value) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Client-side check of the code view: syntax (line, column) and each resource's shape. */
  function check() {
    const result = parsed();
    const markers = [];
    const byResource = new Map();
    if (!result.ok) {
      const e = result.error;
      markers.push({ line: e.line, column: e.column, message: e.message });
    } else if (!isPlainObject(result.value)) {
      markers.push({ line: 1, column: 1, message: 'expected an object of resources: { "name": { "url": …, "idField": … } }' });
    } else {
      for (const [name, r] of Object.entries(result.value)) {
        const at = (path) => locate(result, editor.value, [name, ...path]);
        const problem = (path, message) => {
          const where = at(path) ?? { line: 1, column: 1 };
          markers.push({ line: where.line, column: where.column, message: `${name}${path.length ? `.${path.join('.')}` : ''}: ${message}` });
          if (!byResource.has(name)) byResource.set(name, message);
        };
        if (!isPlainObject(r)) problem([], 'expected an object with url and idField');
        else {
          if (typeof r.url !== 'string' || r.url.trim() === '') problem(r.url === undefined ? [] : ['url'], 'url is required (the resource URL with a date placeholder)');
          if (typeof r.idField !== 'string') problem(r.idField === undefined ? [] : ['idField'], 'idField is required (the field that identifies a record)');
        }
      }
    }
    editor.setMarkers(markers);
    return { parsed: result, markers, byResource };
  }

  /** Each resource's "Deletes and late records" controls, kept across redraws (their open state and typed values). */
  const extras = new Map();
  function extrasOf(name) {
    if (!extras.has(name)) extras.set(name, deletionControls(name, (change) => editResource(name, change)));
    return extras.get(name);
  }

  /** Writes `change(resource)` over the resource `name` in the code view; returns the new resource. */
  function editResource(name, change) {
    const result = parsed();
    if (!result.ok || !isPlainObject(result.value) || !Object.hasOwn(result.value, name)) {
      check();
      announce('Fix the poller configuration JSON first: the resource is read from it.', 'error');
      return undefined;
    }
    const next = change(result.value[name]);
    result.value[name] = next;
    state.memory[name] = next;
    editor.setValue(pretty(result.value));
    check();
    return next;
  }

  /**
   * The checkboxes: every resource known (defaults, seen, present), checked when present in the code view; a checked
   * one has its deletion and settle controls (`details`: their API issues, by resource).
   */
  function renderList(present, problems = new Map(), details = new Map()) {
    const names = [...new Set([...Object.keys(state.defaults), ...Object.keys(state.memory), ...Object.keys(present ?? {})])];
    fill(list,
      ...(names.length === 0
        ? [h('li', { class: 'muted', text: `${state.element.name} has no default resources: add one below, or write them in the code view.` })]
        : names.map((name) => {
            const id = uid('res');
            const errorId = uid('err');
            const box = h('input', { type: 'checkbox', id, checked: Boolean(present && Object.hasOwn(present, name)), 'aria-describedby': errorId, dataset: { resource: name } });
            box.addEventListener('change', () => toggle(name, box));
            const problem = problems.get(name);
            if (problem) box.setAttribute('aria-invalid', 'true');
            const configurable = Boolean(present && Object.hasOwn(present, name) && isPlainObject(present[name]));
            if (configurable) extrasOf(name).update(present[name], details.get(name));
            return h(
              'li',
              { class: problem ? 'invalid' : undefined },
              box,
              h('label', { for: id }, name, Object.hasOwn(state.defaults, name) ? null : h('span', { class: 'muted', text: ' (custom)' })),
              h('span', { class: 'field-error', id: errorId, hidden: !problem, text: problem ?? '' }),
              configurable ? extrasOf(name).root : null,
            );
          })),
    );
  }

  /** Reads the code view: checks it, remembers its resources, and redraws the checkboxes. */
  function sync() {
    const { parsed: result, byResource } = check();
    if (result.ok && isPlainObject(result.value)) {
      for (const [name, r] of Object.entries(result.value)) state.memory[name] = r;
      renderList(result.value, byResource);
    }
    return result;
  }

  function toggle(name, box) {
    const result = parsed();
    if (!result.ok || !isPlainObject(result.value)) {
      box.checked = !box.checked;
      check();
      announce('Fix the poller configuration JSON first: resources are read from it.', 'error');
      editor.textarea.focus();
      return;
    }
    const next = { ...result.value };
    if (box.checked) next[name] = state.memory[name] ?? state.defaults[name] ?? template(name);
    else delete next[name];
    editor.setValue(pretty(next));
    sync();
  }

  /** A new resource: a copy of the element's first default with the name replaced (seeds), or an http template. */
  function template(name) {
    const [firstName, first] = Object.entries(state.defaults)[0] ?? [];
    if (first && typeof first.url === 'string') {
      const copy = structuredClone(first);
      copy.url = first.url.replace(`/${firstName}`, `/${name}`);
      return copy;
    }
    return {
      url: `/${name}?updatedSince=\${gmtDate:${HTTP_DATE}}`,
      idField: 'id',
      datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: HTTP_DATE, createdDateField: 'createdAt', createdDateFormat: HTTP_DATE },
    };
  }

  function addResource() {
    const name = newResourceInput.value.trim();
    if (!name) {
      newResourceInput.focus();
      return;
    }
    const result = parsed();
    if (!result.ok || !isPlainObject(result.value)) {
      check();
      announce('Fix the poller configuration JSON first.', 'error');
      return;
    }
    if (!Object.hasOwn(result.value, name)) result.value[name] = state.memory[name] ?? state.defaults[name] ?? template(name);
    editor.setValue(pretty(result.value));
    newResourceInput.value = '';
    sync();
    const line = locate(parsed(), editor.value, [name]);
    if (line) editor.focusAt(line.line, line.column);
  }

  // Enter in "Add a resource" adds it (instead of submitting the whole form).
  newResourceInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addResource();
    }
  });

  let pending;
  editor.textarea.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(sync, LIVE_CHECK_MS);
  });

  return {
    root: h('div', {}, resourceSet, editor.root),
    editor,
    sync,
    /** Writes `text` into the code view and reads it. */
    load(text) {
      editor.setValue(text);
      sync();
    },
    /** Cancels a pending live check: cancelled, it cannot erase the API's answer later. */
    cancelPending() {
      clearTimeout(pending);
    },
    /** Problems in the code view, as form errors; `pollerValue` is the parsed configuration. */
    clientErrors() {
      const errors = [];
      const { parsed: result, markers, byResource } = check();
      for (const m of markers) errors.push({ message: `Poller configuration, line ${m.line}, column ${m.column}: ${m.message}`, editor: m });
      if (result.ok && isPlainObject(result.value)) renderList(result.value, byResource);
      return { errors, pollerValue: result.ok ? result.value : undefined };
    },
    /**
     * The API's issues about `event.poller.configuration` (their path after it as `rest`), placed at
     * their resource and line. Returns them as form errors.
     */
    placeIssues(issues) {
      const { parsed: result } = check();
      const markers = [];
      const problems = new Map();
      const details = new Map();
      const errors = issues.map(({ rest: path, message: original }) => {
        let rest = path;
        let message = original;
        // Element checks name the resource in the message: "customers.url: …".
        if (rest.length === 0 && result.ok && isPlainObject(result.value)) {
          const name = Object.keys(result.value).find((n) => message.startsWith(`${n}.`) || message.startsWith(`${n}:`));
          if (name) {
            const tail = message.slice(name.length);
            const m = /^\.([\w.]+):\s*/.exec(tail);
            rest = m ? [name, ...m[1].split('.')] : [name];
            message = (m ? tail.slice(m[0].length) : tail.replace(/^:\s*/, '')) || message;
          }
        }
        const where = result.ok ? locate(result, editor.value, rest) : undefined;
        const label = rest.length ? `${rest.join('.')}: ${message}` : message;
        markers.push({ line: where?.line, column: where?.column, message: label });
        if (rest[0] !== undefined) {
          const name = String(rest[0]);
          // At the resource, the key at fault too when it is a deletion or settle one ("deletion.scan.every: …").
          const own = rest[1] === 'deletion' || rest[1] === 'settleDelay';
          const text = own ? `${rest.slice(1).join('.')}: ${message}` : message;
          problems.set(name, problems.has(name) ? `${problems.get(name)}; ${text}` : text);
          if (own) details.set(name, [...(details.get(name) ?? []), { path: rest.slice(1), message }]);
        }
        return { message: `Poller configuration: ${label}`, editor: where };
      });
      if (markers.length) {
        editor.setMarkers(markers);
        if (result.ok && isPlainObject(result.value)) renderList(result.value, problems, details);
      }
      return errors;
    },
  };
}
