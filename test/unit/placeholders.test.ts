import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkPlaceholders, PlaceholderError, renderPlaceholders } from '../../core/placeholders';

const since = Date.parse('2017-06-12T14:09:00.258Z'); // 1497276540258

describe('renderPlaceholders: every form, each value encoded once', () => {
  const cases: [url: string, rendered: string][] = [
    // Cloud Elements' published poller configurations
    ["/hubs/crm/accounts?where=Comp_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
      "/hubs/crm/accounts?where=Comp_UpdatedDate>'2017-06-12T14%3A09%3A00Z'"],
    ["/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at'",
      "/hubs/finance/customers?where=lastModifiedDate>='2017-06-12T14%3A09%3A00Z' and attributes='created_at,updated_at'"],
    ["/hubs/crm/contacts?where=LastModifyDate>'${date:yyyy-MM-dd'T'HH:mm:ssXXX}'",
      "/hubs/crm/contacts?where=LastModifyDate>'2017-06-12T14%3A09%3A00Z'"],
    // Other documented formats
    ["${gmtDate:yyyy-MM-dd'T'HH:mm:ssXXX}", '2017-06-12T14%3A09%3A00Z'],
    ['${gmtDate:yyyy-MM-dd HH:mm:ss}', '2017-06-12%2014%3A09%3A00'],
    ['${gmtDate:MM/dd/yyyy HH:mm:ss}', '06%2F12%2F2017%2014%3A09%3A00'],
    ["${date:MM/dd/yyy'T'HH:mm:ssXXX}", '06%2F12%2F2017T14%3A09%3A00Z'],
    ["${gmtDate:yyyy-MM-dd'T'HH:mm:ssZ}", '2017-06-12T14%3A09%3A00%2B0000'],
    ["${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSSXXX}", '2017-06-12T14%3A09%3A00.258Z'],
    ['${gmtDate:EEE MMM dd HH:mm:ss z yyyy}', 'Mon%20Jun%2012%2014%3A09%3A00%20GMT%202017'],
    // dateTimeZone: IANA ids, abbreviations, offsets (which contain ':' like the format)
    ["${dateTimeZone:America/Denver:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}", '2017-06-12T08%3A09%3A00.258Z'],
    ["${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}", '2017-06-12T07%3A09%3A00.258'],
    ['${dateTimeZone:EST:yyyy-MM-dd HH:mm:ss}', '2017-06-12%2009%3A09%3A00'],
    ['${dateTimeZone:MST:yyyy-MM-dd HH:mm:ss}', '2017-06-12%2007%3A09%3A00'],
    ["${dateTimeZone:-6:00:yyyy-MM-dd'T'HH:mm:ss}", '2017-06-12T08%3A09%3A00'],
    ["${dateTimeZone:+6:00:yyyy-MM-dd'T'HH:mm:ssXXX}", '2017-06-12T20%3A09%3A00%2B06%3A00'],
    ['${dateTimeZone:+06:00:HH:mm}', '20%3A09'],
    ["${dateTimeZone:-8:00:yyyy-MM-dd'T'HH:mm:ssZ}", '2017-06-12T06%3A09%3A00-0800'],
    ['${dateTimeZone:GMT-08:00:HH:mm z}', '06%3A09%20GMT-08%3A00'],
    // z prints Java's names (Java 17: IST for Asia/Kolkata, not GMT+05:30; Irish Standard Time in a Dublin summer)
    ['${dateTimeZone:Asia/Kolkata:HH:mm z}', '19%3A39%20IST'],
    ['${dateTimeZone:Europe/Dublin:HH:mm zzzz}', '15%3A09%20Irish%20Standard%20Time'],
    ['${dateTimeZone:AGT:HH:mm z}', '11%3A09%20ART'],
    ['${dateTimeZone:-0800:HH:mm}', '06%3A09'],
    ["${datetimezone:America/Denver:yyyy-MM-dd'T'HH:mm:ssXXX}", '2017-06-12T08%3A09%3A00-06%3A00'],
    // Epochs and the bare legacy ${date}
    ['${epoch}', '1497276540258'],
    ['${epoch:ms}', '1497276540258'],
    ['${milliseconds}', '1497276540258'],
    ['${epoch:s}', '1497276540'],
    ['${Epoch:S}', '1497276540'],
    ['${epoch:us}', '1497276540258000'],
    ["lastmodifieddate='${date}'", "lastmodifieddate='2017-06-12T14%3A09%3A00Z'"],
    ['LastModifiedDate>=${date}', 'LastModifiedDate>=2017-06-12T14%3A09%3A00Z'],
    // Several placeholders; the rest of the URL is left exactly as written
    ["/hubs/x?where=a>'${gmtDate:yyyy-MM-dd}' and b<'${epoch:s}'&pageSize=5&q=%20${dateTimeZone:-6:00:HH:mm}",
      "/hubs/x?where=a>'2017-06-12' and b<'1497276540'&pageSize=5&q=%2008%3A09"],
    ['/hubs/crm/contacts?where=price>$5', '/hubs/crm/contacts?where=price>$5'],
    ['', ''],
  ];
  for (const [url, rendered] of cases) {
    test(url || '(empty)', () => assert.equal(renderPlaceholders(url, since), rendered));
  }

  test('decoding a rendered value gives the formatted date back (encoded exactly once)', () => {
    const out = renderPlaceholders("${dateTimeZone:+05:30:yyyy-MM-dd'T'HH:mm:ssXXX}", since);
    assert.equal(decodeURIComponent(out), '2017-06-12T19:39:00+05:30');
  });
});

