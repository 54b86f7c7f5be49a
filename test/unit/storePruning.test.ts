import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { openSqliteDb } from '../../store/sqliteDb';
import { openSqlStore } from '../../store/sqlStore';
import { schedulePrune } from '../../store/pruning';
import { PRUNE_INTERVAL_MS, RETENTION } from '../../store/retention';
import { newCodec, notification } from '../support/storeFixtures';

/** Lets the store's promise chains run (the timers are mocked, the event loop is not). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (await condition()) return;
    await turn();
  }
  assert.fail('condition never held');
}

test('schedulePrune: prunes every interval until stopped, and reports a failed prune', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pollster-prune-'));
  const store = await openSqlStore(openSqliteDb(join(dir, 'pollster.sqlite')), newCodec().codec);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const expired = () => notification({ objectIds: [`old-${Math.random()}`], createdAtMs: Date.now() - RETENTION.notificationMaxAgeMs - 60_000 });
  const logged = async () => (await store.notifications({ limit: 10 })).length;
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const errors: unknown[] = [];

  await store.recordNotifications([expired()]);
  const stop = schedulePrune(store, (err) => errors.push(err));
  mock.timers.tick(PRUNE_INTERVAL_MS - 1);
  for (let i = 0; i < 100; i++) await turn();
  assert.equal(await logged(), 1, 'not before the interval');
  mock.timers.tick(1);
  await until(async () => (await logged()) === 0);

  stop();
  await store.recordNotifications([expired()]);
  mock.timers.tick(PRUNE_INTERVAL_MS * 3);
  for (let i = 0; i < 100; i++) await turn();
  assert.equal(await logged(), 1, 'stopped');

  const again = schedulePrune(store, (err) => errors.push(err));
  await store.close();
  mock.timers.tick(PRUNE_INTERVAL_MS);
  await until(async () => errors.length > 0);
  again();
  assert.match(String(errors[0]), /not open|closed/i);
});
