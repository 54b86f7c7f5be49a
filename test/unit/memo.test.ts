import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoByKey } from '../../core/memo';

describe('memoByKey', () => {
  test('computes once per key and hands back the same value', () => {
    const calls: string[] = [];
    const steps = memoByKey((key: string) => (calls.push(key), key.split('.')));
    const first = steps('a.b');
    assert.equal(steps('a.b'), first);
    assert.deepEqual(steps('c'), ['c']);
    assert.deepEqual(calls, ['a.b', 'c']);
  });

  test('keeps at most `size` values, then starts over', () => {
    const calls: string[] = [];
    const upper = memoByKey((key: string) => (calls.push(key), key.toUpperCase()), 2);
    upper('a');
    upper('b');
    upper('a'); // kept
    upper('c'); // a third key: the memory starts over with it
    upper('a'); // computed again
    assert.deepEqual(calls, ['a', 'b', 'c', 'a']);
  });
});
