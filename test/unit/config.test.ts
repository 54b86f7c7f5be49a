import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatPath } from '../../core/issues';
import { isSecretKey, MASK, maskConfiguration, parseInstanceBody, toInstanceSpec, type InstanceSpec } from '../../core/instanceSpec';
import { MAX_INTERVAL_MINUTES, type ResourceConfig } from '../../core/settings';
import { parseIsoInstant } from '../../core/isoInstant';
import { pollerSettings } from '../../core/pollerSettings';
import { instanceView } from '../../api/instances/views';

const CALLBACK = 'https://hooks.example.com/pollster';
const SAGECRM_DEFAULT = {
  accounts: {
    url: "/hubs/crm/accounts?where=Comp_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
    idField: 'key',
    datesConfiguration: {
      updatedDateField: 'Comp_UpdatedDate',
      updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      updatedDateTimezone: 'GMT',
      createdDateField: 'Comp_CreatedDate',
      createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      createdDateTimezone: 'GMT',
    },
  },
  leads: {
    url: "/hubs/crm/leads?where=Lead_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
    idField: 'key',
    datesConfiguration: { updatedDateField: 'Lead_UpdatedDate', updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'", createdDateField: 'lead_createddate', createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'" },
  },
};

function body(configuration: Record<string, unknown>, element = 'sagecrm'): Record<string, unknown> {
  return { element: { key: element }, name: 'Sage CRM', tags: ['crm'], configuration };
}

function spec(configuration: Record<string, unknown>, element = 'sagecrm'): InstanceSpec {
  const parsed = parseInstanceBody(body(configuration, element));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  return parsed.value;
}

const settingsOf = (configuration: Record<string, unknown>) => pollerSettings(spec(configuration).configuration);

function issuesOf(b: unknown): { path: string; message: string }[] {
  const parsed = parseInstanceBody(b);
  assert.ok(!parsed.ok, `expected a rejection of ${JSON.stringify(b)}`);
  return parsed.issues;
}

describe('instance body: every key Cloud Elements accepted, typed or as strings', () => {
  test('the documented keys are accepted and canonicalised to strings', () => {
    const s = spec({
      'event.notification.enabled': true,
      'event.vendor.type': 'polling',
      'event.notification.type': 'webhook',
      'event.notification.callback.url': CALLBACK,
      'event.notification.signature.key': 'MySecretEventSignatureKey',
      'event.poller.refresh_interval': 15,
      'event.poller.configuration': SAGECRM_DEFAULT,
      'event.poller.urls': 'accounts|leads',
      'event.objects': 'Contact,Account',
      'event.metadata': { polling: { accounts: { eventTypes: ['created', 'updated'] } } },
      'event.notification.subscription.id': null,
      'event.notification.instance.finder': null,
      'event.helper.key': 'helper',
      'event.notification.basic.username': 'u',
      'event.notification.basic.password': 'p',
      'filter.response.nulls': false,
      'event.poller.since': '2024-01-31T00:00:00Z',
      'base.url': 'http://127.0.0.1:9999/sdata',
      subdomain: 'sagecrm.example.com',
      username: 'admin',
      password: 'pw',
    });
    for (const [key, value] of Object.entries(s.configuration)) assert.equal(typeof value, 'string', key);
    assert.equal(s.configuration['event.notification.enabled'], 'true');
    assert.equal(s.configuration['event.poller.refresh_interval'], '15');
    assert.equal(s.configuration['filter.response.nulls'], 'false');
    assert.deepEqual(JSON.parse(s.configuration['event.metadata']!), { polling: { accounts: { eventTypes: ['created', 'updated'] } } });
    assert.deepEqual(Object.keys(JSON.parse(s.configuration['event.poller.configuration']!)), ['accounts', 'leads']);
    assert.equal('event.notification.subscription.id' in s.configuration, false, 'null values are left out');
  });

  const same: [name: string, a: Record<string, unknown>, b: Record<string, unknown>][] = [
    ['booleans', { 'event.notification.enabled': true, 'event.notification.callback.url': CALLBACK }, { 'event.notification.enabled': 'TRUE', 'event.notification.callback.url': CALLBACK }],
    ['numbers', { 'event.poller.refresh_interval': 0.5 }, { 'event.poller.refresh_interval': ' 0.50 ' }],
    ['poller configuration as object or JSON string', { 'event.poller.configuration': SAGECRM_DEFAULT }, { 'event.poller.configuration': JSON.stringify(SAGECRM_DEFAULT) }],
    [
      'resource values typed or as strings',
      { 'event.poller.configuration': { a: { url: '/x', idField: 'id', filterByUpdatedDate: false, filterByCurrentDate: true, pageSize: 20, pollDelay: 30, createdCheckTolerance: 2 } } },
      { 'event.poller.configuration': { a: { url: '/x', idField: 'id', filterByUpdatedDate: 'false', filterByCurrentDate: 'True', pageSize: '20', pollDelay: '30', createdCheckTolerance: '2.0' } } },
    ],
  ];
  for (const [name, a, b] of same) {
    test(`same instance either way: ${name}`, () => {
      assert.deepEqual(spec(a).configuration, spec(b).configuration);
      assert.deepEqual(settingsOf(a), settingsOf(b));
    });
  }

  test('unknown keys inside a resource are kept (and ignored by the poller)', () => {
    const s = spec({ 'event.poller.configuration': { a: { url: '/x', idField: 'id', note: 'mine', datesConfiguration: { comment: 'x' } } } });
    assert.deepEqual(JSON.parse(s.configuration['event.poller.configuration']!), { a: { url: '/x', idField: 'id', note: 'mine', datesConfiguration: { comment: 'x' } } });
  });

  test('names lose markup; defaults for name, tags and disabled', () => {
    const parsed = parseInstanceBody({ element: { key: 'http' }, configuration: { 'base.url': 'http://x' } });
    assert.ok(parsed.ok);
    assert.deepEqual([parsed.value.name, parsed.value.tags, parsed.value.disabled], ['http', [], false]);
    const named = parseInstanceBody({ element: { key: 'http' }, name: '<a href="x">My</a> instance', disabled: 'true' });
    assert.ok(named.ok);
    assert.equal(named.value.name, 'My instance');
    assert.equal(named.value.disabled, true);
  });

  test('toInstanceSpec refuses an unknown element even when called without the schema', () => {
    const r = toInstanceSpec({ element: { key: 'nosuch' }, configuration: {} } as Parameters<typeof toInstanceSpec>[0]);
    assert.deepEqual(r.ok ? [] : r.issues.map((i) => i.path), ['element.key']);
    assert.equal(r.ok, false);
  });

  test('providerData.code is kept for OAuth2 elements', () => {
    const parsed = parseInstanceBody({ element: { key: 'sageone' }, providerData: { code: 'abc' }, configuration: {} });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.providerCode, 'abc');
  });
});

