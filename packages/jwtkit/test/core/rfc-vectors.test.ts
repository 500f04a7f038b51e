import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DecodeError,
  decode,
  decodeComplete,
  encodeUnsecured,
  InvalidAlgorithmError,
  type Jwk,
  signBytes,
  verifyBytes,
} from '../../src/index.js';
import { loadVector } from '../_vectors.js';

type Vector = Record<string, unknown> & { id: string };
function vectors(file: string): Vector[] {
  return loadVector<{ vectors: Vector[] }>(`rfc/${file}`).vectors;
}
const byId = (list: Vector[], id: string) => {
  const v = list.find((x) => x.id === id);
  assert.ok(v, `vector ${id} present`);
  return v;
};
// RFC 7515 examples expire in 2011; verify them at a time inside their validity.
const RFC_NOW = 1300819000;

describe('RFC 7515 Appendix A (JWS examples)', () => {
  test('A.1 HS256: reproduces the signature byte for byte and verifies', () => {
    const v = byId(vectors('rfc7515_jws_examples.json'), 'RFC7515-A.1');
    const key = v.key as Jwk;
    assert.equal(signBytes('HS256', key, v.signing_input as string).toString('base64url'), v.signature_b64u);
    const { header, payload } = decodeComplete(v.compact as string, key, {
      algorithms: ['HS256'],
      now: RFC_NOW,
    });
    assert.equal(header.typ, 'JWT');
    assert.equal(payload.iss, 'joe');
    assert.equal(payload['http://example.com/is_root'], true);
  });

  test('A.2 RS256: reproduces the (deterministic) signature and verifies', () => {
    const v = byId(vectors('rfc7515_jws_examples.json'), 'RFC7515-A.2');
    const key = v.key as Jwk;
    assert.equal(signBytes('RS256', key, v.signing_input as string).toString('base64url'), v.signature_b64u);
    const { n, e, kty } = key;
    assert.equal(
      decode(v.compact as string, { kty, n, e }, { algorithms: ['RS256'], now: RFC_NOW }).iss,
      'joe',
    );
  });

  test('A.3 ES256 verifies; a fresh ES256 signature of the same input verifies too', () => {
    const v = byId(vectors('rfc7515_jws_examples.json'), 'RFC7515-A.3');
    const key = v.key as Jwk;
    const { d: _d, ...pub } = key;
    assert.equal(decode(v.compact as string, pub as Jwk, { algorithms: ['ES256'], now: RFC_NOW }).iss, 'joe');
    const sig = signBytes('ES256', key, v.signing_input as string);
    assert.equal(sig.length, 64);
    assert.ok(verifyBytes('ES256', pub as Jwk, v.signing_input as string, sig));
  });

  test('A.4 ES512 (non-JSON payload) verifies through the algorithm layer', () => {
    const v = byId(vectors('rfc7515_jws_examples.json'), 'RFC7515-A.4');
    const { d: _d, ...pub } = v.key as Jwk;
    const sig = Buffer.from(v.signature_b64u as string, 'base64url');
    assert.equal(sig.length, 132);
    assert.ok(verifyBytes('ES512', pub as Jwk, v.signing_input as string, sig));
    sig[10] = sig[10]! ^ 1;
    assert.equal(verifyBytes('ES512', pub as Jwk, v.signing_input as string, sig), false);
  });

  test('A.5 unsecured JWS is refused by decode whatever the allowlist', () => {
    const v = byId(vectors('rfc7515_jws_examples.json'), 'RFC7515-A.5');
    assert.throws(
      () => decode(v.compact as string, 'k'.repeat(32), { algorithms: ['HS256'], now: RFC_NOW }),
      InvalidAlgorithmError,
    );
    assert.ok(encodeUnsecured({ a: 1 }).endsWith('.'));
  });

  test('Appendix E: an unknown crit extension is refused', () => {
    const v = byId(vectors('rfc7515_jws_examples.json'), 'RFC7515-E');
    assert.throws(
      () => decode(v.compact as string, 'k'.repeat(32), { algorithms: ['HS256'] }),
      (e) => e instanceof InvalidAlgorithmError || e instanceof DecodeError,
    );
  });
});

describe('RFC 8037 A.4/A.5 (Ed25519)', () => {
  test('A.4 reproduces the deterministic Ed25519 signature; A.5 verifies it', () => {
    const list = vectors('rfc8037_okp_examples.json');
    const v = list.find((x) => /A\.4/.test(x.id));
    assert.ok(v, 'RFC 8037 A.4 present');
    const key = v.jwk as Jwk;
    const compact = v.compact as string;
    const [h, p, expectedSig] = compact.split('.') as [string, string, string];
    const signingInput = `${h}.${p}`;
    assert.equal(signBytes('EdDSA', key, signingInput).toString('base64url'), expectedSig);
    const { d: _d, ...pub } = key;
    assert.ok(verifyBytes('EdDSA', pub as Jwk, signingInput, Buffer.from(expectedSig, 'base64url')));
  });
});
