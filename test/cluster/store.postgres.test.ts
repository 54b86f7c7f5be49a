/**
 * The store on PostgreSQL: the conformance suite, each test in a schema of its own, several store
 * objects (pools) on one schema as several machines' processes would be. The database comes from
 * POLLSTER_TEST_DATABASE_URL, else this machine's server (test/support/storePostgres.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../store/open';
import { storeConformance } from '../support/storeConformance';
import { newCodec, notification } from '../support/storeFixtures';
import { postgresPlace } from '../support/storePostgres';

storeConformance('PostgreSQL', postgresPlace);

test('openStore: POLLSTER_DATABASE_URL opens PostgreSQL, and says where without the password', async () => {
  const place = await postgresPlace();
  const { key } = newCodec();
  const url = new URL(place.url);
  const store = await openStore({ POLLSTER_DATABASE_URL: place.url, POLLSTER_ENCRYPTION_KEY: key.toString('base64'), POLLSTER_DATA_DIR: '/nonexistent' });
  try {
    assert.equal(store.location, `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`);
    assert.ok(url.password !== '' && !store.location.includes(url.password), 'no password in the location');
    const entry = notification({ objectIds: ['1'] });
    await store.recordNotifications([entry]);
    assert.deepEqual(await place.sql('SELECT id FROM notifications'), [{ id: entry.id }]);
  } finally {
    await store.close();
    await place.dispose();
  }
});
