/**
 * Stops and starts the example's receiver while the contacts API keeps running: stopped, its port refuses
 * connections (a receiver that is down, as Pollster sees one); started again, it listens on the same port and still
 * knows which notifications it has processed. `routes()` serves the switch over HTTP:
 *
 *   GET  /receiver        {"receiver": "running" | "stopped", "url": "…/events"}
 *   POST /receiver/stop   stops it (nothing happens if it is stopped)
 *   POST /receiver/start  starts it (nothing happens if it is running)
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { startReceiver, type ReceiverOptions } from './receiver';

export class ReceiverSwitch {
  private server: Server | undefined;
  /** Starts and stops one after another, in the order asked. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly options: ReceiverOptions;

  constructor(options: ReceiverOptions, private readonly log: (line: string) => void = () => undefined) {
    this.options = { ...options, seen: options.seen ?? new Set() };
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.options.port}/events`;
  }

  /** `announce`: print that it started (not for the first start, which the example's banner shows). */
  start(announce = true): Promise<void> {
    return this.next(() => this.open(announce));
  }

  stop(): Promise<void> {
    return this.next(() => this.close());
  }

  /** Stops it for good (the example is ending): nothing printed. */
  shutdown(): Promise<void> {
    return this.next(() => this.close(false));
  }

  toggle(): Promise<void> {
    return this.next(() => (this.server ? this.close() : this.open()));
  }

  /** The switch's HTTP routes (served by the contacts API, which stays up). */
  routes(): (req: IncomingMessage, res: ServerResponse) => Promise<string | undefined> {
    return async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== '/receiver' && !path.startsWith('/receiver/')) return undefined;
      const route = `${req.method} ${path}`;
      if (route === 'POST /receiver/stop') await this.stop();
      else if (route === 'POST /receiver/start') await this.start();
      else if (route !== 'GET /receiver') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'GET /receiver, POST /receiver/stop or POST /receiver/start' }));
        return '404';
      }
      const state = this.running ? 'running' : 'stopped';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ receiver: state, url: this.url }));
      return `200, receiver ${state}`;
    };
  }

  private async open(announce = true): Promise<void> {
    if (this.server) return;
    this.server = await startReceiver(this.options);
    if (announce) this.log(`started: ${this.url}`);
  }

  private async close(announce = true): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (announce) this.log(`stopped: ${this.url} refuses connections until the receiver starts again`);
  }

  private next(step: () => Promise<void>): Promise<void> {
    const done = this.queue.then(step);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
