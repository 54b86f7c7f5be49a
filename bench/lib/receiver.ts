/**
 * The callback the bench delivers to: answers 200 at once and counts, per instance id, events,
 * notifications (and duplicates, by notification id) and when the first and last arrived.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Tally {
  events: number;
  notifications: number;
  duplicates: number;
  bytes: number;
  firstAtMs: number;
  lastAtMs: number;
  ids: Set<string>;
}

export interface BenchReceiver {
  url: string;
  tally(instanceId: number): Tally | undefined;
  /** Resolves once `instanceId` has `events` events; rejects after `timeoutMs`. */
  waitForEvents(instanceId: number, events: number, timeoutMs: number, onTick?: (t: Tally | undefined) => void): Promise<Tally>;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const tallies = new Map<number, Tally>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const atMs = Date.now();
      const raw = Buffer.concat(chunks);
      try {
        const body = JSON.parse(raw.toString('utf8')) as { id: string; message: { instanceId: number; events: unknown[] } };
        const id = body.message.instanceId;
        let t = tallies.get(id);
        if (!t) tallies.set(id, (t = { events: 0, notifications: 0, duplicates: 0, bytes: 0, firstAtMs: atMs, lastAtMs: atMs, ids: new Set() }));
        if (t.ids.has(body.id)) t.duplicates++;
        else {
          t.ids.add(body.id);
          t.events += body.message.events.length;
        }
        t.notifications++;
        t.bytes += raw.length;
        t.lastAtMs = atMs;
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    tally: (id) => tallies.get(id),
    async waitForEvents(id, events, timeoutMs, onTick) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const t = tallies.get(id);
        if (t && t.events >= events) return t;
        if (Date.now() > deadline) throw new Error(`receiver: instance ${id} has ${t?.events ?? 0} of ${events} events after ${timeoutMs} ms`);
        onTick?.(t);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
