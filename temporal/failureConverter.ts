/**
 * Failures with their message and stack trace moved into an encoded attributes payload, which the
 * codec encrypts like any other: a provider's error text never sits in history in clear (the
 * failure's plain message reads "Encoded failure"). Loaded by path (`failureConverterPath` in
 * temporal/codec.ts): by the SDK for activities and clients, and bundled into the workflow code.
 *
 * One exception: the stale-clock guard's refusal of a query (workflows/interceptors.ts), a fixed text
 * Pollster wrote, stays readable, so the API can answer it as "try again" rather than as a failure.
 */
import { DefaultFailureConverter, type FailureConverter, type PayloadConverter, type ProtoFailure } from '@temporalio/common';
import { STALE_QUERY_MESSAGE } from '../contract/failures';

const encoded = new DefaultFailureConverter({ encodeCommonAttributes: true });
const plain = new DefaultFailureConverter();

export const failureConverter: FailureConverter = {
  errorToFailure(err: unknown, payloadConverter: PayloadConverter): ProtoFailure {
    const readable = err instanceof Error && err.message === STALE_QUERY_MESSAGE;
    return (readable ? plain : encoded).errorToFailure(err, payloadConverter);
  },
  // Reads both: an encoded failure is decoded, a plain one taken as it is.
  failureToError: (failure: ProtoFailure, payloadConverter: PayloadConverter): Error => encoded.failureToError(failure, payloadConverter),
};
