/**
 * The evaluation of one attack case, shared by the test file (in-process) and the hang guard
 * (`_attack-worker.ts`, a worker thread that can be terminated if a case never returns).
 */
import assert from 'node:assert/strict';
import * as jwtkit from '../../src/index.js';
import {
  ALGORITHMS,
  createVerifier,
  decode,
  decodeComplete,
  decodeUnsecured,
  decodeUnverified,
  getUnverifiedHeader,
} from '../../src/index.js';
import { type CorpusKeys, decodeOptions, keyForms, type Verifier } from './_attack-verifier.js';
import { b64urlJson, describeOutcome, outcome } from './_corpus.js';
import { generate } from './_generator.js';

export interface AttackCase {
  id: string;
  category: string;
  title: string;
  token?: string;
  json_serialization?: unknown;
  generator?: Record<string, unknown>;
  verifier?: Verifier;
  expected: string;
  requirement?: string;
  must?: string;
}

export interface AttackFile {
  conventions: Record<string, unknown>;
  keys: CorpusKeys;
  cases: AttackCase[];
}

/**
 * Categories whose verdict does not depend on JWT claims: the same cases also go through the general JWS API
 * (`verifyJws`, compact input), which must resist them just as `decode()` does. Claim categories (iss, aud,
 * time), payload-type/duplicate categories and RFC 7797 cases are JWT-only rules and are not replayed there.
 */
export const JWS_CATEGORIES = new Set([
  'control',
  'alg_none',
  'alg_malformed',
  'empty_signature',
  'algorithm_confusion',
  'key_alg_binding',
  'embedded_key',
  'jku_x5u_injection',
  'kid_injection',
  'psychic_signature',
  'ecdsa_encoding',
  'structure',
  'base64url',
  'crit',
  'explicit_typing',
  'sign_encrypt_confusion',
  'dos',
]);
type VerifyJws = (jws: unknown, key: unknown, options: { algorithms: readonly string[] }) => unknown;
/** The JWS JSON-serialization verifier (jws/**), when the library has it. */
export const verifyJws = (jwtkit as unknown as Record<string, unknown>).verifyJws as VerifyJws | undefined;
export const TIME_BOUND_MS = 2000;
export const GENERATED_TIME_BOUND_MS = 5000;
const JWS_ALGS = new Set<string>(ALGORITHMS);

/** A case about JWE (5 parts, `enc`, or a JWE algorithm in its allowlist): jwtkit has no JWE. */
export function jweReason(c: AttackCase): string | null {
  const algs = c.verifier?.algorithms ?? [];
  const foreign = (algs ?? []).filter((a) => a !== 'none' && !JWS_ALGS.has(a));
  if (foreign.length > 0) return `JWE/${foreign.join(',')} is not implemented in jwtkit (no JWE support yet)`;
  if (c.verifier?.enc) return 'JWE is not implemented in jwtkit';
  if (typeof c.token === 'string' && c.token.split('.').length === 5)
    return 'JWE is not implemented in jwtkit';
  return null;
}

function expectedPayload(token: string): unknown {
  const seg = token.split('.')[1] ?? '';
  return b64urlJson(seg);
}

/** Checks one decode outcome against the case's expectation; returns a failure reason or null. */
export function judge(
  c: AttackCase,
  token: string,
  o: ReturnType<typeof outcome>,
  bound: number,
  secrets: string[],
): string | null {
  if (o.kind === 'crash') return describeOutcome(o);
  if (o.ms > bound) return `took ${o.ms.toFixed(0)} ms (bound ${bound} ms): ${describeOutcome(o)}`;
  const exp = c.expected;
  if (o.kind === 'reject') {
    if (exp === 'accept') return `expected accept, got ${describeOutcome(o)}`;
    const msg = `${o.error.message} ${String((o.error as { cause?: unknown }).cause ?? '')}`;
    const segs = token.split('.').filter((s) => s.length >= 16);
    for (const s of segs) if (o.error.message.includes(s)) return 'the error message quotes the token';
    for (const s of secrets) if (s.length >= 8 && msg.includes(s)) return 'the error message quotes the key';
    return null;
  }
  // accepted
  if (exp === 'reject')
    return `expected reject, got accepted (claims ${JSON.stringify(o.value).slice(0, 120)})`;
  let want: unknown;
  try {
    want = expectedPayload(token);
  } catch {
    return 'accepted a token whose payload is not JSON';
  }
  try {
    assert.deepStrictEqual({ ...(o.value as object) }, { ...(want as object) });
  } catch {
    return `accepted, but the claims differ from the payload (last-wins expected): ${JSON.stringify(o.value).slice(0, 120)}`;
  }
  return null;
}

/**
 * The case through every public verification entry point: decode(), decodeComplete(), createVerifier(), and a
 * caching createVerifier() called twice (the second call may come from its cache). Each must meet the expectation.
 */
