import assert from 'node:assert/strict';
import { createHmac, sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  DecodeError,
  decode,
  encode,
  exportJwk,
  exportPem,
  generateKeyPair,
  InvalidAlgorithmError,
  InvalidKeyError,
  InvalidOptionsError,
  InvalidSignatureError,
  JwtError,
} from '../../src/index.js';
import { SECRET } from './_helpers.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
/** Builds a token by hand (header/payload as given), MACed with `secret` under HS256. */
function hsToken(header: string, payload: string, secret: string | Buffer, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}
const body = '{"sub":"u1"}';
const rsa = generateKeyPair('RS256');
const rsaPem = exportPem(rsa.publicKey);

describe('algorithm allowlist', () => {
  test('decode without algorithms is refused', () => {
    const t = encode({ a: 1 }, SECRET);
    // @ts-expect-error: algorithms is required
    assert.throws(() => decode(t, SECRET, {}), InvalidOptionsError);
    // @ts-expect-error: options are required
    assert.throws(() => decode(t, SECRET), InvalidOptionsError);
    assert.throws(() => decode(t, SECRET, { algorithms: [] }), InvalidOptionsError);
  });
  test('the header alg must be exactly one of the allowed (case-sensitive, no none)', () => {
    for (const alg of ['none', 'None', 'hs256', 'HS256 ', ' HS256', 'HS256\u0000', '']) {
      const t = hsToken(JSON.stringify({ alg, typ: 'JWT' }), body, SECRET);
      assert.throws(() => decode(t, SECRET, { algorithms: ['HS256'] }), JwtError, alg);
    }
    const t384 = hsToken('{"alg":"HS384"}', body, SECRET, 'sha384');
    assert.throws(() => decode(t384, SECRET, { algorithms: ['HS256'] }), InvalidAlgorithmError);
  });
  test('alg that is not a string (null, array, missing) is a DecodeError', () => {
    for (const h of ['{"alg":null}', '{"alg":["HS256"]}', '{"typ":"JWT"}', '{"alg":1}']) {
      assert.throws(
        () => decode(hsToken(h, body, SECRET), SECRET, { algorithms: ['HS256'] }),
        DecodeError,
        h,
      );
    }
  });
});

