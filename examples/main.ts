/**
 * `npm run example`: the contacts API (something to poll) and a webhook receiver (somewhere to deliver), both on
 * 127.0.0.1. The receiver can be stopped and started while the contacts API runs on: `r` and Enter in this terminal,
 * or `POST /receiver/stop` and `POST /receiver/start` on the contacts API. The contacts are kept in the data dir, so
 * Ctrl-C and a new start lose nothing and never give an id twice. Ctrl-C stops both.
 *
 *   EXAMPLE_API_PORT          contacts API port (4000)
 *   EXAMPLE_RECEIVER_PORT     receiver port (5000)
 *   EXAMPLE_SIGNATURE_KEY     the instance's event.notification.signature.key; unset: signatures are not checked
 *   EXAMPLE_RECEIVER_STATUS   HTTP status the receiver answers with (200); e.g. 503 to watch retries
 *   POLLSTER_DATA_DIR         where the contacts are kept, as example-contacts.json (.data, as for npm start)
 */
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startContactsApi } from './contacts-api';
import { ContactsStore } from './contacts-store';
import { ReceiverSwitch } from './receiver-switch';

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
}

const apiPort = port('EXAMPLE_API_PORT', 4000);
const receiverPort = port('EXAMPLE_RECEIVER_PORT', 5000);
const signatureKey = process.env.EXAMPLE_SIGNATURE_KEY || undefined;
const status = Number(process.env.EXAMPLE_RECEIVER_STATUS || 200);
const dataFile = join(resolve(process.env.POLLSTER_DATA_DIR || '.data'), 'example-contacts.json');

const store = new ContactsStore(dataFile);
const receiver = new ReceiverSwitch({ port: receiverPort, signatureKey, status }, (line) => console.log(`receiver      ${line}`));
await receiver.start(false);
const api = await startContactsApi({ port: apiPort, store, extra: receiver.routes() });

const shownFile = relative(process.cwd(), dataFile).startsWith('..') ? dataFile : relative(process.cwd(), dataFile);
console.log(`contacts API  http://127.0.0.1:${apiPort}/contacts   (${store.size} contacts, kept in ${shownFile})
receiver      ${receiver.url}   (signatures: ${signatureKey ? 'verified with EXAMPLE_SIGNATURE_KEY' : 'not checked; set EXAMPLE_SIGNATURE_KEY'}; answers ${status})
Type r and Enter to stop or start the receiver (or POST http://127.0.0.1:${apiPort}/receiver/stop, /receiver/start). Ctrl-C stops both.`);

// Lines, not keys: the terminal stays in its normal mode, so Ctrl-C is still Ctrl-C.
const input = createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => {
  if (line.trim().toLowerCase() === 'r') void receiver.toggle();
  else if (line.trim() !== '') console.log('example       r and Enter stops or starts the receiver; Ctrl-C stops both');
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  input.close();
  api.closeAllConnections();
  await Promise.all([receiver.shutdown(), new Promise((r) => api.close(r))]);
  console.log('example: stopped');
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