function runDecode(token: unknown, key: unknown, v: Verifier): Array<[string, ReturnType<typeof outcome>]> {
  const opts = decodeOptions(v);
  const algs = v.algorithms;
  // An application that explicitly opts into unsecured JWTs uses decodeUnsecured; decode never accepts none.
  if (Array.isArray(algs) && algs.length === 1 && algs[0] === 'none' && (key === undefined || key === null)) {
    const { algorithms: _ignored, ...rest } = opts as unknown as Record<string, unknown>;
    return [['decodeUnsecured', outcome(() => decodeUnsecured(token as string, rest))]];
  }
  const results: Array<[string, ReturnType<typeof outcome>]> = [
    ['decode', outcome(() => decode(token as string, key as never, opts))],
  ];
  results.push([
    'decodeComplete',
    outcome(() => decodeComplete(token as string, key as never, opts).payload),
  ]);
  results.push(['createVerifier', outcome(() => createVerifier(key as never, opts)(token as string))]);
  const cached = outcome(() => createVerifier(key as never, { ...opts, cache: 8 }));
  if (cached.kind === 'accept') {
    const verify = cached.value as (t: string) => unknown;
    results.push(['cached verifier (1st)', outcome(() => verify(token as string))]);
    results.push(['cached verifier (2nd)', outcome(() => verify(token as string))]);
  } else {
    results.push(['cached verifier', cached]);
  }
  return results;
}

function secretsOf(key: unknown): string[] {
  if (typeof key === 'string') return [key.trim()];
  if (Buffer.isBuffer(key)) return [key.toString('latin1')];
  if (typeof key === 'object' && key !== null && typeof (key as { k?: unknown }).k === 'string')
    return [(key as { k: string }).k];
  return [];
}

/** Every problem with case `c` through decode(), decodeComplete(), createVerifier() and the unverified readers. */
export function evaluateDecode(c: AttackCase, keys: CorpusKeys): string[] {
  const v: Verifier = c.verifier ?? {};
  const jwe = jweReason(c);
  // 1. Resolve the input token(s).
  const inputs: Array<{ token: unknown; note: string; key?: unknown; bound: number }> = [];
  if (typeof c.token === 'string') inputs.push({ token: c.token, note: 'token', bound: TIME_BOUND_MS });
  if (c.json_serialization !== undefined) {
    // The JWT API takes compact tokens only: JSON serialization (as text and as an object) must be refused.
    inputs.push({
      token: JSON.stringify(c.json_serialization),
      note: 'JSON serialization text',
      bound: TIME_BOUND_MS,
    });
    inputs.push({
      token: c.json_serialization,
      note: 'JSON serialization object',
      bound: TIME_BOUND_MS,
    });
  }
  if (c.generator) {
    const g = generate(c.generator, v, keys);
    const entry: { token: unknown; note: string; key?: unknown; bound: number } = {
      token: g.token,
      note: `generated ${g.note}`,
      bound: GENERATED_TIME_BOUND_MS,
    };
    if (g.key !== undefined) entry.key = g.key;
    inputs.push(entry);
  }
  if (inputs.length === 0) return ['case has neither token, json_serialization nor generator'];

  // 2. Every key form x every input must meet the expectation. JWE cases: the compact JWS API must reject.
  const problems: string[] = [];
  for (const input of inputs) {
    // A recipe that describes the verifier's keys (a huge JWKS, a 16384-bit key) replaces the case's key.
    const forms =
      input.key !== undefined ? [{ label: 'generated key set', key: input.key }] : keyForms(v, keys);
    for (const form of forms) {
      const verifier = jwe ? { ...v, algorithms: ['HS256', 'RS256', 'ES256'] } : v;
      for (const [api, o] of runDecode(input.token, form.key, verifier)) {
        const why = judge(
          jwe ? { ...c, expected: c.expected === 'accept' ? 'accept' : 'reject' } : c,
          String(input.token),
          o,
          input.bound,
          secretsOf(form.key),
        );
        if (why) problems.push(`${input.note} / ${form.label} / ${api}: ${why}`);
      }
    }
  }
  // The unsafe readers must still parse strictly and never crash (they return or throw a JwtError).
  for (const input of inputs) {
    for (const [api, fn] of [
      ['decodeUnverified', () => decodeUnverified(input.token as string)],
      ['getUnverifiedHeader', () => getUnverifiedHeader(input.token as string)],
    ] as const) {
      const o = outcome(fn);
      if (o.kind === 'crash' || o.ms > input.bound)
        problems.push(`${input.note} / ${api}: ${describeOutcome(o)} in ${o.ms.toFixed(0)} ms`);
    }
  }
  return problems;
}

