import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Sealer, toPayload } from '../../store/sealer';
import { EncryptionCodec } from '../../temporal/codec';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const bytes = (payload: Payload): Buffer => Buffer.from(PayloadMessage.encode(payload).finish());

// Strings of any UTF-16 code units, lone surrogates included: the encoders must agree on every one.
const anyText = fc.string({ unit: 'binary' });
const values = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(anyText, fc.oneof(anyText, fc.double(), fc.array(anyText))),
  fc.array(fc.record({ callbackUrl: anyText, payload: fc.jsonValue() })),
);

describe("the store's payloads", () => {
  test('are the SDK JSON converter\'s payloads, byte for byte, for any JSON value', () => {
    fc.assert(
      fc.property(values, (value) => {
        assert.deepEqual(bytes(toPayload(value)), bytes(defaultPayloadConverter.toPayload(value)));
      }),
      { numRuns: 500 },
    );
  });

  test("undefined and bytes keep the SDK's converters", () => {
    for (const value of [undefined, new Uint8Array([0, 255, 7])]) assert.deepEqual(bytes(toPayload(value)), bytes(defaultPayloadConverter.toPayload(value)));
  });

  test('open what seal made, and what the SDK converter made before', async () => {
    const codec = new EncryptionCodec(randomBytes(32));
    const sealer = new Sealer(codec);
    await fc.assert(
      fc.asyncProperty(fc.array(values, { maxLength: 4 }), async (list) => {
        const expected = list.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
        assert.deepEqual(await sealer.open(await sealer.seal(list)), expected);
        const before = (await codec.encode(list.map((v) => defaultPayloadConverter.toPayload(v)))).map(bytes);
        assert.deepEqual(await sealer.open(before), expected);
      }),
      { numRuns: 100 },
    );
  });

  test('refuse a codec that leaves them in clear', async () => {
    const passThrough: PayloadCodec = { encode: async (p) => p, decode: async (p) => p };
    await assert.rejects(new Sealer(passThrough).seal([{ secret: 'x' }]), /needs an encrypting payload codec/);
  });
});
