/**
 * Process environment the bench needs before any Pollster module loads (imported first by run.ts):
 * the outbound address policy reads POLLSTER_ALLOW_PRIVATE_CALLBACKS / _PROVIDERS at each connection,
 * and the client's codec needs a key. Every run encrypts with a throwaway key.
 */
import { randomBytes } from 'node:crypto';

process.env.POLLSTER_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
// All load stays on 127.0.0.1: the receiver is a loopback address, which production refuses.
process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';

/** Integer knob from the environment. */
export function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${v}'`);
  return n;
}

export function listEnv(name: string): string[] | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}
