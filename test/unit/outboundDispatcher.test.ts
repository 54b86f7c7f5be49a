/**
 * The policy at connect time, counted at the socket: a real server on loopback (IPv4 and IPv6)
 * counts the connections it accepts while requests try every way to reach it through the guarded
 * dispatcher. Refused ones must open no connection at all; the same requests with private targets
 * allowed show that the counter does see them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { guardedDispatcher, OutboundRefused, type OutboundTarget } from '../../net/outboundGuard';

let server: Server;
let port: number;
let connections = 0;
let ipv6 = true;

const listen = (host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

before(async () => {
  server = createServer((_req, res) => res.end('{}'));
  server.on('connection', () => (connections += 1));
  // '::' is dual-stack: the one listener answers 127.0.0.1, ::1 and ::ffff:127.0.0.1. Without IPv6,
  // the IPv6 forms are still refused (no socket is needed for that), but cannot serve as controls.
  try {
    await listen('::');
  } catch {
    ipv6 = false;
    await listen('127.0.0.1');
  }
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

/** A resolver that answers what a hostile DNS would: the check at creation saw a public address, the connection gets loopback. */
const rebinding = async (host: string) => (host === 'rebind.example' ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '93.184.215.14', family: 4 }]);

const inwardUrls = (): string[] => [
  `http://127.0.0.1:${port}/`,
  `http://127.1:${port}/`,
  `http://2130706433:${port}/`,
  `http://0x7f.0.0.1:${port}/`,
  `http://localhost:${port}/`,
  `http://[::1]:${port}/`,
  `http://[::ffff:127.0.0.1]:${port}/`,
  `http://[::ffff:7f00:1]:${port}/`,
  `http://rebind.example:${port}/`,
];

async function attempt(url: string, target: OutboundTarget, allowPrivate: boolean): Promise<'connected' | OutboundRefused> {
  const dispatcher = guardedDispatcher(target, {
    allowPrivate,
    lookup: async (host) => (host === 'rebind.example' ? rebinding(host) : (await import('node:dns/promises')).lookup(host, { all: true })),
  });
  try {
    const res = await request(url, { dispatcher });
    await res.body.dump();
    return 'connected';
  } catch (err) {
    const refused = err instanceof OutboundRefused ? err : (err as Error).cause;
    assert.ok(refused instanceof OutboundRefused, `${url}: expected a refusal, got ${err}`);
    return refused;
  } finally {
    await dispatcher.close();
  }
}

for (const target of ['provider', 'callback'] as const) {
  test(`${target}: no connection reaches a refused address, however it is named; allowed, each one connects`, async () => {
    connections = 0;
    for (const url of inwardUrls()) {
      const outcome = await attempt(url, target, false);
      assert.notEqual(outcome, 'connected', url);
      assert.equal((outcome as OutboundRefused).target, target);
      assert.match((outcome as OutboundRefused).message, /not a public address/);
    }
    assert.equal(connections, 0, 'connections accepted from refused requests');

    const reachable = inwardUrls().filter((url) => ipv6 || !url.includes('['));
    for (const url of reachable) assert.equal(await attempt(url, target, true), 'connected', url);
    assert.equal(connections, reachable.length, 'the counter sees every allowed connection');
  });
}

test('the setting is read at each connection: switching it off refuses the next connection', async () => {
  connections = 0;
  let allowed = true;
  const dispatcher = guardedDispatcher('provider', { allowPrivate: () => allowed });
  try {
    const first = await request(`http://127.0.0.1:${port}/`, { dispatcher, reset: true });
    await first.body.dump();
    allowed = false;
    await assert.rejects(request(`http://127.0.0.1:${port}/`, { dispatcher, reset: true }), (err: Error) => err instanceof OutboundRefused || (err.cause instanceof OutboundRefused));
    assert.equal(connections, 1);
  } finally {
    await dispatcher.close();
  }
});