describe('pollerSettings: defaults and values', () => {
  test('JSON numbers in exponent notation are stored as plain decimals, so the poller can read them back (fuzz: 1e21 was accepted, then unreadable)', () => {
    const cases: [number, string, number][] = [
      [1e21, '1000000000000000000000', MAX_INTERVAL_MINUTES * 60_000],
      [2.5e1, '25', 25 * 60_000],
      [5e-1, '0.5', 30_000],
    ];
    for (const [value, stored, ms] of cases) {
      const s = spec({ 'event.poller.refresh_interval': value, 'event.poller.configuration': { a: { url: '/x', idField: 'id' } } });
      assert.equal(s.configuration['event.poller.refresh_interval'], stored);
      assert.equal(pollerSettings(s.configuration).refreshIntervalMs, ms, String(value));
    }
    assert.ok(issuesOf(body({ 'event.poller.refresh_interval': 1e-7 })).some((i) => i.path.includes('refresh_interval')));
  });

  test('defaults of every resource key', () => {
    const s = settingsOf({ 'event.poller.configuration': { a: { url: '/x', idField: ' id ' } } });
    assert.deepEqual(s.resources['a'], {
      url: '/x',
      idField: 'id',
      filterByUpdatedDate: true,
      filterByCurrentDate: false,
      updated: undefined,
      created: undefined,
      createdCheckToleranceSec: 0,
      pageSize: 200,
      pollDelaySec: 0,
    } satisfies ResourceConfig);
    assert.equal(s.enabled, false);
    assert.equal(s.refreshIntervalMs, 15 * 60_000);
    assert.equal(s.sinceMs, undefined);
    assert.equal(s.signatureKey, undefined);
  });

  test('the seed element default (Sage CRM), dates and zones carried through', () => {
    const s = settingsOf({ 'event.poller.configuration': SAGECRM_DEFAULT });
    assert.deepEqual(s.resources['accounts']?.updated, { field: 'Comp_UpdatedDate', format: "yyyy-MM-dd'T'HH:mm:ss'Z'", timezone: 'GMT' });
    assert.deepEqual(s.resources['leads']?.created, { field: 'lead_createddate', format: "yyyy-MM-dd'T'HH:mm:ss'Z'", timezone: undefined });
  });

  test('every resource key set', () => {
    const s = settingsOf({
      'event.notification.enabled': 'true',
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
          },
          createdCheckTolerance: 2,
          pageSize: 10000,
          updatedDateTimezone: 'MST',
          pollDelay: 30,
        },
      },
    });
    assert.deepEqual(s.resources['contacts'], {
      url: "/hubs/crm/contacts?where=update_time >= '${gmtDate:yyyy-MM-dd HH:mm:ss}'",
      idField: 'user.id',
      filterByUpdatedDate: false,
      filterByCurrentDate: true,
      updated: { field: 'update_time', format: 'yyyy-MM-dd HH:mm:ss', timezone: 'America/Denver' },
      created: { field: 'add_time', format: 'milliseconds', timezone: '-6:00' },
      createdCheckToleranceSec: 2,
      pageSize: 10000,
      pollDelaySec: 30,
    });
    assert.equal(s.enabled, true);
    assert.equal(s.callbackUrl, CALLBACK);
    assert.equal(s.signatureKey, 'k');
  });

  const intervals: [value: unknown, ms: number][] = [
    ['15', 900_000],
    [1, 60_000],
    ['0.02', 1_200],
    [1 / 60, 1_000],
    ['0.0166667', 1_000],
    [999999999, MAX_INTERVAL_MINUTES * 60_000], // churros' "never": accepted, waits ten years
  ];
  for (const [value, ms] of intervals) {
    test(`refresh_interval ${JSON.stringify(value)} minutes → ${ms} ms`, () => {
      assert.equal(settingsOf({ 'event.poller.refresh_interval': value }).refreshIntervalMs, ms);
    });
  }

  const sinces: [string, string][] = [
    ['2024-01-31T00:00:00Z', '2024-01-31T00:00:00.000Z'],
    ['2024-01-31T00:00:00.250+01:00', '2024-01-30T23:00:00.250Z'],
    ['2024-01-31T00:00:00', '2024-01-31T00:00:00.000Z'], // no offset: UTC, whatever the server's zone
    ['2024-01-31T06:30', '2024-01-31T06:30:00.000Z'],
  ];
  for (const [since, iso] of sinces) {
    test(`event.poller.since ${since}`, () => {
      assert.equal(new Date(settingsOf({ 'event.poller.since': since }).sinceMs!).toISOString(), iso);
      assert.equal(new Date(parseIsoInstant(since)!).toISOString(), iso);
    });
  }
  test('parseIsoInstant refuses what is not an instant', () => {
    for (const s of ['2024-01-31', 'yesterday', '2024-02-30T00:00:00Z', '1706659200000', '']) assert.equal(parseIsoInstant(s), undefined, s);
  });
});

