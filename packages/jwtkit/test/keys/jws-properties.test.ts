/**
 * Properties: signJws/verifyJws round-trip in every serialization and payload mode; arbitrary or mutated
 * input to verifyJws and importKey yields a JwtError (never a TypeError or a crash); a single flipped
 * signature/payload/header bit is always refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  generateKeyPair,
  generateSecret,
  importKey,
  type JwsSerialization,
  JwtError,
  signJws,
  verifyJws,
} from '../../src/index.js';

const secret = generateSecret('HS256');
const ec = generateKeyPair('ES256');
const ed = generateKeyPair('Ed25519');
const SEED = 20261128;

const isJwtError = (e: unknown) => e instanceof JwtError;

describe('signJws/verifyJws properties', () => {
  test('round trip: any payload, serialization, b64 and detached choice', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 40 })),
        fc.constantFrom<JwsSerialization>('compact', 'flattened', 'general'),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('HS256', 'ES256', 'EdDSA'),
        (payload, serialization, b64, detached, alg) => {
          const bytes = Buffer.from(payload);
          const key = alg === 'HS256' ? secret : alg === 'ES256' ? ec.privateKey : ed.privateKey;
          const verifyKey = alg === 'HS256' ? secret : alg === 'ES256' ? ec.publicKey : ed.publicKey;
          const utf8 = Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
          let jws: ReturnType<typeof signJws>;
          try {
            jws = signJws(bytes, { key, algorithm: alg as 'HS256' }, { serialization, b64, detached });
          } catch (e) {
            // The only refusals: a non-UTF-8 unencoded payload, or "." in an attached compact unencoded payload.
            assert.ok(isJwtError(e));
            assert.ok(
              !b64 && (!utf8 || (serialization === 'compact' && !detached && bytes.includes(0x2e))),
              String(e),
            );
            return;
          }
          const r = verifyJws(jws, verifyKey, {
            algorithms: [alg as 'HS256'],
            ...(detached ? { detachedPayload: bytes } : {}),
          });
          assert.ok(r.payload.equals(bytes));
          assert.equal(r.serialization, serialization);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('a flipped character in the signature, header or payload is refused', () => {
    const jws = signJws('integrity matters', { key: secret, algorithm: 'HS256' });
    fc.assert(
      fc.property(
        fc.nat({ max: jws.length - 1 }),
        fc.constantFrom(...'ABCDEFabcdef0123456789-_.'),
        (i, ch) => {
          if (jws[i] === ch) return;
          const mutated = jws.slice(0, i) + ch + jws.slice(i + 1);
          let ok = false;
          try {
            ok =
              verifyJws(mutated, secret, { algorithms: ['HS256'] }).payload.toString() ===
              'integrity matters';
          } catch (e) {
            assert.ok(isJwtError(e), String(e));
          }
          // The only way a mutation can still verify is a change to unused trailing bits, which strict base64url refuses.
          assert.equal(ok, false);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  test('arbitrary values as a JWS: JwtError or a verified result, never a crash', () => {
    const general = signJws('x', [{ key: secret, algorithm: 'HS256', unprotectedHeader: { kid: 'a' } }], {
      serialization: 'general',
    });
    const jsonish = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.json(),
      fc.record(
        { payload: fc.anything(), protected: fc.anything(), header: fc.anything(), signature: fc.anything() },
        { requiredKeys: [] },
      ),
      fc.record({
        payload: fc.constant(general.payload),
        signatures: fc.array(fc.anything(), { maxLength: 3 }),
      }),
      fc.record({
        payload: fc.constant(general.payload),
        signatures: fc.constant([{ ...general.signatures[0], header: { kid: 'a', alg: 'HS256' } }]),
      }),
    );
    fc.assert(
      fc.property(jsonish, (value) => {
        try {
          verifyJws(value as never, secret, { algorithms: ['HS256', 'ES256'] });
        } catch (e) {
          assert.ok(isJwtError(e), `${String(e)} for ${JSON.stringify(value)?.slice(0, 200)}`);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test('arbitrary JWK-shaped objects in importKey: JwtError or a key, never a crash', () => {
    const b64 = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64url'));
    const jwk = fc.record(
      {
        kty: fc.constantFrom('RSA', 'EC', 'OKP', 'oct', 'xyz', 7),
        crv: fc.constantFrom(
          'P-256',
          'P-384',
          'P-521',
          'secp256k1',
          'Ed25519',
          'Ed448',
          'X25519',
          'nope',
          null,
        ),
        x: fc.oneof(b64, fc.anything()),
        y: fc.oneof(b64, fc.anything()),
        d: b64,
        n: b64,
        e: fc.constantFrom('AQAB', 'AQ', 'Aw', '', '!!'),
        k: b64,
        alg: fc.constantFrom('HS256', 'ES256', 'RS256', 'none', 5),
        use: fc.constantFrom('sig', 'enc', 1),
        key_ops: fc.anything(),
        x5c: fc.array(fc.oneof(b64, fc.string()), { maxLength: 2 }),
      },
      { requiredKeys: ['kty'] },
    );
    fc.assert(
      fc.property(jwk, fc.constantFrom(undefined, 'HS256', 'ES256', 'RS256', 'EdDSA'), (value, alg) => {
        try {
          importKey(value as never, alg ? { alg: alg as 'HS256' } : {});
        } catch (e) {
          assert.ok(isJwtError(e), `${String(e)} for ${JSON.stringify(value)?.slice(0, 200)}`);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test('typ is only honoured from the protected header', () => {
    const prot = signJws(
      'x',
      { key: secret, algorithm: 'HS256', protectedHeader: { typ: 'example+jws' } },
      { serialization: 'flattened' },
    );
    assert.equal(
      verifyJws(prot, secret, { algorithms: ['HS256'], typ: 'application/example+jws' }).payload.toString(),
      'x',
    );
    assert.throws(() => verifyJws(prot, secret, { algorithms: ['HS256'], typ: 'other' }), /typ/);
    const unprot = signJws('x', { key: secret, algorithm: 'HS256' }, { serialization: 'flattened' });
    assert.throws(
      () =>
        verifyJws({ ...unprot, header: { typ: 'example+jws' } }, secret, {
          algorithms: ['HS256'],
          typ: 'example+jws',
        }),
      /typ/,
    );
  });
});
