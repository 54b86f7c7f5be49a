// Which of an element's settings apply and which are required, given the values already chosen:
// the element definitions say "required" without conditions, while each element's own check in the
// API has them (Sage CRM's subdomain is not needed with base.url; the http element's auth fields
// belong to one auth.type each). Pure (no DOM), so the unit tests check it against the API's checks.

/**
 * Per element, per key: `when: { key: [values] }` (the field applies only then; a field that does
 * not apply is neither shown nor sent), `required` (true or false when it applies, instead of the
 * definition's), `unless: key` (not required when that key has a value).
 */
const RULES = {
  http: {
    username: { when: { 'auth.type': ['basic'] }, required: true },
    password: { when: { 'auth.type': ['basic'] } },
    'auth.token': { when: { 'auth.type': ['bearer'] }, required: true },
    'auth.header.name': { when: { 'auth.type': ['header'] }, required: true },
    'auth.header.value': { when: { 'auth.type': ['header'] }, required: true },
    'pagination.page.param': { when: { 'pagination.type': ['page'] } },
    'pagination.size.param': { when: { 'pagination.type': ['page'] } },
    'pagination.cursor.path': { when: { 'pagination.type': ['cursor'] }, required: true },
    'pagination.cursor.param': { when: { 'pagination.type': ['cursor'] } },
  },
  sagecrm: {
    subdomain: { unless: 'base.url' },
  },
  connectwisecrmrest: {
    baseUrl: { unless: 'base.url' },
  },
  maximizer: {
    'oauth.api.key': { unless: 'maximizer.token' },
    'oauth.api.secret': { unless: 'maximizer.token' },
    'oauth.callback.url': { unless: 'maximizer.token' },
  },
};

const filled = (value) => value !== undefined && value !== null && String(value).trim() !== '';

/** The value a SELECT shows when nothing is chosen: the definition's default, else its first option. */
function valueOf(definitions, values, key) {
  if (filled(values[key])) return String(values[key]);
  const d = definitions.find((x) => x.key === key);
  return d?.defaultValue ?? d?.options?.[0];
}

/**
 * `{ applies, required }` for each definition of `elementKey`, given `values` (key → the field's
 * value, checkboxes as booleans).
 */
export function fieldStates(elementKey, definitions, values) {
  const rules = Object.hasOwn(RULES, elementKey) ? RULES[elementKey] : {};
  const states = new Map();
  for (const d of definitions) {
    const rule = Object.hasOwn(rules, d.key) ? rules[d.key] : {};
    const applies = Object.entries(rule.when ?? {}).every(([key, allowed]) => allowed.includes(valueOf(definitions, values, key)));
    const required = applies && (rule.required ?? Boolean(d.required)) && !(rule.unless && filled(values[rule.unless]));
    states.set(d.key, { applies, required });
  }
  return states;
}

/** The keys that apply, are required and have no value. */
export function missingRequired(elementKey, definitions, values) {
  const missing = [];
  for (const [key, { required }] of fieldStates(elementKey, definitions, values)) {
    if (required && !filled(values[key])) missing.push(key);
  }
  return missing;
}
