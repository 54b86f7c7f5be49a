/**
 * B4's provider and receiver. The provider holds a resource of `count` records that never change (its "updated since"
 * query is always empty) and lists every id, in pages (`GET /ids?page=&pageSize=`, oldest first), for an id scan;
 * `remove(n)` deletes every (count/n)th record. It notes when each listing started and ended. The receiver notes every
 * DELETED event with the notification id it came under.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listing {
  firstRequestMs: number;
  lastAnswerMs: number;
  pages: number;
  ids: number;
}

export interface IdScanProvider {
  url: string;
  /** Every listing of the ids (one per scan; a listing starts at page 1). */
  listings: Listing[];
  /** Deletes `n` records spread over the whole id range; returns their ids. */
  remove(n: number): string[];
  close(): Promise<void>;
}

const idOf = (i: number): string => `c${String(i).padStart(7, '0')}`;

function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 60_000;
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const closer = (server: Server) => (): Promise<void> =>
  new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });

export async function startIdScanProvider(count: number): Promise<IdScanProvider> {
  let ids = Array.from({ length: count }, (_, i) => idOf(i + 1));
  const listings: Listing[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/contacts') return json({ items: [] });
    if (url.pathname !== '/ids') return void res.writeHead(404).end();
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = Number(url.searchParams.get('pageSize') ?? 100);
    const now = Date.now();
    if (page === 1) listings.push({ firstRequestMs: now, lastAnswerMs: now, pages: 0, ids: 0 });
    const items = ids.slice((page - 1) * size, page * size).map((id) => ({ id }));
    const listing = listings.at(-1);
    json({ items });
    if (listing) {
      listing.pages++;
      listing.ids += items.length;
      listing.lastAnswerMs = Date.now();
    }
  });
  const url = await listen(server);
  return {
    url,
    listings,
    remove(n) {
      const step = Math.floor(ids.length / n);
      const gone = new Set(Array.from({ length: n }, (_, k) => ids[k * step + Math.floor(step / 2)]!));
      ids = ids.filter((id) => !gone.has(id));
      return [...gone];
    },
    close: closer(server),
  };
}

export interface DeleteReceiver {
  url: string;
  /** Notification ids each deleted object id arrived under, and how many times. */
  deleted: Map<string, { ids: Set<string>; times: number }>;
  notifications: number;
  otherEvents: number;
  firstDeleteAtMs: number;
  lastAtMs: number;
  close(): Promise<void>;
}

export async function startDeleteReceiver(): Promise<DeleteReceiver> {
  const r = { deleted: new Map<string, { ids: Set<string>; times: number }>(), notifications: 0, otherEvents: 0, firstDeleteAtMs: 0, lastAtMs: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; message: { events: { eventType: string; objectId: string }[] } };
        r.notifications++;
        r.lastAtMs = Date.now();
        for (const e of body.message.events) {
          if (e.eventType !== 'DELETED') {
            r.otherEvents++;
            continue;
          }
          r.firstDeleteAtMs ||= Date.now();
          const seen = r.deleted.get(e.objectId) ?? { ids: new Set<string>(), times: 0 };
          seen.ids.add(body.id);
          seen.times++;
          r.deleted.set(e.objectId, seen);
        }
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  const url = `${await listen(server)}/hook`;
  return Object.assign(r, { url, close: closer(server) });
}
