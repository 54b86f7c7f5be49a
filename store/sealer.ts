/**
 * Values the store must not hold in clear (payloads, callback URLs, error text, request lists)
 * go through the same PayloadCodec as Temporal's payloads: JSON payload → codec → protobuf bytes.
 * The codec's metadata names its key, so rotating POLLSTER_ENCRYPTION_KEY (the old key kept in
 * POLLSTER_PREVIOUS_ENCRYPTION_KEYS) leaves every stored value readable, as in Temporal.
 */
import { defaultPayloadConverter, encodingKeys, METADATA_ENCODING_KEY, type Payload as PayloadValue, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { Payload } = proto.temporal.api.common.v1;
const encodingOf = (metadata: Record<string, Uint8Array> | null | undefined): string => Buffer.from(metadata?.[METADATA_ENCODING_KEY] ?? []).toString();

/**
 * The SDK's JSON payload, byte for byte, with its text encoded by Node: the SDK's converter encodes UTF-8 in plain
 * JavaScript (it serves the workflow sandbox too), a tenth of the worker's CPU when the delivery log seals every
 * notification. Other values (undefined, bytes) keep the SDK's converters.
 */
export function toPayload(value: unknown): PayloadValue {
  if (value === undefined || value instanceof Uint8Array) return defaultPayloadConverter.toPayload(value);
  return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data: Buffer.from(JSON.stringify(value)) };
}

export class Sealer {
  constructor(private readonly codec: PayloadCodec) {}

  /** One sealed blob per value, in order. */
  async seal(values: readonly unknown[]): Promise<Buffer[]> {
    if (values.length === 0) return [];
    const plain = values.map(toPayload);
    const encoded = await this.codec.encode(plain);
    return encoded.map((payload, i) => {
      // A codec that passes JSON through would store records in clear: refuse rather than write.
      if (encodingOf(payload.metadata) === encodingOf(plain[i]!.metadata)) throw new Error('the store needs an encrypting payload codec (POLLSTER_ENCRYPTION_KEY)');
      return Buffer.from(Payload.encode(payload).finish());
    });
  }

  async open<T>(blobs: readonly Uint8Array[]): Promise<T[]> {
    if (blobs.length === 0) return [];
    const decoded = await this.codec.decode(blobs.map((blob) => Payload.decode(blob)));
    return decoded.map((payload) => defaultPayloadConverter.fromPayload<T>(payload));
  }

  async sealOne(value: unknown): Promise<Buffer> {
    return (await this.seal([value]))[0]!;
  }

  async openOne<T>(blob: Uint8Array): Promise<T> {
    return (await this.open<T>([blob]))[0]!;
  }
}
