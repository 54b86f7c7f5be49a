// Submitting the instance form: the checks that need no API, then POST (create) or PATCH (edit).
// An OAuth2 element without a provider code first goes to the provider to authorize; the draft waits
// in this tab and the form resumes with the code (see formDraft.js).

import { api, ApiError } from './api.js';
import { announce } from './dom.js';
import { clearDraft, draftOf, saveDraft } from './formDraft.js';
import { isOAuth } from './formState.js';

const randomState = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
const problems = (n) => (n === 1 ? 'one problem' : `${n} problems`);

/** `sections`: the form's element, auth, schedule and resources sections and its error summary. */
export function submitter(state, sections, { button, notice, navigate }) {
  const { element, auth, schedule, resources, errors: summary } = sections;
  const verb = state.editing ? 'saving' : 'creating';
  const what = state.editing ? 'change' : 'instance';

  const needsAuthorization = () => !state.editing && isOAuth(state) && !state.providerCode && !auth.hasDirectToken();

  function updateLabel() {
    button.textContent = state.editing ? 'Save changes' : isOAuth(state) && !state.providerCode ? 'Authorize with provider and create' : 'Create instance';
  }

  /** What can be known without the API: required fields, the callback, the interval, the code view. */
  function clientErrors() {
    const errors = auth.clientErrors();
    let pollerValue;
    if (schedule.enabled()) {
      errors.push(...schedule.clientErrors());
      const checked = resources.clientErrors();
      errors.push(...checked.errors);
      pollerValue = checked.pollerValue;
    }
    return { errors, pollerValue };
  }

  /**
   * The form as a body (name, tags, configuration), or undefined after showing what to fix first (`doing`: what the
   * summary says it is needed for). Shared with "Try it" (formTry.js).
   */
  function collect(doing = verb) {
    // The check below covers a pending live check; cancelled, it cannot erase the API's answer later.
    resources.cancelPending();
    summary.clear();
    const { errors, pollerValue } = clientErrors();
    if (errors.length) {
      summary.show(errors, `${errors.length === 1 ? 'One problem' : `${errors.length} problems`} to fix before ${doing}`);
      return undefined;
    }
    return { ...element.body(), configuration: { ...auth.configuration(), ...schedule.configuration(pollerValue) } };
  }

  async function submit() {
    if (state.busy) return;
    const body = collect();
    if (!body) return;
    state.busy = true;
    button.disabled = true;
    try {
      if (needsAuthorization()) {
        await authorize();
        return;
      }
      if (state.editing) {
        const saved = await api('PATCH', `/instances/${state.instance.id}`, body);
        announce(`Saved ${saved.name}.`);
        navigate(`#/instances/${saved.id}`);
      } else {
        const created = await api('POST', '/instances', { element: { key: state.element.key }, ...body, ...(state.providerCode ? { providerData: { code: state.providerCode } } : {}) });
        clearDraft();
        announce(`Created instance ${created.name} (${created.id}).`);
        navigate(`#/instances/${created.id}`);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && err.issues.length) {
        summary.show(summary.fromIssues(err.issues), `The API refused the ${what}: ${problems(err.issues.length)}`);
      } else {
        summary.show([{ message: err.message }], `The ${what} was not saved`);
      }
    } finally {
      state.busy = false;
      button.disabled = false;
    }
  }

  /** OAuth2: keep the draft in this tab, ask the API for the provider's URL, and go there. */
  async function authorize() {
    const oauthState = randomState();
    saveDraft({ ...draftOf(state, sections), state: oauthState });
    const { oauthUrl } = await api('GET', `/elements/${encodeURIComponent(state.element.key)}/oauth/url?${auth.oauthParams(oauthState)}`);
    notice.textContent = `Going to ${new URL(oauthUrl).host} to authorize…`;
    notice.hidden = false;
    location.assign(oauthUrl);
  }

  return { submit, updateLabel, collect };
}
