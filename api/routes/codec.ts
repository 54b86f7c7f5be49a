/**
 * The remote codec endpoint for the Temporal UI and CLI (`/codec/encode`, `/codec/decode`): whoever
 * holds the API credentials sees decoded payloads. The UI cannot send our Authorization header, so it
 * is given a derived key in the path instead (`/codec/<key>/decode`, see `codecPathKey`). The dev
 * server's UI has no sign-in of its own and shows that key to whoever opens it, so the key only
 * decodes, with every credential masked: encoding (which would write payloads under the production
 * key) and full payloads need the API credentials in the Authorization header. Browsers may call it
 * from the Temporal UI's origin only, and the key never reaches the API's log.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { parseAuthorization, platformAuthorized, secretEquals, type ApiSecrets } from '../auth';
import { ApiError, badRequest } from '../errors';
import { isSecretKey, MASK } from '../../core/instanceSpec';
import { issuePath } from '../plugins/validation';
import { temporalUiUrl } from './console';

/** Keys that hold credentials anywhere in a payload: configuration secrets, tokens, OAuth credentials. */
const isCredentialKey = (key: string): boolean => isSecretKey(key) || /^(token|accessToken|refreshToken|signatureKey|providerCode|code)$/.test(key);

/** The payload as the Temporal UI may show it: JSON with every credential masked. */
function maskCredentials(payload: Payload): Payload {
  const encoding = Buffer.from(payload.metadata?.['encoding'] ?? []).toString();
  if (encoding !== 'json/plain') return encoding === 'binary/null' ? payload : { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"(binary payload hidden)"') };
  const mask = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(mask);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isCredentialKey(k) && (typeof v === 'string' || typeof v === 'object') && v !== null ? MASK : mask(v)]));
    }
    return value;
  };
  try {
    return { ...payload, data: Buffer.from(JSON.stringify(mask(JSON.parse(Buffer.from(payload.data ?? []).toString())))) };
  } catch {
    return { metadata: payload.metadata, data: Buffer.from('"(unreadable payload hidden)"') };
  }
}

/** A path key derived from the secrets: usable only for the codec, revealed only to the dev server's UI. */
export function codecPathKey(secrets: ApiSecrets): string {
  return createHmac('sha256', secrets.organizationSecret).update(`codec:${secrets.userSecret}`).digest('base64url').slice(0, 32);
}

// The Temporal CLI sends `{}` when there is nothing to convert.
const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })).default([]),
});

type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** `/codec/<key>/…` with the key replaced: for log lines and anything else that records URLs. */
export function maskCodecPathKey(url: string): string {
  return url.replace(/\/codec\/(?!(?:encode|decode)(?:[/?#]|$))[^/?#]+/g, '/codec/***');
}

/**
 * Fastify's request serializer with the codec path key masked in the URL: plug into the logger
 * options (`serializers: { req: codecSafeRequest }`).
 */
export function codecSafeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: maskCodecPathKey(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

const LOOPBACK_TWINS: Record<string, string> = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' };

/**
 * Browser origins allowed to call the codec: POLLSTER_CODEC_ALLOWED_ORIGINS (comma-separated), else
 * the Temporal UI's (the option, POLLSTER_TEMPORAL_UI_URL, or the dev server's UI port), with its
 * loopback twin (`localhost` for `127.0.0.1` and back) so either name of a local UI works.
 */
export function codecAllowedOrigins(uiUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): Set<string> {
  const configured = env.POLLSTER_CODEC_ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean);
  const origins = new Set<string>();
  for (const text of configured?.length ? configured : [temporalUiUrl(uiUrl, env)]) {
    const url = new URL(text);
    origins.add(url.origin);
    const twin = LOOPBACK_TWINS[url.hostname];
    if (twin && !configured?.length) origins.add(`${url.protocol}//${twin}${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}

export interface CodecRouteOptions {
  /** The Temporal UI whose origin may call the codec from a browser (see codecAllowedOrigins). */
  uiUrl?: string;
}

export const codecRoutes =
  (codec: PayloadCodec, secrets: ApiSecrets, options: CodecRouteOptions = {}): FastifyPluginAsync =>
  async (app) => {
    const allowed = codecAllowedOrigins(options.uiUrl);

    /** CORS for the UI's origin; any other browser origin is refused outright (a simple request needs no preflight). */
    const cors = (request: FastifyRequest, reply: FastifyReply): void => {
      const origin = request.headers.origin;
      if (!origin) return;
      if (!allowed.has(origin)) throw new ApiError(403, `origin ${origin} may not call the codec (allowed: ${[...allowed].join(', ')}; POLLSTER_CODEC_ALLOWED_ORIGINS)`);
      void reply
        .header('access-control-allow-origin', origin)
        .header('vary', 'origin')
        .header('access-control-allow-credentials', 'true')
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type, x-namespace, authorization');
    };

    /** 'full' for the API credentials, 'masked' for the UI's path key, which only decodes. */
    const authorize = (request: FastifyRequest<{ Params: { key?: string } }>, op: 'encode' | 'decode'): 'full' | 'masked' => {
      const key = request.params.key;
      if (key === undefined && platformAuthorized(parseAuthorization(request.headers.authorization), secrets)) return 'full';
      if (key !== undefined && secretEquals(key, codecPathKey(secrets))) {
        if (op === 'encode') throw new ApiError(403, 'the codec path key only decodes; encoding needs the API credentials (Authorization header, /codec/encode)');
        return 'masked';
      }
      throw new ApiError(401, 'the codec needs the API credentials');
    };

    /** Each payload decrypted on its own, so a damaged one is a 400 that names it instead of a 500. */
    const decodeEach = async (payloads: Payload[]): Promise<Payload[]> => {
      const out: Payload[] = [];
      for (const [i, payload] of payloads.entries()) {
        try {
          out.push(...(await codec.decode([payload])));
        } catch (err) {
          const why = /unknown key/.test((err as Error).message) ? (err as Error).message : 'damaged or not encrypted by Pollster';
          throw badRequest([{ path: `payloads[${i}]`, message: `cannot be decrypted: ${why}` }]);
        }
      }
      return out;
    };

    for (const prefix of ['/codec', '/codec/:key']) {
      app.options(`${prefix}/:op`, async (request, reply) => {
        cors(request, reply);
        return reply.status(204).send();
      });
      for (const op of ['encode', 'decode'] as const) {
        app.post<{ Params: { key?: string } }>(`${prefix}/${op}`, async (request, reply) => {
          cors(request, reply);
          const access = authorize(request, op);
          const parsed = payloadsBody.safeParse(request.body);
          if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => ({ path: issuePath('body', i.path), message: `${i.message} (expected { "payloads": [...] })` })));
          const payloads = parsed.data.payloads.map(fromJson);
          const result = op === 'encode' ? await codec.encode(payloads) : await decodeEach(payloads);
          return { payloads: (op === 'decode' && access === 'masked' ? result.map(maskCredentials) : result).map(toJson) };
        });
      }
    }
  };
