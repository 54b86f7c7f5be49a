import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LEGACY_ID_FIELD, parseLegacyPollerUrls } from '../../core/legacyUrls';

describe('parseLegacyPollerUrls: poller lines (docs/poller-configuration.md)', () => {
  test('the archived example: nine fields, xPath empty, zones left out', () => {
    const value = [
      "accounts|/hubs/crm/accounts?where=LastModifiedDate>=${date}||LastModifiedDate|yyyy-MM-dd'T'HH:mm:ssZ||CreatedDate|yyyy-MM-dd'T'HH:mm:ssZ",
      "contacts|/hubs/crm/contacts?where=LastModifiedDate>=${date}||LastModifiedDate|yyyy-MM-dd'T'HH:mm:ssZ||CreatedDate|yyyy-MM-dd'T'HH:mm:ssZ",
    ].join('\n');
    const r = parseLegacyPollerUrls(value, undefined);
    assert.deepEqual(r.errors, []);
    assert.equal(r.names, undefined);
    assert.deepEqual(r.lines, { accounts: 1, contacts: 2 });
    assert.deepEqual(r.resources['accounts'], {
      url: '/hubs/crm/accounts?where=LastModifiedDate>=${date}',
      idField: LEGACY_ID_FIELD,
      datesConfiguration: {
        updatedDateField: 'LastModifiedDate',
        updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ssZ",
        createdDateField: 'CreatedDate',
        createdDateFormat: "yyyy-MM-dd'T'HH:mm:ssZ",
      },
    });
  });

  test('every field, with zones, CRLF and blank lines, spaces trimmed', () => {
    const value = '\r\n  leads | https://api.example.com/leads?since=${epoch} | //lead | modified | milliseconds | EST | created | yyyy-MM-dd | America/Denver \r\n\r\n';
    const r = parseLegacyPollerUrls(value);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.lines, { leads: 2 });
    assert.deepEqual(r.resources['leads'], {
      url: 'https://api.example.com/leads?since=${epoch}',
      idField: 'id',
      datesConfiguration: {
        updatedDateField: 'modified',
        updatedDateFormat: 'milliseconds',
        updatedDateTimezone: 'EST',
        createdDateField: 'created',
        createdDateFormat: 'yyyy-MM-dd',
        createdDateTimezone: 'America/Denver',
      },
    });
  });

  test('two-field lines have no dates configuration', () => {
    const r = parseLegacyPollerUrls("envelopes|/hubs/esignature/envelopes?where=from_date='${gmtDate:yyyy-MM-dd}'");
    assert.deepEqual(r.resources, { envelopes: { url: "/hubs/esignature/envelopes?where=from_date='${gmtDate:yyyy-MM-dd}'", idField: 'id' } });
  });

  const errors: [name: string, value: string, error: RegExp][] = [
    ['a line without a URL among poller lines', 'a|/x\nb|nourl', /^line 2: expected '<resource>\|<url>\|/],
    ['a line without a name', '|/x\nb|/y', /^line 1: expected/],
    ['more than nine fields', 'a|/x|1|2|3|4|5|6|7|8', /^line 1 \(a\): 10 fields, at most 9$/],
    ['a resource twice', 'a|/x\n\na|/y', /^line 3: resource 'a' is already defined on line 1$/],
  ];
  for (const [name, value, error] of errors) {
    test(name, () => {
      const r = parseLegacyPollerUrls(value);
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      assert.match(r.errors[0]!, error);
    });
  }
});

describe('parseLegacyPollerUrls: a list of resource names (churros provisioner)', () => {
  const configured = ['contacts', 'leads', 'accounts', '/changed-messages', 'calendars/{id}/events'];
  const cases: [value: string, names: string[]][] = [
    ['contacts|leads', ['contacts', 'leads']],
    ['contacts\nleads', ['contacts', 'leads']],
    ['contacts,leads', ['contacts', 'leads']],
    [' contacts | leads |', ['contacts', 'leads']],
    ['leads|leads', ['leads']],
    ['contacts|/changed-messages', ['contacts', '/changed-messages']], // a path-like name, not a URL
    ['calendars/{id}/events', ['calendars/{id}/events']],
  ];
  for (const [value, names] of cases) {
    test(JSON.stringify(value), () => {
      const r = parseLegacyPollerUrls(value, configured);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.names, names);
      assert.deepEqual(r.resources, {});
    });
  }
  test('an unknown name is an error when the configuration is known', () => {
    assert.deepEqual(parseLegacyPollerUrls('contacts|deals', configured).errors, ["'deals' is not a resource of event.poller.configuration"]);
  });
  test('names are not checked when the instance has no configuration of its own', () => {
    const r = parseLegacyPollerUrls('contacts|deals', undefined);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.names, ['contacts', 'deals']);
  });
  test('empty or blank: no filter at all', () => {
    for (const value of ['', '  ', '\n|\n,']) assert.deepEqual(parseLegacyPollerUrls(value, configured), { resources: {}, lines: {}, errors: [] });
  });
  test('a URL in the second field with an unknown first name: poller lines', () => {
    const r = parseLegacyPollerUrls('deals|/hubs/crm/deals', configured);
    assert.deepEqual(Object.keys(r.resources), ['deals']);
    assert.equal(r.names, undefined);
  });

  test('property: any list of configured names, in any separator, selects exactly those names', () => {
    const name = fc.stringMatching(/^[A-Za-z][\w-]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.constantFrom('|', '\n', ',', ' | ', '\r\n'), (names, sep) => {
        const r = parseLegacyPollerUrls(names.join(sep), names);
        assert.deepEqual(r.errors, []);
        assert.deepEqual(r.names, names);
      }),
    );
  });
  test('property: generated poller lines parse back field by field', () => {
    const field = fc.stringMatching(/^[A-Za-z][\w.:' -]{0,12}[\w']$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z]{1,8}$/), path: fc.stringMatching(/^\/[a-z/?=&]{0,15}$/), dates: fc.array(field, { minLength: 6, maxLength: 6 }) }), { selector: (l) => l.name, minLength: 1, maxLength: 5 }),
        (lines) => {
          const r = parseLegacyPollerUrls(lines.map((l) => [l.name, l.path, '', ...l.dates].join('|')).join('\n'));
          assert.deepEqual(r.errors, []);
          for (const [i, l] of lines.entries()) {
            const [uf, ufmt, uz, cf, cfmt, cz] = l.dates;
            assert.deepEqual(r.resources[l.name], {
              url: l.path,
              idField: 'id',
              datesConfiguration: { updatedDateField: uf, updatedDateFormat: ufmt, updatedDateTimezone: uz, createdDateField: cf, createdDateFormat: cfmt, createdDateTimezone: cz },
            });
            assert.equal(r.lines[l.name], i + 1);
          }
        },
      ),
    );
  });
});
