import assert from 'node:assert/strict';
import { createCipheriv, createHmac, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { jweHeaderCacheStats } from '../../src/_lib/jwe-core.js';
import { nodeJweCrypto } from '../../src/_lib/jwe-crypto-node.js';
import {
  DecodeError,
  decode,
  decryptJwe,
  encryptJwe,
  type FlattenedJwe,
  InvalidKeyError,
  InvalidOptionsError,
  JweAlgorithmNotAllowedError,
  JweDecryptionError,
  type KeyManagementAlgorithm,
  verifyJws,
} from '../../src/index.js';
import { ecdhPair, rsaPair, secret } from './_keys.js';

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const allow = (alg: KeyManagementAlgorithm, enc = 'A256GCM' as const) => ({
  keyManagementAlgorithms: [alg],
  contentEncryptionAlgorithms: [enc],
});
type Enc = Parameters<typeof encryptJwe>[2]['enc'];
const allowE = (alg: KeyManagementAlgorithm, enc: Enc) => ({
  keyManagementAlgorithms: [alg],
  contentEncryptionAlgorithms: [enc],
});

/** A compact JWE with a header of our choosing (the rest random): for checks that run before any crypto. */
function forged(
  header: Record<string, unknown>,
  ek = randomBytes(40),
  iv = randomBytes(12),
  tag = randomBytes(16),
) {
  return `${b64(JSON.stringify(header))}.${b64(ek)}.${b64(iv)}.${b64(randomBytes(32))}.${b64(tag)}`;
}

describe('both allowlists are required on decrypt (no default)', () => {
  const k = secret(32);
  const t = encryptJwe('x', k, { alg: 'dir', enc: 'A256GCM' }) as string;
  test('no options, empty options, one list missing or empty, an unknown name', () => {
    for (const o of [
      undefined,
      {},
      { keyManagementAlgorithms: ['dir'] },
      { contentEncryptionAlgorithms: ['A256GCM'] },
      { keyManagementAlgorithms: [], contentEncryptionAlgorithms: ['A256GCM'] },
      { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: [] },
      { keyManagementAlgorithms: ['DIR'], contentEncryptionAlgorithms: ['A256GCM'] },
      { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['a256gcm'] },
    ]) {
      // A missing, empty or unknown allowlist is a misconfiguration (an options error), not a bad token.
      assert.throws(() => decryptJwe(t, k, o as never), InvalidOptionsError, JSON.stringify(o));
    }
    assert.equal(decryptJwe(t, k, allow('dir')).plaintext.toString(), 'x');
  });
  test('an alg or enc outside the allowlist is refused before the key is touched', () => {
    assert.throws(() => decryptJwe(t, k, allow('A256KW')), JweAlgorithmNotAllowedError);
    assert.throws(() => decryptJwe(t, k, allowE('dir', 'A128GCM')), JweAlgorithmNotAllowedError);
  });
  test('RSA1_5 needs the unsafe option on both sides', () => {
    assert.throws(
      () => encryptJwe('x', rsaPair().publicKey, { alg: 'RSA1_5', enc: 'A256GCM' }),
      InvalidOptionsError,
    );
    assert.throws(() => decryptJwe(t, k, allow('RSA1_5')), InvalidOptionsError);
  });
});

describe('the key type is bound to the algorithm family', () => {
  test('a JWS key never decrypts or encrypts', () => {
    const k = secret(32);
    const t = encryptJwe('x', k, { alg: 'A256KW', enc: 'A256GCM' }) as string;
    const kb = b64(k);
    for (const jwk of [
      { kty: 'oct', k: kb, use: 'sig' },
      { kty: 'oct', k: kb, alg: 'HS256' },
      { kty: 'oct', k: kb, key_ops: ['sign', 'verify'] },
    ]) {
      assert.throws(() => decryptJwe(t, jwk, allow('A256KW')), InvalidKeyError, JSON.stringify(jwk));
      assert.throws(() => encryptJwe('x', jwk, { alg: 'A256KW', enc: 'A256GCM' }), InvalidKeyError);
    }
    assert.equal(
      decryptJwe(t, { kty: 'oct', k: kb, use: 'enc', alg: 'A256KW' }, allow('A256KW')).plaintext.toString(),
      'x',
    );
  });
  test('an HMAC CryptoKey, an RSA-PSS key, an Ed25519 key and an EC signing JWK are refused', async () => {
    const hmac = await webcrypto.subtle.importKey(
      'raw',
      secret(32),
      { name: 'HMAC', hash: 'SHA-256' },
      true,
      ['sign'],
    );
    assert.throws(() => encryptJwe('x', hmac, { alg: 'A256KW', enc: 'A256GCM' }), InvalidKeyError);
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    assert.throws(
      () => encryptJwe('x', pss.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
      InvalidKeyError,
    );
    const ed = generateKeyPairSync('ed25519');
    assert.throws(() => encryptJwe('x', ed.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' }), InvalidKeyError);
    const ec = ecdhPair('P-256').publicKey.export({ format: 'jwk' });
    assert.throws(
      () => encryptJwe('x', { ...ec, alg: 'ES256' } as never, { alg: 'ECDH-ES', enc: 'A256GCM' }),
      InvalidKeyError,
    );
    assert.throws(
      () => encryptJwe('x', { ...ec, use: 'sig' } as never, { alg: 'ECDH-ES', enc: 'A256GCM' }),
      InvalidKeyError,
    );
    assert.throws(
      () => encryptJwe('x', ecdhPair('P-256').publicKey, { alg: 'RSA-OAEP', enc: 'A256GCM' }),
      InvalidKeyError,
    );
  });
  test('a string is only a PBES2 password; secrets must have the exact length; decrypting needs the private key', () => {
    assert.throws(() => encryptJwe('x', 'a'.repeat(32), { alg: 'dir', enc: 'A256GCM' }), InvalidKeyError);
    assert.throws(() => encryptJwe('x', 'a'.repeat(32), { alg: 'A256KW', enc: 'A256GCM' }), InvalidKeyError);
    assert.throws(() => encryptJwe('x', secret(16), { alg: 'A256KW', enc: 'A256GCM' }), InvalidKeyError);
    assert.throws(() => encryptJwe('x', secret(16), { alg: 'dir', enc: 'A256GCM' }), InvalidKeyError);
    const t = encryptJwe('x', rsaPair().publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }) as string;
    assert.throws(() => decryptJwe(t, rsaPair().publicKey, allow('RSA-OAEP-256')), InvalidKeyError);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(
      () => encryptJwe('x', small.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
      InvalidKeyError,
    );
    // A public key given as a PBES2 password (a PEM string) is refused, not hashed into a KEK.
    const pem = rsaPair().publicKey.export({ format: 'pem', type: 'spki' }) as string;
    assert.throws(() => encryptJwe('x', pem, { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM' }), InvalidKeyError);
  });
  test('decode() never accepts a JWE, decryptJwe never accepts a JWS', () => {
    const k = secret(32);
    const jwe = encryptJwe('{"sub":"x"}', k, { alg: 'dir', enc: 'A256GCM' }) as string;
    assert.throws(() => decode(jwe, k, { algorithms: ['HS256'] }), DecodeError);
    assert.throws(() => verifyJws(jwe, k, { algorithms: ['HS256'] } as never), DecodeError);
    const jws = `${b64('{"alg":"HS256"}')}.${b64('{}')}.${b64(randomBytes(32))}`;
    assert.throws(() => decryptJwe(jws, k, allow('dir')), DecodeError);
    // Five segments without "enc" is not a JWE either; "enc" smuggled into a JWS header is refused by decode.
    assert.throws(() => decryptJwe(forged({ alg: 'dir' }), k, allow('dir')), DecodeError);
    assert.throws(
      () =>
        decode(`${b64('{"alg":"HS256","enc":"A256GCM"}')}.${b64('{}')}.${b64(randomBytes(32))}`, k, {
          algorithms: ['HS256'],
        }),
      DecodeError,
    );
  });
});

describe('ECDH-ES: the ephemeral key must be on the recipient curve; apu/apv capped', () => {
  const { privateKey, publicKey } = ecdhPair('P-256');
  const good = encryptJwe('x', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }) as string;
  const header = JSON.parse(Buffer.from(good.split('.')[0]!, 'base64url').toString());
  const withEpk = (epk: unknown, extra: object = {}) => forged({ ...header, epk, ...extra });
  test('an epk on another curve, off the curve, of another type or with a private part is refused', () => {
    const p384 = ecdhPair('P-384').publicKey.export({ format: 'jwk' });
    const x = ecdhPair('X25519').publicKey.export({ format: 'jwk' });
    const offCurve = {
      ...header.epk,
      y: b64(Buffer.from(header.epk.y, 'base64url').map((b: number, i: number) => (i === 31 ? b ^ 1 : b))),
    };
    for (const epk of [
      p384,
      x,
      offCurve,
      { ...header.epk, kty: 'OKP' },
      { ...header.epk, d: header.epk.x },
      'string',
      null,
    ]) {
      assert.throws(
        () => decryptJwe(withEpk(epk), privateKey, allow('ECDH-ES+A256KW')),
        DecodeError,
        JSON.stringify(epk),
      );
    }
    assert.equal(decryptJwe(good, privateKey, allow('ECDH-ES+A256KW')).plaintext.toString(), 'x');
  });
  test('an X25519 low-order point fails like any decryption failure', () => {
    const t = forged({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      epk: { kty: 'OKP', crv: 'X25519', x: b64(Buffer.alloc(32)) },
    });
    assert.throws(
      () => decryptJwe(t, ecdhPair('X25519').privateKey, allow('ECDH-ES+A256KW')),
      JweDecryptionError,
    );
  });
  test('apu/apv longer than 256 bytes are refused (both sides)', () => {
    assert.throws(
      () =>
        decryptJwe(withEpk(header.epk, { apu: b64(randomBytes(257)) }), privateKey, allow('ECDH-ES+A256KW')),
      DecodeError,
    );
    assert.throws(
      () => encryptJwe('x', publicKey, { alg: 'ECDH-ES', enc: 'A256GCM', apv: 'v'.repeat(257) }),
      Error,
    );
    const t = encryptJwe('x', publicKey, {
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      apu: 'Alice',
      apv: 'Bob',
    }) as string;
    assert.equal(decryptJwe(t, privateKey, allow('ECDH-ES')).header.apu, b64('Alice'));
  });
});

describe('a per-token protected header (epk) is remembered only after its JWE decrypted, within a budget', () => {
  const { privateKey, publicKey } = ecdhPair('X25519');
  const opts = allow('ECDH-ES+A256KW');
  test('a forged token (wrong tag, bad epk, refused crit) never enters the cache; a decrypted one does', () => {
    const good = encryptJwe('x', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }) as string;
    const [h, ek, iv, ct, tag] = good.split('.') as [string, string, string, string, string];
    const before = jweHeaderCacheStats().authenticated;
    const flipped = b64(Buffer.from(tag, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b)));
    assert.throws(
      () => decryptJwe(`${h}.${ek}.${iv}.${ct}.${flipped}`, privateKey, opts),
      JweDecryptionError,
    );
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    assert.throws(
      () =>
        decryptJwe(forged({ ...header, epk: { ...header.epk, x: b64(randomBytes(31)) } }), privateKey, opts),
      DecodeError,
    );
    // An authentic token (valid tag) whose crit is not understood: refused, so not kept either. Made by
    // hand (encryptJwe makes no crit), with a per-token member ("iv") so that parsing does not cache it.
    const k = secret(32);
    const ph = b64(
      JSON.stringify({ alg: 'dir', enc: 'A256GCM', iv: b64(randomBytes(12)), crit: ['x-ext'], 'x-ext': 1 }),
    );
    const civ = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', Buffer.from(k), civ);
    c.setAAD(Buffer.from(ph, 'ascii'));
    const cct = Buffer.concat([c.update('x'), c.final()]);
    const critToken = `${ph}..${b64(civ)}.${b64(cct)}.${b64(c.getAuthTag())}`;
    assert.throws(() => decryptJwe(critToken, k, allow('dir')), DecodeError);
    assert.equal(jweHeaderCacheStats().authenticated.entries, before.entries, 'no refused token was kept');
    assert.equal(jweHeaderCacheStats().authenticated.chars, before.chars);
    assert.equal(decryptJwe(critToken, k, { ...allow('dir'), crit: ['x-ext'] }).plaintext.toString(), 'x');
    const mid = jweHeaderCacheStats().authenticated;
    assert.equal(mid.entries, before.entries + 1, 'the decrypted one was kept');
    assert.equal(decryptJwe(good, privateKey, opts).plaintext.toString(), 'x');
    const after = jweHeaderCacheStats().authenticated;
    assert.equal(after.entries, mid.entries + 1);
    assert.equal(after.chars, mid.chars + h.length);
    // Presented again: the same answer, from the remembered header, and no new entry.
    const again = decryptJwe(good, privateKey, opts);
    assert.equal(again.plaintext.toString(), 'x');
    assert.deepEqual(again.header.epk, header.epk);
    assert.equal(jweHeaderCacheStats().authenticated.entries, after.entries);
    // The checks after parsing still run on a remembered header: another recipient key is refused.
    assert.throws(() => decryptJwe(good, ecdhPair('P-256').privateKey, opts), DecodeError);
    assert.throws(() => decryptJwe(good, privateKey, allow('ECDH-ES+A128KW')), JweAlgorithmNotAllowedError);
  });
  test('the cache stays within its character budget however many tokens decrypt', () => {
    const { budget } = jweHeaderCacheStats().authenticated;
    const one = (encryptJwe('x', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }) as string).split(
      '.',
    )[0]!;
    for (let i = 0; i < Math.ceil(budget / one.length) + 20; i++) {
      const t = encryptJwe('x', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }) as string;
      decryptJwe(t, privateKey, opts);
      assert.ok(jweHeaderCacheStats().authenticated.chars <= budget);
    }
  });
});

describe('PBES2: p2c capped before any work, p2s at least 8 bytes', () => {
  const pw = 'correct horse battery staple';
  test('p2c 2^31-1 is refused at once; the cap is an option', () => {
    const t = forged({
      alg: 'PBES2-HS256+A128KW',
      enc: 'A256GCM',
      p2s: b64(randomBytes(16)),
      p2c: 2 ** 31 - 1,
    });
    const start = process.hrtime.bigint();
    assert.throws(() => decryptJwe(t, pw, allow('PBES2-HS256+A128KW')), DecodeError);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 200, 'refused without deriving');
    const t2 = encryptJwe('x', pw, { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 20_000 }) as string;
    assert.throws(() => decryptJwe(t2, pw, allow('PBES2-HS256+A128KW')), DecodeError);
    assert.equal(
      decryptJwe(t2, pw, { ...allow('PBES2-HS256+A128KW'), maxPbes2Count: 20_000 }).plaintext.toString(),
      'x',
    );
  });
  test('p2s shorter than 8 bytes, p2c missing, zero, fractional or a string are refused', () => {
    for (const h of [
      { p2s: b64(randomBytes(7)), p2c: 1000 },
      { p2s: b64(randomBytes(16)) },
      { p2s: b64(randomBytes(16)), p2c: 0 },
      { p2s: b64(randomBytes(16)), p2c: 1.5 },
      { p2s: b64(randomBytes(16)), p2c: '1000' },
      { p2c: 1000 },
    ]) {
      assert.throws(
        () =>
          decryptJwe(
            forged({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', ...h }),
            pw,
            allow('PBES2-HS256+A128KW'),
          ),
        DecodeError,
        JSON.stringify(h),
      );
    }
  });
});

describe('every decryption failure is the same error, and the CBC tag is checked first', () => {
  const expectSame = (fn: () => unknown) => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof JweDecryptionError);
      assert.equal(e.message, 'JWE decryption failed');
      assert.equal(e.code, 'ERR_JWE_DECRYPTION_FAILED');
      return true;
    });
  };
  test('bad tag, bad padding under a valid tag, bad unwrap, bad OAEP, wrong CEK length, wrong key', () => {
    const cek = secret(32);
    const enc = 'A128CBC-HS256' as const;
    const good = encryptJwe('hello', cek, { alg: 'dir', enc }) as string;
    const [h, ek, iv, ct, tag] = good.split('.') as [string, string, string, string, string];
    const flip = (s: string) => b64(Buffer.from(s, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b)));
    expectSame(() => decryptJwe(`${h}.${ek}.${iv}.${ct}.${flip(tag)}`, cek, allowE('dir', enc)));
    expectSame(() => decryptJwe(`${h}.${ek}.${iv}.${flip(ct)}.${tag}`, cek, allowE('dir', enc)));
    // A ciphertext whose padding is wrong but whose HMAC is right (we know the CEK): still the same error.
    const ivb = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', Buffer.from(cek.subarray(16)), ivb).setAutoPadding(false);
    const badPad = Buffer.concat([c.update(Buffer.alloc(16, 0x11)), c.final()]);
    const aad = Buffer.from(h, 'ascii');
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(aad.length * 8));
    const mac = createHmac('sha256', cek.subarray(0, 16))
      .update(Buffer.concat([aad, ivb, badPad, al]))
      .digest()
      .subarray(0, 16);
    expectSame(() => decryptJwe(`${h}..${b64(ivb)}.${b64(badPad)}.${b64(mac)}`, cek, allowE('dir', enc)));
    // Key unwrap failures.
    const kek = secret(32);
    const kw = encryptJwe('hello', kek, { alg: 'A256KW', enc: 'A256GCM' }) as string;
    expectSame(() => decryptJwe(kw, secret(32), allow('A256KW')));
    const parts = kw.split('.');
    expectSame(() =>
      decryptJwe([parts[0], flip(parts[1]!), ...parts.slice(2)].join('.'), kek, allow('A256KW')),
    );
    // A wrapped CEK of the wrong length (16 bytes for A256GCM), built with node:crypto.
    const w = createCipheriv('id-aes256-wrap', Buffer.from(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const short = Buffer.concat([w.update(randomBytes(16)), w.final()]);
    expectSame(() => decryptJwe([parts[0], b64(short), ...parts.slice(2)].join('.'), kek, allow('A256KW')));
    // RSA-OAEP: garbage and a wrong private key.
    const oaep = encryptJwe('hello', rsaPair().publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }) as string;
    const op = oaep.split('.');
    expectSame(() =>
      decryptJwe(
        [op[0], b64(randomBytes(256)), ...op.slice(2)].join('.'),
        rsaPair().privateKey,
        allow('RSA-OAEP-256'),
      ),
    );
    expectSame(() =>
      decryptJwe(oaep, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, allow('RSA-OAEP-256')),
    );
    // ECDH with another private key on the same curve; PBES2 with a wrong password; GCMKW with another KEK.
    const ecdh = encryptJwe('hello', ecdhPair('P-256').publicKey, {
      alg: 'ECDH-ES',
      enc: 'A256GCM',
    }) as string;
    expectSame(() =>
      decryptJwe(ecdh, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, allow('ECDH-ES')),
    );
    const pb = encryptJwe('hello', 'pw-one', {
      alg: 'PBES2-HS256+A128KW',
      enc: 'A256GCM',
      p2c: 1000,
    }) as string;
    expectSame(() => decryptJwe(pb, 'pw-two', allow('PBES2-HS256+A128KW')));
    const gk = encryptJwe('hello', secret(16), { alg: 'A128GCMKW', enc: 'A256GCM' }) as string;
    expectSame(() => decryptJwe(gk, secret(16), allow('A128GCMKW')));
  });
  test('AES-CBC is never run when the tag is wrong', () => {
    const cek = secret(64);
    const t = encryptJwe('hello', cek, { alg: 'dir', enc: 'A256CBC-HS512' }) as string;
    const p = t.split('.');
    const tag = Buffer.from(p[4]!, 'base64url');
    tag[0]! ^= 1;
    const original = nodeJweCrypto.cbcDecrypt;
    let calls = 0;
    nodeJweCrypto.cbcDecrypt = (...args) => {
      calls++;
      return original(...args);
    };
    try {
      assert.throws(
        () => decryptJwe([...p.slice(0, 4), b64(tag)].join('.'), cek, allowE('dir', 'A256CBC-HS512')),
        JweDecryptionError,
      );
      assert.equal(calls, 0);
      decryptJwe(t, cek, allowE('dir', 'A256CBC-HS512'));
      assert.equal(calls, 1);
    } finally {
      nodeJweCrypto.cbcDecrypt = original;
    }
  });
});

