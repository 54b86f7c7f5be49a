/**
 * A small contacts API with no webhooks: the kind of API Pollster polls. Its data lives in a ContactsStore (a file
 * under the data dir with `npm run example`, so a restart keeps it).
 *
 *   GET   /contacts?updatedSince=<ISO instant>&page=<n>&pageSize=<n>
 *         contacts updated at or after updatedSince (inclusive, as many APIs are), by id, one page:
 *         { "items": [ { "id", "name", "email", "createdAt", "updatedAt" } ], "page", "pageSize", "total" }
 *   GET   /contacts/<id>
 *   POST  /contacts          { "name": "...", "email": "..." }   → 201 and the new contact
 *   PATCH /contacts/<id>     { "name"?: "...", "email"?: "..." } → the changed contact
 *
 * Dates are ISO-8601 UTC with milliseconds (`2025-01-31T09:30:00.000Z`), which the Java pattern
 * `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` reads and writes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ContactsStore } from './contacts-store';

export type { Contact } from './contacts-store';

/** A route served beside /contacts: answers and returns what to print, or returns undefined for a path it does not serve. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => Promise<string | undefined>;

export interface ContactsApiOptions {
  port: number;
  host?: string;
  /** The data; a fresh in-memory store by default. */
  store?: ContactsStore;
  extra?: ExtraRoutes;
}

const MAX_PAGE_SIZE = 500;

export function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
        resolve(value as Record<string, unknown>);
      } catch (err) {
        reject(err);
      }
    });
  });
}

function positiveInt(text: string | null, fallback: number): number | undefined {
  if (text === null || text === '') return fallback;
  return /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : undefined;
}

export function startContactsApi(options: ContactsApiOptions): Promise<Server> {
  const store = options.store ?? new ContactsStore();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const extra = await options.extra?.(req, res);
    if (extra !== undefined) return extra;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'contacts' || parts.length > 2) {
      send(res, 404, { message: 'not found' });
      return '404';
    }
    const id = parts[1];

    if (req.method === 'GET' && id === undefined) {
      const since = url.searchParams.get('updatedSince');
      const sinceMs = since === null ? 0 : Date.parse(since);
      const page = positiveInt(url.searchParams.get('page'), 1);
      const pageSize = positiveInt(url.searchParams.get('pageSize'), 100);
      if (Number.isNaN(sinceMs) || page === undefined || pageSize === undefined || pageSize > MAX_PAGE_SIZE) {
        send(res, 400, { message: `expected updatedSince=<ISO instant>, page>=1 and 1<=pageSize<=${MAX_PAGE_SIZE}` });
        return '400';
      }
      const matching = store.list().filter((c) => Date.parse(c.updatedAt) >= sinceMs);
      const items = matching.slice((page - 1) * pageSize, page * pageSize);
      send(res, 200, { items, page, pageSize, total: matching.length });
      return `200, ${items.length} of ${matching.length} matching`;
    }

    const contact = id === undefined ? undefined : store.get(id);
    if (req.method === 'GET' && contact) {
      send(res, 200, contact);
      return '200';
    }

    if (req.method === 'POST' && id === undefined) {
      const body = await readJson(req);
      if (typeof body.name !== 'string' || body.name.trim() === '') {
        send(res, 400, { message: 'name is required' });
        return '400';
      }
      const created = store.add(body.name, typeof body.email === 'string' ? body.email : '');
      send(res, 201, created);
      return `201, created ${created.id}`;
    }

    if (req.method === 'PATCH' && contact) {
      const body = await readJson(req);
      const updated = store.update(contact.id, { name: typeof body.name === 'string' ? body.name : undefined, email: typeof body.email === 'string' ? body.email : undefined })!;
      send(res, 200, updated);
      return `200, updated ${updated.id}`;
    }

    if (id !== undefined && !contact) {
      send(res, 404, { message: `no contact ${id}` });
      return '404';
    }
    send(res, 405, { message: `${req.method} is not supported here` });
    return '405';
  }

  const server = createServer((req, res) => {
    handle(req, res)
      .then((outcome) => console.log(`contacts-api  ${req.method} ${req.url} → ${outcome}`))
      .catch((err: Error) => {
        send(res, 400, { message: err.message });
        console.log(`contacts-api  ${req.method} ${req.url} → 400 (${err.message})`);
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
  });
}
