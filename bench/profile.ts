/**
 * The codec's share of the hot path: temporal/codec.ts EncryptionCodec on the very payloads B1's
 * pollPage activities wrote to history (decoded first, then timed both ways). In the worker each
 * pollPage payload is encoded once and decoded once (input: workflow → activity; result: activity →
 * workflow), so per page that is two encodes and two decodes.
 */
import type { Payload } from '@temporalio/common';
import { codecFromEnv } from '../temporal/codec';
import { round } from './lib/stats';

export interface CodecCost {
  payloads: number;
  inputBytes: number;
  resultBytes: number;
  encodeUsPerKb: number;
  decodeUsPerKb: number;
  /** Encode + decode of one page's input and result, µs. */
  usPerPage: number;
}

async function time(fn: () => Promise<unknown>, minMs = 300): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return (1000 * (performance.now() - t0)) / n; // µs per call
}

export async function codecCost(sample: { input: Payload[]; result: Payload[] }): Promise<CodecCost | undefined> {
  const codec = codecFromEnv();
  const pick = (list: Payload[]): Payload | undefined => list[Math.floor(list.length / 2)];
  const encryptedIn = pick(sample.input);
  const encryptedOut = pick(sample.result);
  if (!encryptedIn || !encryptedOut) return undefined;
  const [plainIn] = await codec.decode([encryptedIn]);
  const [plainOut] = await codec.decode([encryptedOut]);
  const size = (p: Payload): number => p.data?.length ?? 0;
  // Warm up, then time.
  for (let i = 0; i < 200; i++) await codec.decode(await codec.encode([plainIn!, plainOut!]));
  const encIn = await time(() => codec.encode([plainIn!]));
  const encOut = await time(() => codec.encode([plainOut!]));
  const decIn = await time(() => codec.decode([encryptedIn]));
  const decOut = await time(() => codec.decode([encryptedOut]));
  const kb = (size(plainIn!) + size(plainOut!)) / 1024;
  return {
    payloads: sample.input.length + sample.result.length,
    inputBytes: size(plainIn!),
    resultBytes: size(plainOut!),
    encodeUsPerKb: round((encIn + encOut) / kb, 2),
    decodeUsPerKb: round((decIn + decOut) / kb, 2),
    usPerPage: round(encIn + encOut + decIn + decOut, 1),
  };
}