describe('GCM: 96-bit IV and 128-bit tag only; fresh IV and CEK every time', () => {
  test('other IV and tag sizes are refused', () => {
    const k = secret(32);
    const p = (encryptJwe('x', k, { alg: 'dir', enc: 'A256GCM' }) as string).split('.');
    assert.throws(
      () => decryptJwe([p[0], p[1], b64(randomBytes(16)), p[3], p[4]].join('.'), k, allow('dir')),
      DecodeError,
    );
    assert.throws(
      () => decryptJwe([p[0], p[1], b64(randomBytes(8)), p[3], p[4]].join('.'), k, allow('dir')),
      DecodeError,
    );
    assert.throws(
      () =>
        decryptJwe(
          [p[0], p[1], p[2], p[3], b64(Buffer.from(p[4]!, 'base64url').subarray(0, 12))].join('.'),
          k,
          allow('dir'),
        ),
      DecodeError,
    );
    const gk = secret(16);
    const g = (encryptJwe('x', gk, { alg: 'A128GCMKW', enc: 'A256GCM' }) as string).split('.');
    const h = JSON.parse(Buffer.from(g[0]!, 'base64url').toString());
    for (const bad of [{ iv: b64(randomBytes(16)) }, { tag: b64(randomBytes(12)) }]) {
      assert.throws(() => decryptJwe(forged({ ...h, ...bad }), gk, allow('A128GCMKW')), DecodeError);
    }
  });
  test('1,000 encryptions: 1,000 distinct IVs and 1,000 distinct CEKs', () => {
    const kek = secret(32);
    const ivs = new Set<string>();
    const eks = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const p = (encryptJwe('same plaintext', kek, { alg: 'A256KW', enc: 'A256GCM' }) as string).split('.');
      eks.add(p[1]!);
      ivs.add(p[2]!);
    }
    assert.equal(ivs.size, 1000);
    assert.equal(eks.size, 1000);
  });
});

