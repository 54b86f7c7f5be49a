// Section 2 of the instance form: the element's own settings (authentication and the like), one
// field per configuration definition of the chosen element. Only the fields that apply to the values
// chosen are shown, marked required as the element's check in the API requires them (formRules).
// OAuth2 elements get the console's address as their callback URL.

import { h, uid, fill } from './dom.js';
import { field, setRequired } from './formField.js';
import { fieldStates, missingRequired } from './formRules.js';
import { authDefinitions, isOAuth } from './formState.js';

/** The console's own address: the OAuth2 provider sends the browser back here with the code. */
export const consoleUrl = () => `${location.origin}/console`;

/** Settings that shape no authorization URL: the fixed OAuth2 parameters. */
const OAUTH_FIXED = ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url'];

const valueOf = (input) => (input.type === 'checkbox' ? input.checked : input.value);

export function authSection(state) {
  const grid = h('div', { class: 'grid' });
  const oauthNote = h('p', { class: 'hint', hidden: true });
  const root = h('fieldset', {}, h('legend', { text: '2. Authentication' }), oauthNote, grid);
  /** The keys this section registered in `state.fields` (replaced when the element changes). */
  let registered = [];

  const inputOf = (key) => state.fields.get(key)?.input;
  const currentValues = () => Object.fromEntries(authDefinitions(state).map((d) => [d.key, valueOf(inputOf(d.key))]));
  const states = () => fieldStates(state.element.key, authDefinitions(state), currentValues());

  /** Shows the fields that apply to the values chosen, each marked required or not. */
  function applyRules() {
    for (const [key, { applies, required }] of states()) {
      state.fields.get(key).wrap.hidden = !applies;
      setRequired(state, key, required);
    }
  }
  grid.addEventListener('input', applyRules);
  grid.addEventListener('change', applyRules);

  function inputFor(d) {
    const id = uid('cfg');
    if (d.type === 'BOOLEAN') return h('input', { type: 'checkbox', id });
    if (d.type === 'SELECT') return h('select', { id }, (d.options ?? []).map((o) => h('option', { value: o, text: o })));
    if (d.type === 'TEXTAREA') return h('textarea', { id, rows: '3' });
    return h('input', { type: d.type === 'PASSWORD' ? 'password' : 'text', id, autocomplete: d.type === 'PASSWORD' ? 'new-password' : 'off', inputmode: /url$/i.test(d.key) ? 'url' : undefined });
  }

  /** One field per definition of the chosen element, filled from the instance (edit) or the defaults. */
  function render() {
    for (const key of registered) state.fields.delete(key);
    const definitions = authDefinitions(state);
    registered = definitions.map((d) => d.key);
    fill(grid,
      ...definitions.map((d) => {
        const input = inputFor(d);
        input.dataset.key = d.key;
        let hint = d.description;
        if (isOAuth(state) && d.key === 'oauth.callback.url') {
          // The console is the redirect target: the provider brings the code back here.
          input.readOnly = true;
          hint = "This console's own address: the provider sends you back here with the authorization code. Register it with the provider as the redirect URI.";
        }
        return field(state, d.key, `${d.name} (${d.key})`, input, { hint, required: d.required });
      }),
    );
    for (const d of definitions) {
      const input = inputOf(d.key);
      // A setting never stored shows its default, in edit as in create (the element applies it).
      const value = state.editing ? (state.current[d.key] ?? d.defaultValue) : d.defaultValue;
      if (input.type === 'checkbox') input.checked = String(value) === 'true';
      else if (value !== undefined) input.value = value;
      if (isOAuth(state) && d.key === 'oauth.callback.url' && !state.editing) input.value = consoleUrl();
    }
    applyRules();
    oauthNote.hidden = !isOAuth(state) || state.editing;
    oauthNote.textContent = isOAuth(state)
      ? `${state.element.name} uses OAuth2: Create first sends you to the provider to sign in and authorize; it returns to this console with a code, and the instance is created with it.`
      : '';
  }

  /** An OAuth2 element given a token directly (maximizer.token) needs no authorization round trip. */
  const hasDirectToken = () =>
    authDefinitions(state).some((d) => d.type === 'PASSWORD' && /(^|\.)token$/.test(d.key) && inputOf(d.key)?.value.trim());

  return {
    root,
    render,
    hasDirectToken,
    /** The values as typed, for the draft kept across the OAuth2 round trip. */
    values() {
      const values = {};
      for (const d of authDefinitions(state)) values[d.key] = valueOf(inputOf(d.key));
      return values;
    },
    restore(values = {}) {
      for (const [key, value] of Object.entries(values)) {
        const input = inputOf(key);
        if (!input) continue;
        if (input.type === 'checkbox') input.checked = Boolean(value);
        else if (!input.readOnly) input.value = value;
      }
      applyRules();
    },
    /**
     * The configuration keys of this section. A field that does not apply is left out (another auth
     * type's credentials are not kept); in edit, an emptied field, or a stored one that no longer
     * applies, removes its key (null).
     */
    configuration() {
      const cfg = {};
      const applying = states();
      for (const d of authDefinitions(state)) {
        const input = inputOf(d.key);
        const value = input.type === 'checkbox' ? input.checked : d.type === 'PASSWORD' ? input.value : input.value.trim();
        if (value !== '' && applying.get(d.key).applies) cfg[d.key] = value;
        else if (state.editing && state.current[d.key] !== undefined) cfg[d.key] = null;
      }
      return cfg;
    },
    /** Required fields left empty. */
    clientErrors() {
      const byKey = new Map(authDefinitions(state).map((d) => [d.key, d]));
      return missingRequired(state.element.key, authDefinitions(state), currentValues()).map((key) => ({ field: key, message: `${byKey.get(key).name}: required` }));
    },
    /** The query of GET /elements/{key}/oauth/url: non-secret settings shape the URL; secrets never go into a URL. */
    oauthParams(oauthState) {
      const params = new URLSearchParams({ apiKey: inputOf('oauth.api.key')?.value.trim() ?? '', callbackUrl: consoleUrl(), state: oauthState });
      for (const d of authDefinitions(state)) {
        if (d.type === 'PASSWORD' || OAUTH_FIXED.includes(d.key)) continue;
        const input = inputOf(d.key);
        const value = input.type === 'checkbox' ? String(input.checked) : input.value.trim();
        if (value !== '') params.set(d.key, value);
      }
      return params;
    },
  };
}
