/** Runs an activity function in the SDK's MockActivityEnvironment: no Temporal server, `info` as a test sets it. */
import type { Info } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * One attempt of an activity. A retry is `{ attempt: 2, heartbeatDetails: <what the first attempt recorded> }`,
 * which is what the server hands the next attempt.
 */
export function runAttempt<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, info: Partial<Info> = {}): Promise<R> {
  return new MockActivityEnvironment(info, { logger: quiet }).run(fn, ...args);
}

/** The error an attempt failed with (the test fails if it succeeded). */
export async function failureOf<A extends unknown[]>(fn: (...args: A) => Promise<unknown>, args: A, info: Partial<Info> = {}): Promise<Error> {
  try {
    await runAttempt(fn, args, info);
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`the attempt threw a non-Error: ${String(err)}`);
  }
  throw new Error('the attempt succeeded; a failure was expected');
}
