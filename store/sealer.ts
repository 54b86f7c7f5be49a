/**
 * Values the store must not hold in clear (payloads, callback URLs, error text, request lists)
 * go through the same PayloadCodec as Temporal's payloads: JSON payload → codec → protobuf bytes.
 * The codec's metadata names its key, so rotating POLLSTER_ENCRYPTION_KEY (the old key kept in
 * POLLSTER_PREVIOUS_ENCRYPTION_KEYS) leaves every stored value readable, as in Temporal.
 */
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { Payload } = proto.temporal.api.common.v1;
const encodingOf = (metadata: Record<string, Uint8Array> | null | undefined): string => Buffer.from(metadata?.[METADATA_ENCODING_KEY] ?? []).toString();

export class Sealer {
  constructor(private readonly codec: PayloadCodec) {}

  /** One sealed blob per value, in order. */
  async seal(values: readonly unknown[]): Promise<Buffer[]> {
    if (values.length === 0) return [];
    const plain = values.map((value) => defaultPayloadConverter.toPayload(value));
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
