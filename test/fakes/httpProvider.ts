/**
 * A small JSON REST API for the `http` element: `GET /contacts?updatedSince=<date>&page=&pageSize=`
 * returns contacts updated at or after `updatedSince` (inclusive, as many real APIs are), oldest first.
 *
 * Options (all optional; the defaults are the original behaviour):
 * - `formatDate` / `parseSince`: how record dates are written and how `updatedSince` is read, e.g.
 *   wall-clock times in America/Denver. The API compares dates at the precision it writes them.
 * - `pagination`: `page` (default: `page` and `pageSize` parameters), `cursor` (`pageSize` and
 *   `cursor` parameters, `nextCursor` in the body) or `link` (`pageSize`, RFC 8288 `Link: rel="next"`).
 *   Cursors and links are keyset-based, so a page never shifts under a reader.
 * - `indexLagMs`: a change is found by queries only this long after it was made (search index lag).
 *
 * Deletions: `delete(id)` removes a contact and keeps a tombstone, listed by
 * `GET /contacts/deleted?deletedSince=<date>` (`{ id, deletedAt }`, the same paging); `GET /contacts/ids` lists the id
 * of every contact there is (the same paging, no date filter), for id scans.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Contact {
  id: string;
  name: string;
  createdAt: string | number;
  updatedAt: string | number;
}

export interface HttpProviderOptions {
  now?: () => number;
  formatDate?: (ms: number) => string | number;
  parseSince?: (text: string) => number;
  pagination?: 'page' | 'cursor' | 'link';
  indexLagMs?: number;
}

export interface Served {
  url: string;
  ids: string[];
}

export interface HttpProvider {
  url: string;
  requests: string[];
  /** Every successful answer: the request and the ids it returned. */
  served: Served[];
  create(name: string): Contact;
  update(id: string, name: string): Contact;
  /** Stores a record as given (it may lack an id or carry a date that does not parse; such records match every query). */
  insertRaw(record: Record<string, unknown>): void;
  /** Removes a contact, keeping a tombstone `{ id, deletedAt }`. */
  delete(id: string): { id: string; deletedAt: string | number };
  /** Answers every request this much later (0: at once). */
  setLatency(ms: number): void;
  /** Answers the next `count` requests with `status` (and a Retry-After when given). */
  /** The next `count` requests (those `when` matches, if given) answer `status`. */
  failNext(count: number, status: number, retryAfterSec?: number, when?: (url: URL) => boolean): void;
  close(): Promise<void>;
}

interface Row {
  record: Record<string, unknown>;
  /** The record's updated date as the API stores it (at its precision); NaN when it has none. */
  updatedMs: number;
  /** When queries start to find this version. */
  visibleAtMs: number;
  order: number;
}

const isoFormat = (ms: number): string => new Date(ms).toISOString();

