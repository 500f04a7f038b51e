/**
 * Key import/export in every form, key/algorithm binding (RFC 7518, RFC 8037), JWK alg/use/key_ops,
 * JWKS selection, x5c, RSA exponent/ROCA checks, generation sizes.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, test } from 'node:test';
import { hasRocaFingerprint } from '../../src/_lib/rsa-checks.js';
import {
  ALGORITHMS,
  type Algorithm,
  decode,
  encode,
  exportJwk,
  exportPem,
  exportPublicJwk,
  generateKeyPair,
  generateSecret,
  InvalidKeyError,
  InvalidOptionsError,
  importKey,
  JwksMultipleMatchingKeysError,
  JwksNoMatchingKeyError,
  jwkThumbprint,
  signJws,
  UnsupportedAlgorithmError,
  verifyJws,
} from '../../src/index.js';
import { loadVector } from '../_vectors.js';

const ASYMMETRIC = ALGORITHMS.filter((a) => !a.startsWith('HS'));
const HMAC = ALGORITHMS.filter((a) => a.startsWith('HS'));
const PAYLOAD = { sub: 'user-1', n: 7 };

// One key pair per algorithm family/curve, generated once (RSA generation is the slow part).
const pairs = new Map<Algorithm, ReturnType<typeof generateKeyPair>>();
const rsa = generateKeyPair('RS256');
for (const alg of ASYMMETRIC) {
  if (alg.startsWith('RS') || alg.startsWith('PS')) pairs.set(alg, rsa);
  else if (alg === 'Ed448') pairs.set(alg, generateKeyPair('Ed448'));
  else pairs.set(alg, generateKeyPair(alg));
}

function roundTrip(alg: Algorithm, signKey: unknown, verifyKey: unknown, label: string) {
  const token = encode(PAYLOAD, signKey as never, { algorithm: alg });
  assert.deepEqual(decode(token, verifyKey as never, { algorithms: [alg] }), PAYLOAD, `${alg} ${label}`);
}

describe('import forms: every asymmetric algorithm', () => {
  for (const alg of ASYMMETRIC) {
    test(`${alg}: PEM (SPKI/PKCS#8), DER, JWK, KeyObject, CryptoKey, encrypted PKCS#8`, async () => {
      const { privateKey, publicKey } = pairs.get(alg)!;
      const forms: Array<[string, unknown, unknown]> = [
        ['KeyObject', privateKey, publicKey],
        ['PEM', exportPem(privateKey), exportPem(publicKey)],
        ['PEM bytes', Buffer.from(exportPem(privateKey)), Buffer.from(exportPem(publicKey))],
        [
          'DER',
          privateKey.export({ format: 'der', type: 'pkcs8' }),
          publicKey.export({ format: 'der', type: 'spki' }),
        ],
        ['JWK', exportJwk(privateKey), exportPublicJwk(privateKey)],
        [
          'JWK with alg/use/kid',
          exportJwk(privateKey, { alg, use: 'sig', kid: 'a' }),
          exportPublicJwk(publicKey, { alg, use: 'sig', kid: 'a' }),
        ],
        ['imported', importKey(exportPem(privateKey)), importKey(exportJwk(publicKey), { alg })],
      ];
      if (privateKey.asymmetricKeyType === 'rsa') {
        forms.push([
          'PKCS#1',
          privateKey.export({ format: 'pem', type: 'pkcs1' }),
          publicKey.export({ format: 'pem', type: 'pkcs1' }),
        ]);
        forms.push([
          'PKCS#1 DER',
          privateKey.export({ format: 'der', type: 'pkcs1' }),
          publicKey.export({ format: 'der', type: 'pkcs1' }),
        ]);
      }
      if (privateKey.asymmetricKeyType === 'ec') {
        forms.push(['SEC1', privateKey.export({ format: 'pem', type: 'sec1' }), publicKey]);
      }
      for (const [label, priv, pub] of forms) roundTrip(alg, priv, pub, label);

      const encrypted = exportPem(privateKey, { passphrase: 'correct horse' });
      assert.match(encrypted, /BEGIN ENCRYPTED PRIVATE KEY/);
      const decrypted = importKey(encrypted, { passphrase: 'correct horse', type: 'private', alg });
      roundTrip(alg, decrypted, publicKey, 'encrypted PKCS#8');
      assert.throws(
        () => importKey(encrypted),
        (e: unknown) => e instanceof InvalidKeyError && /passphrase/.test((e as Error).message),
      );
      assert.throws(() => importKey(encrypted, { passphrase: 'wrong' }), InvalidKeyError);
      assert.throws(() => encode(PAYLOAD, encrypted, { algorithm: alg }), InvalidKeyError);

      if (
        alg !== 'ES256K' &&
        alg !== 'Ed448' &&
        !(alg === 'EdDSA' && privateKey.asymmetricKeyType === 'ed448')
      ) {
        // WebCrypto keys (what jose 6 returns) work as they are.
        const jwk = exportJwk(privateKey);
        const params = webCryptoParams(alg);
        const cryptoPriv = await webcrypto.subtle.importKey(
          'jwk',
          jwk as webcrypto.JsonWebKey,
          params,
          true,
          ['sign'],
        );
        const cryptoPub = await webcrypto.subtle.importKey(
          'jwk',
          exportPublicJwk(publicKey) as webcrypto.JsonWebKey,
          params,
          true,
          ['verify'],
        );
        roundTrip(alg, cryptoPriv, cryptoPub, 'CryptoKey');
      }
      // The public key never signs.
      for (const pub of [publicKey, exportPem(publicKey), exportPublicJwk(publicKey)]) {
        assert.throws(() => encode(PAYLOAD, pub as never, { algorithm: alg }), InvalidKeyError);
      }
      // importKey type checks.
      assert.equal(importKey(exportPem(privateKey), { type: 'public' }).type, 'public');
      assert.throws(() => importKey(exportPem(publicKey), { type: 'private' }), InvalidKeyError);
    });
  }
});

function webCryptoParams(
  alg: Algorithm,
): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm {
  const hash = `SHA-${alg.slice(2)}`;
  if (alg.startsWith('RS')) return { name: 'RSASSA-PKCS1-v1_5', hash };
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', hash };
  if (alg.startsWith('ES'))
    return { name: 'ECDSA', namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg as 'ES256']! };
  return { name: 'Ed25519' };
}

describe('secrets', () => {
  test('generateSecret gives the hash size; secrets import as string, bytes, oct JWK, KeyObject, CryptoKey', async () => {
    for (const alg of HMAC) {
      const secret = generateSecret(alg);
      assert.equal(secret.length, Number(alg.slice(2)) / 8);
      const jwk = exportJwk(importKey(secret, { type: 'secret' }));
      assert.equal(jwk.kty, 'oct');
      roundTrip(alg, secret, jwk, 'bytes/JWK');
      roundTrip(alg, importKey(jwk), secret, 'KeyObject');
      roundTrip(alg, importKey(secret, { alg }), secret, 'importKey with alg');
      const cryptoKey = await webcrypto.subtle.importKey(
        'raw',
        secret,
        { name: 'HMAC', hash: `SHA-${alg.slice(2)}` },
        true,
        ['sign', 'verify'],
      );
      roundTrip(alg, cryptoKey, secret, 'CryptoKey');
    }
    assert.throws(() => generateSecret('RS256'), InvalidOptionsError);
    assert.throws(() => generateKeyPair('HS256'), InvalidOptionsError);
  });

  test('an HMAC JWK shorter than the hash, or empty, is refused; importKey with an HMAC alg is strict', () => {
    assert.throws(
      () => encode({}, { kty: 'oct', k: Buffer.alloc(31).toString('base64url') }, { algorithm: 'HS256' }),
      InvalidKeyError,
    );
    assert.throws(() => encode({}, { kty: 'oct', k: '' }, { algorithm: 'HS256' }), InvalidKeyError);
    assert.throws(() => importKey('short-secret-16b', { alg: 'HS256' }), InvalidKeyError);
    assert.throws(() => importKey(Buffer.alloc(32), { alg: 'HS256', type: 'public' }), InvalidOptionsError);
    assert.throws(() => importKey(generateSecret('HS256'), { alg: 'RS256' }), InvalidKeyError);
  });

  test('an asymmetric key is never an HMAC secret, in any form', () => {
    const { publicKey } = pairs.get('RS256')!;
    const jwkText = JSON.stringify(exportPublicJwk(publicKey));
    for (const prefix of ['\ufeff', '\u200b', '\u0000', ' \n']) {
      assert.throws(
        () => encode({}, Buffer.from(prefix + jwkText), { algorithm: 'HS256' }),
        InvalidKeyError,
        JSON.stringify(prefix),
      );
      assert.throws(
        () => encode({}, prefix + jwkText, { algorithm: 'HS256' }),
        InvalidKeyError,
        JSON.stringify(prefix),
      );
    }
    for (const k of [
      publicKey,
      exportPem(publicKey),
      Buffer.from(exportPem(publicKey)),
      publicKey.export({ format: 'der', type: 'spki' }),
      exportPublicJwk(publicKey),
      JSON.stringify(exportPublicJwk(publicKey)),
    ]) {
      assert.throws(() => decode('a.b.c', k as never, { algorithms: ['HS256'] }));
      assert.throws(() => encode({}, k as never, { algorithm: 'HS256' }), InvalidKeyError);
    }
  });
});

describe('key/algorithm binding (RFC 7518 §3, RFC 8037)', () => {
  test('curve must match: secp256k1 is never ES256, P-256 never ES256K/ES384, Ed448 never Ed25519', () => {
    const k1 = pairs.get('ES256K')!;
    const p256 = pairs.get('ES256')!;
    const p384 = pairs.get('ES384')!;
    const ed448 = pairs.get('Ed448')!;
    const ed25519 = pairs.get('Ed25519')!;
    assert.throws(() => encode({}, k1.privateKey, { algorithm: 'ES256' }), InvalidKeyError);
    assert.throws(() => encode({}, p256.privateKey, { algorithm: 'ES256K' }), InvalidKeyError);
    assert.throws(() => encode({}, p256.privateKey, { algorithm: 'ES384' }), InvalidKeyError);
    assert.throws(() => encode({}, p384.privateKey, { algorithm: 'ES256' }), InvalidKeyError);
    assert.throws(() => encode({}, ed448.privateKey, { algorithm: 'Ed25519' }), InvalidKeyError);
    assert.throws(() => encode({}, ed25519.privateKey, { algorithm: 'Ed448' }), InvalidKeyError);
    assert.throws(() => encode({}, ed25519.privateKey, { algorithm: 'ES256' }), InvalidKeyError);
    assert.throws(() => encode({}, rsa.privateKey, { algorithm: 'ES256' }), InvalidKeyError);
    assert.throws(() => encode({}, p256.privateKey, { algorithm: 'RS256' }), InvalidKeyError);
    assert.throws(() => importKey(exportPublicJwk(k1.publicKey), { alg: 'ES256' }), InvalidKeyError);
    // A token signed with secp256k1 but labelled ES256 is refused at the key check.
    const forged = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.${Buffer.alloc(64).toString('base64url')}`;
    assert.throws(() => decode(forged, k1.publicKey, { algorithms: ['ES256'] }), InvalidKeyError);
    // EdDSA accepts either curve; X25519 is not a signing key.
    roundTrip('EdDSA', ed448.privateKey, ed448.publicKey, 'EdDSA/Ed448');
    const x25519 = generateKeyPairSync('x25519');
    assert.throws(() => encode({}, x25519.privateKey, { algorithm: 'EdDSA' }), InvalidKeyError);
  });

  test('RSA keys below 2048 bits are refused for RS* and PS*, even when valid; generation refuses them too', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    for (const alg of ['RS256', 'PS256'] as const) {
      assert.throws(() => encode({}, small.privateKey, { algorithm: alg }), /at least 2048/);
      assert.throws(() => decode('a.b.c', small.publicKey, { algorithms: [alg] }));
    }
    assert.throws(() => generateKeyPair('RS256', { modulusLength: 1024 }), InvalidOptionsError);
    assert.equal(
      generateKeyPair('PS256', { modulusLength: 3072 }).publicKey.asymmetricKeyDetails?.modulusLength,
      3072,
    );
  });

  test('RSA public exponent: e=1 and even e refused; e=3 accepted; ROCA fingerprint detected', () => {
    const n = exportPublicJwk(rsa.publicKey).n!;
    for (const e of ['AQ', 'Ag']) {
      assert.throws(
        () => importKey({ kty: 'RSA', n, e }),
        (err: unknown) => err instanceof InvalidKeyError && /exponent/.test((err as Error).message),
        e,
      );
    }
    // 0x0001: e = 1 spelled with a leading zero byte, refused as non-canonical before the exponent check.
    assert.throws(
      () => importKey({ kty: 'RSA', n, e: 'AAE' }),
      (err: unknown) => err instanceof InvalidKeyError && /leading zero/.test((err as Error).message),
    );
    const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    roundTrip('RS256', e3.privateKey, e3.publicKey, 'e=3');
    // Random OpenSSL moduli do not carry the ROCA fingerprint.
    for (const k of [rsa, e3])
      assert.equal(
        hasRocaFingerprint(
          BigInt(`0x${Buffer.from(exportPublicJwk(k.publicKey).n!, 'base64url').toString('hex')}`),
        ),
        false,
      );
    const wp = loadVector('wycheproof/json_web_key_test.json');
    const roca = wp.testGroups.find((g: { comment: string }) => g.comment === 'jws_rsa_roca_key').private
      .keys[0];
    assert.throws(() => importKey({ kty: 'RSA', n: roca.n, e: roca.e }), /ROCA/);
    assert.throws(
      () => importKey(createPublicKey({ key: { kty: 'RSA', n: roca.n, e: roca.e }, format: 'jwk' })),
      /ROCA/,
    );
  });

  test("a JWK's alg, use and key_ops are honoured", () => {
    const { privateKey, publicKey } = pairs.get('ES256')!;
    const priv = exportJwk(privateKey);
    const pub = exportPublicJwk(publicKey);
    const token = encode(PAYLOAD, privateKey, { algorithm: 'ES256' });
    assert.throws(() => encode({}, { ...priv, alg: 'ES384' }, { algorithm: 'ES256' }), /restricted to alg/);
    assert.throws(
      () => decode(token, { ...pub, alg: 'RS256' }, { algorithms: ['ES256'] }),
      /restricted to alg/,
    );
    assert.throws(() => decode(token, { ...pub, use: 'enc' }, { algorithms: ['ES256'] }), /use/);
    assert.throws(() => decode(token, { ...pub, key_ops: ['sign'] }, { algorithms: ['ES256'] }), /key_ops/);
    assert.throws(() => encode({}, { ...priv, key_ops: ['verify'] }, { algorithm: 'ES256' }), /key_ops/);
    assert.deepEqual(
      decode(token, { ...pub, use: 'sig', key_ops: ['verify'], alg: 'ES256' }, { algorithms: ['ES256'] }),
      PAYLOAD,
    );
    assert.throws(
      () =>
        encode(
          {},
          { kty: 'oct', k: generateSecret('HS256').toString('base64url'), alg: 'A256GCM', use: 'sig' },
          { algorithm: 'HS256' },
        ),
      /restricted to alg/,
    );
  });

  test('JWK alg "EdDSA" and the RFC 9864 names Ed25519/Ed448 are interchangeable only for the matching curve', () => {
    const ed = pairs.get('Ed25519')!;
    const ed448 = pairs.get('Ed448')!;
    const pub = exportPublicJwk(ed.publicKey);
    const tokFully = encode(PAYLOAD, ed.privateKey, { algorithm: 'Ed25519', keyId: 'e' });
    const tokPoly = encode(PAYLOAD, ed.privateKey, { algorithm: 'EdDSA', keyId: 'e' });
    assert.deepEqual(decode(tokFully, { ...pub, alg: 'EdDSA' }, { algorithms: ['Ed25519'] }), PAYLOAD);
    assert.deepEqual(decode(tokPoly, { ...pub, alg: 'Ed25519' }, { algorithms: ['EdDSA'] }), PAYLOAD);
    assert.deepEqual(
      decode(tokFully, { keys: [{ ...pub, alg: 'EdDSA', kid: 'e' }] }, { algorithms: ['Ed25519'] }),
      PAYLOAD,
    );
    assert.throws(
      () => decode(tokPoly, { ...pub, alg: 'Ed448' }, { algorithms: ['EdDSA'] }),
      /restricted to alg/,
    );
    const pub448 = exportPublicJwk(ed448.publicKey);
    const tok448 = encode(PAYLOAD, ed448.privateKey, { algorithm: 'Ed448' });
    assert.deepEqual(decode(tok448, { ...pub448, alg: 'EdDSA' }, { algorithms: ['Ed448'] }), PAYLOAD);
    assert.throws(
      () => decode(tok448, { ...pub448, alg: 'Ed25519' }, { algorithms: ['Ed448'] }),
      /restricted to alg/,
    );
    assert.throws(
      () => decode(tokFully, { ...pub, alg: 'ES256' }, { algorithms: ['Ed25519'] }),
      /restricted to alg/,
    );
  });

  test('malformed JWKs give InvalidKeyError, never a crash', () => {
    const { publicKey } = pairs.get('ES256')!;
    const pub = exportPublicJwk(publicKey);
    const bad: unknown[] = [
      { kty: 'EC', crv: 'P-256', x: pub.x },
      { kty: 'EC', crv: 'P-384', x: pub.x, y: pub.y },
      { kty: 'EC', crv: 'P-256', x: pub.x, y: `${pub.y!.slice(0, -2)}AA` },
      { kty: 'EC', crv: 'P-256', x: 42, y: pub.y },
      { kty: 'EC', crv: 'P-256', x: `${pub.x}==`, y: pub.y },
      { kty: 'RSA', n: pub.x, e: 'AQAB' },
      { kty: 'RSA', e: 'AQAB' },
      { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' },
      { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32, 9).toString('base64url') },
      { kty: 'dsa', y: 'AA' },
      { kty: 'EC', x5c: [] },
      { kty: 'RSA', x5c: ['not base64!'] },
      { kty: 'RSA', x5c: ['AAAA'] },
    ];
    for (const jwk of bad) {
      assert.throws(() => importKey(jwk as never), InvalidKeyError, JSON.stringify(jwk));
      assert.throws(
        () =>
          verifyJws('eyJhbGciOiJFUzI1NiJ9.e30.AAAA', jwk as never, {
            algorithms: ['ES256', 'RS256', 'EdDSA'],
          }),
        (e: unknown) => e instanceof Error && 'code' in e,
      );
    }
  });
});

describe('x5c and certificates', () => {
  test('RFC 7517 Appendix B: x5c key matches n/e; a mismatch is refused; x5c alone gives the key', () => {
    const file = loadVector('rfc/rfc7517_jwk_examples.json');
    const b = file.vectors.find((v: { id: string }) => v.id === 'RFC7517-B').jwk;
    const key = importKey(b, { type: 'public', alg: 'RS256' });
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    const { n, e, ...onlyCert } = b;
    void e;
    assert.deepEqual(exportPublicJwk(importKey(onlyCert)).n, n);
    const other = exportPublicJwk(rsa.publicKey);
    assert.throws(() => importKey({ ...b, n: other.n }), /x5c certificate holds a different key/);
    assert.throws(() => importKey({ ...onlyCert, kty: 'EC' }), /kty/);
  });

  test('X.509 certificate PEM imports as its public key and verifies', () => {
    const corpus = loadVector('attacks/jwt_attack_cases.json');
    const server = corpus.keys.server_rsa;
    const priv = server.private_jwk;
    const token = encode(PAYLOAD, priv, { algorithm: 'RS256' });
    for (const form of [
      server.cert_pem,
      server.spki_pem,
      server.pkcs1_pem,
      Buffer.from(server.spki_der_b64, 'base64'),
      server.public_jwk,
    ]) {
      assert.deepEqual(decode(token, form, { algorithms: ['RS256'] }), PAYLOAD);
    }
    assert.equal(importKey(server.cert_pem).type, 'public');
    assert.equal(jwkThumbprint(exportPublicJwk(server.cert_pem)), jwkThumbprint(server.public_jwk));
  });
});

describe('JWKS selection', () => {
  const a = generateKeyPair('ES256');
  const b = generateKeyPair('ES256');
  const ja = exportPublicJwk(a.publicKey, { kid: 'a' });
  const jb = exportPublicJwk(b.publicKey, { kid: 'b' });
  const jr = exportPublicJwk(rsa.publicKey, { kid: 'a' });

  test('picks by kid, then kty/alg (same kid on RSA and EC keys is fine)', () => {
    const jwks = { keys: [ja, jb, jr] };
    const ta = encode(PAYLOAD, a.privateKey, { algorithm: 'ES256', keyId: 'a' });
    const tr = encode(PAYLOAD, rsa.privateKey, { algorithm: 'RS256', keyId: 'a' });
    assert.deepEqual(decode(ta, jwks, { algorithms: ['ES256'] }), PAYLOAD);
    assert.deepEqual(decode(tr, jwks, { algorithms: ['RS256'] }), PAYLOAD);
  });

  test('no match and ambiguity are clear errors, never a try-every-key', () => {
    const jwks = { keys: [ja, jb] };
    const noKid = encode(PAYLOAD, a.privateKey, { algorithm: 'ES256' });
    assert.throws(() => decode(noKid, jwks, { algorithms: ['ES256'] }), JwksMultipleMatchingKeysError);
    assert.deepEqual(decode(noKid, { keys: [ja] }, { algorithms: ['ES256'] }), PAYLOAD);
    const unknown = encode(PAYLOAD, a.privateKey, { algorithm: 'ES256', keyId: 'zzz' });
    assert.throws(() => decode(unknown, jwks, { algorithms: ['ES256'] }), JwksNoMatchingKeyError);
    const dup = { keys: [ja, { ...jb, kid: 'a' }] };
    const ta = encode(PAYLOAD, a.privateKey, { algorithm: 'ES256', keyId: 'a' });
    assert.throws(() => decode(ta, dup, { algorithms: ['ES256'] }), JwksMultipleMatchingKeysError);
    assert.throws(
      () => decode(ta, { keys: [{ ...ja, use: 'enc' }] }, { algorithms: ['ES256'] }),
      JwksNoMatchingKeyError,
    );
    assert.throws(() => decode(ta, { keys: [ja, 5 as never] }, { algorithms: ['ES256'] }), InvalidKeyError);
    assert.throws(
      () => decode(ta, { keys: [ja, { kty: 'oct', k: 'AAAA' }] }, { algorithms: ['ES256'] }),
      /mixes/,
    );
  });

  test('a JWKS also selects for JWS JSON signatures by their unprotected kid', () => {
    const jws = signJws('doc', [
      { key: a.privateKey, algorithm: 'ES256', unprotectedHeader: { kid: 'a' } },
      { key: b.privateKey, algorithm: 'ES256', unprotectedHeader: { kid: 'b' } },
    ]);
    assert.equal(verifyJws(jws, { keys: [jb] }, { algorithms: ['ES256'] }).signatureIndex, 1);
  });
});

describe('export', () => {
  test('PEM is SPKI for public keys, PKCS#8 for private keys; JWK export round-trips through node:crypto', () => {
    for (const alg of ASYMMETRIC) {
      const { privateKey, publicKey } = pairs.get(alg)!;
      assert.match(exportPem(publicKey), /^-----BEGIN PUBLIC KEY-----/);
      assert.match(exportPem(privateKey), /^-----BEGIN PRIVATE KEY-----/);
      assert.match(exportPem(exportJwk(privateKey)), /^-----BEGIN PRIVATE KEY-----/);
      const priv = createPrivateKey({ key: exportJwk(privateKey) as never, format: 'jwk' });
      assert.ok(priv.equals(privateKey), alg);
      assert.equal(exportPublicJwk(privateKey).d, undefined);
    }
    assert.throws(() => exportPem(generateSecret('HS256')), InvalidKeyError);
    assert.throws(() => exportPem(rsa.publicKey, { passphrase: 'x' }), InvalidOptionsError);
    assert.throws(
      () => exportPublicJwk(importKey(generateSecret('HS256'), { type: 'secret' })),
      InvalidKeyError,
    );
    assert.throws(() => exportJwk(rsa.publicKey, { alg: 'XX256' as never }), UnsupportedAlgorithmError);
  });
});
