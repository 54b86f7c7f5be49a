/**
 * The API derives the poller settings with the zod schema (core/pollerSettings.ts); runs of the previous release
 * derived them in the workflow without zod (workflows/v1/settings.ts), and migrate with what that gives. For every
 * configuration the API accepts the two must agree, or a migrated run would poll differently.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInstanceBody } from '../../core/instanceSpec';
import { parseIsoInstant } from '../../core/isoInstant';
import { pollerSettings as apiPollerSettings } from '../../core/pollerSettings';
import { parseInstant, pollerSettings } from '../../workflows/v1/settings';

const CALLBACK = 'https://hooks.example.com/pollster';

/** The stored configuration strings of a body the API accepts (as the workflow gets them). */
function stored(configuration: Record<string, unknown>, element = 'http'): Record<string, string> {
  const parsed = parseInstanceBody({ element: { key: element }, name: 'x', configuration });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  return parsed.value.configuration;
}

function assertSame(configuration: Record<string, string>): void {
  assert.deepEqual(pollerSettings(configuration), apiPollerSettings(configuration));
}

const SAGECRM = {
  accounts: {
    url: "/hubs/crm/accounts?where=Comp_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
    idField: 'key',
    datesConfiguration: {
      updatedDateField: 'Comp_UpdatedDate',
      updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      updatedDateTimezone: 'GMT',
      createdDateField: 'Comp_CreatedDate',
      createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
    },
  },
  leads: { url: '/hubs/crm/leads', idField: 'key' },
};
const LINES = [
  "accounts|/hubs/crm/accounts?where=LastModifiedDate>=${date}||LastModifiedDate|yyyy-MM-dd'T'HH:mm:ssZ||CreatedDate|yyyy-MM-dd'T'HH:mm:ssZ",
  "contacts|/hubs/crm/contacts?where=LastModifiedDate>=${date}||LastModifiedDate|yyyy-MM-dd'T'HH:mm:ssZ|EST|CreatedDate|yyyy-MM-dd'T'HH:mm:ssZ|EST",
].join('\n');

