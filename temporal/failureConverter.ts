/**
 * Failures with their message and stack trace moved into an encoded attributes payload, which the
 * codec encrypts like any other: a provider's error text never sits in history in clear (the
 * failure's plain message reads "Encoded failure"). Loaded by path (`failureConverterPath` in
 * temporal/codec.ts): by the SDK for activities and clients, and bundled into the workflow code.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