describe('legacy event.poller.urls', () => {
  const lines = [
    "accounts|/hubs/crm/accounts?where=LastModifiedDate>=${date}||LastModifiedDate|yyyy-MM-dd'T'HH:mm:ssZ||CreatedDate|yyyy-MM-dd'T'HH:mm:ssZ",
    "contacts|/hubs/crm/contacts?where=LastModifiedDate>=${date}||LastModifiedDate|yyyy-MM-dd'T'HH:mm:ssZ|EST|CreatedDate|yyyy-MM-dd'T'HH:mm:ssZ|EST",
  ].join('\n');
  test('poller lines define resources (id field: id)', () => {
    const s = settingsOf({ 'event.poller.urls': lines });
    assert.deepEqual(Object.keys(s.resources), ['accounts', 'contacts']);
    assert.deepEqual(s.resources['contacts'], {
      url: '/hubs/crm/contacts?where=LastModifiedDate>=${date}',
      idField: 'id',
      filterByUpdatedDate: true,
      filterByCurrentDate: false,
      updated: { field: 'LastModifiedDate', format: "yyyy-MM-dd'T'HH:mm:ssZ", timezone: 'EST' },
      created: { field: 'CreatedDate', format: "yyyy-MM-dd'T'HH:mm:ssZ", timezone: 'EST' },
      createdCheckToleranceSec: 0,
      pageSize: 200,
      pollDelaySec: 0,
    });
  });
  test('a list of names selects resources of the JSON configuration, in either separator', () => {
    for (const names of ['leads', 'leads\n', ' leads | ', 'leads,leads']) {
      assert.deepEqual(Object.keys(settingsOf({ 'event.poller.configuration': SAGECRM_DEFAULT, 'event.poller.urls': names }).resources), ['leads'], names);
    }
    assert.deepEqual(Object.keys(settingsOf({ 'event.poller.configuration': SAGECRM_DEFAULT, 'event.poller.urls': 'accounts\nleads' }).resources), ['accounts', 'leads']);
  });
  test('an empty value selects nothing away', () => {
    assert.deepEqual(Object.keys(settingsOf({ 'event.poller.configuration': SAGECRM_DEFAULT, 'event.poller.urls': '' }).resources), ['accounts', 'leads']);
  });
  test('path-like resource names are names, not URLs, when the configuration has them', () => {
    const configuration = { '/changed-messages': { url: '/hubs/general/changed-message', idField: 'id' }, contacts: { url: '/c', idField: 'id' } };
    const s = settingsOf({ 'event.poller.configuration': configuration, 'event.poller.urls': 'contacts|/changed-messages' });
    assert.deepEqual(Object.keys(s.resources).sort(), ['/changed-messages', 'contacts']);
  });
  test('poller lines and a JSON configuration together: both, the JSON one wins on a shared name', () => {
    const s = settingsOf({ 'event.poller.urls': lines, 'event.poller.configuration': { accounts: { url: '/json', idField: 'key' } } });
    assert.deepEqual(Object.keys(s.resources), ['accounts', 'contacts']);
    assert.equal(s.resources['accounts']?.url, '/json');
  });
  test('names without a JSON configuration are not checked here (the element default applies)', () => {
    assert.deepEqual(settingsOf({ 'event.poller.urls': 'contacts|leads' }).resources, {});
  });
  test('two-field lines (ShareFile, DocuSign)', () => {
    const s = settingsOf({ 'event.poller.urls': "documents|/hubs/documents/events/poll/documents?where=lastmodifieddate='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'" });
    assert.equal(s.resources['documents']?.updated, undefined);
    assert.equal(s.resources['documents']?.url, "/hubs/documents/events/poll/documents?where=lastmodifieddate='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'");
  });
});

