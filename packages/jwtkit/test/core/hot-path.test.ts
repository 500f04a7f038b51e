import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createVerifier,
  DecodeError,
  decode,
  encode,
  generateKeyPair,
  InvalidKeyError,
} from '../../src/index.js';
import { SECRET } from './_helpers.js';

const opts = { algorithms: ['HS256' as const] };

describe('hot-path decoding stays strict', () => {
  test('characters above U+007F are refused anywhere, even ones whose low byte is a base64url letter', () => {
    const good = encode({ sub: 'u1', n: 'x'.repeat(40) }, SECRET);
    // U+0141 and U+0241 have 0x41 ('A') as their low byte; U+00C1 is Latin-1. Node's decoder and a
    // latin1 MAC input would read them as 'A', so a lenient check would accept a different token text.
    for (const ch of ['\u0141', '\u0241', '\u00c1', '\uff21', '\u{1D400}']) {
      for (let seg = 0; seg < 3; seg++) {
        const parts = good.split('.');
        const s = parts[seg]!;
        const i = s.indexOf('A') >= 0 ? s.indexOf('A') : 1;
        parts[seg] = `${s.slice(0, i)}${ch}${s.slice(i + 1)}`;
        assert.throws(() => decode(parts.join('.'), SECRET, opts), DecodeError, `${ch} in segment ${seg}`);
      }
    }
    assert.deepEqual(decode(good, SECRET, opts).sub, 'u1');
  });

  test('every ASCII character outside the alphabet is refused in payload and signature', () => {
    const good = encode({ sub: 'u1' }, SECRET);
    const [h, p, s] = good.split('.') as [string, string, string];
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      if (/[A-Za-z0-9_-]/.test(ch)) continue;
      for (const t of [
        `${h}.${p.slice(0, 4)}${ch}${p.slice(4)}.${s}`,
        `${h}.${p}.${s.slice(0, 4)}${ch}${s.slice(4)}`,
        `${h}.${p}${ch}.${s}`,
      ]) {
        assert.throws(() => decode(t, SECRET, opts), DecodeError, `char ${c}`);
      }
    }
  });
});

describe('options for long-lived verifiers', () => {
  test('now may be a clock function, called on every verification', () => {
    let clock = 1_700_000_000;
    let calls = 0;
    const verify = createVerifier(SECRET, { ...opts, now: () => (calls++, clock) });
    const t = encode({ exp: 1_700_000_010 }, SECRET);
    assert.ok(verify(t));
    clock = 1_700_000_010;
    assert.throws(() => verify(t), { code: 'ERR_JWT_EXPIRED' });
    assert.ok(calls >= 2);
    assert.ok(decode(t, SECRET, { ...opts, now: () => new Date(1_700_000_000_000) }));
    assert.throws(() => decode(t, SECRET, { ...opts, now: () => Number.NaN }), {
      code: 'ERR_JWT_OPTIONS_INVALID',
    });
  });

  test('a static key is bound once per algorithm, and the binding still refuses a wrong family', () => {
    const pair = generateKeyPair('ES256');
    const verify = createVerifier(pair.publicKey, { algorithms: ['ES256', 'HS256'] });
    const es = encode({ a: 1 }, pair.privateKey, { algorithm: 'ES256' });
    assert.deepEqual(verify(es), { a: 1 });
    assert.deepEqual(verify(es), { a: 1 });
    // HS256 with the public key as the "secret": refused on first and on later calls.
    const hs = encode({ a: 1 }, SECRET);
    assert.throws(() => verify(hs), InvalidKeyError);
    assert.throws(() => verify(hs), InvalidKeyError);
    assert.deepEqual(verify(es), { a: 1 });
  });
});