/** Every problem with case `c` through verifyJws (compact), for the claim-independent categories. */
export function evaluateJws(c: AttackCase, keys: CorpusKeys): string[] {
  const v: Verifier = c.verifier ?? {};
  const verify = verifyJws;
  if (!verify) return ['verifyJws is not exported'];
  const inputs: Array<{ token: string; key?: unknown; bound: number }> = [];
  if (typeof c.token === 'string') inputs.push({ token: c.token, bound: TIME_BOUND_MS });
  if (c.generator) {
    const g = generate(c.generator, v, keys);
    inputs.push({
      token: g.token,
      ...(g.key !== undefined ? { key: g.key } : {}),
      bound: GENERATED_TIME_BOUND_MS,
    });
  }
  const jwsOpts: Record<string, unknown> = { algorithms: v.algorithms ?? undefined };
  if (typeof v.required_typ === 'string') jwsOpts.typ = v.required_typ;
  const problems: string[] = [];
  for (const input of inputs) {
    const forms =
      input.key !== undefined ? [{ label: 'generated key set', key: input.key }] : keyForms(v, keys);
    for (const form of forms) {
      const o = outcome(() => verify(input.token, form.key, jwsOpts as never));
      let why: string | null = null;
      if (o.kind === 'crash') why = describeOutcome(o);
      else if (o.ms > input.bound) why = `took ${o.ms.toFixed(0)} ms`;
      else if (c.expected === 'accept' && o.kind !== 'accept') why = `expected accept, ${describeOutcome(o)}`;
      else if (c.expected === 'reject' && o.kind !== 'reject') why = 'expected reject, accepted';
      else if (o.kind === 'accept') {
        const payload = (o.value as { payload: Buffer }).payload;
        const want = Buffer.from(input.token.split('.')[1] ?? '', 'base64url');
        if (!Buffer.isBuffer(payload) || !payload.equals(want))
          why = 'accepted with a payload other than the signed one';
      }
      if (why) problems.push(`${form.label}: ${why}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- JWE cases (test/jwe, docs/jwe.md)

const JWE_KM = new Set<string>(jwtkit.KEY_MANAGEMENT_ALGORITHMS);

/** The key the recipient of a JWE case holds: a password, an inline JWK, or the named entry's private JWK. */
function jweKey(v: Verifier, keys: CorpusKeys): unknown {
  const k = v.key;
  if (typeof k === 'string' && k.startsWith('password:')) return k.slice('password:'.length);
  if (typeof k === 'string') {
    const entry = keys[k];
    if (!entry) return undefined;
    const priv = (entry.private_jwk ?? entry.public_jwk ?? entry.jwk) as Record<string, unknown> | undefined;
    // The server's private key with the markings it is published under (`use: "sig"`, its `alg`): a PEM or
    // KeyObject carries no marking, so for those the guard is the API split (decode never takes a JWE, and
    // decodeEncrypted only calls a JWT signed when `signature` verifies it), checked below as well.
    const pub = (entry.public_jwk ?? {}) as Record<string, unknown>;
    return priv && { ...priv, ...(pub.use ? { use: pub.use } : {}), ...(pub.alg ? { alg: pub.alg } : {}) };
  }
  return k;
}

/**
 * A JWE case through the JWE API, configured as the case's application would be:
 * - a verifier that lists JWE algorithms (PBES2, dir + zip): decryptJwe and decodeEncrypted with exactly those
 *   `alg`/`enc` allowlists must give the expected outcome, within the time bound;
 * - a verifier that lists JWS algorithms (the application wants signed JWTs): decodeEncrypted asking for the
 *   nested signature with those algorithms must reject (a JWE alone authenticates nobody, RFC 8725 §2.7), and
 *   decryptJwe with the server's signing key must reject (a JWS key never decrypts).
 */
export function evaluateJwe(c: AttackCase, keys: CorpusKeys): string[] {
  const v: Verifier = c.verifier ?? {};
  if (typeof c.token !== 'string') return ['JWE case without a compact token'];
  const token = c.token;
  const key = jweKey(v, keys);
  const algs = (v.algorithms ?? []).filter((a) => JWE_KM.has(a));
  const encs = v.enc ?? [...jwtkit.CONTENT_ENCRYPTION_ALGORITHMS];
  const runs: Array<[string, ReturnType<typeof outcome>]> = [];
  if (algs.length > 0) {
    const o = { keyManagementAlgorithms: algs, contentEncryptionAlgorithms: encs } as never;
    runs.push(['decryptJwe', outcome(() => jwtkit.decryptJwe(token, key as never, o))]);
    runs.push(['decodeEncrypted', outcome(() => jwtkit.decodeEncrypted(token, key as never, o))]);
  } else {
    const all = {
      keyManagementAlgorithms: [...JWE_KM].filter((a) => a !== 'RSA1_5'),
      contentEncryptionAlgorithms: [...jwtkit.CONTENT_ENCRYPTION_ALGORITHMS],
    } as never;
    runs.push([
      'decryptJwe with the signing key',
      outcome(() => jwtkit.decryptJwe(token, key as never, all)),
    ]);
    for (const form of keyForms(v, keys)) {
      runs.push([
        `decodeEncrypted + signature (${form.label})`,
        outcome(() =>
          jwtkit.decodeEncrypted(
            token,
            key as never,
            {
              ...(all as object),
              signature: { key: form.key as never, algorithms: (v.algorithms ?? []) as never },
            } as never,
          ),
        ),
      ]);
    }
  }
  const problems: string[] = [];
  for (const [api, o] of runs) {
    const why = judge(
      { ...c, expected: c.expected === 'accept' ? 'accept' : 'reject' },
      token,
      o,
      TIME_BOUND_MS,
      [],
    );
    if (why) problems.push(`${api}: ${why}`);
  }
  return problems;
}