describe('every error names its path', () => {
  const P = "configuration['event.poller.configuration']";
  const withResource = (resource: Record<string, unknown>, name = 'contacts') => body({ 'event.poller.configuration': { [name]: { url: '/x', idField: 'id', ...resource } } });
  const cases: [name: string, body: unknown, path: string, message?: RegExp][] = [
    ['unknown element', { element: { key: 'nosuch' } }, 'element.key', /unknown element 'nosuch'/],
    ['no element key', { element: {} }, 'element.key'],
    ['no element', {}, 'element'],
    ['refresh interval not a number', body({ 'event.poller.refresh_interval': 'soon' }), "configuration['event.poller.refresh_interval']", /expected a number/],
    ['refresh interval under a second', body({ 'event.poller.refresh_interval': 0.01 }), "configuration['event.poller.refresh_interval']", /at least 1 second/],
    ['refresh interval negative', body({ 'event.poller.refresh_interval': '-1' }), "configuration['event.poller.refresh_interval']"],
    ['enabled not a boolean', body({ 'event.notification.enabled': 'maybe' }), "configuration['event.notification.enabled']", /true or false/],
    ['enabled without a callback', body({ 'event.notification.enabled': true }), "configuration['event.notification.callback.url']", /required/],
    ['callback not a URL', body({ 'event.notification.callback.url': 'not a url' }), "configuration['event.notification.callback.url']"],
    ['callback not http', body({ 'event.notification.callback.url': 'ftp://x/y' }), "configuration['event.notification.callback.url']", /http/],
    ['base.url not a URL', body({ 'base.url': '/relative' }), "configuration['base.url']"],
    ['since not an instant', body({ 'event.poller.since': 'yesterday' }), "configuration['event.poller.since']", /ISO-8601/],
    ['vendor type', body({ 'event.vendor.type': 'push' }), "configuration['event.vendor.type']"],
    ['notification type', body({ 'event.notification.type': 'email' }), "configuration['event.notification.type']", /webhook/],
    ['an object for a plain key', body({ subdomain: { a: 1 } }), 'configuration.subdomain'],
    ['poller configuration not JSON', body({ 'event.poller.configuration': '{not json' }), P, /not valid JSON/],
    ['poller configuration an array', body({ 'event.poller.configuration': [1] }), P, /object of resources/],
    ['poller configuration JSON of a number', body({ 'event.poller.configuration': '5' }), P, /object of resources/],
    ['resource not an object', body({ 'event.poller.configuration': { contacts: 'x' } }), `${P}.contacts`],
    ['no url', body({ 'event.poller.configuration': { contacts: { idField: 'id' } } }), `${P}.contacts.url`],
    ['empty url', withResource({ url: ' ' }), `${P}.contacts.url`, /required/],
    ['unknown placeholder', withResource({ url: '/x?since=${yesterday}' }), `${P}.contacts.url`, /unknown placeholder/],
    ['unterminated placeholder', withResource({ url: "/x?since=${gmtDate:yyyy-MM-dd'T'HH" }), `${P}.contacts.url`, /unterminated/],
    ['bad zone in a URL', withResource({ url: '/x?since=${dateTimeZone:Mars/Base:HH:mm}' }), `${P}.contacts.url`, /time zone/],
    ['no idField', body({ 'event.poller.configuration': { contacts: { url: '/x' } } }), `${P}.contacts.idField`],
    ['filterByUpdatedDate yes', withResource({ filterByUpdatedDate: 'yes' }), `${P}.contacts.filterByUpdatedDate`, /true or false/],
    ['filterByCurrentDate 1', withResource({ filterByCurrentDate: 1 }), `${P}.contacts.filterByCurrentDate`],
    ['pageSize 0', withResource({ pageSize: 0 }), `${P}.contacts.pageSize`],
    ['pageSize 1.5', withResource({ pageSize: '1.5' }), `${P}.contacts.pageSize`, /whole number/],
    ['pageSize 10001', withResource({ pageSize: 10001 }), `${P}.contacts.pageSize`],
    ['pollDelay negative', withResource({ pollDelay: '-30' }), `${P}.contacts.pollDelay`],
    ['createdCheckTolerance text', withResource({ createdCheckTolerance: 'two' }), `${P}.contacts.createdCheckTolerance`, /expected a number/],
    ['bad date format letter', withResource({ datesConfiguration: { updatedDateField: 'u', updatedDateFormat: 'yyyy-MM-dd bb' } }), `${P}.contacts.datesConfiguration.updatedDateFormat`, /letter 'b'/],
    ['unknown zone', withResource({ datesConfiguration: { updatedDateField: 'u', updatedDateTimezone: '{TimeZone}' } }), `${P}.contacts.datesConfiguration.updatedDateTimezone`, /unknown time zone/],
    ['bad created zone', withResource({ datesConfiguration: { createdDateTimezone: 'Mars/Base' } }), `${P}.contacts.datesConfiguration.createdDateTimezone`],
    ['tolerance in datesConfiguration', withResource({ datesConfiguration: { createdCheckTolerance: -1 } }), `${P}.contacts.datesConfiguration.createdCheckTolerance`],
    ['resource-level zone', withResource({ updatedDateTimezone: 'Nowhere' }), `${P}.contacts.updatedDateTimezone`],
    ['a path-like resource name', withResource({ pageSize: -1 }, 'calendars/{calendarId}/changed-events'), `${P}['calendars/{calendarId}/changed-events'].pageSize`],
    ['a quote in a resource name', withResource({ idField: 5 }, "bob's"), `${P}['bob\\'s'].idField`],
    ['a reserved resource name', withResource({}, 'objectType'), `${P}.objectType`, /must not be one of/],
    ['an empty resource name', withResource({}, ''), `${P}['']`, /must not be empty/],
    ['a prototype key as a resource name', withResource({}, 'constructor'), `${P}.constructor`, /not allowed as a resource name/],
    ['__proto__ as a resource, in the JSON string', body({ 'event.poller.configuration': '{"__proto__": {"url": "/x", "idField": "id"}}' }), `${P}.__proto__`, /'__proto__' is not allowed as a resource name/],
    ['__proto__ as a resource, parsed from JSON', body({ 'event.poller.configuration': JSON.parse('{"__proto__": {"url": "/x", "idField": "id"}, "ok": {"url": "/ok", "idField": "id"}}') }), `${P}.__proto__`, /not allowed as a resource name/],
    ['__proto__ inside a resource, in the JSON string', body({ 'event.poller.configuration': '{"ok": {"url": "/ok", "idField": "id", "datesConfiguration": {"__proto__": {"x": 1}}}}' }), P, /the key '__proto__' is not allowed/],
    ['constructor inside a resource', withResource({ extra: { constructor: { prototype: 1 } } }), P, /the key 'constructor', 'prototype' is not allowed/],
    ['an object nested too deep', withResource({ extra: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }), P, /nested deeper than 32 levels/],
    ['JSON string nested too deep', body({ 'event.poller.configuration': `{"a": {"url": "/x", "idField": "id", "extra": ${'['.repeat(40)}${']'.repeat(40)}}}` }), P, /nested deeper than 32 levels/],
    ['__proto__ in a legacy line', body({ 'event.poller.urls': '__proto__|/ok' }), "configuration['event.poller.urls']", /'__proto__' is not allowed as a resource name/],
    ['names not in the configuration', body({ 'event.poller.configuration': SAGECRM_DEFAULT, 'event.poller.urls': 'accounts|deals' }), "configuration['event.poller.urls']", /'deals' is not a resource/],
    ['a legacy line without URL', body({ 'event.poller.urls': 'accounts|/hubs/crm/accounts\ncontacts' }), "configuration['event.poller.urls']", /line 2: expected/],
    ['a legacy line with a bad format', body({ 'event.poller.urls': 'accounts|/hubs/crm/accounts||Modified|yyyy-qq' }), "configuration['event.poller.urls']", /line 1 \(accounts\): datesConfiguration.updatedDateFormat: invalid date format/],
    ['a legacy line with a bad placeholder', body({ 'event.poller.urls': 'accounts|/hubs/crm/accounts?d=${nope}' }), "configuration['event.poller.urls']", /line 1 \(accounts\): url: .*unknown placeholder/],
    ['a legacy resource twice', body({ 'event.poller.urls': 'a|/x\na|/y' }), "configuration['event.poller.urls']", /already defined on line 1/],
    ['tags not strings', { element: { key: 'http' }, tags: [1] }, 'tags[0]'],
    ['a tag with a control character', { element: { key: 'http' }, tags: ['ok', 'a\u0000b'] }, 'tags[1]', /control characters/],
    ['a tag with a lone surrogate', { element: { key: 'http' }, tags: ['\ud800x'] }, 'tags[0]', /lone surrogate/],
    ['an empty tag', { element: { key: 'http' }, tags: [''] }, 'tags[0]', /not empty/],
  ];
  for (const [name, b, path, message] of cases) {
    test(`${name} → ${path}`, () => {
      const issues = issuesOf(b);
      const hit = issues.find((i) => i.path === path);
      assert.ok(hit, `expected an issue at ${path}, got ${JSON.stringify(issues)}`);
      if (message) assert.match(hit.message, message);
    });
  }

  test('all issues at once: an unknown element and a bad configuration', () => {
    const issues = issuesOf({ element: { key: 'nosuch' }, configuration: { 'event.poller.refresh_interval': 'soon' } });
    assert.deepEqual(issues.map((i) => i.path).sort(), ['configuration[\'event.poller.refresh_interval\']', 'element.key']);
  });

  const paths: [PropertyKey[], string][] = [
    [['configuration', 'event.poller.configuration', 'contacts', 'url'], "configuration['event.poller.configuration'].contacts.url"],
    [['element', 'key'], 'element.key'],
    [['tags', 0], 'tags[0]'],
    [['configuration', 'a b', "it's"], "configuration['a b']['it\\'s']"],
    [['configuration', '$key', '_x1'], 'configuration.$key._x1'],
    [['configuration', '1abc'], "configuration['1abc']"],
    [[], ''],
  ];
  for (const [path, text] of paths) test(`formatPath ${JSON.stringify(path)}`, () => assert.equal(formatPath(path), text));
});

