/**
 * The provider the bench polls: the `http` element's JSON shape (`{ items }`, `page`/`pageSize`,
 * `updatedSince` in epoch ms), on 127.0.0.1. Unlike test/fakes/httpProvider.ts it serves pages from
 * a pre-sorted, pre-serialised dataset (a binary search per request, no per-request sort of 20,000
 * rows), so the provider costs both sides of B1 as little as possible.
 *
 *   GET /d/<key>/contacts  the dataset (records updated at or after updatedSince, oldest first)
 *   GET /e/<key>/contacts  always empty: one request per poll cycle (B2, B3)
 *
 * `<key>` names the poller (an instance or a plain-loop run), so each is observed on its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Java pattern of the records' dates (what the instance's datesConfiguration declares). */
export const RECORD_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

export interface KeyStats {
  requests: number;
  firstAtMs: number;
  lastAtMs: number;
}

export interface EmptyPoll {
  key: string;
  /** `updatedSince` of the request: the instance's checkpoint, i.e. the start of its previous poll. */
  sinceMs: number;
  /** When the request arrived (this machine's clock). */
  atMs: number;
}

export interface BenchProvider {
  url: string;
  /** Oldest record date: a `since` before it makes every record "changed". */
  datasetStartMs: number;
  datasetSize: number;
  stats(key: string): KeyStats | undefined;
  /** Called for every request to /e/…: the scale benchmark's raw data. */
  onEmptyPoll(fn: ((p: EmptyPoll) => void) | undefined): void;
  totalRequests(): number;
  close(): Promise<void>;
}

function filler(i: number, length: number): string {
  // Deterministic, varied text: records compress and hash like real ones, not like runs of one letter.
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  let s = '';
  let k = i * 7919;
  while (s.length < length) {
    k = (k * 1103515245 + 12345) & 0x7fffffff;
    s += words[k % words.length] + ' ';
  }
  return s.slice(0, length);
}

/** `count` contacts of about `bytes` JSON each, dated from `startMs` on, 100 ms apart. */
function buildDataset(count: number, bytes: number, startMs: number): { json: string[]; updatedMs: number[] } {
  const json: string[] = [];
  const updatedMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const updated = startMs + i * 100;
    // Every other record was created long ago (an UPDATED event), the rest at its update (CREATED).
    const created = i % 2 === 0 ? updated : startMs - 86_400_000;
    const record = {
      id: `c-${i + 1}`,
      name: `Contact ${i + 1}`,
      email: `contact${i + 1}@example.test`,
      phone: `+1-555-${String(1000 + (i % 9000)).padStart(4, '0')}`,
      company: { id: `co-${i % 97}`, name: `Company ${i % 97}` },
      address: { street: `${i % 500} Main Street`, city: 'Springfield', zip: String(10000 + (i % 89999)), country: 'US' },
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      notes: '',
    };
    const base = JSON.stringify(record).length;
    record.notes = filler(i, Math.max(0, bytes - base));
    json.push(JSON.stringify(record));
    updatedMs.push(updated);
  }
  return { json, updatedMs };
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function startBenchProvider(options: { records: number; recordBytes: number }): Promise<BenchProvider> {
  const datasetStartMs = Date.now() - 3_600_000 - options.records * 100;
  const dataset = buildDataset(options.records, options.recordBytes, datasetStartMs);
  const stats = new Map<string, KeyStats>();
  let emptyPoll: ((p: EmptyPoll) => void) | undefined;
  let total = 0;

  const server: Server = createServer((req, res) => {
    const atMs = Date.now();
    total++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/([de])\/([^/]+)\/contacts$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such resource"}');
      return;
    }
    const key = m[2]!;
    const s = stats.get(key);
    if (s) {
      s.requests++;
      s.lastAtMs = atMs;
    } else stats.set(key, { requests: 1, firstAtMs: atMs, lastAtMs: atMs });
    const sinceMs = Number(url.searchParams.get('updatedSince') ?? 0);
    if (m[1] === 'e') {
      emptyPoll?.({ key, sinceMs, atMs });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
      return;
    }
    const pageSize = Number(url.searchParams.get('pageSize') ?? 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const from = lowerBound(dataset.updatedMs, sinceMs) + (page - 1) * pageSize;
    const items = dataset.json.slice(from, from + pageSize);
    res.writeHead(200, { 'content-type': 'application/json' }).end(`{"items":[${items.join(',')}]}`);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    datasetStartMs,
    datasetSize: options.records,
    stats: (key) => stats.get(key),
    onEmptyPoll: (fn) => {
      emptyPoll = fn;
    },
    totalRequests: () => total,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