describe('crit, size limits, strict base64url, header rules', () => {
  const k = secret(32);
  test('crit: an unknown extension is refused; a known one passes; crit outside the protected header is refused', () => {
    const f = encryptJwe('x', k, {
      alg: 'dir',
      enc: 'A256GCM',
      serialization: 'flattened',
      unprotectedHeader: { crit: ['exp'] } as never,
    }) as FlattenedJwe;
    assert.throws(() => decryptJwe(f, k, allow('dir')), DecodeError);
    // A protected crit made by hand (encryptJwe refuses to produce crit): authentic, so only crit decides.
    const header = { alg: 'dir', enc: 'A256GCM', crit: ['x-ext'], 'x-ext': 1 };
    const ph = b64(JSON.stringify(header));
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', Buffer.from(k), iv);
    c.setAAD(Buffer.from(ph, 'ascii'));
    const ct = Buffer.concat([c.update('x'), c.final()]);
    const t = `${ph}..${b64(iv)}.${b64(ct)}.${b64(c.getAuthTag())}`;
    assert.throws(() => decryptJwe(t, k, allow('dir')), DecodeError);
    assert.equal(decryptJwe(t, k, { ...allow('dir'), crit: ['x-ext'] }).plaintext.toString(), 'x');
  });
  test('maxTokenLength, non-canonical base64url, non-ASCII, duplicate and shared header members', () => {
    const t = encryptJwe('x'.repeat(2000), k, { alg: 'dir', enc: 'A256GCM' }) as string;
    assert.throws(() => decryptJwe(t, k, { ...allow('dir'), maxTokenLength: 1000 }), DecodeError);
    const p = t.split('.');
    for (const bad of [
      `${p[0]}=`,
      `${p[0]} `,
      `${p[0]}\u00e9`,
      p[0]!.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')),
    ]) {
      assert.throws(
        () => decryptJwe([bad, ...p.slice(1)].join('.'), k, allow('dir')),
        DecodeError,
        bad.slice(-3),
      );
    }
    assert.throws(
      () =>
        decryptJwe(
          `${b64('{"alg":"dir","enc":"A256GCM","alg":"dir"}')}${t.slice(p[0]!.length)}`,
          k,
          allow('dir'),
        ),
      DecodeError,
    );
    const f = encryptJwe('x', k, { alg: 'dir', enc: 'A256GCM', serialization: 'flattened' }) as FlattenedJwe;
    assert.throws(() => decryptJwe({ ...f, unprotected: { alg: 'dir' } }, k, allow('dir')), DecodeError);
    assert.throws(() => decryptJwe({ ...f, unprotected: { zip: 'DEF' } }, k, allow('dir')), DecodeError);
    assert.throws(
      () => decryptJwe({ ...f, header: { kid: 'a' }, recipients: [{}] }, k, allow('dir')),
      DecodeError,
    );
    assert.equal(decryptJwe({ ...f, recipients: [{}] }, k, allow('dir')).plaintext.toString(), 'x');
  });
});

