/**
 * Wycheproof JOSE vectors through the public JWS API: json_web_key_test.json (key import, JWK/JWKS checks:
 * ROCA, 1024-bit RSA, e=1, short/empty HMAC keys, mixed sets, duplicate kid, wrong use, alg/curve mismatch,
 * AES keys marked "sig", modified keys) and json_web_signature_test.json. Every case must agree.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALGORITHMS, JwtError, verifyJws } from '../../src/index.js';
import { loadVector } from '../_vectors.js';

interface WycheproofFile {
  numberOfTests: number;
  testGroups: Array<{
    comment?: string;
    private?: unknown;
    public?: unknown;
    tests: Array<{ tcId: number; comment: string; jws: unknown; result: string }>;
  }>;
}

/**
 * Known data problems (see packages/jwtkit/test/vectors/README.md). The expected outcome is replaced, with the
 * reason; the case still runs.
 */
const SIGNATURE_OVERRIDES: Record<number, { result: 'valid' | 'invalid'; why: string }> = {
  // Byte-identical to the valid tcId 357 (upstream C2SP/wycheproof#236): a correctly MACed token.
  367: { result: 'valid', why: 'identical to tcId 357 (C2SP/wycheproof#236)' },
  370: { result: 'valid', why: 'identical to tcId 357 (C2SP/wycheproof#236)' },
  // Contain a "?" inside a segment; the MAC only matches once it is removed. A strict base64url decoder refuses.
  372: { result: 'invalid', why: '"?" inside the header: not base64url' },
  373: { result: 'invalid', why: '"?" inside the payload: not base64url' },
  // The JWK says alg PS256 but the token is RFC 7520 §4.2's PS384; jwtkit honours the JWK's alg member.
  346: { result: 'invalid', why: 'JWK alg PS256, token PS384: the JWK alg member is enforced' },
  350: { result: 'invalid', why: 'JWK alg PS256, token PS384: the JWK alg member is enforced' },
  // The JWK says alg "ES521" (no such algorithm) for a P-521 key used with ES512 tokens.
  347: { result: 'invalid', why: 'JWK alg "ES521" does not name ES512' },
  351: { result: 'invalid', why: 'JWK alg "ES521" does not name ES512' },
};

function run(file: WycheproofFile, overrides: Record<number, { result: string }>) {
  const mismatches: string[] = [];
  let ran = 0;
  let crashes = 0;
  for (const group of file.testGroups) {
    const key = (group.public ?? group.private) as never;
    for (const tc of group.tests) {
      ran++;
      let got: 'valid' | 'invalid';
      let reason = '';
      try {
        verifyJws(tc.jws as string, key, { algorithms: ALGORITHMS });
        got = 'valid';
      } catch (error) {
        got = 'invalid';
        if (!(error instanceof JwtError)) {
          crashes++;
          reason = ` (not a JwtError: ${String(error)})`;
        } else reason = ` (${error.name})`;
      }
      const expected = overrides[tc.tcId]?.result ?? tc.result;
      if (expected !== 'acceptable' && got !== expected)
        mismatches.push(`tcId ${tc.tcId} ${tc.comment}: expected ${expected}, got ${got}${reason}`);
    }
  }
  return { mismatches, ran, crashes };
}

describe('Wycheproof JOSE', () => {
  test('json_web_key_test.json: every case agrees, with no special cases', () => {
    const file = loadVector<WycheproofFile>('wycheproof/json_web_key_test.json');
    const { mismatches, ran, crashes } = run(file, {});
    assert.equal(ran, file.numberOfTests);
    assert.equal(crashes, 0);
    assert.deepEqual(mismatches, []);
  });

  test('json_web_key_test.json: the refusals come from the key checks, with the expected error types', () => {
    const file = loadVector<WycheproofFile>('wycheproof/json_web_key_test.json');
    const reasons = new Map<number, string>();
    for (const group of file.testGroups) {
      for (const tc of group.tests) {
        try {
          verifyJws(tc.jws as string, (group.public ?? group.private) as never, { algorithms: ALGORITHMS });
        } catch (error) {
          reasons.set(tc.tcId, `${(error as JwtError).name}: ${(error as Error).message}`);
        }
      }
    }
    assert.match(reasons.get(1) ?? '', /mixes secret/); // mixed symmetric/asymmetric set
    assert.match(reasons.get(4) ?? '', /JwksMultipleMatchingKeysError/); // duplicate kid
    assert.match(reasons.get(6) ?? '', /JwksNoMatchingKeyError|use/); // RSA key with use enc
    assert.match(reasons.get(7) ?? '', /ROCA/);
    assert.match(reasons.get(8) ?? '', /InvalidKeyError|JwksNoMatchingKeyError|DecodeError/); // 1024-bit RSA
    assert.match(reasons.get(9) ?? '', /exponent/);
    for (const id of [10, 11, 12, 16, 17, 18])
      assert.match(reasons.get(id) ?? '', /HMAC key|JWK/, `tcId ${id}`);
    for (const id of [13, 14, 15, 2]) assert.equal(reasons.get(id), undefined, `tcId ${id} must verify`);
  });

  test('json_web_signature_test.json: every case agrees (known data problems special-cased)', () => {
    const file = loadVector<WycheproofFile>('wycheproof/json_web_signature_test.json');
    const { mismatches, ran, crashes } = run(file, SIGNATURE_OVERRIDES);
    assert.equal(ran, file.numberOfTests);
    assert.equal(crashes, 0);
    assert.deepEqual(mismatches, []);
  });
});
