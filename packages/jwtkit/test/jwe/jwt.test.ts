import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import * as jose from 'jose';
import {
  DecodeError,
  decode,
  decodeEncrypted,
  decodeEncryptedComplete,
  decryptJwe,
  ExpiredSignatureError,
  encode,
  encodeEncrypted,
  encryptJwe,
  InvalidAudienceError,
  InvalidOptionsError,
  InvalidSignatureError,
  InvalidTokenTypeError,
} from '../../src/index.js';
import { ecdhPair, rsaPair, secret } from './_keys.js';

const jweOpts = {
  keyManagementAlgorithms: ['ECDH-ES+A256KW'],
  contentEncryptionAlgorithms: ['A256GCM'],
} as const;
const NOW = 1_700_000_000;

describe('encodeEncrypted / decodeEncrypted', () => {
  const { publicKey, privateKey } = ecdhPair('P-256');
  test('claims round trip, checked like decode (exp, aud, typ)', () => {
    const t = encodeEncrypted({ sub: 'u1', scope: 'read' }, publicKey, {
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      expiresIn: '15m',
      audience: 'api',
      issuer: 'https://issuer',
      issuedAt: true,
      now: NOW,
      headers: { typ: 'JWT' },
    });
    assert.equal(t.split('.').length, 5);
    const c = decodeEncrypted(t, privateKey, {
      ...jweOpts,
      audience: 'api',
      issuer: 'https://issuer',
      now: NOW,
      typ: 'JWT',
    });
    assert.deepEqual(c, {
      sub: 'u1',
      scope: 'read',
      iss: 'https://issuer',
      aud: 'api',
      iat: NOW,
      exp: NOW + 900,
    });
    assert.throws(
      () => decodeEncrypted(t, privateKey, { ...jweOpts, now: NOW + 901 }),
      ExpiredSignatureError,
    );
    assert.throws(
      () => decodeEncrypted(t, privateKey, { ...jweOpts, audience: 'other', now: NOW }),
      InvalidAudienceError,
    );
    assert.throws(
      () => decodeEncrypted(t, privateKey, { ...jweOpts, typ: 'at+jwt', now: NOW }),
      InvalidTokenTypeError,
    );
    // jose agrees on the claims.
    return jose
      .jwtDecrypt(t, privateKey, { currentDate: new Date(NOW * 1000), audience: 'api' })
      .then((r) => {
        assert.equal(r.payload.sub, 'u1');
      });
  });
  test('jose-made encrypted JWTs decode here', async () => {
    const t = await new jose.EncryptJWT({ sub: 'from-jose' })
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
      .setExpirationTime(NOW + 60)
      .setAudience('api')
      .encrypt(publicKey);
    assert.equal(decodeEncrypted(t, privateKey, { ...jweOpts, audience: 'api', now: NOW }).sub, 'from-jose');
  });
  test('options: unknown names are errors at the call; a JWS is refused; decode() refuses the JWE', () => {
    const t = encodeEncrypted({ sub: 'x' }, publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    assert.throws(
      () => decodeEncrypted(t, privateKey, { ...jweOpts, algorithms: ['HS256'] } as never),
      InvalidOptionsError,
    );
    assert.throws(
      () =>
        encodeEncrypted({}, publicKey, {
          alg: 'ECDH-ES+A256KW',
          enc: 'A256GCM',
          algorithm: 'HS256',
        } as never),
      InvalidOptionsError,
    );
    assert.throws(() => decode(t, secret(32), { algorithms: ['HS256'] }), DecodeError);
    const jws = encode({ sub: 'x' }, 'k'.repeat(32), { algorithm: 'HS256' });
    assert.throws(() => decodeEncrypted(jws, privateKey, jweOpts), DecodeError);
  });
});

describe('nested JWTs: sign, then encrypt (cty "JWT"), one call each way', () => {
  const enc = ecdhPair('X25519');
  const sig = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const opts = {
    keyManagementAlgorithms: ['ECDH-ES+A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  } as const;
  test('round trip; the inner signature and the claims are verified with decode options', () => {
    const t = encodeEncrypted({ sub: 'nested' }, enc.publicKey, {
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      expiresIn: 60,
      now: NOW,
      sign: { key: sig.privateKey, algorithm: 'ES256', keyId: 'sig-1' },
    });
    const r = decodeEncryptedComplete(t, enc.privateKey, {
      ...opts,
      signature: { key: sig.publicKey, algorithms: ['ES256'] },
      now: NOW,
    });
    assert.equal(r.payload.sub, 'nested');
    assert.equal(r.header.cty, 'JWT');
    assert.equal(r.signedHeader?.kid, 'sig-1');
    assert.throws(
      () =>
        decodeEncrypted(t, enc.privateKey, {
          ...opts,
          signature: { key: sig.publicKey, algorithms: ['ES256'] },
          now: NOW + 61,
        }),
      ExpiredSignatureError,
    );
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    assert.throws(
      () =>
        decodeEncrypted(t, enc.privateKey, {
          ...opts,
          signature: { key: other.publicKey, algorithms: ['ES256'] },
          now: NOW,
        }),
      InvalidSignatureError,
    );
    // A nested JWT is never returned without its signature checked, and bare claims never pass as signed.
    assert.throws(() => decodeEncrypted(t, enc.privateKey, { ...opts, now: NOW }), DecodeError);
    const bare = encodeEncrypted({ sub: 'bare' }, enc.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    assert.throws(
      () =>
        decodeEncrypted(bare, enc.privateKey, {
          ...opts,
          signature: { key: sig.publicKey, algorithms: ['ES256'] },
        }),
      DecodeError,
    );
  });
  test('jose opens ours (decrypt, then verify) and ours opens jose-made nested JWTs', async () => {
    const t = encodeEncrypted({ sub: 'n' }, enc.publicKey, {
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      sign: { key: sig.privateKey, algorithm: 'ES256' },
    });
    const d = await jose.compactDecrypt(t, enc.privateKey);
    assert.equal(d.protectedHeader.cty, 'JWT');
    const v = await jose.jwtVerify(new TextDecoder().decode(d.plaintext), sig.publicKey);
    assert.equal(v.payload.sub, 'n');
    const inner = await new jose.SignJWT({ sub: 'jose-nested' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(sig.privateKey);
    const outer = await new jose.CompactEncrypt(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(enc.publicKey);
    assert.equal(
      decodeEncrypted(outer, enc.privateKey, {
        ...opts,
        signature: { key: sig.publicKey, algorithms: ['ES256'] },
      }).sub,
      'jose-nested',
    );
  });
});

describe('X448 (no jose support): round trips on every ECDH-ES variant and enc', () => {
  const { publicKey, privateKey } = ecdhPair('X448');
  for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'] as const) {
    for (const enc of ['A128CBC-HS256', 'A256GCM'] as const) {
      test(`${alg} + ${enc}`, () => {
        const t = encryptJwe('x448', publicKey, { alg, enc });
        const r = decryptJwe(t, privateKey, {
          keyManagementAlgorithms: [alg],
          contentEncryptionAlgorithms: [enc],
        });
        assert.equal(r.plaintext.toString(), 'x448');
        assert.equal((r.header.epk as { crv: string }).crv, 'X448');
      });
    }
  }
  test('RSA-OAEP-256 key from a JWK with use "enc"', () => {
    const jwk = { ...rsaPair().publicKey.export({ format: 'jwk' }), use: 'enc', alg: 'RSA-OAEP-256' };
    const t = encryptJwe('j', jwk as never, { alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    assert.equal(
      decryptJwe(t, rsaPair().privateKey, {
        keyManagementAlgorithms: ['RSA-OAEP-256'],
        contentEncryptionAlgorithms: ['A256GCM'],
      }).plaintext.toString(),
      'j',
    );
  });
});

describe('decryption keys from a JWK Set or a resolver', () => {
  test('a JWK Set: the key picked by kid, kty, alg and use "enc"; none or several is an error', () => {
    const a = ecdhPair('P-256');
    const b = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = (k: typeof a.privateKey, extra: object) => ({ ...k.export({ format: 'jwk' }), ...extra });
    const set = {
      keys: [
        jwk(a.privateKey, { kid: 'a', use: 'enc' }),
        jwk(b.privateKey, { kid: 'b', use: 'enc', alg: 'ECDH-ES+A256KW' }),
        jwk(b.privateKey, { kid: 's', use: 'sig' }),
      ],
    };
    const opts = {
      keyManagementAlgorithms: ['ECDH-ES+A256KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
    } as const;
    const toA = encryptJwe('for a', a.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', keyId: 'a' });
    const toB = encryptJwe('for b', b.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', keyId: 'b' });
    assert.equal(decryptJwe(toA, set as never, opts).plaintext.toString(), 'for a');
    assert.equal(decryptJwe(toB, set as never, opts).plaintext.toString(), 'for b');
    const toSig = encryptJwe('x', b.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', keyId: 's' });
    assert.throws(() => decryptJwe(toSig, set as never, opts), { name: 'JwksNoMatchingKeyError' });
    const noKid = encryptJwe('x', b.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    assert.throws(() => decryptJwe(noKid, set as never, opts), { name: 'JwksMultipleMatchingKeysError' });
    // A resolver sees the header and picks the key.
    const r = decryptJwe(toB, (h) => (h.kid === 'b' ? b.privateKey : a.privateKey), opts);
    assert.equal(r.plaintext.toString(), 'for b');
  });
});