describe('the instance as the API returns it', () => {
  const secrets: [key: string, secret: boolean][] = [
    ['password', true],
    ['event.notification.signature.key', true],
    ['event.notification.basic.password', true],
    ['oauth.api.key', true],
    ['oauth.api.secret', true],
    ['private.key', true],
    ['auth.token', true],
    ['auth.header.value', true],
    ['apim.subscription.key', true],
    ['signature.secret', true],
    ['oauth.user.token', true],
    ['public.key', false],
    ['username', false],
    ['oauth.token.url', false],
    ['oauth.token.refresh_url', false],
    ['oauth.token.revoke_url', false],
    ['auth.header.name', false],
    ['auth.type', false],
    ['event.notification.subscription.id', false],
    ['event.poller.configuration', false],
    ['base.url', false],
  ];
  for (const [key, secret] of secrets) test(`${key} is ${secret ? '' : 'not '}a secret`, () => assert.equal(isSecretKey(key), secret));

  test('maskConfiguration masks exactly the secrets and keeps everything else as is', () => {
    const c = { password: 'pw', username: 'u', 'event.poller.refresh_interval': '15' };
    assert.deepEqual(maskConfiguration(c), { password: MASK, username: 'u', 'event.poller.refresh_interval': '15' });
    assert.equal(c.password, 'pw', 'the input is not changed');
  });

  test('instanceView: every value a string, secrets masked, the poller configuration a JSON string', () => {
    const s = spec({
      'event.notification.enabled': true,
      'event.notification.callback.url': CALLBACK,
      'event.notification.signature.key': 'MySecretEventSignatureKey',
      'event.poller.refresh_interval': 15,
      'event.poller.configuration': SAGECRM_DEFAULT,
      username: 'admin',
      password: 'pw',
    });
    const view = instanceView({ id: 42, token: 't', createdDate: '2024-01-31T00:00:00.000Z', spec: s }) as { configuration: Record<string, unknown>; eventsEnabled: boolean; element: { key: string } };
    assert.ok(Object.values(view.configuration).every((v) => typeof v === 'string'));
    assert.equal(view.configuration['password'], MASK);
    assert.equal(view.configuration['event.notification.signature.key'], MASK);
    assert.equal(view.configuration['username'], 'admin');
    assert.equal(view.configuration['event.poller.refresh_interval'], '15');
    assert.deepEqual(JSON.parse(view.configuration['event.poller.configuration'] as string), SAGECRM_DEFAULT);
    assert.equal(view.eventsEnabled, true);
    assert.equal(view.element.key, 'sagecrm');
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random configurations are accepted when valid and rejected with a path when not.

const boolish = fc.oneof(fc.boolean(), fc.boolean().map(String), fc.boolean().map((b) => (b ? 'TRUE' : 'False')));
const asBool = (v: boolean | string): boolean => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true');
const numish = (arb: fc.Arbitrary<number>) => fc.oneof(arb, arb.map(String), arb.map((n) => ` ${n} `));
const FORMATS = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'yyyy-MM-dd HH:mm:ss', 'MM/dd/yyyy HH:mm:ss', 'milliseconds', "EEE MMM dd HH:mm:ss z yyyy", "yyyy-MM-dd'T'HH:mm:ssXXX'"];
const ZONES = ['GMT', 'UTC', 'EST', 'MST', 'PST', 'America/Denver', 'Europe/Berlin', '-6:00', '+05:30', 'GMT-08:00'];
const URLS = [
  "/hubs/crm/contacts?where=lastUpdated>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
  "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at'",
  "/contacts?since=${dateTimeZone:America/Denver:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}",
  '/contacts?since=${dateTimeZone:-6:00:yyyy-MM-dd HH:mm:ss}',
  '/x?created>${epoch:s}&y=${epoch}&z=${milliseconds}&w=${epoch:us}',
  "/hubs/crm/contacts?where=LastModifiedDate>=${date}",
  '/hubs/marketing/deals?where=mdate>=2017-02-28T16:11:29-06:00',
];
const resourceNameArb = fc.string({ minLength: 1, maxLength: 20 }).filter((n) => n.trim() !== '' && !['objectType', 'eventId', 'instance_id', '__proto__', 'constructor', 'prototype'].includes(n));

const datesArb = fc.record(
  {
    updatedDateField: fc.constantFrom('updatedAt', '_info.lastUpdated', "['Modified Time']"),
    updatedDateFormat: fc.constantFrom(...FORMATS),
    updatedDateTimezone: fc.constantFrom(...ZONES),
    createdDateField: fc.constantFrom('createdAt', '_info.dateEntered'),
    createdDateFormat: fc.constantFrom(...FORMATS),
    createdDateTimezone: fc.constantFrom(...ZONES),
  },
  { requiredKeys: [] },
);

const resourceArb = fc.record(
  {
    url: fc.constantFrom(...URLS),
    idField: fc.constantFrom('id', 'key', 'Key', 'user.id', "['Record Id']", '', ' '),
    filterByUpdatedDate: boolish,
    filterByCurrentDate: boolish,
    datesConfiguration: datesArb,
    createdCheckTolerance: numish(fc.integer({ min: 0, max: 3600 })),
    pageSize: numish(fc.integer({ min: 1, max: 10000 })),
    pollDelay: numish(fc.integer({ min: 0, max: 600 })),
  },
  { requiredKeys: ['url', 'idField'] },
);

const configArb = fc.record({
  resources: fc.dictionary(resourceNameArb, resourceArb, { minKeys: 1, maxKeys: 4 }),
  asString: fc.boolean(),
  interval: numish(fc.integer({ min: 1, max: 1440 })),
  enabled: boolish,
});

type ConfigInput = typeof configArb extends fc.Arbitrary<infer T> ? T : never;
type Mutation = { field: string; value: fc.Arbitrary<unknown>; inDates?: boolean };
const MUTATIONS: Mutation[] = [
  { field: 'url', value: fc.constantFrom('', '  ', '/x?${nope}', '/x?${gmtDate:yyyy', '/x?${dateTimeZone:Mars:HH}', 5, null) },
  { field: 'idField', value: fc.constantFrom(5, null, true, undefined) },
  { field: 'filterByUpdatedDate', value: fc.constantFrom('yes', 'no', 1, 0, '', 'truthy') },
  { field: 'filterByCurrentDate', value: fc.constantFrom('on', 2, 'f') },
  { field: 'pageSize', value: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10001 }), fc.constantFrom(1.5, '2.5', 'ten', '', '1e3')) },
  { field: 'pollDelay', value: fc.oneof(fc.integer({ max: -1 }), fc.constantFrom('-1', 'soon', '')) },
  { field: 'createdCheckTolerance', value: fc.oneof(fc.integer({ max: -1 }), fc.constantFrom('x', '--1')) },
  { field: 'updatedDateFormat', inDates: true, value: fc.constantFrom('yyyy-MM-dd bb', 'qqqq', 'yyyy-MM-dd P', 5) },
  { field: 'createdDateTimezone', inDates: true, value: fc.constantFrom('Mars/Olympus', '{TimeZone}', 'GMT+25', 7) },
  { field: 'updatedDateField', inDates: true, value: fc.constantFrom(1, false) },
];