describe('key type must match the algorithm family', () => {
  const forms: Array<[string, unknown]> = [
    ['SPKI PEM', rsaPem],
    ['SPKI PEM without trailing newline', rsaPem.trimEnd()],
    ['PEM with leading whitespace', `\n  ${rsaPem}`],
    ['PEM with a BOM', `\ufeff${rsaPem}`],
    ['PEM with explanatory text', `Subject: x\n${rsaPem}`],
    ['PKCS#1 PEM', rsa.publicKey.export({ format: 'pem', type: 'pkcs1' })],
    ['SPKI DER bytes', rsa.publicKey.export({ format: 'der', type: 'spki' })],
    ['JWK JSON text', JSON.stringify(exportJwk(rsa.publicKey))],
    ['JWK object', exportJwk(rsa.publicKey)],
    ['KeyObject', rsa.publicKey],
    ['SSH public key text', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user@host'],
  ];
  for (const [name, key] of forms) {
    test(`an RSA public key as ${name} is never an HMAC secret`, () => {
      // The attacker MACs with the exact bytes of the key text, and HS256 is (wrongly) allowed too.
      const secret =
        typeof key === 'string' ? key : Buffer.isBuffer(key) ? key : Buffer.from(JSON.stringify(key));
      const t = hsToken('{"alg":"HS256","typ":"JWT"}', body, secret);
      assert.throws(() => decode(t, key as string, { algorithms: ['RS256', 'HS256'] }), InvalidKeyError);
    });
  }
  test('a secret never verifies RS/PS/ES/EdDSA', () => {
    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
      const pair = generateKeyPair(alg);
      const t = encode({ a: 1 }, pair.privateKey, { algorithm: alg });
      assert.throws(() => decode(t, SECRET, { algorithms: [alg] }), InvalidKeyError, alg);
      assert.throws(
        () => decode(t, { kty: 'oct', k: b64(SECRET) }, { algorithms: [alg] }),
        InvalidKeyError,
        alg,
      );
    }
  });
  test('curve must match: a P-384 or secp256k1 key is never ES256', () => {
    const p384 = generateKeyPair('ES384');
    const k1 = generateKeyPair('ES256K');
    assert.throws(() => encode({ a: 1 }, p384.privateKey, { algorithm: 'ES256' }), InvalidKeyError);
    const t = encode({ a: 1 }, k1.privateKey, { algorithm: 'ES256K' });
    const forged = `${b64('{"alg":"ES256"}')}.${t.split('.')[1]}.${t.split('.')[2]}`;
    assert.throws(() => decode(forged, k1.publicKey, { algorithms: ['ES256'] }), InvalidKeyError);
  });
  test('RSA keys below 2048 bits are refused', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => encode({ a: 1 }, privateKey, { algorithm: 'RS256' }), InvalidKeyError);
    const input = `${b64('{"alg":"RS256"}')}.${b64(body)}`;
    const t = `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    assert.throws(() => decode(t, publicKey, { algorithms: ['RS256'] }), InvalidKeyError);
  });
  test("a JWK's alg, use and key_ops are honoured", () => {
    const pair = generateKeyPair('RS256');
    const t = encode({ a: 1 }, pair.privateKey, { algorithm: 'PS256' });
    const jwk = exportJwk(pair.publicKey);
    assert.throws(() => decode(t, { ...jwk, alg: 'RS256' }, { algorithms: ['PS256'] }), InvalidKeyError);
    assert.throws(() => decode(t, { ...jwk, use: 'enc' }, { algorithms: ['PS256'] }), InvalidKeyError);
    assert.throws(() => decode(t, { ...jwk, key_ops: ['sign'] }, { algorithms: ['PS256'] }), InvalidKeyError);
    assert.deepEqual(
      decode(t, { ...jwk, alg: 'PS256', use: 'sig', key_ops: ['verify'] }, { algorithms: ['PS256'] }),
      { a: 1 },
    );
  });
});

describe('strict decoding', () => {
  const good = encode({ sub: 'u1' }, SECRET);
  const [h, p, s] = good.split('.') as [string, string, string];
  const opts = { algorithms: ['HS256' as const] };
  test('base64url: padding, +/, whitespace, junk and non-canonical trailing bits are refused', () => {
    const variants = [
      `${h}=.${p}.${s}`,
      `${h}.${p}=.${s}`,
      `${h}.${p}.${s}=`,
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(s) ? '' : '+'}`,
      `${h} .${p}.${s}`,
      `${h}.${p}\n.${s}`,
      `${h}.${p}.${s}\t`,
      `${h}.${p}?.${s}`,
      `${h}.${p}.${s}%3D`,
      `${h}.${p}.${s}A`, // length % 4 == 1 after appending
    ];
    // Non-zero unused bits: change the last signature character to its twin with a low bit set.
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    variants.push(`${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`);
    for (const v of variants)
      assert.throws(() => decode(v, SECRET, opts), DecodeError, JSON.stringify(v.slice(-8)));
    assert.deepEqual(decode(good, SECRET, opts), { sub: 'u1' });
  });
  test('structure: exactly three segments, none empty but the signature (which then fails)', () => {
    for (const v of [
      '',
      '.',
      '..',
      '...',
      `${h}.${p}`,
      `${h}.${p}.${s}.`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `Bearer ${good}`,
      `${good}.${s}.${s}`,
    ]) {
      assert.throws(() => decode(v, SECRET, opts), DecodeError, v.slice(0, 20));
    }
    assert.throws(() => decode(`${h}.${p}.`, SECRET, opts), InvalidSignatureError);
  });
  test('header and payload must be JSON objects without duplicate members', () => {
    const bad = [
      ['{"alg":"HS256","alg":"none"}', body],
      ['{"alg":"HS256"}', '{"sub":"a","sub":"b"}'],
      ['{"alg":"HS256"}', '{"x":{"y":1,"y":2}}'],
      ['{"alg":"HS256"}', '{"x":[{"y":1},{"z":{"a":1,"a":1}}]}'],
      ['{"alg":"HS256"}', '{"sub" :"a","sub":"b"}'],
      ['{"alg":"HS256"}', '{"s\\u0075b":"a","sub":"b"}'],
      ['["HS256"]', body],
      ['{"alg":"HS256"}', '[1,2]'],
      ['{"alg":"HS256"}', '"str"'],
      ['{"alg":"HS256"}', 'null'],
      ['{"alg":"HS256"}', '42'],
      ['\ufeff{"alg":"HS256"}', body],
      ['{"alg":"HS256"}', 'not json'],
    ];
    for (const [hh, pp] of bad)
      assert.throws(() => decode(hsToken(hh!, pp!, SECRET), SECRET, opts), DecodeError, `${hh} ${pp}`);
    // Same names in different objects are fine, and so is a value that contains '":'.
    const ok = hsToken(
      '{"alg":"HS256"}',
      '{"a":{"x":1},"b":{"x":2},"c":"q\\":z","d":[{"x":1},{"x":2}]}',
      SECRET,
    );
    assert.equal((decode(ok, SECRET, opts) as { c: string }).c, 'q":z');
  });
  test('header and payload must be valid UTF-8', () => {
    const input = `${b64('{"alg":"HS256"}')}.${b64(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))}`;
    const t = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    assert.throws(() => decode(t, SECRET, opts), DecodeError);
  });
  test('__proto__ members do not pollute prototypes', () => {
    const t = hsToken('{"alg":"HS256"}', '{"__proto__":{"admin":true},"sub":"u"}', SECRET);
    const claims = decode(t, SECRET, opts) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).admin, undefined);
    assert.equal((claims as { admin?: unknown }).admin, undefined);
  });
  test('tokens over the size limit are refused before any work; the limit is configurable', () => {
    const big = encode({ x: 'a'.repeat(300 * 1024) }, SECRET);
    assert.throws(() => decode(big, SECRET, opts), DecodeError);
    assert.equal(
      (decode(big, SECRET, { ...opts, maxTokenLength: 1024 * 1024 }) as { x: string }).x.length,
      300 * 1024,
    );
    assert.throws(() => decode(good, SECRET, { ...opts, maxTokenLength: 10 }), DecodeError);
  });
  test('deeply nested JSON is refused with a DecodeError (64 levels are fine), never a crash', () => {
    const deep = `{"a":${'['.repeat(10000)}${']'.repeat(10000)}}`;
    assert.throws(() => decode(hsToken('{"alg":"HS256"}', deep, SECRET), SECRET, opts), DecodeError);
    assert.throws(
      () =>
        decode(
          hsToken(`{"alg":"HS256","x":${'['.repeat(10000)}${']'.repeat(10000)}}`, body, SECRET),
          SECRET,
          opts,
        ),
      DecodeError,
    );
    const ok = `{"a":${'['.repeat(63)}${']'.repeat(63)}}`;
    assert.ok(decode(hsToken('{"alg":"HS256"}', ok, SECRET), SECRET, opts));
  });
});

