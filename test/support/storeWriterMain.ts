/**
 * A second process on the store (test/unit/store.sqlite.test.ts): opens it from the environment, says
 * `ready`, logs `<count>` notifications for objects `<prefix>-<n>` one transaction each, and exits.
 */
import { openStore } from '../../store/open';
import { notification } from './storeFixtures';

const [prefix = 'child', count = '100'] = process.argv.slice(2);
const store = await openStore(process.env);
process.stdout.write('ready\n');
for (let i = 0; i < Number(count); i++) await store.recordNotifications([notification({ objectIds: [`${prefix}-${i}`] })]);
await store.close();
