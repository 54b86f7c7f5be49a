/**
 * `npm run example`: the contacts API (something to poll) and a webhook receiver (somewhere to
 * deliver), both on 127.0.0.1. Ctrl-C stops both.
 *
 *   EXAMPLE_API_PORT          contacts API port (4000)
 *   EXAMPLE_RECEIVER_PORT     receiver port (5000)
 *   EXAMPLE_SIGNATURE_KEY     the instance's event.notification.signature.key; unset: signatures are not checked
 *   EXAMPLE_RECEIVER_STATUS   HTTP status the receiver answers with (200); e.g. 503 to watch retries
 */
import type { Server } from 'node:http';
import { startContactsApi } from './contacts-api';
import { startReceiver } from './receiver';

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
}

const apiPort = port('EXAMPLE_API_PORT', 4000);
const receiverPort = port('EXAMPLE_RECEIVER_PORT', 5000);
const signatureKey = process.env.EXAMPLE_SIGNATURE_KEY || undefined;
const status = Number(process.env.EXAMPLE_RECEIVER_STATUS || 200);

const servers: Server[] = [await startContactsApi(apiPort), await startReceiver({ port: receiverPort, signatureKey, status })];

console.log(`contacts API  http://127.0.0.1:${apiPort}/contacts
receiver      http://127.0.0.1:${receiverPort}/events   (signatures: ${signatureKey ? 'verified with EXAMPLE_SIGNATURE_KEY' : 'not checked; set EXAMPLE_SIGNATURE_KEY'}; answers ${status})
Ctrl-C stops both.`);

function stop(): void {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  console.log('example: stopped');
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