describe('the previous release\'s reading equals the API\'s', () => {
  const cases: [name: string, configuration: Record<string, unknown>][] = [
    ['empty', {}],
    ['defaults of a bare resource', { 'event.poller.configuration': { a: { url: '/x', idField: ' id ' } } }],
    ['the Sage CRM default, as an object', { 'event.poller.configuration': SAGECRM }],
    ['the Sage CRM default, as a JSON string', { 'event.poller.configuration': JSON.stringify(SAGECRM) }],
    [
      'every resource key, typed',
      {
        'event.notification.enabled': true,
        'event.notification.callback.url': CALLBACK,
        'event.notification.signature.key': 'k',
        'event.poller.configuration': {
          contacts: {
            url: "/hubs/crm/contacts?where=update_time >= '${gmtDate:yyyy-MM-dd HH:mm:ss}'",
            filterByCurrentDate: true,
            filterByUpdatedDate: false,
            idField: 'user.id',
            datesConfiguration: {
              updatedDateField: 'update_time',
              updatedDateFormat: 'yyyy-MM-dd HH:mm:ss',
              updatedDateTimezone: 'America/Denver',
              createdDateField: 'add_time',
              createdDateFormat: 'milliseconds',
              createdDateTimezone: '-6:00',
              createdCheckTolerance: 3,
            },
            createdCheckTolerance: 2,
            pageSize: 10000,
            updatedDateTimezone: 'MST',
            pollDelay: 30,
            note: 'unknown keys are kept and ignored',
          },
        },
      },
    ],
    [
      'every resource key, as strings with spaces',
      {
        'event.notification.enabled': ' TRUE ',
        'event.notification.callback.url': CALLBACK,
        'event.poller.configuration': {
          a: { url: '/x', idField: 'id', filterByUpdateDate: 'False', filterByCurrentDate: ' true', pageSize: ' 20 ', pollDelay: '+30', createdCheckTolerance: '2.' },
          b: { url: '/y', idField: '', datesConfiguration: { createdDateField: 'c', createdCheckTolerance: '.5' }, updatedDateTimezone: 'PST' },
        },
      },
    ],
    ['the tolerance only in datesConfiguration', { 'event.poller.configuration': { a: { url: '/x', idField: 'id', datesConfiguration: { createdCheckTolerance: 7 } } } }],
    ['empty date fields and formats', { 'event.poller.configuration': { a: { url: '/x', idField: 'id', datesConfiguration: { updatedDateField: ' ', updatedDateFormat: '', createdDateField: 'c', createdDateFormat: '' } } } }],
    ['legacy poller lines', { 'event.poller.urls': LINES }],
    ['legacy lines and JSON, JSON wins', { 'event.poller.urls': LINES, 'event.poller.configuration': { accounts: { url: '/json', idField: 'key' } } }],
    ['legacy names select', { 'event.poller.urls': 'leads', 'event.poller.configuration': SAGECRM }],
    ['legacy names, comma-separated and repeated', { 'event.poller.urls': 'leads,accounts,leads', 'event.poller.configuration': SAGECRM }],
    ['legacy names without a JSON configuration', { 'event.poller.urls': 'contacts|leads' }],
    ['legacy empty value', { 'event.poller.urls': '', 'event.poller.configuration': SAGECRM }],
    ['two-field legacy line', { 'event.poller.urls': "documents|/hubs/documents/events?where=lastmodifieddate='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'" }],
    ['path-like resource names', { 'event.poller.configuration': { '/changed-messages': { url: '/m', idField: 'id' }, contacts: { url: '/c', idField: 'id' } }, 'event.poller.urls': 'contacts|/changed-messages' }],
    ['numeric resource names (key order)', { 'event.poller.configuration': { b: { url: '/b', idField: 'id' }, 2: { url: '/2', idField: 'id' }, 1: { url: '/1', idField: 'id' } } }],
    ['refresh interval 1/60', { 'event.poller.refresh_interval': 1 / 60 }],
    ['refresh interval " 0.50 "', { 'event.poller.refresh_interval': ' 0.50 ' }],
    ['refresh interval "0.0166667"', { 'event.poller.refresh_interval': '0.0166667' }],
    ['refresh interval "never"', { 'event.poller.refresh_interval': 999999999 }],
    ['since, UTC', { 'event.poller.since': '2024-01-31T00:00:00Z' }],
    ['since, an offset and millis', { 'event.poller.since': '2024-01-31T00:00:00.250+01:00' }],
    ['since, no offset', { 'event.poller.since': '2024-01-31T06:30' }],
    ['since, lower case and spaces', { 'event.poller.since': ' 2024-01-31t06:30:00.1234z ' }],
    ['an empty signature key', { 'event.notification.signature.key': '' }],
    ['events disabled with a callback', { 'event.notification.enabled': 'false', 'event.notification.callback.url': CALLBACK }],
  ];
  for (const [name, configuration] of cases) test(name, () => assertSame(stored(configuration)));

  test('elements other than http read the same', () => {
    for (const element of ['sagecrm', 'connectwisecrmrest', 'sageone', 'maximizer']) assertSame(stored({ 'event.poller.configuration': SAGECRM }, element));
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random valid configurations.

const boolish = fc.oneof(fc.boolean(), fc.boolean().map(String), fc.constantFrom(' TRUE', 'False ', 'tRuE'));
const numish = (arb: fc.Arbitrary<number>) => fc.oneof(arb, arb.map(String), arb.map((n) => ` ${n} `), arb.map((n) => `+${n}`));
const FORMATS = ["yyyy-MM-dd'T'HH:mm:ss'Z'", 'yyyy-MM-dd HH:mm:ss', 'milliseconds', '10 digit integer Unix time', ''];
const ZONES = ['GMT', 'EST', 'America/Denver', '-6:00', ''];
const nameArb = fc.oneof(fc.constantFrom('contacts', 'leads', '/changed-messages', '7', 'calendars/{id}/events'), fc.string({ minLength: 1, maxLength: 8 }))
  .filter((n) => n.trim() !== '' && !['objectType', 'eventId', 'instance_id', '__proto__', 'constructor', 'prototype'].includes(n) && !/[|,\n\r]/.test(n));

const datesArb = fc.record(
  {
    updatedDateField: fc.constantFrom('updatedAt', "['Modified Time']", ' '),
    updatedDateFormat: fc.constantFrom(...FORMATS),
    updatedDateTimezone: fc.constantFrom(...ZONES),
    createdDateField: fc.constantFrom('createdAt', ''),
    createdDateFormat: fc.constantFrom(...FORMATS),
    createdDateTimezone: fc.constantFrom(...ZONES),
    createdCheckTolerance: numish(fc.integer({ min: 0, max: 3600 })),
    comment: fc.string(),
  },
  { requiredKeys: [] },
);

const resourceArb = fc.record(
  {
    url: fc.constantFrom("/contacts?since=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}", '/x?y=${epoch}', '/plain'),
    idField: fc.constantFrom('id', ' key ', 'user.id', ''),
    filterByUpdatedDate: boolish,
    filterByUpdateDate: boolish,
    filterByCurrentDate: boolish,
    datesConfiguration: datesArb,
    createdCheckTolerance: numish(fc.integer({ min: 0, max: 3600 })),
    pageSize: numish(fc.integer({ min: 1, max: 10000 })),
    pollDelay: numish(fc.oneof(fc.integer({ min: 0, max: 600 }), fc.constantFrom(0.5, 12.25))),
    updatedDateTimezone: fc.constantFrom(...ZONES),
    extra: fc.jsonValue(),
  },
  { requiredKeys: ['url', 'idField'] },
);

/** `<resource>|<url>|<xPath>|<updatedField>|<updatedFormat>|<updatedZone>|<createdField>|<createdFormat>|<createdZone>`, trailing fields left out at random. */
const legacyLineArb = fc
  .tuple(
    fc.constantFrom('deals', 'tasks'),
    fc.constantFrom('/hubs/crm/deals', "/t?d=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}"),
    fc.constantFrom('', '/x/y'),
    fc.constantFrom('', 'updated'),
    fc.constantFrom(...FORMATS),
    fc.constantFrom(...ZONES),
    fc.constantFrom('', 'created'),
    fc.constantFrom(...FORMATS),
    fc.constantFrom(...ZONES),
    fc.integer({ min: 2, max: 9 }),
  )
  .map(([name, ...rest]) => [name, ...rest.slice(0, -1)].slice(0, rest.at(-1) as number).join('|'));

const configArb = fc
  .record(
    {
      resources: fc.dictionary(nameArb, resourceArb, { minKeys: 1, maxKeys: 4 }),
      asString: fc.boolean(),
      interval: fc.oneof(numish(fc.integer({ min: 1, max: 1440 })), fc.double({ min: 1 / 60, max: 1e9, noNaN: true })),
      enabled: boolish,
      since: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      signatureKey: fc.string(),
      legacy: fc.oneof(fc.constant('names'), fc.array(legacyLineArb, { minLength: 1, maxLength: 2 })),
    },
    { requiredKeys: ['resources', 'asString'] },
  )
  .map((c) => {
    const configuration: Record<string, unknown> = { 'event.poller.configuration': c.asString ? JSON.stringify(c.resources) : c.resources };
    if (c.enabled !== undefined) configuration['event.notification.enabled'] = c.enabled;
    configuration['event.notification.callback.url'] = CALLBACK;
    if (c.interval !== undefined) configuration['event.poller.refresh_interval'] = c.interval;
    if (c.since !== undefined) configuration['event.poller.since'] = c.since;
    if (c.signatureKey !== undefined) configuration['event.notification.signature.key'] = c.signatureKey;
    const legacy = c.legacy;
    if (legacy === 'names') configuration['event.poller.urls'] = Object.keys(c.resources).slice(0, 2).join('\n');
    else if (legacy) configuration['event.poller.urls'] = [...new Set(legacy.map((l) => l.split('|')[0]))].map((n) => legacy.find((l) => l.startsWith(`${n}|`))).join('\n'); // one line per name
    return configuration;
  });

describe('property: the previous release\'s reading', () => {
  test('equals the zod reading for every valid random configuration', () => {
    fc.assert(
      fc.property(configArb, (configuration) => {
        const parsed = parseInstanceBody({ element: { key: 'http' }, configuration });
        fc.pre(parsed.ok); // only what the API accepts reaches a workflow
        if (!parsed.ok) return;
        assertSame(parsed.value.configuration);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Instants: the luxon-free reading against core/javaDate.ts.

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const isoArb = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1960, max: 2100 })).map((n) => String(n).padStart(4, '0')),
    month: two(13),
    day: two(32),
    t: fc.constantFrom('T', 't', ' ', 'X'),
    hour: two(25),
    minute: two(61),
    second: fc.option(two(61)),
    fraction: fc.option(fc.stringMatching(/^[.,]\d{1,9}$/)),
    zone: fc.option(fc.oneof(fc.constantFrom('Z', 'z', 'GMT', '+'), fc.tuple(fc.constantFrom('+', '-'), two(25), fc.constantFrom(':', ''), fc.option(two(61))).map(([s, h, sep, m]) => `${s}${h}${m === null ? '' : sep + m}`))),
    pad: fc.constantFrom('', ' ', '\t'),
  })
  .map((p) => `${p.pad}${p.year}-${p.month}-${p.day}${p.t}${p.hour}:${p.minute}${p.second === null ? '' : `:${p.second}${p.fraction ?? ''}`}${p.zone ?? ''}${p.pad}`);

describe('the previous release\'s parseInstant', () => {
  const cases = [
    '2024-01-31T00:00:00Z', '2024-01-31T00:00:00.250+01:00', '2024-01-31T00:00:00', '2024-01-31T06:30', '2024-02-29T23:59:59.999-0830',
    '0001-01-01T00:00:00Z', '0099-12-31T23:59:59+23:59', '2024-01-31', 'yesterday', '2024-02-30T00:00:00Z', '1706659200000', '',
    '2024-01-31T24:00:00Z', '2024-01-31T00:00:00+24:00', '2024-01-31T00:00:00+01:60', '2023-02-29T00:00:00Z', '2024-01-31 00:00:00Z',
  ];
  for (const s of cases) test(JSON.stringify(s), () => assert.equal(parseInstant(s), parseIsoInstant(s)));

  test('property: the same instant as core/javaDate.ts for ISO-like text', () => {
    fc.assert(fc.property(isoArb, (s) => assert.equal(parseInstant(s), parseIsoInstant(s), s)), { numRuns: 2000 });
  });
  test('property: the same for arbitrary text', () => {
    fc.assert(fc.property(fc.string(), (s) => assert.equal(parseInstant(s), parseIsoInstant(s), s)), { numRuns: 500 });
  });
});

// ---------------------------------------------------------------------------------------------
// The configure validator's light check: what the poller cannot read throws.

describe('pollerSettings refuses what it cannot read', () => {
  const resource = (fields: Record<string, unknown>) => JSON.stringify({ contacts: { url: '/x', idField: 'id', ...fields } });
  const cases: [name: string, configuration: Record<string, string>][] = [
    ['poller configuration not JSON', { 'event.poller.configuration': '{not json' }],
    ['poller configuration an array', { 'event.poller.configuration': '[1]' }],
    ['a resource not an object', { 'event.poller.configuration': '{"contacts":"x"}' }],
    ['a reserved resource name', { 'event.poller.configuration': '{"objectType":{"url":"/x","idField":"id"}}' }],
    ['no url', { 'event.poller.configuration': '{"contacts":{"idField":"id"}}' }],
    ['no idField', { 'event.poller.configuration': '{"contacts":{"url":"/x"}}' }],
    ['filterByUpdatedDate yes', { 'event.poller.configuration': resource({ filterByUpdatedDate: 'yes' }) }],
    ['pageSize 0', { 'event.poller.configuration': resource({ pageSize: 0 }) }],
    ['pageSize 1.5', { 'event.poller.configuration': resource({ pageSize: '1.5' }) }],
    ['pollDelay negative', { 'event.poller.configuration': resource({ pollDelay: '-1' }) }],
    ['a date field a number', { 'event.poller.configuration': resource({ datesConfiguration: { updatedDateField: 5 } }) }],
    ['enabled maybe', { 'event.notification.enabled': 'maybe' }],
    ['refresh interval soon', { 'event.poller.refresh_interval': 'soon' }],
    ['refresh interval under a second', { 'event.poller.refresh_interval': '0.001' }],
    ['since yesterday', { 'event.poller.since': 'yesterday' }],
    ['a legacy line without URL', { 'event.poller.urls': 'accounts|/hubs/crm/accounts\ncontacts' }],
    ['legacy names not in the configuration', { 'event.poller.urls': 'accounts|deals', 'event.poller.configuration': '{"accounts":{"url":"/x","idField":"id"}}' }],
  ];
  for (const [name, configuration] of cases) {
    test(name, () => {
      assert.throws(() => pollerSettings(configuration));
      assert.throws(() => apiPollerSettings(configuration), 'the zod reading refused it too');
    });
  }
});
