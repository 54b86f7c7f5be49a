// Errors at the right place: each at its field (or its resource and line in the code view), and all
// of them in a summary at the top of the form whose items move focus to where each one is.

import { h, fill } from './dom.js';
import { parseIssuePath } from './jsonEditor.js';
import { POLLER_KEY } from './formState.js';

export function errorSummary(state, resources) {
  const root = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });

  function clear() {
    root.hidden = true;
    fill(root);
    for (const { input, error } of state.fields.values()) {
      error.hidden = true;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  }

  /** Shows `message` at the field of `key`; returns how to focus it (undefined when there is no such field). */
  function atField(key, message) {
    const f = state.fields.get(key);
    if (!f) return undefined;
    f.error.textContent = f.error.hidden ? message : `${f.error.textContent} ${message}`;
    f.error.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
    return () => f.input.focus();
  }

  /** `errors`: `{ message, field?, editor?: {line, column} }`. Shows them and a linked summary. */
  function show(errors, heading) {
    const items = errors.map((e) => {
      let go;
      if (e.field) go = atField(e.field, e.message);
      if (e.editor) go = () => resources.editor.focusAt(e.editor.line, e.editor.column);
      return h('li', {}, go ? h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); go(); } }, e.message) : e.message);
    });
    fill(root, h('h2', { text: heading }), h('ul', {}, items));
    root.hidden = false;
    root.focus();
  }

  /** The API's 400 issues as form errors: at their field, or at their resource and line in the code view. */
  function fromIssues(issues) {
    const steps = issues.map((issue) => parseIssuePath(issue.path ?? ''));
    const isPoller = (s) => s[0] === 'configuration' && s[1] === POLLER_KEY;
    const poller = resources.placeIssues(issues.flatMap((issue, n) => (isPoller(steps[n]) ? [{ rest: steps[n].slice(2), message: issue.message }] : [])));
    let next = 0;
    return issues.map((issue, n) => {
      const s = steps[n];
      if (isPoller(s)) return poller[next++];
      if (s[0] === 'configuration' && typeof s[1] === 'string' && state.fields.has(s[1])) return { message: `${s[1]}: ${issue.message}`, field: s[1] };
      if (s[0] === 'name' || s[0] === 'tags' || s[0] === 'element') return { message: `${s[0]}: ${issue.message}`, field: s[0] };
      return { message: issue.path ? `${issue.path}: ${issue.message}` : issue.message };
    });
  }

  return { root, clear, show, fromIssues };
}
