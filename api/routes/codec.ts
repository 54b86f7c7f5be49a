/**
 * The remote codec endpoint for the Temporal UI and CLI (`/codec/encode`, `/codec/decode`): whoever
 * holds the API credentials sees decoded payloads. The UI cannot send our Authorization header, so it
 * is given a derived key in the path instead (`/codec/<key>/decode`, see `codecPathKey`). The dev
 * server's UI has no sign-in of its own, so what it decodes through that key has every credential
 * masked; full payloads need the API credentials in the Authorization header.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { parseAuthorization, platformAuthorized, secretEquals, type ApiSecrets } from '../auth';
import { ApiError } from '../errors';
import { isSecretKey, MASK } from '../../core/instanceSpec';

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

export const codecRoutes = (codec: PayloadCodec, secrets: ApiSecrets): FastifyPluginAsync => async (app) => {
  const cors = (request: FastifyRequest, reply: FastifyReply): void => {
    const origin = request.headers.origin;
    if (!origin) return;
    void reply
      .header('access-control-allow-origin', origin)
      .header('vary', 'origin')
      .header('access-control-allow-credentials', 'true')
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type, x-namespace, authorization');
  };

  /** 'full' for the API credentials, 'masked' for the UI's path key. */
  const authorize = (request: FastifyRequest<{ Params: { key?: string } }>): 'full' | 'masked' => {
    const key = request.params.key;
    if (key === undefined && platformAuthorized(parseAuthorization(request.headers.authorization), secrets)) return 'full';
    if (key !== undefined && secretEquals(key, codecPathKey(secrets))) return 'masked';
    throw new ApiError(401, 'the codec needs the API credentials');
  };

  for (const prefix of ['/codec', '/codec/:key']) {
    app.options(`${prefix}/:op`, async (request, reply) => {
      cors(request, reply);
      return reply.status(204).send();
    });
    for (const op of ['encode', 'decode'] as const) {
      app.post<{ Params: { key?: string } }>(`${prefix}/${op}`, async (request, reply) => {
        cors(request, reply);
        const access = authorize(request);
        const parsed = payloadsBody.safeParse(request.body);
        if (!parsed.success) throw new ApiError(400, 'expected { "payloads": [...] }');
        const payloads = parsed.data.payloads.map(fromJson);
        const result = op === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        return { payloads: (op === 'decode' && access === 'masked' ? result.map(maskCredentials) : result).map(toJson) };
      });
    }
  }
};
