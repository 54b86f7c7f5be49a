// "Try it": a dry run of what the form holds, before Create or Save. A new instance is tried as a whole body
// (POST /instances/dry-run); an existing one from its checkpoints with the form's change not saved yet
// (POST /instances/{id}/events/dry-run with { change }). The answer shows under the form; nothing is delivered,
// created or moved.

import { api, ApiError } from './api.js';
import { announce, h, fill } from './dom.js';
import { dryRunView } from './dryRunView.js';

/** `collect(doing)` is the submitter's (formSubmit.js); `summary` the form's error summary. */
export function tryIt(state, { collect, summary }) {
  const output = h('div', { class: 'dry-run-output', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', text: 'Try it', title: 'A dry run: one poll against the provider, nothing delivered', onclick: () => void run() });

  async function run() {
    if (state.busy) return;
    const body = collect('trying it');
    if (!body) return;
    state.busy = true;
    button.disabled = true;
    const label = button.textContent;
    button.textContent = 'Trying…';
    fill(output, h('p', { class: 'muted', text: 'Polling the provider once (nothing is delivered)…' }));
    try {
      const answer = state.editing
        ? await api('POST', `/instances/${state.instance.id}/events/dry-run`, { change: body })
        : await api('POST', '/instances/dry-run', { element: { key: state.element.key }, ...body });
      fill(output, dryRunView(answer, state.editing ? 'Try it: a poll now, with these changes' : 'Try it: what one poll would do'));
      announce(answer.complete ? 'Dry run done: its answer is below the form.' : 'Dry run cut short by its time limit: what it read is below the form.');
    } catch (err) {
      fill(output);
      if (err instanceof ApiError && err.status === 400 && err.issues.length) {
        summary.show(summary.fromIssues(err.issues), `The dry run was refused: ${err.issues.length === 1 ? 'one problem' : `${err.issues.length} problems`}`);
      } else {
        summary.show([{ message: err.message }], 'The dry run failed');
      }
    } finally {
      state.busy = false;
      button.disabled = false;
      button.textContent = label;
    }
  }

  return { button, output };
}