describe('crit, b64 and typ', () => {
  const opts = { algorithms: ['HS256' as const] };
  test('crit must be a non-empty list of unique, present, understood, unregistered names', () => {
    const bad = [
      '{"alg":"HS256","crit":["alg"]}',
      '{"alg":"HS256","crit":[]}',
      '{"alg":"HS256","crit":"exp","exp":1}',
      '{"alg":"HS256","crit":["x","x"],"x":1}',
      '{"alg":"HS256","crit":[1]}',
      '{"alg":"HS256","crit":["kid"],"kid":"a"}',
      '{"alg":"HS256","crit":["missing"]}',
    ];
    for (const h of bad)
      assert.throws(
        () => decode(hsToken(h, body, SECRET), SECRET, { ...opts, crit: ['x', 'exp', 'missing'] }),
        DecodeError,
        h,
      );
    const ok = hsToken('{"alg":"HS256","crit":["x"],"x":1}', body, SECRET);
    assert.throws(() => decode(ok, SECRET, opts), DecodeError);
    assert.deepEqual(decode(ok, SECRET, { ...opts, crit: ['x'] }), { sub: 'u1' });
  });
  test('b64 (unencoded payload) is refused by the JWT API', () => {
    for (const h of [
      '{"alg":"HS256","b64":false,"crit":["b64"]}',
      '{"alg":"HS256","b64":false}',
      '{"alg":"HS256","b64":true}',
    ]) {
      assert.throws(() => decode(hsToken(h, body, SECRET), SECRET, opts), DecodeError, h);
    }
  });
  test('typ is compared as a media type when asked for', () => {
    const at = encode({ sub: 'u' }, SECRET, { headers: { typ: 'at+jwt' } });
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT']) {
      assert.deepEqual(decode(at, SECRET, { ...opts, typ }), { sub: 'u' }, typ);
    }
    assert.throws(() => decode(encode({ sub: 'u' }, SECRET), SECRET, { ...opts, typ: 'at+jwt' }), {
      code: 'ERR_JWT_TYP_INVALID',
    });
    const noTyp = encode({ sub: 'u' }, SECRET, { headers: { typ: null } });
    assert.throws(() => decode(noTyp, SECRET, { ...opts, typ: 'JWT' }), { code: 'ERR_JWT_TYP_INVALID' });
  });
});

