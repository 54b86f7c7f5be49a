/**
 * A small JSON REST API for the `http` element: `GET /contacts?updatedSince=<ISO>&page=&pageSize=`
 * returns contacts updated at or after `updatedSince` (inclusive, as many real APIs are), oldest first.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Contact {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface HttpProvider {
  url: string;
  requests: string[];
  create(name: string): Contact;
  update(id: string, name: string): Contact;
  /** Answers the next `count` requests with `status` (and a Retry-After when given). */
  failNext(count: number, status: number, retryAfterSec?: number): void;
  close(): Promise<void>;
}

export async function startHttpProvider(options: { now?: () => number } = {}): Promise<HttpProvider> {
  const now = options.now ?? Date.now;
  const contacts = new Map<string, Contact>();
  const requests: string[] = [];
  let failures: { count: number; status: number; retryAfterSec?: number } = { count: 0, status: 500 };
  let nextId = 1;
  const iso = (): string => new Date(now()).toISOString();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname + url.search);
    if (failures.count > 0) {
      failures.count--;
      res.writeHead(failures.status, { 'content-type': 'application/json', ...(failures.retryAfterSec !== undefined ? { 'retry-after': String(failures.retryAfterSec) } : {}) });
      res.end(JSON.stringify({ message: `injected ${failures.status}` }));
      return;
    }
    if (url.pathname !== '/contacts') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'no such resource' }));
      return;
    }
    const since = url.searchParams.get('updatedSince');
    const sinceMs = since ? Date.parse(since) : 0;
    if (Number.isNaN(sinceMs)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `bad updatedSince '${since}'` }));
      return;
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const pageSize = Number(url.searchParams.get('pageSize') ?? 100);
    const matching = [...contacts.values()]
      .filter((c) => Date.parse(c.updatedAt) >= sinceMs)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id.localeCompare(b.id));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: matching.slice((page - 1) * pageSize, page * pageSize), total: matching.length }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    create(name) {
      const at = iso();
      const contact = { id: String(nextId++), name, createdAt: at, updatedAt: at };
      contacts.set(contact.id, contact);
      return contact;
    },
    update(id, name) {
      const existing = contacts.get(id);
      if (!existing) throw new Error(`no contact ${id}`);
      const contact = { ...existing, name, updatedAt: iso() };
      contacts.set(id, contact);
      return contact;
    },
    failNext(count, status, retryAfterSec) {
      failures = { count, status, retryAfterSec };
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
