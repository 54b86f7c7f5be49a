// Shared plumbing for the vendor API simulators used by Pollster's tests.
//
// Each simulator is a real node:http server on 127.0.0.1 with an OS-chosen port, so the code
// under test talks to it exactly as it would talk to the vendor. This module provides:
//   - startVendorServer(): the server, a request log, fault injection (failNext / malformedNext /
//     setLatency) and a close() that frees every socket and timer;
//   - createClock(): the settable "now" that simulators stamp records and expire tokens with;
//   - createOAuthIssuer(): an OAuth2 authorization-code issuer (codes, expiring access tokens,
//     rotating refresh tokens) shared by the Sage Accounting and Maximizer simulators;
//   - contract checks: acceptsMediaType() (a 406 for an Accept the vendor does not serve) and
//     undefinedParams() (query parameters the vendor's contract does not define);
//   - small helpers: json(), parseBasic(), bearerToken(), likeToRegExp().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

// A test process that starts a simulator polls loopback: the outbound policy must allow it there
// (its own tests turn it off explicitly).
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS ??= 'true';

// ---------------------------------------------------------------------------------------------
// Clock

export interface Clock {
  /** Current time in epoch ms: real time until setNow() is called, then frozen. */
  now(): number;
  /** Freeze the clock at `ms`. */
  setNow(ms: number): void;
  /** Move the clock forward (freezing it at real time + ms if it was still running). */
  advance(ms: number): void;
  /** Go back to real time. */
  useRealTime(): void;
}

