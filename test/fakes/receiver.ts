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

export interface Receiver {
  url: string;
  received: Received[];
  /** Every request, whatever it was answered. */
  attempts: number;
  /** Status to answer with (default 200); a function sees each request. */
  respondWith(status: number | ((r: Received) => number)): void;
  /** Events across all received notifications, in arrival order. */
  events(): NotificationBody['message']['events'];
  waitFor(predicate: (r: Receiver) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let respond: number | ((r: Received) => number) = 200;
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { headers: req.headers, raw, body: JSON.parse(raw) as NotificationBody, at: Date.now() };
      receiver.attempts++;
      const status = typeof respond === 'function' ? respond(entry) : respond;
      if (status >= 200 && status < 300) received.push(entry);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    attempts: 0,
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
