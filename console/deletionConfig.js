// A resource's `deletion` and `settleDelay` as the form's controls show them (strings, as inputs hold them), and back.
// Pure (no DOM), so the unit tests run it in Node. The code view stays the source of truth: `withDeletion` changes
// only the keys the controls own and keeps everything else in the resource (and in its `deletion`) as written.

export const MODES = ['none', 'flag', 'tombstones', 'scan'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Which form a `deletion` is in: 'none' when absent, 'other' when it is none of the three. */
export function modeOf(deletion) {
  if (deletion === undefined) return 'none';
  if (!isObject(deletion)) return 'other';
  if ('scan' in deletion) return 'scan';
  if ('field' in deletion) return 'flag';
  if ('url' in deletion || 'idField' in deletion) return 'tombstones';
  return 'other';
}

/** A flag's value as typed: `true`, `false`, `null` and numbers are JSON; `"…"` is a quoted string; the rest is text. */
export function valueFromText(text) {
  if (text === 'true' || text === 'false' || text === 'null' || JSON_NUMBER.test(text)) return JSON.parse(text);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** How a flag's value is typed back: text that would read as something else is quoted. */
export function valueText(value) {
  if (typeof value === 'string') return valueFromText(value) === value ? value : JSON.stringify(value);
  return value === undefined ? '' : JSON.stringify(value);
}

/** A number of seconds or minutes as typed: a number when it is one, else the text (the API names what is wrong). */
export function numberFromText(text) {
  const t = text.trim();
  if (t === '') return undefined;
  return JSON_NUMBER.test(t) ? Number(t) : t;
}

const text = (v) => (v === undefined || v === null ? '' : String(v));

/**
 * The controls' values for `resource`: `{ mode, settleDelay, fields }`, where `fields` holds the chosen form's inputs by
 * key ('field', 'value' for a flag; 'url', 'idField', 'dateField', 'dateFormat', 'dateTimezone' for tombstones; 'url',
 * 'idField', 'every' for a scan). The other forms' inputs keep what they hold.
 */
export function controlsOf(resource) {
  const r = isObject(resource) ? resource : {};
  const d = r.deletion;
  const mode = modeOf(d);
  let fields = {};
  if (mode === 'flag') fields = { field: text(d.field), value: 'value' in d ? valueText(d.value) : '' };
  if (mode === 'tombstones') fields = { url: text(d.url), idField: text(d.idField), dateField: text(d.dateField), dateFormat: text(d.dateFormat), dateTimezone: text(d.dateTimezone) };
  if (mode === 'scan') {
    const s = isObject(d.scan) ? d.scan : {};
    fields = { url: text(s.url), idField: text(s.idField), every: text(s.every) };
  }
  return { mode, settleDelay: text(r.settleDelay), fields };
}

/** What a newly chosen form starts with: the resource's own id field, an hourly scan, a `true` flag. */
export function startingFields(mode, resource) {
  const idField = isObject(resource) && typeof resource.idField === 'string' ? resource.idField : 'id';
  if (mode === 'flag') return { field: '', value: 'true' };
  if (mode === 'tombstones') return { url: '', idField, dateField: '', dateFormat: '', dateTimezone: '' };
  if (mode === 'scan') return { url: '', idField, every: '60' };
  return {};
}

/** `resource` with the controls' `deletion` (`mode`, `fields`) and `settleDelay`; keys it does not own are kept. */
export function withDeletion(resource, { mode, fields, settleDelay }) {
  const next = { ...(isObject(resource) ? resource : {}) };
  const old = next.deletion;
  const same = modeOf(old) === mode && isObject(old);
  if (mode === 'none') delete next.deletion;
  else if (mode === 'flag') next.deletion = { ...(same ? old : {}), field: fields.field ?? '', value: valueFromText(fields.value ?? '') };
  else if (mode === 'tombstones') {
    const d = { ...(same ? old : {}), url: fields.url ?? '', idField: fields.idField ?? '' };
    for (const key of ['dateField', 'dateFormat', 'dateTimezone']) {
      if (fields[key]) d[key] = fields[key];
      else delete d[key];
    }
    next.deletion = d;
  } else if (mode === 'scan') {
    const scan = { ...(same && isObject(old.scan) ? old.scan : {}), url: fields.url ?? '', idField: fields.idField ?? '' };
    const every = numberFromText(fields.every ?? '');
    if (every === undefined) delete scan.every;
    else scan.every = every;
    next.deletion = { ...(same ? old : {}), scan };
  }
  // 'other': the code view's own deletion, left as written.
  const settle = numberFromText(settleDelay ?? '');
  if (settle === undefined) delete next.settleDelay;
  else next.settleDelay = settle;
  return next;
}

/** One line saying what the controls configure: "id scan every 0.05 min; settle 5 s". */
export function describeDeletion(resource) {
  const { mode, settleDelay, fields } = controlsOf(resource);
  const parts = [];
  if (mode === 'flag') parts.push(`flag ${fields.field || '?'} = ${fields.value || '?'}`);
  if (mode === 'tombstones') parts.push('tombstones list');
  if (mode === 'scan') parts.push(`id scan every ${fields.every || '?'} min`);
  if (mode === 'other') parts.push('deletion as written in the code view');
  if (settleDelay) parts.push(`settle ${settleDelay} s`);
  return parts.length ? parts.join('; ') : 'none';
}
