/**
 * Cloud Elements' delivery schedule: the x-th retry comes about 4^x seconds after the first failure
 * (4 s, 16 s, 64 s, … 4^9 s ≈ 73 h), every delay multiplied by POLLSTER_RETRY_SCALE.
 */
export function retryScale(env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.POLLSTER_RETRY_SCALE ?? 1);
  return Number.isFinite(scale) && scale >= 0 ? scale : 1;
}

/** When retry number `x` (1-based) is due, for a first failure at `firstFailureAtMs`. */
export function retryDueAt(firstFailureAtMs: number, x: number, scale = retryScale()): number {
  return firstFailureAtMs + Math.round(4 ** x * 1000 * scale);
}
