import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  createVerifier,
  DecodeError,
  decode,
  decodeComplete,
  ExpiredSignatureError,
  encode,
  generateKeyPair,
  InvalidKeyError,
  InvalidOptionsError,
  JwtError,
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

describe('createVerifier({ complete: true })', () => {
  const token = encode({ sub: 'u1', exp: 4102444800 }, SECRET, { headers: { kid: 'k1' } });
  for (const cache of [false, 10]) {
    test(`answers the header, payload and signature of decodeComplete (cache ${cache})`, () => {
      const v = createVerifier(SECRET, { ...opts, complete: true, cache });
      const expected = decodeComplete(token, SECRET, opts);
      for (let i = 0; i < 3; i++) {
        const got = v(token);
        assert.deepEqual(got, expected);
        assert.equal(got.header.kid, 'k1');
        assert.equal(got.signature, token.split('.')[2]);
      }
      // The same checks as the payload form: a tampered signature and an expired token are refused.
      const bad = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`;
      assert.throws(() => v(bad), JwtError);
      const expired = encode({ sub: 'u1', exp: 1 }, SECRET);
      assert.throws(() => v(expired), ExpiredSignatureError);
      if (cache) {
        const shared = v(token);
        assert.ok(
          Object.isFrozen(shared) && Object.isFrozen(shared.payload) && Object.isFrozen(shared.header),
        );
        assert.equal(v.cacheStats().hits, 3);
      }
    });
  }
  test('complete must be a boolean', () => {
    assert.throws(() => createVerifier(SECRET, { ...opts, complete: 'yes' } as never), InvalidOptionsError);
  });
});

describe('payload nesting limit (64 levels, objects and arrays alike)', () => {
  // Depth d of the whole payload: the payload object is level 1; levels alternate array / object.
  const nested = (d: number): unknown => {
    let v: unknown = 1;
    for (let level = d; level >= 2; level--) v = level % 2 === 0 ? [v] : { k: v };
    return { x: v };
  };
  for (const d of [63, 64]) {
    test(`depth ${d} verifies`, () => {
      const t = encode(nested(d) as object, SECRET);
      assert.deepEqual(decode(t, SECRET, opts), nested(d));
      assert.deepEqual(createVerifier(SECRET, opts)(t), nested(d));
    });
  }
  for (const d of [65, 66, 200]) {
    test(`depth ${d} is refused with a DecodeError`, () => {
      const t = encode(nested(d) as object, SECRET);
      assert.throws(() => decode(t, SECRET, opts), { name: 'DecodeError', message: /nested too deeply/ });
    });
  }
  test('a duplicate member deep inside arrays is still found', () => {
    const inner = '{"a":1,"a":2}';
    const json = `{"sub":"u","x":[[{"y":[${inner}]}]]}`;
    const t = encode({ sub: 'u' }, SECRET);
    const [h] = t.split('.');
    const body = `${h}.${Buffer.from(json).toString('base64url')}`;
    const sig = createHmac('sha256', SECRET).update(body).digest('base64url');
    assert.throws(() => decode(`${body}.${sig}`, SECRET, opts), {
      name: 'DecodeError',
      message: /duplicate/,
    });
  });
});
