/**
 * AES-256-GCM PayloadCodec: every payload Pollster writes to Temporal (inputs, results, memo,
 * signals, and failure messages through temporal/failureConverter.ts) is encrypted, so instance
 * secrets and provider error text never sit in history in clear. Metadata names the key
 * by id, so a new key can be introduced while old histories stay readable.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto;

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function parseKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('POLLSTER_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  return key;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer };

  /** `key` encrypts; `previous` keys still decrypt (rotation). */
  constructor(key: Buffer, previous: Buffer[] = []) {
    this.current = { id: keyId(key), key };
    this.keys = new Map([key, ...previous].map((k) => [keyId(k), k]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.current.id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString() !== ENCODING) return payload;
      const id = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.keys.get(id);
      if (!key) throw new Error(`payload encrypted with unknown key ${id}`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The codec from the environment: POLLSTER_ENCRYPTION_KEY, plus POLLSTER_PREVIOUS_ENCRYPTION_KEYS (comma-separated) for rotation. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec {
  const key = env.POLLSTER_ENCRYPTION_KEY;
  if (!key) throw new Error('POLLSTER_ENCRYPTION_KEY is not set (npm start generates one into the data dir)');
  const previous = (env.POLLSTER_PREVIOUS_ENCRYPTION_KEYS ?? '').split(',').filter(Boolean).map(parseKey);
  return new EncryptionCodec(parseKey(key), previous);
}

/** The failure converter's file in a compiled worker: beside dist/worker.mjs (scripts/build-worker.ts). */
export const FAILURE_CONVERTER_BUILT = 'failureConverter.cjs';

/**
 * The failure converter that encodes messages and stack traces (temporal/failureConverter.ts): for data converters
 * and workflow bundles. The SDK loads it by path: the source beside this file, or the compiled one beside the
 * compiled worker when this module runs from there.
 */
export const failureConverterPath = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './failureConverter.ts' : `./${FAILURE_CONVERTER_BUILT}`, import.meta.url));

export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): { payloadCodecs: PayloadCodec[]; failureConverterPath: string } {
  return { payloadCodecs: [codecFromEnv(env)], failureConverterPath };
}