export async function startHttpProvider(options: HttpProviderOptions = {}): Promise<HttpProvider> {
  const now = options.now ?? Date.now;
  const formatDate = options.formatDate ?? isoFormat;
  const parseSince = options.parseSince ?? Date.parse;
  const readBack = (value: unknown): number => (typeof value === 'number' ? value : typeof value === 'string' ? parseSince(value) : NaN);
  const pagination = options.pagination ?? 'page';
  const rows = new Map<string, Row>();
  const tombstones = new Map<string, Row>();
  const requests: string[] = [];
  const served: Served[] = [];
  let failures: { count: number; status: number; retryAfterSec?: number; when?: (url: URL) => boolean } = { count: 0, status: 500 };
  let nextId = 1;
  let order = 0;
  let latencyMs = 0;

  const put = (key: string, record: Record<string, unknown>): void => {
    const updatedMs = readBack(record['updatedAt']);
    rows.set(key, { record, updatedMs, visibleAtMs: now() + (options.indexLagMs ?? 0), order: order++ });
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  // Keyset order: updated date, then insertion order (records without a usable date last).
  const position = (row: Row): [number, number] => [Number.isNaN(row.updatedMs) ? Number.MAX_SAFE_INTEGER : row.updatedMs, row.order];
  const after = (a: [number, number], b: [number, number]): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

  const server = createServer((req, res) => {
    if (latencyMs > 0) setTimeout(() => handle(req, res), latencyMs);
    else handle(req, res);
  });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      // A request target read as a path (`//a:b/x` is a path, not a host), never thrown on: odd paths get a 400.
      url = new URL(`http://localhost${req.url ?? '/'}`);
    } catch {
      json(res, 400, { message: 'unreadable request target' });
      return;
    }
    requests.push(url.pathname + url.search);
    if (failures.count > 0 && (failures.when?.(url) ?? true)) {
      failures.count--;
      json(res, failures.status, { message: `injected ${failures.status}` }, failures.retryAfterSec !== undefined ? { 'retry-after': String(failures.retryAfterSec) } : {});
      return;
    }
    const list = url.pathname === '/contacts' ? rows : url.pathname === '/contacts/deleted' ? tombstones : url.pathname === '/contacts/ids' ? rows : undefined;
    if (!list) {
      json(res, 404, { message: 'no such resource' });
      return;
    }
    const idsOnly = url.pathname === '/contacts/ids';
    const since = idsOnly ? null : url.searchParams.get(url.pathname === '/contacts/deleted' ? 'deletedSince' : 'updatedSince');
    const sinceMs = since ? parseSince(since) : 0;
    if (Number.isNaN(sinceMs)) {
      json(res, 400, { message: `bad date '${since}'` });
      return;
    }
    const pageSize = Number(url.searchParams.get('pageSize') ?? 100);
    const t = now();
    const matching = [...list.values()]
      .filter((r) => (idsOnly || r.visibleAtMs <= t) && (idsOnly || Number.isNaN(r.updatedMs) || r.updatedMs >= sinceMs))
      .sort((a, b) => (after(position(a), position(b)) ? 1 : -1));
    const answer = (items: Row[], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void => {
      served.push({ url: url.pathname + url.search, ids: items.map((r) => String(r.record['id'])) });
      json(res, 200, { items: items.map((r) => (idsOnly ? { id: r.record['id'] } : r.record)), ...extra }, headers);
    };

    if (pagination === 'page') {
      const page = Number(url.searchParams.get('page') ?? 1);
      answer(matching.slice((page - 1) * pageSize, page * pageSize), { total: matching.length });
      return;
    }
    const token = url.searchParams.get('cursor');
    const from = token ? (JSON.parse(Buffer.from(token, 'base64url').toString()) as [number, number]) : undefined;
    const rest = from ? matching.filter((r) => after(position(r), from)) : matching;
    const items = rest.slice(0, pageSize);
    const last = items.at(-1);
    const next = last && rest.length > items.length ? Buffer.from(JSON.stringify(position(last))).toString('base64url') : undefined;
    if (pagination === 'cursor') {
      answer(items, { nextCursor: next ?? null });
      return;
    }
    const headers: Record<string, string> = {};
    if (next) {
      const link = new URL(url.pathname + url.search, `http://${req.headers.host}`);
      link.searchParams.set('cursor', next);
      headers['link'] = `<${link.toString()}>; rel="next", <${url.pathname}>; rel="first"`;
    }
    answer(items, {}, headers);
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    served,
    create(name) {
      const at = formatDate(now());
      const contact: Contact = { id: String(nextId++), name, createdAt: at, updatedAt: at };
      put(contact.id, { ...contact });
      return contact;
    },
    update(id, name) {
      const existing = rows.get(id)?.record as Contact | undefined;
      if (!existing) throw new Error(`no contact ${id}`);
      const contact: Contact = { ...existing, name, updatedAt: formatDate(now()) };
      put(id, { ...contact });
      return contact;
    },
    insertRaw(record) {
      put(`raw-${order}`, record);
    },
    delete(id) {
      if (!rows.delete(id)) throw new Error(`no contact ${id}`);
      const tombstone = { id, deletedAt: formatDate(now()) };
      const deletedMs = readBack(tombstone.deletedAt);
      tombstones.set(id, { record: tombstone, updatedMs: deletedMs, visibleAtMs: now() + (options.indexLagMs ?? 0), order: order++ });
      return tombstone;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    failNext(count, status, retryAfterSec, when) {
      failures = { count, status, retryAfterSec, when };
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
