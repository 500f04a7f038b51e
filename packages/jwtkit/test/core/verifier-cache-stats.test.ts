// createVerifier(...).cacheStats(): hits, misses, size and capacity, as a monitoring hook (the service
// exports them as metrics). A key change on a hit counts as a miss (the signature is checked again).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createVerifier, encode } from '../../src/index.js';
import { SECRET } from './_helpers.js';

describe('verifier cache stats', () => {
  test('hits, misses, size and capacity', () => {
    const a = encode({ sub: 'a' }, SECRET, { algorithm: 'HS256' });
    const b = encode({ sub: 'b' }, SECRET, { algorithm: 'HS256' });
    const verify = createVerifier(SECRET, { algorithms: ['HS256'], cache: 2 });
    assert.deepEqual(verify.cacheStats(), { capacity: 2, size: 0, hits: 0, misses: 0 });
    verify(a);
    verify(a);
    verify(a);
    verify(b);
    assert.deepEqual(verify.cacheStats(), { capacity: 2, size: 2, hits: 2, misses: 2 });
    assert.throws(() => verify(`${a}x`));
    assert.equal(verify.cacheStats().hits, 2, 'a failure is not a hit');
  });

  test('a key replaced under the same kid: the hit becomes a miss (verified again, refused)', () => {
    const keys = new Map([['k1', SECRET]]);
    const token = encode({ sub: 'a' }, SECRET, { algorithm: 'HS256', keyId: 'k1' });
    const verify = createVerifier((h) => keys.get(String(h.kid)) ?? 'no-such-key-no-such-key-no-such-k', {
      algorithms: ['HS256'],
      cache: true,
    });
    verify(token);
    verify(token);
    keys.set('k1', 'another-secret-another-secret-123');
    assert.throws(() => verify(token));
    assert.deepEqual(verify.cacheStats(), { capacity: 1000, size: 0, hits: 1, misses: 2 });
  });

  test('without a cache: all zero', () => {
    const verify = createVerifier(SECRET, { algorithms: ['HS256'] });
    verify(encode({}, SECRET, { algorithm: 'HS256' }));
    assert.deepEqual(verify.cacheStats(), { capacity: 0, size: 0, hits: 0, misses: 0 });
  });
});
