/**
 * createEncrypter / createDecrypter: the prepared forms of encryptJwe / decryptJwe (options read and a fixed
 * key bound once). decryptJwe is the oracle: every token opens the same way, and every refusal is the same
 * error class and message, on the first call and on every later one (a failed key binding is never kept).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createDecrypter,
  createEncrypter,
  decryptJwe,
  encryptJwe,
  InvalidOptionsError,
  JweAlgorithmNotAllowedError,
  JweDecryptionError,
  type KeyManagementAlgorithm,
} from '../../src/index.js';
import { ecdhPair, rsaPair, secret } from './_keys.js';

const PLAINTEXT = new TextEncoder().encode(JSON.stringify({ sub: 'prepared', n: 1 }));

/** The error a call throws (class name + message), or 'ok'. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('createDecrypter opens what decryptJwe opens, and refuses what it refuses', () => {
  const cases: Array<{ alg: KeyManagementAlgorithm; enc: Uint8Array | object; dec: unknown }> = [];
  const dirKey = secret(32);
  cases.push({ alg: 'dir', enc: dirKey, dec: dirKey });
  const kek = secret(32);
  cases.push({ alg: 'A256KW', enc: kek, dec: kek });
  cases.push({ alg: 'A256GCMKW', enc: kek, dec: kek });
  const p256 = ecdhPair('P-256');
  cases.push({ alg: 'ECDH-ES+A256KW', enc: p256.publicKey, dec: p256.privateKey });
  const x25519 = ecdhPair('X25519');
  cases.push({ alg: 'ECDH-ES', enc: x25519.publicKey, dec: x25519.privateKey });
  const rsa = rsaPair();
  cases.push({ alg: 'RSA-OAEP-256', enc: rsa.publicKey, dec: rsa.privateKey });

  for (const c of cases) {
    test(`${c.alg}: the same plaintext and header; a tampered token and a foreign alg fail as decryptJwe fails`, () => {
      const options = { keyManagementAlgorithms: [c.alg], contentEncryptionAlgorithms: ['A256GCM' as const] };
      const open = createDecrypter(c.dec as never, options);
      for (let i = 0; i < 3; i++) {
        const token = encryptJwe(PLAINTEXT, c.enc as never, { alg: c.alg, enc: 'A256GCM' });
        const theirs = decryptJwe(token, c.dec as never, options);
        const ours = open(token);
        assert.deepEqual(Buffer.from(ours.plaintext), Buffer.from(PLAINTEXT));
        assert.deepEqual(ours.header, theirs.header);
        const parts = token.split('.');
        parts[4] = parts[4]!.startsWith('A') ? `B${parts[4]!.slice(1)}` : `A${parts[4]!.slice(1)}`;
        const tampered = parts.join('.');
        const expected = outcome(() => decryptJwe(tampered, c.dec as never, options));
        assert.match(expected, /^JweDecryptionError/);
        assert.equal(
          outcome(() => open(tampered)),
          expected,
        );
      }
      const other = encryptJwe(PLAINTEXT, secret(32), { alg: 'A256KW', enc: 'A256GCM' });
      if (c.alg !== 'A256KW') assert.throws(() => open(other), JweAlgorithmNotAllowedError);
    });
  }

  test('a key that fails its binding fails on every call, with decryptJwe’s error', () => {
    const short = secret(16); // dir + A256GCM needs 32 bytes
    const token = encryptJwe(PLAINTEXT, secret(32), { alg: 'dir', enc: 'A256GCM' });
    const options = {
      keyManagementAlgorithms: ['dir' as const],
      contentEncryptionAlgorithms: ['A256GCM' as const],
    };
    const expected = outcome(() => decryptJwe(token, short, options));
    assert.notEqual(expected, 'ok');
    const open = createDecrypter(short, options);
    for (let i = 0; i < 3; i++)
      assert.equal(
        outcome(() => open(token)),
        expected,
      );
  });

  test('a JWK bound to one alg: accepted for it, still refused for the other allowed alg after that', () => {
    const bytes = secret(32);
    const jwk = { kty: 'oct', k: Buffer.from(bytes).toString('base64url'), alg: 'A256KW' };
    const options = {
      keyManagementAlgorithms: ['A256KW' as const, 'dir' as const],
      contentEncryptionAlgorithms: ['A256GCM' as const],
    };
    const kw = encryptJwe(PLAINTEXT, bytes, { alg: 'A256KW', enc: 'A256GCM' });
    const dir = encryptJwe(PLAINTEXT, bytes, { alg: 'dir', enc: 'A256GCM' });
    const expected = outcome(() => decryptJwe(dir, jwk as never, options));
    assert.notEqual(expected, 'ok', 'decryptJwe refuses a JWK whose alg is A256KW for dir');
    const open = createDecrypter(jwk as never, options);
    assert.equal(
      outcome(() => open(kw)),
      'ok',
    );
    assert.equal(
      outcome(() => open(dir)),
      expected,
    );
    assert.equal(
      outcome(() => open(kw)),
      'ok',
    );
  });

  test('a key resolver is asked on every call (nothing is bound once)', () => {
    const keys = [secret(32), secret(32)];
    let calls = 0;
    const open = createDecrypter(
      () => {
        calls++;
        return keys[calls % 2]!;
      },
      { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] },
    );
    const a = encryptJwe(PLAINTEXT, keys[1]!, { alg: 'dir', enc: 'A256GCM' });
    const b = encryptJwe(PLAINTEXT, keys[0]!, { alg: 'dir', enc: 'A256GCM' });
    assert.equal(
      outcome(() => open(a)),
      'ok',
    ); // call 1 -> keys[1]
    assert.equal(
      outcome(() => open(b)),
      'ok',
    ); // call 2 -> keys[0]
    assert.throws(() => open(b), JweDecryptionError); // call 3 -> keys[1]: not the key of b
    assert.equal(calls, 3);
  });

  test('options are checked when it is made: both allowlists are required', () => {
    assert.throws(() => createDecrypter(secret(32), {} as never), InvalidOptionsError);
    assert.throws(
      () => createDecrypter(secret(32), { keyManagementAlgorithms: ['dir'] } as never),
      InvalidOptionsError,
    );
  });
});

describe('createEncrypter', () => {
  test('every call draws a fresh IV and CEK; decryptJwe opens each; the header is the one asked for', () => {
    const kek = secret(32);
    const seal = createEncrypter(kek, { alg: 'A256KW', enc: 'A256GCM', headers: { kid: 'k1' } });
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const t = seal(PLAINTEXT);
      tokens.add(t);
      const [, ek, iv] = t.split('.');
      tokens.add(`ek:${ek}`);
      tokens.add(`iv:${iv}`);
      const r = decryptJwe(t, kek, {
        keyManagementAlgorithms: ['A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      assert.deepEqual(Buffer.from(r.plaintext), Buffer.from(PLAINTEXT));
      assert.equal(r.header.kid, 'k1');
    }
    assert.equal(tokens.size, 60, 'no token, wrapped CEK or IV repeats');
  });

  test('ECDH-ES: a new ephemeral key each time', () => {
    const p = ecdhPair('P-256');
    const seal = createEncrypter(p.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' });
    const epks = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const t = seal('text');
      const r = decryptJwe(t, p.privateKey, {
        keyManagementAlgorithms: ['ECDH-ES'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      epks.add(JSON.stringify(r.header.epk));
    }
    assert.equal(epks.size, 10);
  });

  test('mistakes are reported when it is made, as encryptJwe reports them', () => {
    const key = secret(32);
    for (const bad of [{ alg: 'dir' }, { alg: 'nope', enc: 'A256GCM' }, { alg: 'dir', enc: 'A128GCM' }]) {
      const expected = outcome(() => encryptJwe(PLAINTEXT, key, bad as never));
      assert.notEqual(expected, 'ok');
      assert.equal(
        outcome(() => createEncrypter(key, bad as never)),
        expected,
      );
    }
    assert.throws(
      () => createEncrypter(key, { alg: 'dir', enc: 'A256GCM', serialization: 'flattened' } as never),
      InvalidOptionsError,
    );
  });
});

describe('a prepared decrypter keeps one binding per alg/enc pair', () => {
  test('alternating A128KW / A256KW-sized uses of one secret answer what decryptJwe answers, every time', () => {
    // One 32-byte secret: right for dir + A256GCM, wrong for dir + A128GCM (needs 16 bytes) and for A128KW.
    const key = secret(32);
    const opts = {
      keyManagementAlgorithms: ['dir', 'A128KW', 'A256KW'] as KeyManagementAlgorithm[],
      contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'] as ('A128GCM' | 'A256GCM')[],
    };
    const open = createDecrypter(key, opts);
    const short = secret(16);
    const tokens = [
      encryptJwe(PLAINTEXT, key, { alg: 'dir', enc: 'A256GCM' }),
      encryptJwe(PLAINTEXT, short, { alg: 'dir', enc: 'A128GCM' }),
      encryptJwe(PLAINTEXT, key, { alg: 'A256KW', enc: 'A128GCM' }),
      encryptJwe(PLAINTEXT, short, { alg: 'A128KW', enc: 'A256GCM' }),
    ];
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (const t of [...tokens, ...tokens.slice().reverse()]) {
        const want = outcome(() => decryptJwe(t, key, opts));
        assert.equal(
          outcome(() => open(t)),
          want,
        );
        seen.add(want);
      }
    }
    assert.ok(seen.has('ok') && seen.size > 1, [...seen].join(' | '));
  });
});
