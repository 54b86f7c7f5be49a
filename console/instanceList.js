// The list of instances: each with its health (a badge, and the reasons when it is not healthy), its poller state and
// poll times. Filtered by health in the API (the Health search attribute), by tag in the API, by name and element
// here; sorted worst health first by the API, or by name or age here. Every page of GET /instances is read.

import { api, mapLimit } from './api.js';
import { errorText, h, time, uid, fill } from './dom.js';
import { plural } from './format.js';
import { healthBadge, reasonList } from './health.js';
import { lastError, stateBadge } from './instanceState.js';

/** Pages of GET /instances read at most (50 instances each); past that, filters narrow the list. */
const MAX_PAGES = 20;
const filters = { text: '', element: '', tag: '', health: '', sort: 'health' };

const HEALTH_FILTERS = [
  ['', 'Any health'],
  ['degraded,failing', 'Needs attention (degraded or failing)'],
  ['failing', 'Failing'],
  ['degraded', 'Degraded'],
  ['healthy', 'Healthy'],
];
const SORTS = [
  ['health', 'Health, worst first'],
  ['name', 'Name'],
  ['newest', 'Newest first'],
];

/** Every page of GET /instances for the query, following elements-next-page-token; `capped` when pages were left. */
async function listAll(query) {
  const rows = [];
  let nextPage;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = new URLSearchParams({ ...query, ...(nextPage ? { nextPage } : {}) });
    const res = await api('GET', `/instances?${params}`, undefined, { raw: true });
    rows.push(...res.body);
    nextPage = res.headers.get('elements-next-page-token') ?? undefined;
    if (!nextPage) return { rows, capped: false };
  }
  return { rows, capped: true };
}

