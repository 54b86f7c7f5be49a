// The instance page's "Deletes and late records": per resource, what its deletion and settleDelay are doing, from
// GET /instances/{id}/poller (`scan`, `tombstones`, `settle`). Resources with neither are left out.

import { h, time } from './dom.js';
import { durationText, plural } from './format.js';

const fact = (term, ...value) => [h('dt', { text: term }), h('dd', {}, ...value)];
const errorFact = (term, message) => (message ? fact(term, h('span', { class: 'error', text: message })) : null);

function scanFacts(scan) {
  return [
    fact('DELETED events reported', h('span', { dataset: { testid: 'scan-deleted' }, text: String(scan.deleted) }), h('span', { class: 'muted', text: ' (id scans, in all)' })),
    fact(
      'Last scan',
      scan.lastScanAt ? [time(scan.lastScanAt), ` — ${plural(scan.lastIds ?? 0, 'id')} listed`] : h('span', { class: 'muted', text: 'not yet' }),
      scan.scanning ? [' ', h('span', { class: 'badge badge-polling', text: 'scanning' })] : null,
    ),
    errorFact('Scan error', scan.lastError),
  ];
}

function tombstoneFacts(tombstones) {
  return [fact('Tombstones checkpoint', time(tombstones.checkpoint)), errorFact('Tombstones error', tombstones.lastError)];
}

function settleFacts(settle) {
  const windows = settle.pendingWindows ?? [];
  const lateness = settle.latenessMs;
  return [
    fact(
      'Windows to read again',
      windows.length === 0
        ? h('span', { class: 'muted', text: 'none pending' })
        : h('ul', { class: 'settle-windows' }, windows.map((w) => h('li', { dataset: { testid: 'settle-window' } }, time(w.since), ' → ', time(w.until), h('br'), 'read again ', time(w.dueAt)))),
    ),
    fact('Late records found', h('span', { dataset: { testid: 'late-records' }, text: String(settle.lateRecords) })),
    fact(
      'Lateness',
      lateness
        ? `p50 ${durationText(lateness.p50)}, max ${durationText(lateness.max)} (over the last ${plural(lateness.samples, 'late record')})`
        : h('span', { class: 'muted', text: 'no late record yet' }),
    ),
    errorFact('Settle error', settle.lastError),
  ];
}

/** The block for `resources` (the poller status's), or null when no resource has a deletion or settle state. */
export function deletionState(resources) {
  const shown = Object.entries(resources ?? {}).filter(([, r]) => r.scan || r.tombstones || r.settle);
  if (shown.length === 0) return null;
  return h(
    'div',
    { class: 'deletion-state' },
    h('h3', { text: 'Deletes and late records' }),
    shown.map(([name, r]) =>
      h(
        'div',
        { class: 'deletion-resource', dataset: { resource: name }, role: 'group', 'aria-label': `${name}: deletes and late records` },
        h('h4', { text: name }),
        h('dl', { class: 'facts' }, r.scan ? scanFacts(r.scan) : null, r.tombstones ? tombstoneFacts(r.tombstones) : null, r.settle ? settleFacts(r.settle) : null),
      ),
    ),
  );
}
