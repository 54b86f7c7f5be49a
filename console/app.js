// The console's shell: sign-in, a hash router over the screens, and the OAuth2 return
// (`/console?code=…&state=…`), which resumes the draft instance kept in this tab.

import { api, consoleConfig, onUnauthorized, session } from './api.js';
import { announce, errorText, h, uid, fill } from './dom.js';
import { clearDraft } from './formDraft.js';
import { renderInstanceForm } from './instanceForm.js';
import { renderInstance, renderInstances } from './instances.js';
import { renderDeliveries } from './deliveries.js';

const main = document.getElementById('main');
const signOutButton = document.getElementById('sign-out');
const nav = document.getElementById('nav');
const configPromise = consoleConfig();

// The provider's redirect lands on /console with `code` (or `error`) and `state` in the query: take
// them out of the address bar at once (a code is a credential) and resume the new-instance form.
let resume = null;
{
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    resume = { code: params.get('code'), state: params.get('state'), error: params.get('error'), errorDescription: params.get('error_description') };
    history.replaceState(null, '', `${location.pathname}#/new`);
  }
}

const navigate = (hash) => {
  if (location.hash === hash) void route();
  else location.hash = hash;
};

onUnauthorized(() => {
  session.clear();
  announce('The API refused the credentials: sign in again.', 'error');
  void route();
});

signOutButton.addEventListener('click', () => {
  session.clear();
  clearDraft();
  announce('Signed out: the secrets are gone from this tab.');
  void route();
});

function renderSignIn(view) {
  const user = h('input', { type: 'password', id: uid('user'), autocomplete: 'off', required: true, spellcheck: 'false' });
  const org = h('input', { type: 'password', id: uid('org'), autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'sign-in panel', novalidate: true },
    h('p', { class: 'hint' }, 'The same credentials as any API client (', h('code', { text: 'Authorization: User …, Organization …' }), '). ', h('code', { text: 'npm start' }), ' keeps them in ', h('code', { text: '.data/secrets.json' }), '. They stay in this tab only (session storage) and go to no one but this API.'),
    h('div', { class: 'field' }, h('label', { for: user.id, text: 'User secret' }), user),
    h('div', { class: 'field' }, h('label', { for: org.id, text: 'Organization secret' }), org),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Sign in' })),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    const credentials = { user: user.value.trim(), organization: org.value.trim() };
    if (!credentials.user || !credentials.organization) {
      error.textContent = 'Both secrets are needed.';
      error.hidden = false;
      (credentials.user ? org : user).focus();
      return;
    }
    try {
      await api('GET', '/elements', undefined, { credentials });
    } catch (err) {
      error.textContent = err.status === 401 ? 'The API does not accept these secrets.' : `Could not reach the API: ${errorText(err)}`;
      error.hidden = false;
      user.focus();
      return;
    }
    session.set(credentials.user, credentials.organization);
    announce('Signed in.');
    void route();
  });
  fill(view, h('h1', { tabindex: '-1', text: 'Sign in to Pollster' }), form);
  user.focus();
  return () => {};
}

/** The screens by hash path: a new view is one more line here. `render` may return a cleanup function. */
const SCREENS = [
  { path: /^\/instances$/, render: (view, ctx) => renderInstances(view, ctx) },
  {
    path: /^\/new$/,
    render: (view) => {
      const r = resume;
      resume = null;
      return renderInstanceForm(view, { mode: 'create', resume: r, navigate });
    },
  },
  { path: /^\/instances\/(\d+)\/edit$/, render: async (view, _ctx, [, id]) => renderInstanceForm(view, { mode: 'edit', instance: await api('GET', `/instances/${id}`), navigate }) },
  { path: /^\/instances\/(\d+)$/, render: (view, ctx, [, id]) => renderInstance(view, { id: Number(id), ...ctx }) },
  { path: /^\/deliveries$/, render: (view, ctx) => renderDeliveries(view, ctx) },
];

function renderNotFound(view) {
  fill(view, h('h1', { tabindex: '-1', text: 'Not found' }), h('p', {}, 'No such screen. ', h('a', { href: '#/instances', text: 'Go to the instances' })));
}

let dispose = () => {};
let token = 0;

async function route() {
  const mine = ++token;
  dispose();
  dispose = () => {};
  const view = h('div', { class: 'view' });
  fill(main, view);
  const signedIn = session.get() !== null;
  signOutButton.hidden = !signedIn;
  nav.hidden = !signedIn;
  const path = location.hash.replace(/^#/, '') || '/instances';
  for (const a of nav.querySelectorAll('a')) {
    const here = path === a.getAttribute('href').slice(1) || (a.getAttribute('href') === '#/instances' && /^\/instances\//.test(path));
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = 'Pollster console';
  if (!signedIn) {
    dispose = renderSignIn(view);
    return;
  }
  main.setAttribute('aria-busy', 'true');
  view.append(h('p', { class: 'muted', text: 'Loading…' }));
  const config = await configPromise;
  const ctx = { config, navigate };
  try {
    const screen = SCREENS.find((s) => s.path.test(path));
    const cleanup = screen ? await screen.render(view, ctx, screen.path.exec(path)) : renderNotFound(view);
    if (typeof cleanup === 'function') {
      if (mine === token) dispose = cleanup;
      else cleanup();
    }
  } catch (err) {
    if (mine === token) fill(view, h('h1', { tabindex: '-1', text: 'Something went wrong' }), h('p', { class: 'error', text: errorText(err) }), h('p', {}, h('a', { href: '#/instances', text: 'Back to the instances' })));
  } finally {
    if (mine === token) main.removeAttribute('aria-busy');
  }
  if (mine !== token) return;
  const heading = view.querySelector('h1');
  if (heading) document.title = `${heading.textContent} · Pollster console`;
  // Move focus to the new screen's heading (unless the screen already put it somewhere, e.g. an error summary).
  if (!view.contains(document.activeElement)) heading?.focus();
}

// The skip link must not change the hash (the router owns it): it only moves focus.
document.querySelector('.skip-link')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', () => void route());
void route();
