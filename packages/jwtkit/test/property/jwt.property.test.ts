/**
 * Property-based tests (fast-check), for every algorithm:
 * - round trip: decode(encode(x)) equals x (as JSON sees it) for random claim sets;
 * - any single-character mutation (substitution, deletion, insertion, swap) of a valid token is rejected
 *   with a JwtError: never accepted, never another exception. (Mutating a base64url character's unused
 *   low bits leaves the bytes unchanged; strict decoding still rejects it, which is what we want.)
 * - random strings, random token-shaped strings and random keys/options never crash decode,
 *   decodeUnverified, getUnverifiedHeader or verifyJws: a result or a JwtError, nothing else.
 * Keys are generated once (RSA 2048 once); run counts are modest so the suite stays fast.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ALGORITHMS,
  type Algorithm,
  decode,
  decodeUnverified,
  encode,
  getUnverifiedHeader,
  JwtError,
  verifyJws,
} from '../../src/index.js';

const SEED = Number(process.env.FC_SEED ?? 20261128);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pairs: Record<string, { privateKey: KeyObject | string; publicKey: KeyObject | string }> = {
  HS256: { privateKey: 's'.repeat(32), publicKey: 's'.repeat(32) },
  HS384: { privateKey: 's'.repeat(48), publicKey: 's'.repeat(48) },
  HS512: { privateKey: 's'.repeat(64), publicKey: 's'.repeat(64) },
  RS256: rsa,
  RS384: rsa,
  RS512: rsa,
  PS256: rsa,
  PS384: rsa,
  PS512: rsa,
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  ES256K: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
  EdDSA: generateKeyPairSync('ed25519'),
  Ed25519: generateKeyPairSync('ed25519'),
  Ed448: generateKeyPairSync('ed448'),
};

const REGISTERED = new Set(['exp', 'nbf', 'iat', 'iss', 'aud', 'sub', 'jti']);
/** Random claim sets: any JSON values under non-registered names, plus valid registered claims sometimes. */
const claimSet = fc
  .record({
    extra: fc.dictionary(
      fc.string({ maxLength: 12 }).filter((k) => !REGISTERED.has(k)),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 6 },
    ),
    sub: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    exp: fc.option(fc.integer({ min: 1_700_000_001, max: 4_000_000_000 }), { nil: undefined }),
    nbf: fc.option(fc.integer({ min: 0, max: 1_700_000_000 }), { nil: undefined }),
    iat: fc.option(fc.double({ min: 0, max: 1_700_000_000, noNaN: true }), { nil: undefined }),
    jti: fc.option(fc.uuid(), { nil: undefined }),
  })
  .map(({ extra, ...reg }) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(extra))
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, v] of Object.entries(reg)) if (v !== undefined) out[k] = v;
    return out;
  });

const NOW = 1_700_000_000;
const asJson = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

/** Outcome of a call that must either return or throw a JwtError. */
function safely(fn: () => unknown): { ok: true; value: unknown } | { ok: false; error: JwtError } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof JwtError) return { ok: false, error };
    throw new Error(`non-JwtError thrown: ${(error as Error)?.name}: ${(error as Error)?.message}`, {
      cause: error,
    });
  }
}

