/**
 * Providers that try to exhaust a worker, each on a real socket: an endless chunked answer, a huge
 * body (declared or not), a body that trickles one byte a second, a page of a million records, and
 * error answers whose body is an internal service's page. Each records how many bytes it managed to
 * write and when the client hung up, so a test can see that Pollster stopped reading.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// It listens on loopback: a test process that starts it polls loopback (the policy's own tests turn this off).
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS ??= 'true';

export type HostileMode = 'endless' | 'huge-declared' | 'huge-chunked' | 'trickle' | 'million-records' | 'html-error' | 'internal-json-error' | 'healthy';

export interface HostileProvider {
  /** Base URL; the path `/<mode>` answers in that mode. */
  url: string;
  /** Bytes of body written per mode, so far. */
  written: Record<string, number>;
  /** Requests received, in all. */
  requests(): number;
  /** Resolves when the client has closed the connection of the latest request in `mode`. */
  hungUp(mode: HostileMode): Promise<void>;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');
export const HUGE_BYTES = 200 * 1024 * 1024;
export const MILLION = 1_000_000;

/** `{"items":[{"id":"0"},…]}` with a million records: about 15 MB, under the size limit, far over the record cap. */
function millionRecords(): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < MILLION; i++) parts.push(`{"id":"${i}"}`);
  return Buffer.from(`{"items":[${parts.join(',')}]}`);
}

export async function startHostileProvider(): Promise<HostileProvider> {
  const written: Record<string, number> = {};
  const hangUps = new Map<string, Promise<void>>();
  let million: Buffer | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;

  /** Writes chunks while the client reads, up to `total` bytes (Infinity: forever). */
  const pump = (res: ServerResponse, mode: string, total: number): void => {
    const write = (): void => {
      while (!res.destroyed && written[mode]! < total) {
        const chunk = total - written[mode]! < CHUNK.length ? CHUNK.subarray(0, total - written[mode]!) : CHUNK;
        written[mode]! += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      if (!res.destroyed) res.end();
    };
    write();
  };

  const server = createServer((req, res) => {
    requests += 1;
    const mode = (req.url ?? '/').split('?')[0]!.slice(1) as HostileMode;
    written[mode] = 0;
    hangUps.set(mode, new Promise((resolve) => res.once('close', () => resolve())));
    switch (mode) {
      case 'endless':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"items":["');
        return pump(res, mode, Infinity);
      case 'huge-declared':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HUGE_BYTES) });
        return pump(res, mode, HUGE_BYTES);
      case 'huge-chunked':
        res.writeHead(200, { 'content-type': 'application/json' });
        return pump(res, mode, HUGE_BYTES);
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          written[mode]! += 1;
          res.write(' ');
        }, 1000);
        timers.add(timer);
        res.once('close', () => clearInterval(timer));
        return;
      }
      case 'million-records':
        million ??= millionRecords();
        written[mode] = million.length;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(million.length) });
        return void res.end(million);
      case 'html-error': {
        const page = `<html><body><h1>Internal Server Error</h1><pre>${'secret internal stack line\n'.repeat(2000)}</pre></body></html>`;
        res.writeHead(502, { 'content-type': 'text/html' });
        return void res.end(page);
      }
      case 'internal-json-error':
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ message: `database password=hunter2 at\n  ${'frame\n  '.repeat(500)}`, rows: Array.from({ length: 100 }, (_, i) => ({ i })) }));
      default:
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ items: [{ id: '1' }, { id: '2' }] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    written,
    requests: () => requests,
    hungUp: (mode) => hangUps.get(mode) ?? Promise.reject(new Error(`no request in mode ${mode}`)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