describe('signatures', () => {
  test('ECDSA: DER-encoded or wrong-length signatures are refused; high-S twin is accepted', () => {
    const pair = generateKeyPair('ES256');
    const t = encode({ a: 1 }, pair.privateKey, { algorithm: 'ES256' });
    const [h, p, s] = t.split('.') as [string, string, string];
    const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), {
      key: pair.privateKey,
      dsaEncoding: 'der',
    }).toString('base64url');
    assert.throws(
      () => decode(`${h}.${p}.${der}`, pair.publicKey, { algorithms: ['ES256'] }),
      InvalidSignatureError,
    );
    const raw = Buffer.from(s, 'base64url');
    for (const bad of [raw.subarray(0, 63), Buffer.concat([raw, Buffer.from([0])]), Buffer.alloc(64)]) {
      assert.throws(
        () => decode(`${h}.${p}.${bad.toString('base64url')}`, pair.publicKey, { algorithms: ['ES256'] }),
        InvalidSignatureError,
      );
    }
    // s' = n - s is also a valid ECDSA signature (no low-S rule in JWS).
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const sBig = BigInt(`0x${raw.subarray(32).toString('hex')}`);
    const twin = Buffer.concat([
      raw.subarray(0, 32),
      Buffer.from((n - sBig).toString(16).padStart(64, '0'), 'hex'),
    ]);
    assert.deepEqual(
      decode(`${h}.${p}.${twin.toString('base64url')}`, pair.publicKey, { algorithms: ['ES256'] }),
      { a: 1 },
    );
  });
  test('HMAC tags must be full length; a changed byte anywhere fails', () => {
    const t = encode({ a: 1 }, SECRET);
    const [h, p, s] = t.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    assert.throws(
      () =>
        decode(`${h}.${p}.${sig.subarray(0, 16).toString('base64url')}`, SECRET, { algorithms: ['HS256'] }),
      InvalidSignatureError,
    );
    assert.throws(() => decode(t, `${SECRET}x`, { algorithms: ['HS256'] }), InvalidSignatureError);
  });
});

describe('HMAC key length policy', () => {
  test('the seed 11-byte key works with a warning; strict mode refuses it; under 8 bytes is refused', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? '');
    process.on('warning', onWarning);
    const key = 'another-11b';
    const t = encode({ a: 1 }, key);
    assert.deepEqual(decode(t, key, { algorithms: ['HS256'] }), { a: 1 });
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    assert.deepEqual(warnings, ['JWTKIT_SHORT_HMAC_KEY'], 'warned once for the key');
    assert.throws(() => encode({ a: 1 }, key, { strict: true }), InvalidKeyError);
    assert.throws(() => decode(t, key, { algorithms: ['HS256'], strict: true }), InvalidKeyError);
    assert.throws(() => encode({ a: 1 }, 'k'), InvalidKeyError);
    assert.throws(() => encode({ a: 1 }, ''), InvalidKeyError);
    assert.throws(
      () => encode({ a: 1 }, { kty: 'oct', k: b64('x'.repeat(31)) }),
      InvalidKeyError,
      'JWK oct keys must meet RFC 7518',
    );
  });
});
