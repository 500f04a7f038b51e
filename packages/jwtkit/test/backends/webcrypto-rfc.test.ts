/**
 * RFC 7515 Appendix A (A.1 HS256, A.2 RS256, A.3 ES256, A.4 ES512, the JWT-shaped examples) on the WebCrypto
 * build: each compact example verifies with its RFC key (public JWK, and the private JWK whose public half is
 * used), returns the RFC's payload (A.4's non-JSON payload is refused after its signature verified), and fails with InvalidSignatureError once its signature is altered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as web from '../../src/webcrypto.js';
import { loadVector } from '../_vectors.js';

interface Vector {
  id: string;
  alg?: string;
  key?: Record<string, unknown>;
  compact?: string;
  payload_utf8?: string;
  expected?: string;
}

const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

test('RFC 7515 Appendix A examples verify on the WebCrypto build', async () => {
  const file = loadVector<{ vectors: Vector[] }>('rfc/rfc7515_jws_examples.json');
  const cases = file.vectors.filter(
    (v) => v.compact && v.key && v.alg && v.alg !== 'none' && v.expected === 'valid',
  );
  assert.deepEqual(
    cases.map((v) => v.alg),
    ['HS256', 'RS256', 'ES256', 'ES512'],
  );
  for (const v of cases) {
    const alg = v.alg as web.Algorithm;
    const pub = Object.fromEntries(Object.entries(v.key!).filter(([k]) => !PRIVATE.includes(k))) as web.Jwk;
    const options = { algorithms: [alg], now: 1_300_819_300 };
    const [h, p, s] = v.compact!.split('.');
    const bad = `${h}.${p}.${s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`}`;
    await assert.rejects(web.decode(bad, pub, options), web.InvalidSignatureError, v.id);
    if (!v.payload_utf8!.startsWith('{')) {
      // A.4's payload is the text "Payload": the signature verifies, then the JWT API refuses a non-JSON payload
      // (a DecodeError that is not the InvalidSignatureError subclass: the signature check came first and passed).
      await assert.rejects(
        web.decode(v.compact!, pub, options),
        (e: Error) => e.name === 'DecodeError',
        v.id,
      );
      continue;
    }
    const want = JSON.parse(v.payload_utf8!);
    assert.deepEqual(await web.decode(v.compact!, pub, options), want, v.id);
    assert.deepEqual(await web.decode(v.compact!, v.key as web.Jwk, options), want, `${v.id} (private JWK)`);
    // The RFC's exp (2011) is enforced without `now`.
    await assert.rejects(web.decode(v.compact!, pub, { algorithms: [alg] }), web.ExpiredSignatureError, v.id);
  }
});