export async function renderInstances(main) {
  const elements = await api('GET', '/elements').catch(() => []);
  const text = h('input', { type: 'search', id: uid('q'), value: filters.text, placeholder: 'name or id', autocomplete: 'off' });
  const element = h('select', { id: uid('el') }, h('option', { value: '', text: 'All elements' }), elements.map((e) => h('option', { value: e.key, text: e.key })));
  element.value = filters.element;
  const tag = h('input', { type: 'text', id: uid('tag'), value: filters.tag, placeholder: 'exact tag', autocomplete: 'off' });
  const health = h('select', { id: uid('health') }, HEALTH_FILTERS.map(([value, label]) => h('option', { value, text: label })));
  health.value = filters.health;
  const sort = h('select', { id: uid('sort') }, SORTS.map(([value, label]) => h('option', { value, text: label })));
  sort.value = filters.sort;
  const tableHolder = h('div', { class: 'table-holder' }, h('p', { class: 'muted', text: 'Loading…' }));
  let rows = [];
  let capped = false;
  let statuses = new Map();

  const filterForm = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter instances', onsubmit: (e) => { e.preventDefault(); void load(); } },
    h('div', { class: 'field' }, h('label', { for: text.id, text: 'Search' }), text),
    h('div', { class: 'field' }, h('label', { for: element.id, text: 'Element' }), element),
    h('div', { class: 'field' }, h('label', { for: tag.id, text: 'Tag' }), tag),
    h('div', { class: 'field' }, h('label', { for: health.id, text: 'Health' }), health),
    h('div', { class: 'field' }, h('label', { for: sort.id, text: 'Sort by' }), sort),
    h('button', { type: 'submit', text: 'Apply filters' }),
  );
  text.addEventListener('input', () => {
    filters.text = text.value;
    paint();
  });
  element.addEventListener('change', () => {
    filters.element = element.value;
    paint();
  });
  // Health and the order are the API's: they read the list again.
  health.addEventListener('change', () => void load());
  sort.addEventListener('change', () => void load());

  fill(main,
    h('div', { class: 'title-row' }, h('h1', { tabindex: '-1', text: 'Instances' }), h('div', { class: 'actions' }, h('a', { href: '#/new', class: 'button primary', text: 'New instance' }), h('button', { type: 'button', onclick: () => void load(), text: 'Refresh' }))),
    filterForm,
    tableHolder,
  );

  function visible() {
    const q = filters.text.trim().toLowerCase();
    const list = rows.filter((i) => (!filters.element || i.element.key === filters.element) && (!q || i.name.toLowerCase().includes(q) || String(i.id).includes(q)));
    if (filters.sort === 'name') return [...list].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    if (filters.sort === 'newest') return [...list].sort((a, b) => (b.createdDate ?? '').localeCompare(a.createdDate ?? ''));
    return list; // the API's order: worst health first
  }

  /** The health the instance's status reports (with reasons), else the list's (the search attribute). */
  const healthOf = (i, status) => status?.health ?? i.health;

  function paint() {
    const list = visible();
    if (rows.length === 0) {
      const why = [filters.tag ? `carries the tag “${filters.tag}”` : null, filters.health ? `is ${HEALTH_FILTERS.find(([v]) => v === filters.health)?.[1].toLowerCase()}` : null].filter(Boolean);
      fill(tableHolder, h('p', {}, why.length ? `No instance ${why.join(' and ')}. ` : 'No instances yet. ', h('a', { href: '#/new', text: 'Create one' }), '. (A new instance may take a few seconds to be listed.)'));
      return;
    }
    fill(tableHolder,
      h(
        'table',
        { class: 'data' },
        h('caption', { text: `${list.length} of ${plural(rows.length, 'instance')}${filters.tag ? ` tagged “${filters.tag}”` : ''}${capped ? ` (the first ${rows.length}: narrow the filters to see others)` : ''}` }),
        h('thead', {}, h('tr', {}, ['Name', 'Element', 'Tags', 'Health', 'State', 'Last poll', 'Next poll', 'What is wrong'].map((c) => h('th', { scope: 'col', text: c })))),
        h(
          'tbody',
          {},
          list.map((i) => {
            const s = statuses.get(i.id);
            const status = s?.ok ? s.value : undefined;
            const health = healthOf(i, status);
            const err = s && !s.ok ? `status unavailable: ${errorText(s.error)}` : undefined;
            const reasons = health?.reasons ?? [];
            // Healthy, yet an error the health does not count (e.g. an OAuth refusal of a run of the previous release).
            const lastErr = reasons.length === 0 ? lastError(status)?.message : undefined;
            return h(
              'tr',
              { dataset: { instanceId: String(i.id), health: health?.state ?? '' } },
              h('th', { scope: 'row' }, h('a', { href: `#/instances/${i.id}`, text: i.name }), h('div', { class: 'muted small', text: `#${i.id}` })),
              h('td', { text: i.element.key }),
              h('td', {}, (i.tags ?? []).map((t) => h('span', { class: 'tag', text: t }))),
              h('td', {}, healthBadge(health)),
              h('td', {}, stateBadge(i, status)),
              h('td', {}, status ? time(status.lastRun?.endedAt ?? status.lastRun?.startedAt) : '…'),
              h('td', {}, status ? (i.disabled ? h('span', { class: 'muted', text: '—' }) : time(status.nextRunAt)) : '…'),
              h('td', { class: 'error-cell' }, err ?? reasonList(reasons, 2, { brief: true }) ?? lastErr ?? ''),
            );
          }),
        ),
      ),
    );
  }

  async function load() {
    filters.tag = tag.value.trim();
    filters.health = health.value;
    filters.sort = sort.value;
    const query = {
      pageSize: '50',
      ...(filters.tag ? { 'tags[]': filters.tag } : {}),
      ...(filters.health ? { health: filters.health } : {}),
      ...(filters.sort === 'health' ? { orderBy: 'health' } : {}),
    };
    try {
      ({ rows, capped } = await listAll(query));
    } catch (err) {
      fill(tableHolder, h('p', { class: 'error', text: `Could not list instances: ${errorText(err)}` }));
      return;
    }
    statuses = new Map();
    paint();
    // One workflow query per instance, a few at a time: the times and the reasons.
    const results = await mapLimit(rows, 4, (i) => api('GET', `/instances/${i.id}/poller`));
    rows.forEach((i, n) => statuses.set(i.id, results[n]));
    paint();
  }

  await load();
  return () => {};
}
