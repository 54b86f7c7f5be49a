/**
 * Activity functions written for workflow tests: each records its inputs and answers as the test scripts it (a
 * result, or a failure of a chosen type carrying chosen details). The workflows run for real against them.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { PageRunProgress, PollPageInput, PollPageResult } from '../../contract/activities';
import type { DeliveryAttempt, DeliveryAttemptResult, PendingNotification } from '../../contract/delivery';

/** A page run's result: nothing found and no next page, unless overridden. */
export function pageRun(overrides: Partial<PollPageResult> = {}): PollPageResult {
  return { records: 0, events: 0, problems: 0, boundaryCandidates: [], pageKeys: [], notifications: [], ...overrides };
}

/** How far a failed page run got (what pollPage puts in its failure). */
export function progress(overrides: Partial<PageRunProgress> = {}): PageRunProgress {
  return { previousPageKeys: [], result: pageRun(), ...overrides };
}

/**
 * A failure that is not retried by the page run's retry policy (the stub answers once per poll), of `type`, carrying
 * `details` as pollPage's failures carry their recorded progress.
 */
export function failure(type: string, message: string, details?: PageRunProgress): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

type Answer<I, R> = (input: I, call: number) => R | Promise<R>;

/** pollPage: every input recorded; answers by `answer` (call numbers count from 1), or an empty last page. */
export class PollPageStub {
  readonly calls: PollPageInput[] = [];
  answer: Answer<PollPageInput, PollPageResult> = () => pageRun();

  readonly pollPage = async (input: PollPageInput): Promise<PollPageResult> => {
    this.calls.push(structuredClone(input));
    return this.answer(input, this.calls.length);
  };

  /** The calls for one resource. */
  of(resource: string): PollPageInput[] {
    return this.calls.filter((c) => c.resourceName === resource);
  }
}

/** deliverNotification: every item recorded; answers by `answer`, or delivered with one more attempt. */
export class DeliverStub {
  readonly calls: PendingNotification[] = [];
  answer: Answer<PendingNotification, number> = (item) => item.attempts + 1;

  readonly deliverNotification = async (item: PendingNotification): Promise<number> => {
    this.calls.push(structuredClone(item));
    return this.answer(item, this.calls.length);
  };

  /** The notification ids delivery was attempted for, in order. */
  get ids(): string[] {
    return this.calls.map((c) => c.notification.id);
  }
}

/** An attempt the stub saw: its input and when it ran (this process's clock). */
export interface SeenAttempt extends DeliveryAttempt {
  atMs: number;
}

/** attemptDelivery: every attempt recorded; answers by `answer` (delivered, unless scripted otherwise). */
export class AttemptStub {
  readonly calls: SeenAttempt[] = [];
  answer: Answer<DeliveryAttempt, Partial<DeliveryAttemptResult>> = () => ({ ok: true, status: 200 });
  /** The retry scale the stub reports, as a worker reports POLLSTER_RETRY_SCALE. */
  retryScale = 1;

  readonly attemptDelivery = async (attempt: DeliveryAttempt): Promise<DeliveryAttemptResult> => {
    const atMs = Date.now();
    this.calls.push({ ...structuredClone(attempt), atMs });
    const answer = await this.answer(attempt, this.calls.length);
    return { ok: false, status: 0, attempts: attempt.item.attempts + 1, atMs, retryScale: this.retryScale, ...answer };
  };

  /** The notification ids attempted, in order. */
  get ids(): string[] {
    return this.calls.map((c) => c.item.notification.id);
  }
}

/** A callback's answers, as attemptDelivery reports them. */
export const answers = {
  ok: { ok: true, status: 200 },
  unavailable: { ok: false, status: 503, error: 'callback answered 503' },
  gone: { ok: false, status: 410, error: 'callback answered 410' },
  tooMany: (retryAfterMs: number) => ({ ok: false, status: 429, error: 'callback answered 429', retryAfterMs }),
} satisfies Record<string, Partial<DeliveryAttemptResult> | ((ms: number) => Partial<DeliveryAttemptResult>)>;
