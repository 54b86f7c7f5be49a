/** A real webhook receiver on 127.0.0.1: records every notification with its headers; its answer can be scripted. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationBody } from '../../core/envelope';

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: NotificationBody;
  at: number;
}

/** An answer: a status, and headers to send with it (a Retry-After, say). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
}

/** Every request, in arrival order, with what it was answered. */
export interface Attempt {
  id: string;
  at: number;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Every request, whatever it was answered. */
  attempts: number;
  log: Attempt[];
  /** Status to answer with (default 200), or a status with headers; a function sees each request. */
  respondWith(status: number | Answer | ((r: Received) => number | Answer)): void;
  /** Events across all received notifications, in arrival order. */
  events(): NotificationBody['message']['events'];
  waitFor(predicate: (r: Receiver) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let respond: number | Answer | ((r: Received) => number | Answer) = 200;
  const received: Received[] = [];
  const log: Attempt[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { headers: req.headers, raw, body: JSON.parse(raw) as NotificationBody, at: Date.now() };
      receiver.attempts++;
      const chosen = typeof respond === 'function' ? respond(entry) : respond;
      const answer: Answer = typeof chosen === 'number' ? { status: chosen } : chosen;
      log.push({ id: entry.body.id, at: entry.at, status: answer.status });
      if (answer.status >= 200 && answer.status < 300) received.push(entry);
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    attempts: 0,
    log,
    respondWith(status) {
      respond = status;
    },
    events: () => received.flatMap((r) => r.body.message.events),
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms (${received.length} notifications so far)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  return receiver;
}
