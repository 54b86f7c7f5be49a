/** GET /instances page tokens: the API opens only the tokens it sealed, for the same tags (api/instances/pageToken.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pageTokens } from '../../api/instances/pageToken';

const secrets = { userSecret: 'page-user', organizationSecret: 'page-org' };
const tokens = pageTokens(secrets);
const temporalToken = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b).toString('base64url'));
const filter = fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 });

test('a sealed token opens to the same token, for the same filter, with the same credentials', () => {
  fc.assert(
    fc.property(temporalToken, filter, (token, tags) => {
      const sealed = tokens.seal(tags, token);
      assert.match(sealed, /^[A-Za-z0-9_.-]+$/, 'fits the query parameter');
      assert.equal(tokens.open(tags, sealed), token);
      assert.equal(pageTokens({ ...secrets }).open(tags, sealed), token, 'another API replica with the same credentials');
    }),
  );
});

test('a token is refused for another filter, after any change, or under other credentials', () => {
  fc.assert(
    fc.property(temporalToken, filter, filter, fc.nat(), (token, tags, other, at) => {
      const sealed = tokens.seal(tags, token);
      if (JSON.stringify(other) !== JSON.stringify(tags)) assert.equal(tokens.open(other, sealed), undefined);
      const i = at % sealed.length; // the last character too: base64url's spare bits do not make a second valid spelling
      const changed = sealed.slice(0, i) + (sealed[i] === 'A' ? 'B' : 'A') + sealed.slice(i + 1);
      assert.equal(tokens.open(tags, changed), undefined, `changed at ${i}`);
      assert.equal(pageTokens({ ...secrets, userSecret: 'other' }).open(tags, sealed), undefined);
    }),
  );
  for (const garbage of ['', 'AA', '.', 'AA.', '.AA', token16('x')]) assert.equal(tokens.open([], garbage), undefined, garbage);
});

function token16(s: string): string {
  return `${Buffer.from(s).toString('base64url')}.${'A'.repeat(22)}`;
}