describe('errors', () => {
  const bad: [url: string, placeholder: string, message: RegExp][] = [
    ['/x?where=${foo}', '${foo}', /unknown placeholder "foo"/],
    ['/x?where=${lastPoll:yyyy}', '${lastPoll:yyyy}', /unknown placeholder "lastpoll"/],
    ['/x?where=${dateTimeZone:{TimeZone}:yyyy-MM-dd HH:mm:ss}', '${dateTimeZone:{TimeZone}', /expected \$\{dateTimeZone:ZONE:FORMAT\}/],
    ['/x?where=${dateTimeZone:Mars/Olympus:yyyy}', '${dateTimeZone:Mars/Olympus:yyyy}', /unknown time zone/],
    ['/x?where=${dateTimeZone:PST}', '${dateTimeZone:PST}', /expected/],
    ['/x?where=${dateTimeZone:-6:00}', '${dateTimeZone:-6:00}', /expected/],
    ['/x?where=${dateTimeZone:PST:}', '${dateTimeZone:PST:}', /missing date format/],
    ['/x?where=${gmtDate:YYYY-MM-dd}', '${gmtDate:YYYY-MM-dd}', /'Y'/],
    ['/x?where=${gmtDate}', '${gmtDate}', /missing date format/],
    ['/x?where=${date:}', '${date:}', /missing date format/],
    ['/x?where=${epoch:ns}', '${epoch:ns}', /ms, s or us/],
    ['/x?where=${milliseconds:x}', '${milliseconds:x}', /takes no format/],
    ["/x?where=${gmtDate:yyyy-MM-dd'T'HH:mm", "${gmtDate:yyyy-MM-dd'T'HH:mm", /unterminated/],
  ];
  for (const [url, placeholder, message] of bad) {
    test(url, () => {
      assert.throws(() => renderPlaceholders(url, since), (e: unknown) => {
        assert.ok(e instanceof PlaceholderError);
        assert.equal(e.placeholder, placeholder);
        assert.match(e.message, message);
        return true;
      });
      const errors = checkPlaceholders(url);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, message);
    });
  }
});

describe('checkPlaceholders', () => {
  test('valid URLs give no messages', () => {
    for (const url of [
      "/hubs/crm/accounts?where=Comp_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
      "/x?a=${dateTimeZone:-6:00:yyyy-MM-dd'T'HH:mm:ss}&b=${epoch:us}&c=${date}",
      '/hubs/crm/contacts',
    ]) assert.deepEqual(checkPlaceholders(url), []);
  });
  test('every bad placeholder is reported, naming it, in order', () => {
    assert.deepEqual(checkPlaceholders("/x?a=${gmtDate:yyyy}&b=${nope}&c=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.fff}&d=${epoch:ns}"), [
      '${nope}: unknown placeholder "nope" (expected gmtDate, date, dateTimeZone, epoch or milliseconds)',
      "${gmtDate:yyyy-MM-dd'T'HH:mm:ss.fff}: unsupported date pattern letter 'f' in \"yyyy-MM-dd'T'HH:mm:ss.fff\"",
      '${epoch:ns}: epoch unit must be ms, s or us',
    ]);
  });
});
