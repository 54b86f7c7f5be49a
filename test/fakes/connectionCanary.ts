/**
 * A server that counts the TCP connections it accepts, on every loopback address at once ('::' is dual-stack: it
 * answers 127.0.0.1, any 127/8 address, ::1 and the IPv4-mapped forms). Requests that the address policy refuses
 * must never show up here: the count is taken at the socket, not from what the client says it did.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectionCanary {
  port: number;
  /** False when the host has no IPv6: the `[…]` forms can then be refused but never reach the canary anyway. */
  ipv6: boolean;
  /** Connections accepted so far, and by whom (the peer address). */
  connections(): { count: number; peers: string[] };
  close(): Promise<void>;
}

function listen(server: Server, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startConnectionCanary(): Promise<ConnectionCanary> {
  const peers: string[] = [];
  // Whatever reaches it gets an empty page and a token, so a connection is never mistaken for a failure before it.
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(req.method === 'POST' ? '{"access_token":"canary","expires_in":3600}' : '{"items":[]}');
  });
  server.on('connection', (socket) => peers.push(socket.remoteAddress ?? '?'));
  let ipv6 = true;
  try {
    await listen(server, '::');
  } catch {
    ipv6 = false;
    await listen(server, '127.0.0.1');
  }
  return {
    port: (server.address() as AddressInfo).port,
    ipv6,
    connections: () => ({ count: peers.length, peers: [...peers] }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
