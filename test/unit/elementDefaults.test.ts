import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withElementDefaults } from '../../api/instances/defaults';
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

test('an instance without a poller configuration takes the element default; http has none to give', () => {
  const filled = withElementDefaults({ element: { key: 'sageone' }, configuration: { 'event.notification.enabled': true } }) as any;
  assert.deepEqual(filled.configuration['event.poller.configuration'], elementAdapter('sageone')!.definition.defaultPollerConfiguration);
  const http = { element: { key: 'http' }, configuration: { 'event.notification.enabled': true } };
  assert.equal(withElementDefaults(http), http);
});
