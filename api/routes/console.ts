/**
 * `/console`: the web console, static files from `console/` plus a small unauthenticated
 * `config.json` (where the Temporal UI is). Outside the API's base path: the page itself holds no
 * secret; it signs in with the API credentials and uses only the public API. The libraries it uses
 * (uPlot, for charts) are served from node_modules under `/console/vendor/`, by a fixed list.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
export const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

export interface ConsoleOptions {
  /** Where the Temporal UI answers (links to `instance-<id>` workflows). */
  temporalUiUrl?: string;
  /** The Temporal namespace the API works in. */
  namespace?: string;
  /** Where the files are (tests may point elsewhere). */
  dir?: string;
}

/** The Temporal UI base: the option, else POLLSTER_TEMPORAL_UI_URL, else the embedded dev server's UI port. */
export function temporalUiUrl(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = option || env.POLLSTER_TEMPORAL_UI_URL || (env.POLLSTER_TEMPORAL_UI_PORT ? `http://127.0.0.1:${env.POLLSTER_TEMPORAL_UI_PORT}` : DEFAULT_TEMPORAL_UI_URL);
  // It becomes a link in the page: only an http(s) address.
  return /^https?:\/\/[^\s]+$/i.test(url) ? url.replace(/\/+$/, '') : DEFAULT_TEMPORAL_UI_URL;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  json: 'application/json; charset=utf-8',
};

const require = createRequire(import.meta.url);

/** `/console/vendor/<name>` → the installed package file: only these, never a path from the request. */
export const VENDOR_FILES: Readonly<Record<string, string>> = {
  'uplot.js': require.resolve('uplot/dist/uPlot.esm.js'),
  'uplot.css': require.resolve('uplot/dist/uPlot.min.css'),
};

/** A flat file name with a known extension: nothing else is served (no paths, no dot-files, no traversal). */
const FILE_NAME = /^[a-z0-9][a-z0-9_-]*\.(html|js|css|svg|json)$/i;

// Nothing but this origin: the console loads no CDN, and talks to no host but the API.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const consoleRoutes = (options: ConsoleOptions = {}): FastifyPluginAsync => async (app) => {
  const dir = options.dir ?? CONSOLE_DIR;
  const config = { temporalUiUrl: temporalUiUrl(options.temporalUiUrl), namespace: options.namespace || 'default' };

  // Files are read on each request (they are small, and an edit shows on reload); an ETag saves the body.
  async function send(request: FastifyRequest, reply: FastifyReply, name: string, path = join(dir, name)): Promise<FastifyReply> {
    const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch {
      return reply.status(404).send({ requestId: request.id, message: `no console file ${name}` });
    }
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    void reply
      .header('cache-control', 'no-cache')
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP);
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    return reply.type(TYPES[ext] ?? 'application/octet-stream').send(body);
  }

  const index = (request: FastifyRequest, reply: FastifyReply) => send(request, reply, 'index.html');
  app.get('/console', { schema: { hide: true } }, index);
  app.get('/console/', { schema: { hide: true } }, index);
  app.get('/console/config.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(config));
  app.get<{ Params: { file: string } }>('/console/vendor/:file', { schema: { hide: true } }, async (request, reply) => {
    const name = request.params.file;
    const path = Object.hasOwn(VENDOR_FILES, name) ? VENDOR_FILES[name] : undefined;
    if (!path) return reply.status(404).send({ requestId: request.id, message: `no console file vendor/${name}` });
    return send(request, reply, name, path);
  });
  app.get<{ Params: { file: string } }>('/console/:file', { schema: { hide: true } }, async (request, reply) => {
    const name = request.params.file;
    if (!FILE_NAME.test(name)) return reply.status(404).send({ requestId: request.id, message: `no console file ${name}` });
    return send(request, reply, name);
  });
};