function configurationOf(c: ConfigInput, resources: Record<string, unknown> = c.resources): Record<string, unknown> {
  return {
    'event.notification.enabled': c.enabled,
    'event.notification.callback.url': CALLBACK,
    'event.poller.refresh_interval': c.interval,
    'event.poller.configuration': c.asString ? JSON.stringify(resources) : resources,
  };
}

describe('property: the configuration schema', () => {
  test('accepts every valid random configuration and reads each value as written', () => {
    fc.assert(
      fc.property(configArb, (c) => {
        const parsed = parseInstanceBody(body(configurationOf(c), 'http'));
        assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
        const s = pollerSettings(parsed.value.configuration);
        assert.equal(s.enabled, asBool(c.enabled));
        assert.equal(s.refreshIntervalMs, Number(c.interval) * 60_000);
        assert.deepEqual(Object.keys(s.resources), Object.keys(c.resources));
        for (const [name, input] of Object.entries(c.resources)) {
          const r = s.resources[name]!;
          const dates = input.datesConfiguration ?? {};
          assert.equal(r.url, input.url);
          assert.equal(r.idField, input.idField.trim());
          assert.equal(r.filterByUpdatedDate, input.filterByUpdatedDate === undefined ? true : asBool(input.filterByUpdatedDate));
          assert.equal(r.filterByCurrentDate, input.filterByCurrentDate === undefined ? false : asBool(input.filterByCurrentDate));
          assert.equal(r.pageSize, input.pageSize === undefined ? 200 : Number(input.pageSize));
          assert.equal(r.pollDelaySec, input.pollDelay === undefined ? 0 : Number(input.pollDelay));
          assert.equal(r.createdCheckToleranceSec, input.createdCheckTolerance === undefined ? 0 : Number(input.createdCheckTolerance));
          assert.deepEqual(r.updated, dates.updatedDateField ? { field: dates.updatedDateField, format: dates.updatedDateFormat, timezone: dates.updatedDateTimezone } : undefined);
          assert.deepEqual(r.created, dates.createdDateField ? { field: dates.createdDateField, format: dates.createdDateFormat, timezone: dates.createdDateTimezone } : undefined);
        }
        // The stored strings validate again to the same settings (what the workflow does).
        const again = parseInstanceBody(body(parsed.value.configuration, 'http'));
        assert.ok(again.ok);
        assert.deepEqual(pollerSettings(again.value.configuration), s);
      }),
      { numRuns: 200 },
    );
  });

  test('rejects one bad value anywhere, with its exact path and no other', () => {
    const bad = fc.constantFrom(...MUTATIONS).chain((m) => m.value.map((value) => ({ m, value })));
    fc.assert(
      fc.property(configArb, fc.nat(), bad, (c, pick, { m, value }) => {
        const names = Object.keys(c.resources);
        const name = names[pick % names.length]!;
        const resources: Record<string, Record<string, unknown>> = structuredClone(c.resources);
        const target = resources[name]!;
        if (m.inDates) target['datesConfiguration'] = { ...(target['datesConfiguration'] as object), [m.field]: value };
        else if (value === undefined) delete target[m.field];
        else target[m.field] = value;
        const issues = issuesOf(body(configurationOf(c, resources), 'http'));
        const path = formatPath(['configuration', 'event.poller.configuration', name, ...(m.inDates ? ['datesConfiguration'] : []), m.field]);
        assert.ok(issues.length > 0);
        for (const issue of issues) assert.equal(issue.path, path, `${JSON.stringify(value)} for ${m.field}: ${JSON.stringify(issues)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('top-level keys: a bad value is reported at its key', () => {
    const cases = fc.constantFrom<[string, unknown]>(
      ['event.poller.refresh_interval', 0],
      ['event.poller.refresh_interval', '0.001'],
      ['event.poller.refresh_interval', 'soon'],
      ['event.poller.refresh_interval', true],
      ['event.notification.enabled', 'maybe'],
      ['event.notification.callback.url', 'mailto:a@b.c'],
      ['event.poller.since', '2024-13-01T00:00:00Z'],
      ['base.url', 'not a url'],
      ['event.notification.type', 'sms'],
      ['filter.response.nulls', 'sometimes'],
      ['event.poller.urls', 42],
    );
    fc.assert(
      fc.property(configArb, cases, (c, [key, value]) => {
        const issues = issuesOf(body({ ...configurationOf(c), [key]: value }, 'http'));
        assert.deepEqual([...new Set(issues.map((i) => i.path))], [formatPath(['configuration', key])]);
      }),
      { numRuns: 100 },
    );
  });
});

describe('deletion and settleDelay of a resource', () => {
  const resourceWith = (extra: Record<string, unknown>) => ({ url: '/contacts', idField: 'id', ...extra });
  const settingsOf = (extra: Record<string, unknown>) => {
    const parsed = parseInstanceBody({ element: { key: 'http' }, configuration: { 'event.poller.configuration': { contacts: resourceWith(extra) } } });
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
    return pollerSettings(parsed.value.configuration).resources['contacts']!;
  };
  const issueOf = (extra: Record<string, unknown>) => {
    const parsed = parseInstanceBody({ element: { key: 'http' }, configuration: { 'event.poller.configuration': { contacts: resourceWith(extra) } } });
    assert.ok(!parsed.ok, 'refused');
    return parsed.issues[0]!;
  };

  test('the three forms of deletion, normalized', () => {
    assert.deepEqual(settingsOf({ deletion: { field: 'deleted', value: true } }).deletion, { kind: 'flag', field: 'deleted', value: true });
    assert.deepEqual(settingsOf({ deletion: { url: '/contacts/deleted?since=${gmtDate:yyyy-MM-dd}', idField: 'id', dateField: 'deletedAt' } }).deletion, {
      kind: 'tombstones',
      url: '/contacts/deleted?since=${gmtDate:yyyy-MM-dd}',
      idField: 'id',
      date: { field: 'deletedAt', format: undefined, timezone: undefined },
    });
    assert.deepEqual(settingsOf({ deletion: { scan: { url: '/contacts?fields=id', idField: 'id', every: '60' } } }).deletion, { kind: 'scan', url: '/contacts?fields=id', idField: 'id', everyMs: 3_600_000 });
    assert.equal(settingsOf({ settleDelay: '300' }).settleDelaySec, 300);
    assert.equal(settingsOf({}).deletion, undefined);
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['a flag without a field', { deletion: { value: true } }, /expected \{ field, value \}/],
    ['two forms at once', { deletion: { field: 'x', value: 1, url: '/d', idField: 'id' } }, /expected/],
    ['a scan every 0 minutes', { deletion: { scan: { url: '/ids', idField: 'id', every: 0 } } }, /.*/],
    ['a tombstone URL with an unknown placeholder', { deletion: { url: '/d?since=${nope}', idField: 'id' } }, /.*/],
    ['settleDelay 0', { settleDelay: 0 }, /more than 0 seconds/],
  ];
  for (const [name, extra, message] of refused) {
    test(`${name}: a 400 at the resource's key`, () => {
      const issue = issueOf(extra);
      assert.match(issue.path, /^configuration\['event\.poller\.configuration'\]\.contacts\.(deletion|settleDelay)/);
      assert.match(issue.message, message);
    });
  }
});
