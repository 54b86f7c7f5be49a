// Hub URL parsing shared by the vendor adapters: what reaches them after placeholder rendering.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlaceholders } from '../../core/placeholders';
import { formatCeql, parseCeql } from '../../elements/ceql';
import { decodeQueryValue, filterLocally, parseHubUrl } from '../../elements/hub';
import { ProviderError } from '../../elements/providerError';

const at = Date.UTC(2024, 0, 15, 12, 0, 0);

describe('hub URLs', () => {
  test('rendered seed URLs parse into resource and CEQL', () => {
    const url = renderPlaceholders("/hubs/crm/accounts?where=Comp_UpdatedDate>'${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'", at);
    const r = parseHubUrl(url, 'crm');
    assert.equal(r.resource, 'accounts');
    assert.equal(formatCeql(r.where!), "Comp_UpdatedDate > '2024-01-15T12:00:00Z'");
  });

  test("the Sage One seed's missing closing quote is closed; other CEQL errors stand", () => {
    const url = renderPlaceholders("/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at", at);
    assert.equal(formatCeql(parseHubUrl(url, 'finance').where!), "lastModifiedDate >= '2024-01-15T12:00:00Z' AND attributes = 'created_at,updated_at'");
    assert.throws(() => parseHubUrl("/hubs/crm/a?where=name='x' and", 'crm'), (e: unknown) => e instanceof ProviderError && e.kind === 'client' && /CEQL where/.test(e.message));
  });

  test('raw LIKE wildcards survive next to encoded values; + stays a plus', () => {
    assert.equal(decodeQueryValue("name like 'A%' and d>'2024-01-15T12%3A00%3A00+02:00'"), "name like 'A%' and d>'2024-01-15T12:00:00+02:00'");
    assert.equal(decodeQueryValue('a%20b'), 'a b');
  });

  test('wrong hub, nested paths and unknown parameters are refused, paging parameters ignored', () => {
    assert.throws(() => parseHubUrl('/hubs/finance/accounts', 'crm'), /crm hub/);
    assert.throws(() => parseHubUrl('/hubs/crm/accounts/1/contacts', 'crm'), /expected \/hubs\/crm\/<resource>/);
    assert.throws(() => parseHubUrl('/hubs/crm/accounts?fields=a,b', 'crm'), /'fields' is not supported/);
    assert.equal(parseHubUrl('/hubs/crm/accounts?pageSize=5&nextPage=abc', 'crm').where, undefined);
    assert.equal(parseHubUrl('/accounts', 'crm').resource, 'accounts');
  });

  test('local filtering keeps what every condition accepts, and names the first condition each dropped record failed', () => {
    const records = [
      { id: 1, Status: 'Open', Owner: 'ada' },
      { id: 2, Status: 'Closed', Owner: 'ada' },
      { id: 3, Status: 'Open', Owner: 'bob' },
    ];
    const local = [parseCeql("Status = 'Open'"), parseCeql("Owner in ('ada')")];
    const dropped: [unknown, string][] = [];
    const kept = filterLocally(records, local, (r, condition) => dropped.push([(r as { id: number }).id, condition]));
    assert.deepEqual(kept.map((r) => (r as { id: number }).id), [1]);
    assert.deepEqual(dropped, [[2, "Status = 'Open'"], [3, "Owner IN ('ada')"]]);
    assert.deepEqual(filterLocally(records, local), kept, 'the same records without a listener');
    assert.equal(filterLocally(records, []), records);
  });
});