describe('zip "DEF": inflation stops at the limit', () => {
  test('a 64 MiB zip bomb is refused at the 256 KiB default without inflating it', () => {
    const k = secret(32);
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    // Built by hand: the bomb is the compressed plaintext of an authentic JWE.
    const ph = b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }));
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', Buffer.from(k), iv);
    c.setAAD(Buffer.from(ph, 'ascii'));
    const ct = Buffer.concat([c.update(bomb), c.final()]);
    const t = `${ph}..${b64(iv)}.${b64(ct)}.${b64(c.getAuthTag())}`;
    const before = process.memoryUsage();
    const start = process.hrtime.bigint();
    assert.throws(() => decryptJwe(t, k, { ...allow('dir'), maxTokenLength: 1e6 }), DecodeError);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const grew = process.memoryUsage().arrayBuffers - before.arrayBuffers;
    assert.ok(ms < 1000, `refused in ${ms} ms`);
    assert.ok(grew < 8 * 1024 * 1024, `array buffers grew by ${grew} bytes`);
    const r = decryptJwe(t, k, { ...allow('dir'), maxTokenLength: 1e6, maxInflatedLength: 64 * 1024 * 1024 });
    assert.equal(r.plaintext.length, 64 * 1024 * 1024);
  });
});

describe('a "__proto__" header member is an ordinary member (found by the JWE fuzzer)', () => {
  test('it neither crashes decryption nor lends the joint header an alg it does not have', () => {
    const k = secret(32);
    const f = encryptJwe('x', k, { alg: 'dir', enc: 'A256GCM', serialization: 'flattened' });
    // The protected header without alg, with {"__proto__":{"alg":"dir"}}; alg only in the (unprotected) recipient header.
    const ph = b64('{"__proto__":{"alg":"dir"},"enc":"A256GCM"}');
    const doc = { ...f, protected: ph };
    assert.throws(
      () => decryptJwe(doc, k, allow('dir')),
      (e: unknown) => e instanceof DecodeError || e instanceof JweDecryptionError,
    );
    const noAlg = { ...f, protected: b64('{"__proto__":{"alg":"dir"},"enc":"A256GCM"}') };
    assert.throws(() => decryptJwe(noAlg, k, allow('dir')), DecodeError, 'no own alg: refused as malformed');
    // And through the options of encryptJwe: a "__proto__" header member stays a member.
    const t = encryptJwe('x', k, {
      alg: 'dir',
      enc: 'A256GCM',
      headers: JSON.parse('{"__proto__":{"alg":"A256KW"}}'),
    });
    const r = decryptJwe(t, k, allow('dir'));
    assert.equal(r.header.alg, 'dir');
    assert.ok(Object.hasOwn(r.header, '__proto__'));
  });
});

describe('PBES2 encryption parameters', () => {
  test('a 16-byte salt and p2c 10,000 by default; p2c below 1,000 is refused', () => {
    const t = encryptJwe('x', 'a password', { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM' });
    const h = JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString());
    assert.equal(h.p2c, 10_000);
    assert.equal(Buffer.from(h.p2s, 'base64url').length, 16);
    assert.throws(
      () => encryptJwe('x', 'a password', { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 999 }),
      {
        name: 'InvalidOptionsError',
      },
    );
    assert.throws(() => encryptJwe('x', '', { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM' }), InvalidKeyError);
  });
});
