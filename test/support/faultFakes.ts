/**
 * Fakes for fault tests: a webhook receiver that keeps a ledger of every request (answered as a
 * script says, after a scripted delay), a fault proxy in front of a provider (latency, error answers,
 * malformed bodies), and the account that checks a run: every expected event received, none
 * invented, duplicates only under the same notification id.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationBody } from '../../core/envelope';

// ---------------------------------------------------------------------------------------------
// The ledger receiver

export interface Answer {
  /** HTTP status (default 200). */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /**
   * Whether the receiver acted on the notification (default: a 2xx status). A slow receiver that
   * processes a notification and answers after the sender gave up is `processed` with no answer seen.
   */
  processed?: boolean;
}

export interface LedgerEntry {
  /** Notification id (the `Elements-Webhook-Id` header). */
  id: string;
  instanceId: number;
  /** Event keys `<instanceId>/<objectId>@<record updatedAt>` (`@deleted` for DELETED events), in order. */
  keys: string[];
  /** Each event's type and late mark, in the same order. */
  events: { eventType: string; late: boolean }[];
  status: number;
  processed: boolean;
  /** The id header equals the body's id. */
  idHeaderMatches: boolean;
  arrivedAt: number;
}

export interface LedgerReceiver {
  url: string;
  /** Every request, in arrival order, with what it was answered. */
  ledger: LedgerEntry[];
  /** Requests being answered right now. */
  inFlight(): number;
  script(answer: (n: number, entry: Omit<LedgerEntry, 'status' | 'processed'>) => Answer): void;
  close(): Promise<void>;
}

/**
 * Event keys of a notification, from the records it carries (`raw[objectType]`) so ms-precision dates tell versions
 * apart; a DELETED event is `<instanceId>/<objectId>@deleted` (a record is deleted once; a scan's carries only its id).
 */
