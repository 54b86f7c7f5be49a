// "Configure Polling Through the UI" (seeds): authenticate an element instance, turn on events,
// select the resources to poll, set the interval, then Create Instance. The same form edits an
// instance (PATCH). OAuth2 elements go through the provider and come back here with `code`.

import { api, ApiError } from './api.js';
import { announce, h, uid, fill } from './dom.js';
import { codeEditor, locate, parseIssuePath, parseJson } from './jsonEditor.js';

const DRAFT = 'pollster.draft';
const MIN_INTERVAL = 1 / 60; // one second, in minutes (SPEC §4)
const SLIDER_MAX = 120;
const POLLER_KEY = 'event.poller.configuration';
const OAUTH_FIXED = ['oauth.api.key', 'oauth.api.secret', 'oauth.callback.url'];
const HTTP_DATE = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

const definitionsCache = new Map();
async function definitionsOf(key) {
  if (!definitionsCache.has(key)) definitionsCache.set(key, api('GET', `/elements/${encodeURIComponent(key)}/configuration`));
  try {
    return await definitionsCache.get(key);
  } catch (err) {
    definitionsCache.delete(key);
    throw err;
  }
}

export const consoleUrl = () => `${location.origin}/console`;

export function loadDraft() {
  try {
    return JSON.parse(sessionStorage.getItem(DRAFT) ?? 'null');
  } catch {
    return null;
  }
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const pretty = (v) => JSON.stringify(v, null, 2);
const randomState = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Renders the form into `main`. `mode` 'create' (optionally resuming an OAuth2 return:
 * `resume = { code, state, error, errorDescription }`) or 'edit' (`instance` is the API's view).
 */
export async function renderInstanceForm(main, { mode, instance, resume, navigate }) {
  const editing = mode === 'edit';
  const elements = await api('GET', '/elements');
  const draft = resume ? loadDraft() : null;

  // ---------------------------------------------------------------- state
  let element = elements.find((e) => e.key === (editing ? instance.element.key : draft?.elementKey)) ?? elements[0];
  let definitions = [];
  let defaults = {};
  /** Every resource configuration seen (defaults and the user's), so unchecking then checking restores it. */
  let memory = {};
  let providerCode = null;
  /** Field key → { input, error, wrap }, for errors "at the right place". */
  const fields = new Map();
  const current = editing ? instance.configuration : {};

  // ---------------------------------------------------------------- layout
  const title = editing ? `Edit ${instance.name}` : 'New element instance';
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const notice = h('p', { class: 'notice', hidden: true });

  const elementSelect = h('select', { id: uid('element'), disabled: editing }, elements.map((e) => h('option', { value: e.key, text: `${e.name} (${e.key})` })));
  elementSelect.value = element.key;
  const elementHint = h('p', { class: 'hint' });
  const nameInput = h('input', { type: 'text', id: uid('name'), autocomplete: 'off', maxlength: '200' });
  const tagsInput = h('input', { type: 'text', id: uid('tags'), autocomplete: 'off' });

  const authFields = h('div', { class: 'grid' });
  const oauthNote = h('p', { class: 'hint', hidden: true });

  const eventsToggle = h('input', { type: 'checkbox', id: uid('events') });
  const callbackInput = h('input', { type: 'text', inputmode: 'url', id: uid('callback'), autocomplete: 'off', placeholder: 'https://example.com/hooks/pollster' });
  const intervalNumber = h('input', { type: 'number', id: uid('interval'), min: String(MIN_INTERVAL.toFixed(4)), step: 'any', class: 'narrow' });
  const intervalSlider = h('input', { type: 'range', min: '1', max: String(SLIDER_MAX), step: '1', 'aria-label': 'Refresh interval slider (minutes)' });
  const signatureInput = h('input', { type: 'password', id: uid('signature'), autocomplete: 'new-password' });
  const resourceList = h('ul', { class: 'resources' });
  const newResourceInput = h('input', { type: 'text', id: uid('resource'), autocomplete: 'off', class: 'narrow', placeholder: 'e.g. contacts' });
  const editor = codeEditor({
    label: 'Poller configuration (event.poller.configuration, JSON)',
    hint: 'One entry per resource: url (with a date placeholder such as ${gmtDate:yyyy-MM-dd\'T\'HH:mm:ss\'Z\'}), idField, datesConfiguration. Checked resources above are the keys of this object.',
    rows: 18,
  });
  const submitButton = h('button', { type: 'submit', class: 'primary' });

  const field = (key, label, input, { hint, required } = {}) => {
    const errorId = uid('err');
    const hintId = hint ? uid('hint') : undefined;
    const error = h('p', { class: 'field-error', id: errorId, hidden: true });
    input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    if (required) input.setAttribute('aria-required', 'true');
    const isCheck = input.type === 'checkbox';
    const labelEl = h('label', { for: input.id }, label, required ? h('span', { class: 'req', text: ' (required)' }) : null);
    const wrap = h('div', { class: `field${isCheck ? ' check' : ''}` }, isCheck ? [input, labelEl] : [labelEl, input], hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null, error);
    fields.set(key, { input, error, wrap });
    return wrap;
  };

  const intervalHintId = uid('hint');
  const eventsBody = h(
    'div',
    { class: 'events-body' },
    field('event.notification.callback.url', 'Event notification callback URL', callbackInput, { required: true, hint: 'Pollster POSTs each notification here.' }),
    h(
      'div',
      { class: 'field' },
      h('label', { for: intervalNumber.id, text: 'Refresh interval (minutes)' }),
      h('div', { class: 'interval' }, intervalSlider, intervalNumber),
      h('p', { class: 'hint', id: intervalHintId, text: 'How often to poll. The slider covers 1–120 minutes; type any value of at least one second (0.0167) in the box.' }),
    ),
    field('event.notification.signature.key', 'Callback signature key (optional)', signatureInput, { hint: 'Signs each notification: Elements-Webhook-Signature: sha256=… (HMAC-SHA256 of the body).' }),
    h(
      'fieldset',
      { class: 'resource-set' },
      h('legend', { text: 'Resources to poll' }),
      resourceList,
      h(
        'div',
        { class: 'add-resource' },
        h('label', { for: newResourceInput.id, text: 'Add a resource' }),
        newResourceInput,
        h('button', { type: 'button', onclick: addResource, text: 'Add' }),
      ),
    ),
    editor.root,
  );
  // The interval field is registered by hand (the slider and the box share one error).
  {
    const error = h('p', { class: 'field-error', id: uid('err'), hidden: true });
    const wrap = intervalNumber.closest('.field') ?? eventsBody;
    wrap.append(error);
    intervalNumber.setAttribute('aria-describedby', `${intervalHintId} ${error.id}`);
    fields.set('event.poller.refresh_interval', { input: intervalNumber, error, wrap: intervalNumber.parentElement.parentElement });
  }

  const form = h(
    'form',
    { class: 'instance-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); void submit(); } },
    summary,
    notice,
    h(
      'fieldset',
      {},
      h('legend', { text: '1. Element' }),
      h('div', { class: 'grid' }, field('element', 'Element', elementSelect, { required: true }), field('name', 'Instance name', nameInput), field('tags', 'Tags (comma-separated)', tagsInput)),
      elementHint,
    ),
    h('fieldset', {}, h('legend', { text: '2. Authentication' }), oauthNote, authFields),
    h(
      'fieldset',
      {},
      h('legend', { text: '3. Events' }),
      field('event.notification.enabled', 'Enable events (poll the element and send notifications)', eventsToggle),
      eventsBody,
    ),
    h(
      'div',
      { class: 'actions' },
      submitButton,
      h('a', { href: editing ? `#/instances/${instance.id}` : '#/instances', class: 'button', text: 'Cancel' }),
    ),
  );

  fill(main, h('h1', { tabindex: '-1', text: title }), form);

  // ---------------------------------------------------------------- element and its definitions
  async function loadElement(key) {
    element = elements.find((e) => e.key === key) ?? element;
    elementHint.textContent = `${element.description} Hub: ${element.hub}. Authentication: ${element.authentication.type}.`;
    definitions = await definitionsOf(element.key);
    const pollerDef = definitions.find((d) => d.key === POLLER_KEY);
    try {
      defaults = pollerDef?.defaultValue ? JSON.parse(pollerDef.defaultValue) : {};
    } catch {
      defaults = {};
    }
    memory = structuredClone(defaults);
    renderAuthFields();
  }

  const isOAuth = () => element.authentication.type === 'oauth2';
  /** An OAuth2 element given a token directly (maximizer.token) needs no authorization round trip. */
  const hasDirectToken = () =>
    authDefinitions().some((d) => d.type === 'PASSWORD' && /(^|\.)token$/.test(d.key) && fields.get(d.key)?.input.value.trim());
  const authDefinitions = () => definitions.filter((d) => d.key !== POLLER_KEY && !d.key.startsWith('event.'));

  function renderAuthFields() {
    for (const d of authDefinitions()) fields.delete(d.key);
    fill(authFields,
      ...authDefinitions().map((d) => {
        const id = uid('cfg');
        let input;
        if (d.type === 'BOOLEAN') input = h('input', { type: 'checkbox', id });
        else if (d.type === 'SELECT') input = h('select', { id }, (d.options ?? []).map((o) => h('option', { value: o, text: o })));
        else if (d.type === 'TEXTAREA') input = h('textarea', { id, rows: '3' });
        else input = h('input', { type: d.type === 'PASSWORD' ? 'password' : 'text', id, autocomplete: d.type === 'PASSWORD' ? 'new-password' : 'off', inputmode: /url$/i.test(d.key) ? 'url' : undefined });
        input.dataset.key = d.key;
        let hint = d.description;
        if (isOAuth() && d.key === 'oauth.callback.url') {
          // The console is the redirect target: the provider brings the code back here.
          input.readOnly = true;
          hint = "This console's own address: the provider sends you back here with the authorization code. Register it with the provider as the redirect URI.";
        }
        return field(d.key, `${d.name} (${d.key})`, input, { hint, required: d.required });
      }),
    );
    for (const d of authDefinitions()) {
      const { input } = fields.get(d.key);
      const value = editing ? current[d.key] : d.defaultValue;
      if (input.type === 'checkbox') input.checked = String(value) === 'true';
      else if (value !== undefined) input.value = value;
      if (isOAuth() && d.key === 'oauth.callback.url' && !editing) input.value = consoleUrl();
    }
    oauthNote.hidden = !isOAuth() || editing;
    oauthNote.textContent = isOAuth()
      ? `${element.name} uses OAuth2: Create first sends you to the provider to sign in and authorize; it returns to this console with a code, and the instance is created with it.`
      : '';
    updateSubmitLabel();
  }

  function updateSubmitLabel() {
    submitButton.textContent = editing ? 'Save changes' : isOAuth() && !providerCode ? 'Authorize with provider and create' : 'Create instance';
  }

  // ---------------------------------------------------------------- resources and the code view
  function parsedEditor() {
    try {
      return { ok: true, ...parseJson(editor.value) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Client-side check of the code view: syntax (line, column) and each resource's shape. */
  function checkEditor() {
    const parsed = parsedEditor();
    const markers = [];
    const byResource = new Map();
    if (!parsed.ok) {
      const e = parsed.error;
      markers.push({ line: e.line, column: e.column, message: e.message });
    } else if (!isPlainObject(parsed.value)) {
      markers.push({ line: 1, column: 1, message: 'expected an object of resources: { "name": { "url": …, "idField": … } }' });
    } else {
      for (const [name, r] of Object.entries(parsed.value)) {
        const at = (path) => locate(parsed, editor.value, [name, ...path]);
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
    return { parsed, markers, byResource };
  }

  function renderResources(present, problems = new Map()) {
    const names = [...new Set([...Object.keys(defaults), ...Object.keys(memory), ...Object.keys(present ?? {})])];
    fill(resourceList,
      ...(names.length === 0
        ? [h('li', { class: 'muted', text: `${element.name} has no default resources: add one below, or write them in the code view.` })]
        : names.map((name) => {
            const id = uid('res');
            const errorId = uid('err');
            const box = h('input', { type: 'checkbox', id, checked: Boolean(present && Object.hasOwn(present, name)), 'aria-describedby': errorId, dataset: { resource: name } });
            box.addEventListener('change', () => toggleResource(name, box));
            const problem = problems.get(name);
            if (problem) box.setAttribute('aria-invalid', 'true');
            return h(
              'li',
              { class: problem ? 'invalid' : undefined },
              box,
              h('label', { for: id }, name, Object.hasOwn(defaults, name) ? null : h('span', { class: 'muted', text: ' (custom)' })),
              h('span', { class: 'field-error', id: errorId, hidden: !problem, text: problem ?? '' }),
            );
          })),
    );
  }

  function syncFromEditor() {
    const { parsed, byResource } = checkEditor();
    if (parsed.ok && isPlainObject(parsed.value)) {
      for (const [name, r] of Object.entries(parsed.value)) memory[name] = r;
      renderResources(parsed.value, byResource);
    }
    return parsed;
  }

  function toggleResource(name, box) {
    const parsed = parsedEditor();
    if (!parsed.ok || !isPlainObject(parsed.value)) {
      box.checked = !box.checked;
      checkEditor();
      announce('Fix the poller configuration JSON first: resources are read from it.', 'error');
      editor.textarea.focus();
      return;
    }
    const next = { ...parsed.value };
    if (box.checked) next[name] = memory[name] ?? defaults[name] ?? template(name);
    else delete next[name];
    editor.setValue(pretty(next));
    syncFromEditor();
  }

  /** A new resource: a copy of the element's first default with the name replaced (seeds), or an http template. */
  function template(name) {
    const [firstName, first] = Object.entries(defaults)[0] ?? [];
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
    const parsed = parsedEditor();
    if (!parsed.ok || !isPlainObject(parsed.value)) {
      checkEditor();
      announce('Fix the poller configuration JSON first.', 'error');
      return;
    }
    if (!Object.hasOwn(parsed.value, name)) parsed.value[name] = memory[name] ?? defaults[name] ?? template(name);
    editor.setValue(pretty(parsed.value));
    newResourceInput.value = '';
    syncFromEditor();
    const line = locate(parsedEditor(), editor.value, [name]);
    if (line) editor.focusAt(line.line, line.column);
  }

  // Enter in "Add a resource" adds it (instead of submitting the whole form).
  newResourceInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addResource();
    }
  });

  let debounce;
  editor.textarea.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(syncFromEditor, 250);
  });

  // ---------------------------------------------------------------- interval and events toggle
  intervalSlider.addEventListener('input', () => {
    intervalNumber.value = intervalSlider.value;
  });
  intervalNumber.addEventListener('input', () => {
    const n = Number(intervalNumber.value);
    if (Number.isFinite(n)) intervalSlider.value = String(Math.min(SLIDER_MAX, Math.max(1, Math.round(n))));
  });
  const showEvents = () => {
    eventsBody.hidden = !eventsToggle.checked;
  };
  eventsToggle.addEventListener('change', showEvents);
  elementSelect.addEventListener('change', async () => {
    await loadElement(elementSelect.value);
    editor.setValue(pretty(defaults));
    syncFromEditor();
  });

  // ---------------------------------------------------------------- values in and out
  function setIntervalValue(value) {
    intervalNumber.value = String(value);
    intervalNumber.dispatchEvent(new Event('input'));
  }

  function snapshot() {
    const values = {};
    for (const d of authDefinitions()) {
      const { input } = fields.get(d.key);
      values[d.key] = input.type === 'checkbox' ? input.checked : input.value;
    }
    return {
      elementKey: element.key,
      name: nameInput.value,
      tags: tagsInput.value,
      values,
      events: eventsToggle.checked,
      callback: callbackInput.value,
      interval: intervalNumber.value,
      signature: signatureInput.value,
      poller: editor.value,
    };
  }

  function restore(s) {
    nameInput.value = s.name ?? '';
    tagsInput.value = s.tags ?? '';
    for (const [key, value] of Object.entries(s.values ?? {})) {
      const f = fields.get(key);
      if (!f) continue;
      if (f.input.type === 'checkbox') f.input.checked = Boolean(value);
      else if (!f.input.readOnly) f.input.value = value;
    }
    eventsToggle.checked = Boolean(s.events);
    callbackInput.value = s.callback ?? '';
    setIntervalValue(s.interval ?? '15');
    signatureInput.value = s.signature ?? '';
    editor.setValue(s.poller ?? '{}');
    showEvents();
    syncFromEditor();
  }

  const tagsOf = () => tagsInput.value.split(',').map((t) => t.trim()).filter(Boolean);

  function configurationOf(pollerValue) {
    const cfg = {};
    for (const d of authDefinitions()) {
      const { input } = fields.get(d.key);
      const value = input.type === 'checkbox' ? input.checked : d.type === 'PASSWORD' ? input.value : input.value.trim();
      if (value !== '') cfg[d.key] = value;
      else if (editing && current[d.key] !== undefined) cfg[d.key] = null; // emptied: remove the key
    }
    cfg['event.notification.enabled'] = eventsToggle.checked;
    if (eventsToggle.checked) {
      cfg['event.notification.callback.url'] = callbackInput.value.trim();
      cfg['event.poller.refresh_interval'] = intervalNumber.value.trim();
      if (signatureInput.value !== '') cfg['event.notification.signature.key'] = signatureInput.value;
      else if (editing && current['event.notification.signature.key'] !== undefined) cfg['event.notification.signature.key'] = null;
      cfg[POLLER_KEY] = pollerValue;
    }
    return cfg;
  }

  // ---------------------------------------------------------------- errors at the right place
  function clearErrors() {
    summary.hidden = true;
    fill(summary);
    for (const { input, error } of fields.values()) {
      error.hidden = true;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  }

  function fieldError(key, message) {
    const f = fields.get(key);
    if (!f) return undefined;
    f.error.textContent = f.error.hidden ? message : `${f.error.textContent} ${message}`;
    f.error.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
    return () => f.input.focus();
  }

  /** `errors`: `{ message, field? , editor?: {line, column}, resource? }`. Shows them and a linked summary. */
  function showErrors(errors, heading) {
    const items = errors.map((e) => {
      let go;
      if (e.field) go = fieldError(e.field, e.message);
      if (e.editor) go = () => editor.focusAt(e.editor.line, e.editor.column);
      return h('li', {}, go ? h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); go(); } }, e.message) : e.message);
    });
    fill(summary, h('h2', { text: heading }), h('ul', {}, items));
    summary.hidden = false;
    summary.focus();
  }

  /** The API's 400 issues, each placed at its field, its resource, or its line in the code view. */
  function placeIssues(issues) {
    const { parsed } = checkEditor();
    const markers = [];
    const problems = new Map();
    const errors = issues.map((issue) => {
      const steps = parseIssuePath(issue.path ?? '');
      if (steps[0] === 'configuration' && steps[1] === POLLER_KEY) {
        let rest = steps.slice(2);
        let message = issue.message;
        // Element checks name the resource in the message: "customers.url: …".
        if (rest.length === 0 && parsed.ok && isPlainObject(parsed.value)) {
          const name = Object.keys(parsed.value).find((n) => message.startsWith(`${n}.`) || message.startsWith(`${n}:`));
          if (name) {
            const tail = message.slice(name.length);
            const m = /^\.([\w.]+):\s*/.exec(tail);
            rest = m ? [name, ...m[1].split('.')] : [name];
            message = (m ? tail.slice(m[0].length) : tail.replace(/^:\s*/, '')) || message;
          }
        }
        const where = parsed.ok ? locate(parsed, editor.value, rest) : undefined;
        const label = rest.length ? `${rest.join('.')}: ${message}` : message;
        markers.push({ line: where?.line, column: where?.column, message: label });
        if (rest[0] !== undefined) problems.set(String(rest[0]), problems.has(String(rest[0])) ? `${problems.get(String(rest[0]))}; ${message}` : message);
        return { message: `Poller configuration: ${label}`, editor: where };
      }
      if (steps[0] === 'configuration' && typeof steps[1] === 'string' && fields.has(steps[1])) return { message: `${steps[1]}: ${issue.message}`, field: steps[1] };
      if (steps[0] === 'name' || steps[0] === 'tags' || steps[0] === 'element') return { message: `${steps[0]}: ${issue.message}`, field: steps[0] };
      return { message: issue.path ? `${issue.path}: ${issue.message}` : issue.message };
    });
    if (markers.length) {
      editor.setMarkers(markers);
      if (parsed.ok && isPlainObject(parsed.value)) renderResources(parsed.value, problems);
    }
    return errors;
  }

  /** What can be known without the API: required fields, the callback, the interval, the code view. */
  function clientErrors() {
    const errors = [];
    for (const d of authDefinitions()) {
      const { input } = fields.get(d.key);
      if (isOAuth() && hasDirectToken() && d.key.startsWith('oauth.')) continue;
      if (d.required && input.type !== 'checkbox' && input.value.trim() === '') errors.push({ field: d.key, message: `${d.name}: required` });
    }
    let pollerValue;
    if (eventsToggle.checked) {
      const url = callbackInput.value.trim();
      if (!url) errors.push({ field: 'event.notification.callback.url', message: 'Callback URL: required when events are enabled' });
      else if (!/^https?:\/\/[^\s/]+/i.test(url)) errors.push({ field: 'event.notification.callback.url', message: 'Callback URL: expected an absolute http(s) URL' });
      const minutes = Number(intervalNumber.value);
      if (intervalNumber.value.trim() === '' || !Number.isFinite(minutes) || minutes < MIN_INTERVAL - 1e-9) {
        errors.push({ field: 'event.poller.refresh_interval', message: 'Refresh interval: a number of minutes, at least 1 second (0.0167)' });
      }
      const { parsed, markers, byResource } = checkEditor();
      for (const m of markers) errors.push({ message: `Poller configuration, line ${m.line}, column ${m.column}: ${m.message}`, editor: m });
      if (parsed.ok) pollerValue = parsed.value;
      if (parsed.ok && isPlainObject(parsed.value)) renderResources(parsed.value, byResource);
    }
    return { errors, pollerValue };
  }

  // ---------------------------------------------------------------- submit
  let busy = false;
  async function submit() {
    if (busy) return;
    // The check below covers a pending live check; cancelled, it cannot erase the API's answer later.
    clearTimeout(debounce);
    clearErrors();
    const { errors, pollerValue } = clientErrors();
    if (errors.length) {
      showErrors(errors, `${errors.length === 1 ? 'One problem' : `${errors.length} problems`} to fix before ${editing ? 'saving' : 'creating'}`);
      return;
    }
    busy = true;
    submitButton.disabled = true;
    try {
      if (!editing && isOAuth() && !providerCode && !hasDirectToken()) {
        await authorize();
        return;
      }
      const body = { name: nameInput.value.trim() || undefined, tags: tagsOf(), configuration: configurationOf(pollerValue) };
      if (editing) {
        const saved = await api('PATCH', `/instances/${instance.id}`, body);
        announce(`Saved ${saved.name}.`);
        navigate(`#/instances/${saved.id}`);
      } else {
        const created = await api('POST', '/instances', { element: { key: element.key }, ...body, ...(providerCode ? { providerData: { code: providerCode } } : {}) });
        sessionStorage.removeItem(DRAFT);
        announce(`Created instance ${created.name} (${created.id}).`);
        navigate(`#/instances/${created.id}`);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && err.issues.length) {
        showErrors(placeIssues(err.issues), `The API refused the ${editing ? 'change' : 'instance'}: ${err.issues.length === 1 ? 'one problem' : `${err.issues.length} problems`}`);
      } else {
        showErrors([{ message: err.message }], `The ${editing ? 'change' : 'instance'} was not saved`);
      }
    } finally {
      busy = false;
      submitButton.disabled = false;
    }
  }

  /** OAuth2: keep the draft in this tab, ask the API for the provider's URL, and go there. */
  async function authorize() {
    const state = randomState();
    sessionStorage.setItem(DRAFT, JSON.stringify({ ...snapshot(), state }));
    const params = new URLSearchParams({ apiKey: fields.get('oauth.api.key')?.input.value.trim() ?? '', callbackUrl: consoleUrl(), state });
    // Non-secret settings shape the URL (base.url, scope, country...); secrets never go into a URL.
    for (const d of authDefinitions()) {
      if (d.type === 'PASSWORD' || OAUTH_FIXED.includes(d.key)) continue;
      const { input } = fields.get(d.key);
      const value = input.type === 'checkbox' ? String(input.checked) : input.value.trim();
      if (value !== '') params.set(d.key, value);
    }
    const { oauthUrl } = await api('GET', `/elements/${encodeURIComponent(element.key)}/oauth/url?${params}`);
    notice.textContent = `Going to ${new URL(oauthUrl).host} to authorize…`;
    notice.hidden = false;
    location.assign(oauthUrl);
  }

  // ---------------------------------------------------------------- initial values
  await loadElement(element.key);
  if (editing) {
    nameInput.value = instance.name;
    tagsInput.value = (instance.tags ?? []).join(', ');
    eventsToggle.checked = current['event.notification.enabled'] === 'true';
    callbackInput.value = current['event.notification.callback.url'] ?? '';
    setIntervalValue(current['event.poller.refresh_interval'] ?? '15');
    signatureInput.value = current['event.notification.signature.key'] ?? '';
    let poller = {};
    try {
      poller = JSON.parse(current[POLLER_KEY] ?? '{}');
    } catch {
      poller = current[POLLER_KEY];
    }
    editor.setValue(typeof poller === 'string' ? poller : pretty(poller));
    showEvents();
    syncFromEditor();
  } else if (draft && resume) {
    restore(draft);
    if (resume.state !== draft.state) {
      showErrors([{ message: 'The authorization answer does not belong to the request made from this tab (state differs). Authorize again.' }], 'Authorization not accepted');
    } else if (resume.error) {
      showErrors([{ message: `${resume.error}${resume.errorDescription ? `: ${resume.errorDescription}` : ''}` }], 'The provider did not authorize');
    } else if (resume.code) {
      providerCode = resume.code;
      updateSubmitLabel();
      notice.textContent = `Authorized with ${element.name}: creating the instance with the provider's code…`;
      notice.hidden = false;
      await submit();
    }
  } else {
    if (resume) showErrors([{ message: 'The provider sent a code, but this tab holds no draft instance (was it opened in another tab?). Fill in the form again.' }], 'Nothing to resume');
    eventsToggle.checked = true;
    setIntervalValue('15');
    editor.setValue(pretty(defaults));
    showEvents();
    syncFromEditor();
  }
}
