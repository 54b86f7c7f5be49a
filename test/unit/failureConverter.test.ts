/**
 * The failure converter: every failure's message and stack go into the encoded attributes (the codec encrypts them),
 * except the stale-clock guard's fixed refusal, which the API must read. Both come back as the error they were.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { STALE_QUERY_MESSAGE } from '../../contract/failures';
import { failureConverter } from '../../temporal/failureConverter';

describe('failure converter', () => {
  const cases: [string, Error, boolean][] = [
    ['a provider error carrying a secret', new Error('401 from https://api.example.com?apikey=s3cret'), false],
    ['an application failure', ApplicationFailure.create({ type: 'ProviderRequestError', message: 'token s3cret refused' }), false],
    ['an error that only starts like the refusal', new Error(`${STALE_QUERY_MESSAGE} s3cret`), false],
    ["the stale-clock guard's refusal", new Error(STALE_QUERY_MESSAGE), true],
  ];
  for (const [name, error, readable] of cases) {
    test(`${name}: ${readable ? 'left readable' : 'encoded'}, and read back`, () => {
      const failure = failureConverter.errorToFailure(error, defaultPayloadConverter);
      if (readable) {
        assert.equal(failure.message, STALE_QUERY_MESSAGE);
        assert.equal(failure.encodedAttributes, undefined);
      } else {
        assert.equal(failure.message, 'Encoded failure');
        assert.ok(!JSON.stringify({ ...failure, encodedAttributes: undefined }).includes('s3cret'), 'only the encoded attributes (encrypted by the codec) hold the text');
      }
      assert.equal(failureConverter.failureToError(failure, defaultPayloadConverter).message, error.message);
    });
  }
});
