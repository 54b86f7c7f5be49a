// The console's wording of provider errors and its chart time labels (console/errorParts.js, console/chartTicks.js:
// plain browser JavaScript run here in Node): what happened and what to check first, the request it names apart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

// Local time is the browser's: a zone with a half-hour offset, so hours and minutes both depend on it.
process.env.TZ = 'Asia/Kolkata';

/** The console's modules are untyped browser files: loaded by URL and typed here. */
const { splitRequest, withoutRequest } = (await import(new URL('../../console/errorParts.js', import.meta.url).href)) as {
  splitRequest(text: string): { what: string; request: string; hint: string } | null;
  withoutRequest(text: string): string;
};
const { timeTickLabels } = (await import(new URL('../../console/chartTicks.js', import.meta.url).href)) as {
  timeTickLabels(ticks: number[], incrSeconds: number): string[];
};

describe('console: a provider error taken apart', () => {
  const cases: { text: string; parts: ReturnType<typeof splitRequest>; brief: string }[] = [
    {
      text: 'ProviderUnavailable: request failed: getaddrinfo ENOTFOUND crm.nowhere.invalid (GET https://crm.nowhere.invalid/sdata/-/Company?where=a%20gt%20b&count=200); the host crm.nowhere.invalid does not resolve: check it in base.url (or the subdomain)',
      parts: {
        what: 'ProviderUnavailable: request failed: getaddrinfo ENOTFOUND crm.nowhere.invalid',
        request: 'GET https://crm.nowhere.invalid/sdata/-/Company?where=a%20gt%20b&count=200',
        hint: 'the host crm.nowhere.invalid does not resolve: check it in base.url (or the subdomain)',
      },
      brief: 'ProviderUnavailable: request failed: getaddrinfo ENOTFOUND crm.nowhere.invalid; the host crm.nowhere.invalid does not resolve: check it in base.url (or the subdomain)',
    },
    {
      text: 'provider answered 401 (POST https://api.example.com/oauth/token?api_key=***); the provider refused the credentials: check them',
      parts: { what: 'provider answered 401', request: 'POST https://api.example.com/oauth/token?api_key=***', hint: 'the provider refused the credentials: check them' },
      brief: 'provider answered 401; the provider refused the credentials: check them',
    },
    {
      // A request and no hint.
      text: 'provider answered 500 (GET http://127.0.0.1:4000/contacts)',
      parts: { what: 'provider answered 500', request: 'GET http://127.0.0.1:4000/contacts', hint: '' },
      brief: 'provider answered 500',
    },
    // No request named: as it is. A parenthesis that is not a request stays in the text.
    { text: 'deliveries to http://127.0.0.1:5000/hook are being retried: callback answered 503', parts: null, brief: 'deliveries to http://127.0.0.1:5000/hook are being retried: callback answered 503' },
    { text: 'the provider refused the credentials: 401 (check them, then save the instance again)', parts: null, brief: 'the provider refused the credentials: 401 (check them, then save the instance again)' },
    { text: '2 record(s) with a missing id or an unreadable date in the last poll', parts: null, brief: '2 record(s) with a missing id or an unreadable date in the last poll' },
  ];
  for (const { text, parts, brief } of cases) {
    test(text.slice(0, 70), () => {
      assert.deepEqual(splitRequest(text), parts);
      assert.equal(withoutRequest(text), brief);
    });
  }

  test('taken apart and put together again, nothing is lost', () => {
    const word = fc.stringMatching(/^[a-z0-9:;,.' ]{1,40}$/);
    const url = fc.webUrl().filter((u) => !/\s/.test(u));
    fc.assert(
      fc.property(word, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), url, fc.option(word, { nil: undefined }), (what, method, u, hint) => {
        const text = `${what} (${method} ${u})${hint !== undefined ? `; ${hint}` : ''}`;
        const parts = splitRequest(text);
        assert.ok(parts, text);
        assert.equal(`${parts.what} (${parts.request})${parts.hint ? `; ${parts.hint}` : ''}`, text);
        assert.equal(parts.request, `${method} ${u}`);
        assert.ok(!withoutRequest(text).includes(u), 'the brief form leaves the URL out');
      }),
    );
  });
});

describe('console: chart time labels', () => {
  // 2026-12-06 22:53:44 UTC is 2026-12-07 04:23:44 in Kolkata (UTC+05:30).
  const at = Date.UTC(2026, 11, 6, 22, 53, 44) / 1000;
  const cases: [string, number[], number, string[]][] = [
    ['ticks seconds apart: with seconds', [at, at + 15], 15, ['04:23:44', '04:23:59']],
    ['ticks a minute apart: hours and minutes', [at, at + 60], 60, ['04:23', '04:24']],
    ['ticks hours apart: hours and minutes', [at, at + 3600 * 3], 3600, ['04:23', '07:23']],
    ['ticks a day apart: the date', [at, at + 86_400], 86_400, ['2026-12-07', '2026-12-08']],
    ['no ticks', [], 60, []],
  ];
  for (const [name, ticks, incr, labels] of cases) {
    test(name, () => assert.deepEqual(timeTickLabels(ticks, incr), labels));
  }
});
