// The instance form's state, one object that every section of the form reads and changes
// explicitly (no variables shared through a closure): the chosen element, its definitions and
// default resources, every resource configuration seen, and the fields by configuration key.

import { api } from './api.js';

export const POLLER_KEY = 'event.poller.configuration';
/** A new instance starts as the element that fits any JSON REST API. */
export const DEFAULT_ELEMENT = 'http';
/** A new instance polls every 5 minutes: a first event soon after creating it, and light on the API. */
export const NEW_INSTANCE_INTERVAL = '5';
/** The interval an instance without one polls at (the poller's own default). */
export const POLLER_DEFAULT_INTERVAL = '15';

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

/**
 * `mode` 'create' or 'edit' (`instance` is the API's view of it); `elementKey` the element to start
 * with (edit: the instance's; create: a resumed draft's, else the default element).
 */
export function createFormState({ mode, instance, elements, elementKey }) {
  const editing = mode === 'edit';
  return {
    editing,
    /** Edit: the instance as the API returned it. */
    instance: editing ? instance : undefined,
    /** Edit: its stored configuration (strings, secrets masked); create: empty. */
    current: editing ? instance.configuration : {},
    elements,
    element: elements.find((e) => e.key === elementKey) ?? elements.find((e) => e.key === DEFAULT_ELEMENT) ?? elements[0],
    /** The element's configuration definitions (GET /elements/{key}/configuration). */
    definitions: [],
    /** The element's default resources (its default poller configuration). */
    defaults: {},
    /** Every resource configuration seen (defaults and the user's), so unchecking then checking restores it. */
    memory: {},
    /** OAuth2: the provider's authorization code, once it sent the browser back. */
    providerCode: null,
    /** Field key → { input, error, wrap }, for errors "at the right place". */
    fields: new Map(),
    /** A submit is in flight. */
    busy: false,
  };
}

/** Makes `key` the chosen element: loads its definitions and default resources. */
export async function selectElement(state, key) {
  state.element = state.elements.find((e) => e.key === key) ?? state.element;
  state.definitions = await definitionsOf(state.element.key);
  const pollerDef = state.definitions.find((d) => d.key === POLLER_KEY);
  try {
    state.defaults = pollerDef?.defaultValue ? JSON.parse(pollerDef.defaultValue) : {};
  } catch {
    state.defaults = {};
  }
  state.memory = structuredClone(state.defaults);
}

export const isOAuth = (state) => state.element.authentication.type === 'oauth2';

/** The element's own settings (authentication and the like): every definition but the events keys. */
export const authDefinitions = (state) => state.definitions.filter((d) => d.key !== POLLER_KEY && !d.key.startsWith('event.'));
