import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withElementDefaults } from '../../api/routes/instances';
import { elementAdapter } from '../../elements/registry';

test('empty resource objects take the element default (the Maximizer seed selects resources this way)', () => {
  const defaults = elementAdapter('maximizer')!.definition.defaultPollerConfiguration;
  const body = { element: { key: 'maximizer' }, configuration: { 'event.poller.configuration': { opportunities: {}, contacts: { url: '/hubs/crm/contacts', idField: 'Key' } } } };
  const filled = withElementDefaults(body) as typeof body;
  assert.deepEqual(filled.configuration['event.poller.configuration'].opportunities, defaults['opportunities']);
  assert.deepEqual(filled.configuration['event.poller.configuration'].contacts, { url: '/hubs/crm/contacts', idField: 'Key' });
});

test('a JSON-string poller configuration is filled too; unknown elements and resources are left for validation', () => {
  const asString = withElementDefaults({ element: { key: 'sagecrm' }, configuration: { 'event.poller.configuration': '{"accounts":{}}' } }) as any;
  assert.equal(typeof asString.configuration['event.poller.configuration'].accounts.url, 'string');
  const unknownResource = { element: { key: 'sagecrm' }, configuration: { 'event.poller.configuration': { nosuch: {} } } };
  assert.deepEqual(withElementDefaults(unknownResource), unknownResource);
  const unknownElement = { element: { key: 'nosuch' }, configuration: { 'event.poller.configuration': { a: {} } } };
  assert.equal(withElementDefaults(unknownElement), unknownElement);
});