export function eventKeys(body: NotificationBody): string[] {
  const records = body.message.raw[body.message.raw.objectType] as Record<string, unknown>[];
  return body.message.events.map((e, i) => {
    const record = records[i] ?? {};
    if (String(record['id']) !== e.objectId) throw new Error(`event ${i} of ${body.id} does not match its record`);
    return `${body.message.instanceId}/${e.objectId}@${e.eventType === 'DELETED' ? 'deleted' : String(record['updatedAt'])}`;
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startLedgerReceiver(): Promise<LedgerReceiver> {
  const ledger: LedgerEntry[] = [];
  let answer: (n: number, entry: Omit<LedgerEntry, 'status' | 'processed'>) => Answer = () => ({});
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    void (async () => {
      try {
        const body = JSON.parse(await readBody(req)) as NotificationBody;
        const partial = {
          id: body.id,
          instanceId: body.message.instanceId,
          keys: eventKeys(body),
          events: body.message.events.map((e) => ({ eventType: e.eventType, late: e.late === true })),
          idHeaderMatches: req.headers['elements-webhook-id'] === body.id,
          arrivedAt: Date.now(),
        };
        const a = answer(ledger.length, partial);
        const status = a.status ?? 200;
        const entry: LedgerEntry = { ...partial, status, processed: a.processed ?? (status >= 200 && status < 300) };
        // Recorded at arrival: a receiver that processes, then answers too late, still has it.
        ledger.push(entry);
        if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
        if (!res.destroyed) res.writeHead(status).end();
      } catch (err) {
        if (!res.destroyed) res.writeHead(400).end(String(err));
      } finally {
        inFlight--;
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    ledger,
    inFlight: () => inFlight,
    script(fn) {
      answer = fn;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The fault proxy in front of a provider

export interface ProxyFault {
  /** Wait this long before forwarding (a slow provider). */
  delayMs?: number;
  /** Answer this instead of forwarding. */
  status?: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface ProxiedRequest {
  /** The first path segment after `/p/`: which instance asked (its base.url is `<proxy>/p/<tag>`). */
  tag: string;
  /** The path and query forwarded upstream. */
  path: string;
  n: number;
  /** What was answered (0 while in flight or when the client went away first). */
  status: number;
  arrivedAt: number;
  answeredAt?: number;
}

export interface FaultProxy {
  url: string;
  requests: ProxiedRequest[];
  inFlight(): number;
  /** Decides each request's fault; undefined forwards it as is. */
  script(fault: (r: ProxiedRequest) => ProxyFault | undefined): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  let fault: (r: ProxiedRequest) => ProxyFault | undefined = () => undefined;
  let inFlight = 0;
  const send = (res: ServerResponse, r: ProxiedRequest, status: number, body: string, headers: Record<string, string>): void => {
    r.status = status;
    r.answeredAt = Date.now();
    if (!res.destroyed) res.writeHead(status, headers).end(body);
  };
  const server = createServer((req, res) => {
    const m = /^\/p\/([^/]+)(\/.*)$/.exec(req.url ?? '');
    const r: ProxiedRequest = { tag: m?.[1] ?? '', path: m?.[2] ?? req.url ?? '', n: requests.length, status: 0, arrivedAt: Date.now() };
    requests.push(r);
    inFlight++;
    void (async () => {
      try {
        const f = fault(r) ?? {};
        if (f.delayMs) await new Promise((resolve) => setTimeout(resolve, f.delayMs));
        if (f.status !== undefined) {
          send(res, r, f.status, f.body ?? JSON.stringify({ message: `injected ${f.status}` }), { 'content-type': 'application/json', ...f.headers });
          return;
        }
        const up = await fetch(upstream + r.path, { headers: { accept: 'application/json' } });
        const text = await up.text();
        send(res, r, up.status, f.body ?? text, { 'content-type': up.headers.get('content-type') ?? 'application/json', ...f.headers });
      } catch (err) {
        send(res, r, 502, JSON.stringify({ message: `proxy: ${(err as Error).message}` }), { 'content-type': 'application/json' });
      } finally {
        inFlight--;
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inFlight: () => inFlight,
    script(fn) {
      fault = fn;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The account

export interface EventAccount {
  expected: number;
  /** Distinct expected events received (processed) at least once. */
  received: number;
  /** Processed receipts beyond the first of each event. */
  duplicates: number;
  missing: string[];
  /** Received events that were never expected (a version that never existed, another instance's, …). */
  unexpected: string[];
  /** Events received under more than one notification id: a receiver deduping by id would act twice. */
  underSeveralIds: { key: string; notifications: { id: string; keys: string[]; arrivedAt: string }[] }[];
  /** Notifications whose Elements-Webhook-Id header differs from their body id. */
  badIdHeaders: number;
}

export function accountFor(expected: Iterable<string>, ledger: readonly LedgerEntry[]): EventAccount {
  const want = new Set(expected);
  const seen = new Map<string, { count: number; ids: Set<string> }>();
  let badIdHeaders = 0;
  for (const entry of ledger) {
    if (!entry.idHeaderMatches) badIdHeaders++;
    if (!entry.processed) continue;
    for (const key of entry.keys) {
      const s = seen.get(key) ?? { count: 0, ids: new Set<string>() };
      s.count++;
      s.ids.add(entry.id);
      seen.set(key, s);
    }
  }
  let duplicates = 0;
  const underSeveralIds: EventAccount['underSeveralIds'] = [];
  for (const [key, s] of seen) {
    duplicates += s.count - 1;
    if (s.ids.size > 1) {
      const notifications = [...s.ids].map((id) => {
        const e = ledger.find((l) => l.id === id && l.processed)!;
        return { id, keys: e.keys, arrivedAt: new Date(e.arrivedAt).toISOString() };
      });
      underSeveralIds.push({ key, notifications });
    }
  }
  return {
    expected: want.size,
    received: [...want].filter((k) => seen.has(k)).length,
    duplicates,
    missing: [...want].filter((k) => !seen.has(k)),
    unexpected: [...seen.keys()].filter((k) => !want.has(k)),
    underSeveralIds,
    badIdHeaders,
  };
}

/** Events the receiver has processed so far, as a set of keys. */
export function processedKeys(ledger: readonly LedgerEntry[]): Set<string> {
  const keys = new Set<string>();
  for (const entry of ledger) if (entry.processed) for (const k of entry.keys) keys.add(k);
  return keys;
}
