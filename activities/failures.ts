/** Provider errors as Temporal failures: retried with the provider's Retry-After, or not retried at all. */
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { FailureType } from '../contract/failures';
import { MAX_IN_POLL_RETRY_AFTER_MS } from '../contract/retryPolicy';
import { ProviderError } from '../elements/providerError';

export function toFailure(err: unknown): Error {
  if (!(err instanceof ProviderError)) return err instanceof Error ? err : new Error(String(err));
  switch (err.kind) {
    case 'retryable':
      if (err.retryAfterMs !== undefined && err.retryAfterMs > MAX_IN_POLL_RETRY_AFTER_MS) {
        return ApplicationFailure.create({ message: `${err.message} (longer than a poll waits: the next poll asks again)`, type: FailureType.providerUnavailable, nonRetryable: true });
      }
      // A zero delay reads as "none" on the server, which then ends the retries: `Retry-After: 0` waits 10 ms.
      return ApplicationFailure.create({ message: err.message, type: FailureType.providerUnavailable, nextRetryDelay: err.retryAfterMs === undefined ? undefined : Math.max(10, err.retryAfterMs) });
    case 'auth':
      return ApplicationFailure.nonRetryable(err.message, FailureType.auth);
    default:
      return ApplicationFailure.nonRetryable(err.message, FailureType.providerRequest);
  }
}

/** The failure with a page run's last recorded progress as its details, for the workflow to resume from. */
export function withProgress(err: unknown, progress: unknown): unknown {
  if (!(err instanceof Error)) return err;
  if (progress === undefined || err instanceof CancelledFailure) return err;
  const f = err instanceof ApplicationFailure ? err : ApplicationFailure.create({ message: err.message, type: err.name, cause: err });
  return ApplicationFailure.create({ message: f.message, type: f.type ?? undefined, nonRetryable: f.nonRetryable ?? undefined, nextRetryDelay: f.nextRetryDelay, cause: f.cause, details: [progress] });
}
