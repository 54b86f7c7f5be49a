/** Failures as the workflow reads them: an activity failure wraps the activity's own ApplicationFailure. */
import { ApplicationFailure } from '@temporalio/workflow';

/** The innermost failure. */
export function rootCause(err: unknown): unknown {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e;
}

export function failureType(err: unknown): string | undefined {
  const e = rootCause(err);
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}

export function errorMessage(err: unknown): string {
  const e = rootCause(err);
  if (e instanceof ApplicationFailure && e.type) return `${e.type}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
