// "Configure Polling Through the UI": authenticate an element instance, turn on events, select the
// resources to poll, set the interval, then Create Instance. The same form edits an instance (PATCH). "Try it"
// (formTry.js) first shows what one poll would do with what the form holds, delivering nothing.
// OAuth2 elements go through the provider and come back here with `code`.
//
// The form is made of sections (formElement, formAuth, formSchedule with formResources), an error
// summary (formErrors) and a submitter (formSubmit), all reading and changing one state object
// (formState).

import { api } from './api.js';
import { h, fill } from './dom.js';
import { authSection } from './formAuth.js';
import { loadDraft, restoreDraft } from './formDraft.js';
import { elementSection } from './formElement.js';
import { errorSummary } from './formErrors.js';
import { resourcesSection, pretty } from './formResources.js';
import { scheduleSection } from './formSchedule.js';
import { createFormState, NEW_INSTANCE_INTERVAL, POLLER_KEY, selectElement } from './formState.js';
import { submitter } from './formSubmit.js';
import { tryIt } from './formTry.js';

/** The stored poller configuration (a JSON string) as the code view shows it. */
function pollerText(stored) {
  let poller;
  try {
    poller = JSON.parse(stored ?? '{}');
  } catch {
    return stored;
  }
  return typeof poller === 'string' ? poller : pretty(poller);
}

/**
 * Renders the form into `main`. `mode` 'create' (optionally resuming an OAuth2 return:
 * `resume = { code, state, error, errorDescription }`) or 'edit' (`instance` is the API's view).
 */
export async function renderInstanceForm(main, { mode, instance, resume, navigate }) {
  const elements = await api('GET', '/elements');
  const draft = resume ? loadDraft() : null;
  const state = createFormState({ mode, instance, elements, elementKey: mode === 'edit' ? instance.element.key : draft?.elementKey });

  const element = elementSection(state);
  const auth = authSection(state);
  const resources = resourcesSection(state);
  const schedule = scheduleSection(state, resources);
  const errors = errorSummary(state, resources);
  const notice = h('p', { class: 'notice', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary' });
  const { submit, updateLabel, collect } = submitter(state, { element, auth, schedule, resources, errors }, { button, notice, navigate });
  const trial = tryIt(state, { collect, summary: errors });

  const form = h(
    'form',
    { class: 'instance-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); void submit(); } },
    errors.root,
    notice,
    element.root,
    auth.root,
    schedule.root,
    h(
      'div',
      { class: 'actions' },
      button,
      trial.button,
      h('a', { href: state.editing ? `#/instances/${instance.id}` : '#/instances', class: 'button', text: 'Cancel' }),
    ),
    trial.output,
  );
  fill(main, h('h1', { tabindex: '-1', text: state.editing ? `Edit ${instance.name}` : 'New element instance' }), form);

  async function chooseElement(key) {
    await selectElement(state, key);
    element.describe();
    auth.render();
    updateLabel();
  }
  element.select.addEventListener('change', async () => {
    await chooseElement(element.select.value);
    resources.load(pretty(state.defaults));
  });

  // ---------------------------------------------------------------- initial values
  await chooseElement(state.element.key);
  if (state.editing) {
    const c = state.current;
    element.restore({ name: instance.name, tags: (instance.tags ?? []).join(', ') });
    schedule.restore({ events: c['event.notification.enabled'] === 'true', callback: c['event.notification.callback.url'], interval: c['event.poller.refresh_interval'], signature: c['event.notification.signature.key'] });
    resources.load(pollerText(c[POLLER_KEY]));
  } else if (draft && resume) {
    restoreDraft({ element, auth, schedule, resources }, draft);
    if (resume.state !== draft.state) {
      errors.show([{ message: 'The authorization answer does not belong to the request made from this tab (state differs). Authorize again.' }], 'Authorization not accepted');
    } else if (resume.error) {
      errors.show([{ message: `${resume.error}${resume.errorDescription ? `: ${resume.errorDescription}` : ''}` }], 'The provider did not authorize');
    } else if (resume.code) {
      state.providerCode = resume.code;
      updateLabel();
      notice.textContent = `Authorized with ${state.element.name}: creating the instance with the provider's code…`;
      notice.hidden = false;
      await submit();
    }
  } else {
    if (resume) errors.show([{ message: 'The provider sent a code, but this tab holds no draft instance (was it opened in another tab?). Fill in the form again.' }], 'Nothing to resume');
    schedule.restore({ events: true, interval: NEW_INSTANCE_INTERVAL });
    resources.load(pretty(state.defaults));
  }
}
