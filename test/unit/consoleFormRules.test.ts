// Which settings the console's instance form shows and requires (console/formRules.js), by table,
// and against the API's own check of each element: the form lets through exactly what the API takes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allElements, elementAdapter } from '../../elements/registry';
import type { ConfigurationDefinition } from '../../elements/types';

type Values = Record<string, string | boolean | undefined>;
type States = Map<string, { applies: boolean; required: boolean }>;

/** The console's modules are untyped browser files: loaded by URL and typed here. */
const { fieldStates, missingRequired } = (await import(new URL('../../console/formRules.js', import.meta.url).href)) as {
  fieldStates(elementKey: string, definitions: ConfigurationDefinition[], values: Values): States;
  missingRequired(elementKey: string, definitions: ConfigurationDefinition[], values: Values): string[];
};

const definitionsOf = (key: string): ConfigurationDefinition[] => elementAdapter(key)!.definition.configuration;
const applying = (key: string, values: Values): string[] => [...fieldStates(key, definitionsOf(key), values)].filter(([, s]) => s.applies).map(([k]) => k);
const required = (key: string, values: Values): string[] => [...fieldStates(key, definitionsOf(key), values)].filter(([, s]) => s.required).map(([k]) => k);

const HTTP_AUTH_FIELDS = ['username', 'password', 'auth.token', 'auth.header.name', 'auth.header.value'];
const HTTP_PAGING_FIELDS = ['pagination.page.param', 'pagination.size.param', 'pagination.cursor.path', 'pagination.cursor.param'];

describe('http: only the fields of the chosen auth.type and pagination.type', () => {
  const auth: [string | undefined, string[], string[]][] = [
    [undefined, [], []],
    ['none', [], []],
    ['basic', ['username', 'password'], ['username']],
    ['bearer', ['auth.token'], ['auth.token']],
    ['header', ['auth.header.name', 'auth.header.value'], ['auth.header.name', 'auth.header.value']],
  ];
  for (const [type, shown, needed] of auth) {
    test(`auth.type ${type ?? '(not chosen: its default)'}`, () => {
      const values = { 'base.url': 'http://api.example', 'auth.type': type };
      assert.deepEqual(applying('http', values).filter((k) => HTTP_AUTH_FIELDS.includes(k)), shown);
      assert.deepEqual(required('http', values).filter((k) => HTTP_AUTH_FIELDS.includes(k)), needed);
    });
  }
  const paging: [string, string[], string[]][] = [
    ['none', [], []],
    ['page', ['pagination.page.param', 'pagination.size.param'], []],
    ['cursor', ['pagination.cursor.path', 'pagination.cursor.param'], ['pagination.cursor.path']],
    ['link', [], []],
  ];
  for (const [type, shown, needed] of paging) {
    test(`pagination.type ${type}`, () => {
      const values = { 'pagination.type': type };
      assert.deepEqual(applying('http', values).filter((k) => HTTP_PAGING_FIELDS.includes(k)), shown);
      assert.deepEqual(required('http', values).filter((k) => HTTP_PAGING_FIELDS.includes(k)), needed);
    });
  }
  test('the rest always shows; base.url is required', () => {
    for (const key of ['base.url', 'auth.type', 'response.items.path', 'pagination.type']) assert.ok(applying('http', {}).includes(key), key);
    assert.deepEqual(required('http', {}), ['base.url']);
  });
});

describe('required unless another setting is given', () => {
  const cases: [string, string, Values, boolean][] = [
    ['sagecrm', 'subdomain', {}, true],
    ['sagecrm', 'subdomain', { 'base.url': '' }, true],
    ['sagecrm', 'subdomain', { 'base.url': '   ' }, true],
    ['sagecrm', 'subdomain', { 'base.url': 'http://127.0.0.1:9000' }, false],
    ['connectwisecrmrest', 'baseUrl', {}, true],
    ['connectwisecrmrest', 'baseUrl', { 'base.url': 'http://127.0.0.1:9000' }, false],
    ['maximizer', 'oauth.api.key', {}, true],
    ['maximizer', 'oauth.api.key', { 'maximizer.token': 'pat' }, false],
    ['maximizer', 'oauth.callback.url', { 'maximizer.token': 'pat' }, false],
    ['sageone', 'oauth.api.key', { 'base.url': 'http://127.0.0.1:9000' }, true],
  ];
  for (const [element, key, values, expected] of cases) {
    test(`${element} ${key} with ${JSON.stringify(values)}: ${expected ? 'required' : 'optional'}`, () => {
      assert.equal(required(element, values).includes(key), expected);
      assert.ok(applying(element, values).includes(key), 'shown either way');
    });
  }
  test('Sage CRM: the other settings stay as defined', () => {
    assert.deepEqual(required('sagecrm', { 'base.url': 'http://127.0.0.1:9000' }), ['username', 'password']);
  });
});

describe("the form's required fields agree with the API's check of each element", () => {
  /**
   * A value for one definition: absent, empty or given (its default where it has one: a value of the right form, since
   * this checks which fields are required, not how each is written); a SELECT one of its options; a BOOLEAN true or false.
   */
  const valueFor = (d: ConfigurationDefinition): fc.Arbitrary<string | boolean | undefined> =>
    d.type === 'SELECT' ? fc.constantFrom(...(d.options ?? [])) : d.type === 'BOOLEAN' ? fc.boolean() : fc.constantFrom(undefined, '', d.defaultValue || 'value');

  for (const adapter of allElements()) {
    const key = adapter.definition.key;
    const definitions = definitionsOf(key);
    test(`${key}: the form finds something missing exactly when the API refuses, and every key it refuses is marked`, () => {
      const values = fc.record(Object.fromEntries(definitions.map((d) => [d.key, valueFor(d)])) as Record<string, fc.Arbitrary<string | boolean | undefined>>);
      fc.assert(fc.property(values, (v) => {
        const states = fieldStates(key, definitions, v);
        // What the form sends: the settings that apply and have a value.
        const sent: Record<string, string> = {};
        for (const [k, value] of Object.entries(v)) if (states.get(k)?.applies && value !== undefined && value !== '') sent[k] = String(value);
        const refused = adapter.validate(sent).map((i) => i.key);
        const missing = missingRequired(key, definitions, v);
        assert.equal(missing.length === 0, refused.length === 0, `form: ${missing.join(', ') || 'nothing missing'}; API: ${refused.join(', ') || 'accepted'}`);
        for (const k of refused) assert.ok(missing.includes(k), `the API refuses ${k}; the form marks ${missing.join(', ')}`);
      }), { numRuns: 400 });
    });
  }
});