export function createClock(): Clock {
  let frozen: number | undefined;
  return {
    now: () => frozen ?? Date.now(),
    setNow: (ms) => {
      frozen = ms;
    },
    advance: (ms) => {
      frozen = (frozen ?? Date.now()) + ms;
    },
    useRealTime: () => {
      frozen = undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Requests and responses

export interface SimRequest {
  method: string;
  /** Decoded URL path, without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `http://127.0.0.1:<port>`, for building absolute links. */
  origin: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON unless `raw` is given. */
  body?: unknown;
  /** Sent verbatim (used for malformed payloads and empty bodies). */
  raw?: string;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): SimResponse {
  return { status, body, headers };
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** Last value wins for repeated parameters; use `url` when that matters. */
  query: Record<string, string>;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Simulator clock time at arrival. */
  at: number;
}

export interface FaultSpec {
  status: number;
  /** Defaults to the vendor's own error body for `status`. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Test controls every simulator exposes. Faults and latency only hit the vendor's API routes. */
export interface SimulatorControls {
  readonly requests: LoggedRequest[];
  /** The next `n` API requests answer `fault` instead of being handled. */
  failNext(n: number, fault: FaultSpec): void;
  /** The next API request answers 200 with a body that is not valid JSON. */
  malformedNext(): void;
  /** Delay every API response by `ms` (0 to disable). */
  setLatency(ms: number): void;
  /** Drop queued faults and latency. */
  resetFaults(): void;
}

export interface VendorServer extends SimulatorControls {
  origin: string;
  close(): Promise<void>;
}

export interface VendorServerOptions {
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
  /** The vendor's own error body for a status (used by injected faults and crashes). */
  errorBody(status: number): unknown;
  /** Whether a path is an API route (faults and latency apply) rather than an OAuth/login route. */
  isApi(path: string): boolean;
  clock: Clock;
  /** Content-Type for JSON bodies. */
  contentType?: string;
}

type QueuedFault = { kind: 'fail'; spec: FaultSpec } | { kind: 'malformed' };

export async function startVendorServer(opts: VendorServerOptions): Promise<VendorServer> {
  const requests: LoggedRequest[] = [];
  const faults: QueuedFault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let latencyMs = 0;
  let origin = '';
  const contentType = opts.contentType ?? 'application/json; charset=utf-8';

  // Timers are tracked so close() can cancel pending delays instead of keeping the process alive.
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (res: http.ServerResponse, out: SimResponse) => {
    const headers: Record<string, string> = { ...out.headers };
    let payload = '';
    if (out.raw !== undefined) payload = out.raw;
    else if (out.body !== undefined) {
      payload = JSON.stringify(out.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = contentType;
    }
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(out.status, headers);
    res.end(payload);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let url: URL;
        try {
          // A request target read as a path (`//a:b/x` is a path, not a host), never thrown on: odd paths get a 400.
          url = new URL(`${origin}${req.url ?? '/'}`);
        } catch {
          return send(res, { status: 400, body: opts.errorBody(400) });
        }
        const body = Buffer.concat(chunks).toString('utf8');
        let path = url.pathname;
        try {
          path = decodeURIComponent(url.pathname);
        } catch {
          // keep the raw path; the route tables will answer 404
        }
        requests.push({
          method: req.method ?? 'GET',
          path,
          query: Object.fromEntries(url.searchParams),
          url: url.pathname + url.search,
          headers: req.headers,
          body,
          at: opts.clock.now(),
        });
        try {
          if (opts.isApi(path)) {
            await sleep(latencyMs);
            const fault = faults.shift();
            if (fault?.kind === 'malformed') {
              return send(res, { status: 200, headers: { 'Content-Type': contentType }, raw: '{"items": [ {"truncated' });
            }
            if (fault?.kind === 'fail') {
              await sleep(fault.spec.delayMs ?? 0);
              const errBody = 'body' in fault.spec ? fault.spec.body : opts.errorBody(fault.spec.status);
              return send(res, { status: fault.spec.status, headers: fault.spec.headers, body: errBody });
            }
          }
          send(res, await opts.handle({ method: req.method ?? 'GET', path, query: url.searchParams, headers: req.headers, body, origin }));
        } catch (err) {
          // A simulator bug should surface as a vendor-style 500, not a hung request.
          console.error('[vendor simulator] handler crashed', err);
          if (!res.headersSent) send(res, { status: 500, body: opts.errorBody(500) });
        }
      })();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requests,
    failNext(n, spec) {
      for (let i = 0; i < n; i++) faults.push({ kind: 'fail', spec });
    },
    malformedNext() {
      faults.push({ kind: 'malformed' });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    resetFaults() {
      faults.length = 0;
      latencyMs = 0;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets (fetch pools them) would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

/** Copies the test controls off a VendorServer onto a simulator object. */
export function controlsOf(server: VendorServer): SimulatorControls {
  return {
    requests: server.requests,
    failNext: server.failNext,
    malformedNext: server.malformedNext,
    setLatency: server.setLatency,
    resetFaults: server.resetFaults,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Decodes `Authorization: Basic …`; undefined when absent or not Basic. */
export function parseBasic(authorization: string | undefined): { user: string; pass: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

export function basicHeader(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** SQL-style LIKE (`%` any run, `_` one char), case-insensitive as SQL Server collations are. */
export function likeToRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${re}$`, 'is');
}

// ---------------------------------------------------------------------------------------------
// Contract checks

interface MediaRange {
  type: string;
  subtype: string;
  params: Map<string, string>;
  q: number;
}

function mediaRange(text: string): MediaRange {
  const [range = '', ...rawParams] = text.split(';').map((p) => p.trim());
  const [type = '', subtype = ''] = range.toLowerCase().split('/');
  const params = new Map<string, string>();
  let q = 1;
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (name === 'q') q = Number(value);
    else params.set(name, value);
  }
  return { type, subtype, params, q };
}

/**
 * RFC 9110 content negotiation for one served media type (parameters such as `version` included):
 * no Accept header, or a range that matches it (type, subtype and every parameter the range names)
 * with q > 0, admits it.
 */
export function acceptsMediaType(req: SimRequest, served: string): boolean {
  const accept = header(req, 'accept');
  if (accept === undefined || accept.trim() === '') return true;
  const s = mediaRange(served);
  return accept.split(',').some((part) => {
    const r = mediaRange(part);
    if (!(r.q > 0)) return false;
    if (r.type !== '*' && r.type !== s.type) return false;
    if (r.subtype !== '*' && r.subtype !== s.subtype) return false;
    return [...r.params].every(([k, v]) => s.params.get(k) === v);
  });
}

/** Query parameters of the request that are not in `defined` (names compared exactly, as the contracts write them). */
export function undefinedParams(query: URLSearchParams, defined: readonly string[]): string[] {
  return [...new Set(query.keys())].filter((k) => !defined.includes(k));
}

export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`;
}

export function parseForm(req: SimRequest): URLSearchParams {
  const type = header(req, 'content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      const obj = JSON.parse(req.body) as Record<string, unknown>;
      return new URLSearchParams(Object.entries(obj).map(([k, v]): [string, string] => [k, String(v)]));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(req.body);
}

// ---------------------------------------------------------------------------------------------
// OAuth2 authorization-code issuer

export interface OAuthIssuerOptions {
  clientId: string;
  clientSecret: string;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  codeTtlSec: number;
  /** When set, every successful use pushes expiry to now + TTL, capped at issue + this many seconds. */
  slidingMaxSec?: number;
  /** Extra query parameters added to the authorize redirect (e.g. Sage's `country`). */
  redirectExtras?: (query: URLSearchParams) => Record<string, string>;
  /** Extra fields in the token response. */
  tokenExtras?: () => Record<string, unknown>;
  tokenPrefix: string;
}

export type AccessCheck = 'valid' | 'missing' | 'invalid' | 'expired';

interface AccessToken {
  issuedAt: number;
  expiresAt: number;
}

export interface OAuthIssuer {
  /** GET authorize: auto-approves and 302-redirects to redirect_uri with code and state. */
  authorize(req: SimRequest): SimResponse;
  /** POST token: grant_type authorization_code | refresh_token. */
  token(req: SimRequest): SimResponse;
  check(token: string | undefined): AccessCheck;
  /** Mints an access token without a refresh token (login-style APIs). */
  issueAccessToken(): string;
  expireAccessTokens(): void;
  readonly counters: { authorizations: number; codeExchanges: number; refreshes: number };
}

export function createOAuthIssuer(clock: Clock, o: OAuthIssuerOptions): OAuthIssuer {
  const codes = new Map<string, { redirectUri: string; expiresAt: number; scope: string }>();
  const access = new Map<string, AccessToken>();
  const refresh = new Map<string, { expiresAt: number; scope: string }>();
  const counters = { authorizations: 0, codeExchanges: 0, refreshes: 0 };
  const oauthError = (error: string, description: string) =>
    json(400, { error, error_description: description }, { 'Cache-Control': 'no-store' });

  const issueAccessToken = () => {
    const token = randomToken(`${o.tokenPrefix}at_`);
    access.set(token, { issuedAt: clock.now(), expiresAt: clock.now() + o.accessTokenTtlSec * 1000 });
    return token;
  };

  const issuePair = (scope: string) => {
    const refreshToken = randomToken(`${o.tokenPrefix}rt_`);
    refresh.set(refreshToken, { expiresAt: clock.now() + o.refreshTokenTtlSec * 1000, scope });
    return json(
      200,
      {
        access_token: issueAccessToken(),
        scope,
        token_type: 'bearer',
        expires_in: o.accessTokenTtlSec,
        refresh_token: refreshToken,
        ...o.tokenExtras?.(),
      },
      { 'Cache-Control': 'no-store' },
    );
  };

  return {
    counters,
    issueAccessToken,
    authorize(req) {
      const q = req.query;
      const redirectUri = q.get('redirect_uri');
      // RFC 6749 §4.1.2.1: a bad client or redirect URI must not be redirected to.
      if (q.get('client_id') !== o.clientId) return oauthError('invalid_client', 'Unknown client_id');
      if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return oauthError('invalid_request', 'Missing or invalid redirect_uri');
      const target = new URL(redirectUri);
      const state = q.get('state');
      if (q.get('response_type') !== 'code') {
        target.searchParams.set('error', 'unsupported_response_type');
      } else {
        counters.authorizations++;
        const code = randomToken(`${o.tokenPrefix}code_`);
        const scope = q.get('scope') ?? q.get('scopes') ?? '';
        codes.set(code, { redirectUri, expiresAt: clock.now() + o.codeTtlSec * 1000, scope });
        target.searchParams.set('code', code);
        for (const [k, v] of Object.entries(o.redirectExtras?.(q) ?? {})) target.searchParams.set(k, v);
      }
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { Location: target.toString() }, raw: '' };
    },
    token(req) {
      const form = parseForm(req);
      // Client credentials may come in the body or as HTTP Basic (RFC 6749 §2.3.1).
      const basic = parseBasic(header(req, 'authorization'));
      const clientId = basic ? decodeURIComponent(basic.user) : form.get('client_id');
      const clientSecret = basic ? decodeURIComponent(basic.pass) : form.get('client_secret');
      if (clientId !== o.clientId || clientSecret !== o.clientSecret) return oauthError('invalid_client', 'Client authentication failed');
      const grant = form.get('grant_type');
      if (grant === 'authorization_code') {
        const code = form.get('code') ?? '';
        const entry = codes.get(code);
        codes.delete(code); // single use, even when the exchange fails
        if (!entry || entry.expiresAt <= clock.now()) return oauthError('invalid_grant', 'Authorization code is invalid or expired');
        if (form.get('redirect_uri') !== entry.redirectUri) return oauthError('invalid_grant', 'redirect_uri does not match');
        counters.codeExchanges++;
        return issuePair(entry.scope);
      }
      if (grant === 'refresh_token') {
        const token = form.get('refresh_token') ?? '';
        const entry = refresh.get(token);
        if (!entry || entry.expiresAt <= clock.now()) return oauthError('invalid_grant', 'Refresh token is invalid or expired');
        refresh.delete(token); // rotation: the old refresh token dies on use
        counters.refreshes++;
        return issuePair(entry.scope);
      }
      return oauthError('unsupported_grant_type', `Unsupported grant_type ${grant ?? ''}`);
    },
    check(token) {
      if (!token) return 'missing';
      const t = access.get(token);
      if (!t) return 'invalid';
      const now = clock.now();
      if (t.expiresAt <= now) return 'expired';
      if (o.slidingMaxSec !== undefined) {
        t.expiresAt = Math.min(now + o.accessTokenTtlSec * 1000, t.issuedAt + o.slidingMaxSec * 1000);
      }
      return 'valid';
    },
    expireAccessTokens() {
      const past = clock.now() - 1;
      for (const t of access.values()) t.expiresAt = past;
    },
  };
}