describe('properties', () => {
  test('every algorithm is covered by these properties', () => {
    assert.deepEqual(Object.keys(pairs).sort(), [...ALGORITHMS].sort());
  });

  for (const alg of ALGORITHMS as readonly Algorithm[]) {
    const { privateKey, publicKey } = pairs[alg]!;
    const slow = alg.startsWith('RS') || alg.startsWith('PS') || alg === 'Ed448' || alg === 'ES512';

    test(`${alg}: decode(encode(x)) == x`, () => {
      fc.assert(
        fc.property(claimSet, (claims) => {
          const token = encode(claims, privateKey as never, { algorithm: alg });
          const back = decode(token, publicKey as never, { algorithms: [alg], now: NOW });
          assert.deepStrictEqual(back, asJson(claims));
        }),
        { numRuns: slow ? 15 : 40, seed: SEED },
      );
    });

    test(`${alg}: every single-character mutation is rejected with a JwtError`, () => {
      const token = encode({ sub: 'user-1', n: 1, exp: NOW + 60 }, privateKey as never, { algorithm: alg });
      const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
      const mutation = fc.oneof(
        fc.record({
          kind: fc.constant('replace' as const),
          at: fc.nat(token.length - 1),
          ch: fc.constantFrom(...ALPHABET),
        }),
        fc.record({
          kind: fc.constant('delete' as const),
          at: fc.nat(token.length - 1),
          ch: fc.constant(''),
        }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(token.length),
          ch: fc.constantFrom(...ALPHABET),
        }),
        fc.record({ kind: fc.constant('swap' as const), at: fc.nat(token.length - 2), ch: fc.constant('') }),
      );
      fc.assert(
        fc.property(mutation, ({ kind, at, ch }) => {
          let m: string;
          if (kind === 'replace') m = token.slice(0, at) + ch + token.slice(at + 1);
          else if (kind === 'delete') m = token.slice(0, at) + token.slice(at + 1);
          else if (kind === 'insert') m = token.slice(0, at) + ch + token.slice(at);
          else m = token.slice(0, at) + token[at + 1] + token[at] + token.slice(at + 2);
          if (m === token) return; // a no-op mutation (same character) is not a mutation
          const r = safely(() => decode(m, publicKey as never, { algorithms: [alg], now: NOW }));
          assert.equal(r.ok, false, `mutation ${kind}@${at} '${ch}' was ACCEPTED`);
        }),
        { numRuns: slow ? 150 : 400, seed: SEED },
      );
    });

    test(`${alg}: any bit flipped in the decoded header, payload or signature bytes is rejected`, () => {
      const token = encode({ sub: 'user-1', n: 1, exp: NOW + 60 }, privateKey as never, { algorithm: alg });
      const segs = token.split('.').map((x) => Buffer.from(x, 'base64url'));
      fc.assert(
        fc.property(fc.nat(2), fc.nat(10_000), fc.nat(7), (which, pos, bit) => {
          const parts = segs.map((b) => Buffer.from(b));
          const target = parts[which] as Buffer;
          if (target.length === 0) return;
          const i = pos % target.length;
          target[i] = (target[i] as number) ^ (1 << bit);
          const m = parts.map((b) => b.toString('base64url')).join('.');
          const r = safely(() => decode(m, publicKey as never, { algorithms: [alg], now: NOW }));
          assert.equal(r.ok, false, `bit ${bit} of byte ${i} in segment ${which} flipped: ACCEPTED`);
        }),
        { numRuns: slow ? 100 : 300, seed: SEED },
      );
    });

    test(`${alg}: every position, replaced by every base64url character, is rejected (exhaustive over the header)`, () => {
      const token = encode({ sub: 'u' }, privateKey as never, { algorithm: alg });
      const headerEnd = token.indexOf('.');
      const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      for (let i = 0; i < headerEnd; i++) {
        for (const c of chars) {
          if (token[i] === c) continue;
          const m = token.slice(0, i) + c + token.slice(i + 1);
          const r = safely(() => decode(m, publicKey as never, { algorithms: [alg] }));
          assert.equal(r.ok, false, `header mutation at ${i} -> ${c} accepted`);
        }
      }
    });
  }

  test('random strings never crash the parsers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.stringMatching(/^[A-Za-z0-9_\-.=+/ ]{0,200}$/),
        ),
        (s) => {
          const r = safely(() => decode(s, 's'.repeat(32), { algorithms: ['HS256'] }));
          assert.equal(r.ok, false);
          safely(() => decodeUnverified(s));
          safely(() => getUnverifiedHeader(s));
          safely(() => verifyJws(s, 's'.repeat(32), { algorithms: ['HS256'] }));
        },
      ),
      { numRuns: 1500, seed: SEED },
    );
  });

  test('random token-shaped input (random JSON headers and payloads, random signatures) never crashes and never verifies', () => {
    const b64 = (v: unknown) =>
      Buffer.from(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null')).toString('base64url');
    const header = fc.oneof(
      fc.record({
        alg: fc.constantFrom(...ALGORITHMS, 'none', 'None', '', 'HS256 '),
        typ: fc.option(fc.string(), { nil: undefined }),
        kid: fc.option(fc.jsonValue(), { nil: undefined }),
        crit: fc.option(fc.jsonValue(), { nil: undefined }),
      }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const payload = fc.oneof(claimSet, fc.jsonValue({ maxDepth: 3 }), fc.string());
    const sig = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u).toString('base64url')),
      fc.string({ maxLength: 50 }),
    );
    fc.assert(
      fc.property(header, payload, sig, fc.constantFrom(...ALGORITHMS), (h, p, s, alg) => {
        const token = `${b64(h)}.${b64(p)}.${s}`;
        const r = safely(() =>
          decode(token, pairs[alg]!.publicKey as never, { algorithms: [alg], now: NOW }),
        );
        assert.equal(r.ok, false, 'a random token verified');
        safely(() => decodeUnverified(token));
        safely(() => getUnverifiedHeader(token));
      }),
      { numRuns: 1500, seed: SEED },
    );
  });

  test('random keys and options are refused with typed errors, never TypeErrors', () => {
    const token = encode({ sub: 'x' }, 's'.repeat(32));
    fc.assert(
      fc.property(fc.anything({ maxDepth: 2 }), fc.anything({ maxDepth: 2 }), (key, options) => {
        safely(() => decode(token, key as never, options as never));
        safely(() => decode(token, key as never, { algorithms: ['HS256', 'RS256', 'ES256', 'EdDSA'] }));
        safely(() =>
          decode(token, 's'.repeat(32), {
            ...(typeof options === 'object' && options !== null ? options : {}),
            algorithms: ['HS256'],
          } as never),
        );
      }),
      { numRuns: 1000, seed: SEED },
    );
  });
});
