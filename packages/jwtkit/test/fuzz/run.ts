/**
 * `npm run fuzz` — throws mutated tokens at jwtkit's verifiers and counts what must never happen:
 * - FORGERIES: a mutated token that verifies although its (signing input, signature bytes) pair was never
 *   produced by the key holder;
 * - CRASHES: anything thrown that is not a JwtError (TypeError, RangeError, OpenSSL errors, ...);
 * - SLOW calls (> 250 ms; reported, not fatal).
 *
 * Seeds: valid tokens for every algorithm in several shapes (kid, typ at+jwt, crit extension, aud arrays,
 * nested claims, exp/nbf/iat), verified by applications configured in different ways (key as text,
 * bytes, KeyObject, JWK, JWKS, resolver; strict and permissive allowlists that mix HMAC and asymmetric
 * algorithms, so confusion attempts are meaningful), plus every token of the shared attack corpus when it
 * is present (with the corpus' own verifiers).
 * Mutations (1 to 3 per input): character substitution/insertion/deletion/duplication, segment splicing
 * across seeds and algorithms, segment swap/drop/duplicate, base64url spelling tricks (padding, +/,
 * whitespace, %3D, ?, trailing bits), header/payload JSON edits re-encoded (alg switches incl. none
 * spellings, kid/jwk/jku/crit/b64 injection, duplicate members, type confusion of claims, 1e400,
 * __proto__, deep nesting), HMAC re-signing with the public key's PEM/DER/JWK/modulus bytes (algorithm
 * confusion), ECDSA r/s edits (zero, n, high-S, DER), and size blow-ups.
 *
 * About 10% of the inputs are JWS JSON serializations (flattened/general, with unprotected headers, extra
 * signatures and text mutations) given to the same application's `verifyJws`.
 *
 * Usage: npm run fuzz [-- --count 1000000 --seed 1 --json out.json]
 * Exit code 1 when there is any forgery or crash.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ALGORITHMS, type Algorithm, createVerifier, decode, JwtError, verifyJws } from '../../src/index.js';
import { loadVector } from '../_vectors.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    // Test of the fuzzer itself: verifiers that accept everything, so forgeries MUST be reported.
    'broken-verifier': { type: 'boolean', default: false },
  },
});
const COUNT = Number(args.count);

// ------------------------------------------------------------------ PRNG (xorshift128+, reproducible)
let s0 = BigInt(Number(args.seed) || 1) * 0x9e3779b97f4a7c15n;
let s1 = 0xbf58476d1ce4e5b9n ^ s0;
const M64 = (1n << 64n) - 1n;
function next(): number {
  let x = s0;
  const y = s1;
  s0 = y;
  x ^= (x << 23n) & M64;
  s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
  return Number(((s1 + y) & M64) >> 11n) / 2 ** 53;
}
// A faster 32-bit generator for the hot loop, seeded from the above.
let a32 = Math.floor(next() * 2 ** 32) >>> 0 || 1;
const rnd = () => {
  a32 ^= a32 << 13;
  a32 ^= a32 >>> 17;
  a32 ^= a32 << 5;
  return (a32 >>> 0) / 2 ** 32;
};
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

// ------------------------------------------------------------------ keys and seeds
const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const NOW = 1_700_000_000;
/**
 * A key pair that shares nothing with its generation job: node deadlocks when a key fresh from
 * generateKeyPairSync is exported while the collector frees the job (see _lib/crypto.ts). The job writes
 * JWKs and the pair is imported from them, so `npm run fuzz` without the test preload cannot hang.
 */
type NodeJwk = import('node:crypto').JsonWebKey;
function pair(type: 'rsa' | 'ec' | 'ed25519' | 'ed448', options: object = {}) {
  const jwk = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } };
  const gen = generateKeyPairSync as unknown as (
    t: string,
    o: object,
  ) => { privateKey: NodeJwk; publicKey: NodeJwk };
  const { privateKey, publicKey } = gen(type, { ...options, ...jwk });
  return {
    privateKey: createPrivateKey({ key: privateKey, format: 'jwk' }),
    publicKey: createPublicKey({ key: publicKey, format: 'jwk' }),
  };
}
const rsa = pair('rsa', { modulusLength: 2048 });
const ec = {
  ES256: pair('ec', { namedCurve: 'P-256' }),
  ES384: pair('ec', { namedCurve: 'P-384' }),
  ES512: pair('ec', { namedCurve: 'P-521' }),
  ES256K: pair('ec', { namedCurve: 'secp256k1' }),
};
const ed25519 = pair('ed25519');
const ed448 = pair('ed448');
const SECRET = 'fuzz-secret-fuzz-secret-fuzz-secret-0123456789abcdefghijklmnopqr'; // 64 bytes: fits HS256..HS512

function privFor(alg: string): KeyObject | string {
  if (alg.startsWith('HS')) return SECRET;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return rsa.privateKey;
  if (alg in ec) return ec[alg as keyof typeof ec].privateKey;
  return alg === 'Ed448' ? ed448.privateKey : ed25519.privateKey;
}
function pubFor(alg: string): KeyObject | string {
  if (alg.startsWith('HS')) return SECRET;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return rsa.publicKey;
  if (alg in ec) return ec[alg as keyof typeof ec].publicKey;
  return alg === 'Ed448' ? ed448.publicKey : ed25519.publicKey;
}
const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
function rawSign(alg: string, key: KeyObject | string | Buffer, input: string): Buffer {
  const h = HASH[alg.slice(-3)] ?? 'sha256';
  if (alg.startsWith('HS'))
    return createHmac(h, key as string)
      .update(input)
      .digest();
  if (alg.startsWith('RS')) return sign(h, Buffer.from(input), key as KeyObject);
  if (alg.startsWith('PS'))
    return sign(h, Buffer.from(input), {
      key: key as KeyObject,
      padding: 6,
      saltLength: Number(alg.slice(-3)) / 8,
    });
  if (alg.startsWith('ES'))
    return sign(alg === 'ES256K' ? 'sha256' : h, Buffer.from(input), {
      key: key as KeyObject,
      dsaEncoding: 'ieee-p1363',
    });
  return sign(null, Buffer.from(input), key as KeyObject);
}

interface Seed {
  token: string;
  verify: (t: string) => unknown;
  label: string;
  /** Pairs "signingInput|sigB64url" the key holder produced (a mutant reproducing one is not a forgery). */
  legit: Set<string>;
  /** Public key encodings, for HMAC confusion re-signing. */
  confusion: Array<string | Buffer>;
  alg: string;
  /** The same application's JWS verifier, for JSON-serialization mutants (own seeds only). */
  verifyJson?: (doc: string) => { signatureIndex: number };
}

const seeds: Seed[] = [];
const pairOf = (signingInput: string, sig: Buffer) => `${signingInput}|${sig.toString('base64url')}`;

function claims(i: number): Record<string, unknown> {
  const shapes: Array<Record<string, unknown>> = [
    { sub: 'user-1', exp: NOW + 3600 },
    {
      iss: 'https://issuer.example',
      aud: ['https://api.example', 'other'],
      sub: 'u2',
      iat: NOW - 10,
      nbf: NOW - 10,
      exp: NOW + 60,
    },
    {
      sub: 'u3',
      roles: ['admin', 'user'],
      ctx: { tenant: 't1', flags: { a: true, b: [1, 2, 3] } },
      exp: NOW + 1.5,
    },
    { sub: 'ü-ñ-€-😀', jti: 'id-1', exp: NOW + 100 },
  ];
  return shapes[i % shapes.length] as Record<string, unknown>;
}

function confusionKeys(alg: string): Array<string | Buffer> {
  const pub = pubFor(alg);
  if (typeof pub === 'string') {
    const p = rsa.publicKey;
    return [
      p.export({ type: 'spki', format: 'pem' }) as string,
      p.export({ type: 'spki', format: 'der' }) as Buffer,
    ];
  }
  const jwk = pub.export({ format: 'jwk' });
  const out: Array<string | Buffer> = [
    pub.export({ type: 'spki', format: 'pem' }) as string,
    pub.export({ type: 'spki', format: 'der' }) as Buffer,
    JSON.stringify(jwk),
  ];
  if (jwk.n) out.push(Buffer.from(jwk.n, 'base64url'));
  if (jwk.x) out.push(Buffer.from(jwk.x, 'base64url'));
  if (pub.asymmetricKeyType === 'rsa') out.push(pub.export({ type: 'pkcs1', format: 'pem' }) as string);
  return out;
}

const PERMISSIVE = [...ALGORITHMS] as Algorithm[];
let shapeIndex = 0;
for (const alg of ALGORITHMS) {
  for (const shape of ['plain', 'kid', 'typ', 'crit'] as const) {
    const header: Record<string, unknown> = { alg, typ: 'JWT' };
    if (shape === 'kid') header.kid = `k-${alg}`;
    if (shape === 'typ') header.typ = 'at+jwt';
    if (shape === 'crit') Object.assign(header, { crit: ['x-ext'], 'x-ext': 1 });
    const body = claims(shapeIndex++);
    const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(body))}`;
    const sig = rawSign(alg, privFor(alg), input);
    const token = `${input}.${b64(sig)}`;
    const pub = pubFor(alg);
    const jwk =
      typeof pub === 'string'
        ? { kty: 'oct', k: b64(pub), kid: `k-${alg}` }
        : { ...pub.export({ format: 'jwk' }), kid: `k-${alg}` };
    const baseOpts = {
      now: NOW,
      audience: ['https://api.example'],
      crit: ['x-ext'],
      ...(shape === 'typ' ? { typ: 'at+jwt' } : {}),
    };
    const aud =
      (body as { aud?: unknown }).aud === undefined ? { ...baseOpts, audience: undefined } : baseOpts;
    const keyForms: Array<[string, unknown]> = [
      ['key', pub],
      ['jwk', jwk],
      ['jwks', { keys: [jwk] }],
      ['resolver', () => pub],
    ];
    if (typeof pub === 'string') keyForms.push(['bytes', Buffer.from(pub)]);
    else keyForms.push(['pem', pub.export({ type: 'spki', format: 'pem' })]);
    const [formName, key] = keyForms[shapeIndex % keyForms.length] as [string, unknown];
    const strict = { ...aud, algorithms: [alg] as Algorithm[] };
    const loose = { ...aud, algorithms: PERMISSIVE };
    const verifiers: Array<[string, (t: string) => unknown]> = [
      ['strict', (t) => decode(t, key as never, strict as never)],
      ['permissive', (t) => decode(t, key as never, loose as never)],
      [
        'cached verifier',
        createVerifier(key as never, { ...loose, cache: 64 } as never) as (t: string) => unknown,
      ],
    ];
    for (const [vName, verify] of verifiers) {
      const jwsOpts = {
        algorithms: vName === 'strict' ? [alg] : PERMISSIVE,
        crit: ['x-ext'],
        ...(shape === 'typ' ? { typ: 'at+jwt' } : {}),
      };
      const verifyJson = (doc: string) => verifyJws(doc as never, key as never, jwsOpts as never);
      verifyJson(
        JSON.stringify({ protected: input.split('.')[0], payload: input.split('.')[1], signature: b64(sig) }),
      );
      // Sanity: every seed verifies as-is (also primes the cached verifier with the genuine token).
      verify(token);
      seeds.push({
        token,
        verify,
        verifyJson,
        label: `${alg}/${shape}/${formName}/${vName}`,
        legit: new Set([pairOf(input, sig)]),
        confusion: confusionKeys(alg),
        alg,
      });
    }
  }
}

// Corpus tokens, with the corpus verifiers (HS256 server key or the RSA/EC keys as JWK): mutants must not verify
// unless they reproduce a pair the corpus author signed (e.g. deleting the junk a B64-* case added).
let corpusSeeds = 0;
{
  const corpus = loadVector<{
    keys: Record<string, Record<string, unknown>>;
    cases: Array<{ token?: string; verifier?: Record<string, unknown>; expected: string }>;
  }>('attacks/jwt_attack_cases.json');
  const legit = new Set<string>();
  for (const c of corpus.cases) {
    if (typeof c.token !== 'string') continue;
    const parts = c.token.split('.');
    if (parts.length >= 3)
      legit.add(pairOf(`${parts[0]}.${parts[1]}`, Buffer.from(parts[2] ?? '', 'base64url')));
  }
  for (const c of corpus.cases) {
    const v = c.verifier;
    if (typeof c.token !== 'string' || !v || typeof v.key !== 'string' || !Array.isArray(v.algorithms))
      continue;
    if (!(v.algorithms as string[]).every((a) => (ALGORITHMS as readonly string[]).includes(a))) continue;
    const entry = corpus.keys[v.key as string];
    if (!entry) continue;
    const key =
      typeof entry.raw_utf8 === 'string' ? entry.raw_utf8 : (entry.public_jwk as object | undefined);
    if (!key) continue;
    const o = { algorithms: v.algorithms, issuer: v.issuer, audience: v.audience, now: v.now };
    seeds.push({
      token: c.token,
      verify: (t) => decode(t, key as never, o as never),
      label: `corpus`,
      legit,
      confusion: [],
      alg: 'HS256',
    });
    corpusSeeds++;
  }
}

// ------------------------------------------------------------------ mutations
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_CHARS = [...B64];
const JUNK = [
  '.',
  '=',
  '==',
  '+',
  '/',
  ' ',
  '\n',
  '\t',
  '\r',
  '?',
  '%3D',
  '\u0000',
  '"',
  '{',
  '}',
  'é',
  '\ufeff',
  '\u200b',
  'Bearer ',
];
const NONE = ['none', 'None', 'NONE', 'nOnE', 'none ', ' none', 'none\u0000'];
const HEADER_EDITS: Array<(h: Record<string, unknown>, s: Seed) => void> = [
  (h) => {
    h.alg = pick([...ALGORITHMS, ...NONE, '', 'hs256', 'HS256 ', null, ['HS256'], 256]);
  },
  (h) => {
    delete h.alg;
  },
  (h) => {
    h.kid = pick(['../../dev/null', "' OR 1=1 --", '', 'k-HS256', ['k'], 7, { $ne: null }, 'k-HS256\u0000']);
  },
  (h) => {
    h.jwk = { kty: 'oct', k: b64('attacker-secret-attacker-secret!') };
  },
  (h) => {
    h.jku = 'https://attacker.example/jwks.json';
  },
  (h) => {
    h.crit = pick([[], ['exp'], 'x-ext', ['x-ext', 'x-ext'], [1], ['alg']]);
  },
  (h) => {
    h.b64 = pick([false, 'false', true]);
  },
  (h) => {
    h.typ = pick(['JWT', 'at+jwt ', 'AT+JWT', 1, null]);
  },
  (h) => {
    h.enc = 'A256GCM';
  },
  (h) => {
    h.x = JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`);
  },
];
const PAYLOAD_EDITS: Array<(p: Record<string, unknown>) => void> = [
  (p) => {
    p.exp = pick([NOW - 1, NOW, `${NOW + 100}`, null, [NOW + 100], true, -1, 0, 1e20]);
  },
  (p) => {
    p.nbf = pick([NOW + 10, `${NOW}`, null]);
  },
  (p) => {
    p.iat = pick([NOW + 100, `${NOW}`, null]);
  },
  (p) => {
    p.iss = pick([
      'https://issuer.example/',
      'HTTPS://ISSUER.EXAMPLE',
      ['https://issuer.example'],
      '',
      null,
      1,
    ]);
  },
  (p) => {
    p.aud = pick([[], 'https://api.example.evil', ['*'], [1, 'https://api.example'], null, { a: 1 }]);
  },
  (p) => {
    p.sub = pick(['admin', 1, null, ['admin']]);
  },
  (p) => {
    p.admin = true;
  },
  (p) => {
    delete p.exp;
  },
];

function mutateChars(t: string): string {
  const at = int(t.length + 1);
  switch (int(6)) {
    case 0:
      return t.slice(0, at) + pick(B64_CHARS) + t.slice(at + 1);
    case 1:
      return t.slice(0, at) + t.slice(at + 1);
    case 2:
      return t.slice(0, at) + pick(B64_CHARS) + t.slice(at);
    case 3:
      return t.slice(0, at) + pick(JUNK) + t.slice(at);
    case 4: {
      const len = 1 + int(8);
      return t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
    }
    default: {
      const i = int(Math.max(1, t.length - 1));
      return t.slice(0, i) + (t[i + 1] ?? '') + (t[i] ?? '') + t.slice(i + 2);
    }
  }
}

function mutateSegments(t: string, seed: Seed): string {
  const parts = t.split('.');
  const other = pick(seeds).token.split('.');
  switch (int(8)) {
    case 0:
      parts[int(3)] = other[int(3)] ?? '';
      break; // splice a segment from another seed (cross-alg)
    case 1:
      parts[2] = '';
      break;
    case 2:
      parts.splice(int(parts.length), 1);
      break;
    case 3:
      parts.push(parts[int(parts.length)] ?? '');
      break;
    case 4: {
      const i = int(parts.length);
      const j = int(parts.length);
      const x = parts[i];
      parts[i] = parts[j] ?? '';
      parts[j] = x ?? '';
      break;
    }
    case 5:
      parts[int(parts.length)] += pick(['=', '==', '%3D', '?', ' ', '\n']);
      break;
    case 6: {
      const i = int(parts.length);
      parts[i] = (parts[i] ?? '').replace(/-/g, '+').replace(/_/g, '/');
      break;
    }
    default: {
      // Change only the unused low bits of the last character of a segment.
      const i = int(parts.length);
      const seg = parts[i] ?? '';
      if (seg.length % 4 !== 0 && seg.length > 0) {
        const v = B64.indexOf(seg[seg.length - 1] ?? 'A');
        parts[i] = seg.slice(0, -1) + B64[(v ^ (1 + int(3))) & 63];
      }
    }
  }
  void seed;
  return parts.join('.');
}

function mutateJson(t: string, seed: Seed): string {
  const parts = t.split('.');
  try {
    if (rnd() < 0.5) {
      const h = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      pick(HEADER_EDITS)(h, seed);
      let text = JSON.stringify(h);
      if (rnd() < 0.2) text = text.replace('{', `{"alg":"${pick(NONE)}",`); // duplicate alg
      if (rnd() < 0.1) text = text.replace('{', '{"__proto__":{"alg":"none"},');
      parts[0] = b64(text);
    } else {
      const p = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      pick(PAYLOAD_EDITS)(p);
      let text = JSON.stringify(p);
      if (rnd() < 0.2) text = text.replace('{', '{"sub":"admin",'); // duplicate member, first position
      if (rnd() < 0.1)
        text = text.replace('}', `,"exp":${pick(['1e400', '-1e400', '9'.repeat(400), 'NaN'])}}`);
      parts[1] = b64(text);
    }
  } catch {
    return mutateChars(t);
  }
  return parts.join('.');
}

/** The attacker re-signs: HMAC with public-key material (algorithm confusion), or degenerate ECDSA values. */
function resign(t: string, seed: Seed): string {
  const parts = t.split('.');
  if (seed.confusion.length > 0 && rnd() < 0.7) {
    const hmacAlg = pick(['HS256', 'HS384', 'HS512']);
    const h = { alg: hmacAlg, typ: 'JWT' };
    parts[0] = b64(JSON.stringify(h));
    const input = `${parts[0]}.${parts[1]}`;
    const key = pick(seed.confusion);
    return `${input}.${createHmac(HASH[hmacAlg.slice(-3)] ?? 'sha256', key)
      .update(input)
      .digest('base64url')}`;
  }
  const sig = Buffer.from(parts[2] ?? '', 'base64url');
  const half = sig.length >> 1;
  switch (int(4)) {
    case 0:
      sig.fill(0);
      break;
    case 1:
      sig.fill(0xff);
      break;
    case 2:
      sig.fill(0, 0, half);
      break;
    default:
      return `${parts[0]}.${parts[1]}.MAYCAQACAQA`;
  }
  return `${parts[0]}.${parts[1]}.${sig.toString('base64url')}`;
}

function blowUp(t: string): string {
  switch (int(4)) {
    case 0:
      return `${t}${'A'.repeat(300_000)}`;
    case 1:
      return 'a.'.repeat(50_000);
    case 2:
      return `${b64(`{"alg":"HS256","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`)}.${t.split('.')[1]}.${t.split('.')[2]}`;
    default:
      return '.'.repeat(int(10));
  }
}

const UNPROTECTED: unknown[] = [
  undefined,
  undefined,
  { alg: 'none' },
  { kid: 'x' },
  { alg: 'HS256' },
  { crit: ['x-ext'], 'x-ext': 1 },
  { b64: false },
  { jwk: { kty: 'oct', k: 'AAAA' } },
  [],
  'x',
];

/** A JWS JSON serialization (flattened or general) built from a (possibly mutated) compact token, then maybe mutated as text. */
function jsonSerialization(seed: Seed): { doc: string; noop: boolean } {
  let t = seed.token;
  let noop = true;
  const pre = int(4);
  if (pre !== 0) noop = false;
  if (pre === 1) t = mutateChars(t);
  else if (pre === 2) t = mutateSegments(t, seed);
  else if (pre === 3) t = mutateJson(t, seed);
  const [p, pl, sg] = t.split('.');
  const entry: Record<string, unknown> = { protected: p, signature: sg };
  const header = pick(UNPROTECTED);
  if (header !== undefined) {
    entry.header = header;
    noop = false;
  }
  if (rnd() < 0.1) {
    delete entry.protected;
    noop = false;
  }
  let doc: unknown;
  if (rnd() < 0.5) doc = { payload: pl, ...entry };
  else {
    const others =
      rnd() < 0.3
        ? [{ protected: pick(seeds).token.split('.')[0], signature: pick(seeds).token.split('.')[2] }]
        : [];
    if (others.length > 0) noop = false;
    doc = { payload: pl, signatures: rnd() < 0.5 ? [entry, ...others] : [...others, entry] };
  }
  let text = JSON.stringify(doc);
  if (rnd() < 0.3) {
    const m = mutateChars(text);
    if (m !== text) noop = false;
    text = m;
  }
  if (rnd() < 0.05) {
    text = text.replace('{', `{"payload":"${b64('{"sub":"admin"}')}",`);
    noop = false;
  }
  return { doc: text, noop };
}

const KINDS = ['chars', 'segments', 'json', 'resign', 'blowup', 'jws-json'] as const;
type Kind = (typeof KINDS)[number];
function mutate(seed: Seed): { token: string; kind: Kind } {
  let t = seed.token;
  const r = rnd();
  const kind: Kind =
    r < 0.45 ? 'chars' : r < 0.65 ? 'segments' : r < 0.9 ? 'json' : r < 0.9995 ? 'resign' : 'blowup';
  const rounds = 1 + (rnd() < 0.3 ? int(3) : 0);
  for (let i = 0; i < rounds; i++) {
    if (kind === 'chars') t = mutateChars(t);
    else if (kind === 'segments') t = mutateSegments(t, seed);
    else if (kind === 'json') t = mutateJson(t, seed);
    else if (kind === 'resign') t = resign(t, seed);
    else t = blowUp(t);
  }
  return { token: t, kind };
}

if (args['broken-verifier']) {
  for (const seed of seeds) {
    seed.verify = () => ({});
    if (seed.verifyJson) seed.verifyJson = () => ({ signatureIndex: 0 });
  }
}

// ------------------------------------------------------------------ the loop
// Weight: HMAC seeds are cheap; asymmetric ones spend their time in OpenSSL. Pick HMAC/corpus seeds 80% of the time.
const hmacSeeds = seeds.filter((s) => s.alg.startsWith('HS') || s.label === 'corpus');
const asymSeeds = seeds.filter((s) => !(s.alg.startsWith('HS') || s.label === 'corpus'));

const stats = {
  inputs: 0,
  generated: 0,
  rejected: 0,
  unchanged: 0,
  legitReplays: 0,
  forgeries: 0,
  crashes: 0,
  slow: 0,
  maxMs: 0,
  byKind: Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>,
  errorCodes: {} as Record<string, number>,
};
const forgerySamples: string[] = [];
const crashSamples: string[] = [];
const slowSamples: string[] = [];
const start = performance.now();
let lastReport = start;

// `inputs` counts mutated tokens actually given to a verifier; mutations that happen to give back the
// seed itself are generated but not counted (they are not mutated tokens).
while (stats.inputs < COUNT) {
  const seed = rnd() < 0.8 ? pick(hmacSeeds) : pick(asymSeeds);
  if (seed.verifyJson && rnd() < 0.1) {
    // JWS JSON serialization through verifyJws: accepted only if the verified entry is a pair the key holder signed.
    const { doc, noop } = jsonSerialization(seed);
    stats.generated++;
    if (noop) {
      // The seed itself, only re-serialized as JSON: not a mutated token.
      stats.unchanged++;
      continue;
    }
    stats.byKind['jws-json']++;
    stats.inputs++;
    const t0 = performance.now();
    try {
      const r = seed.verifyJson(doc);
      const parsed = JSON.parse(doc) as {
        payload?: string;
        protected?: string;
        signature?: string;
        signatures?: Array<{ protected?: string; signature?: string }>;
      };
      const e = parsed.signatures ? parsed.signatures[r.signatureIndex] : parsed;
      const pair = pairOf(
        `${e?.protected ?? ''}.${parsed.payload ?? ''}`,
        Buffer.from(e?.signature ?? '', 'base64url'),
      );
      if (seed.legit.has(pair)) stats.legitReplays++;
      else {
        stats.forgeries++;
        if (forgerySamples.length < 10) forgerySamples.push(`${seed.label} [jws-json] ${doc.slice(0, 300)}`);
      }
    } catch (error) {
      if (error instanceof JwtError) {
        stats.rejected++;
        stats.errorCodes[error.code] = (stats.errorCodes[error.code] ?? 0) + 1;
      } else {
        stats.crashes++;
        if (crashSamples.length < 10)
          crashSamples.push(
            `${seed.label} [jws-json] ${(error as Error)?.name}: ${(error as Error)?.message} :: ${doc.slice(0, 200)}`,
          );
      }
    }
    const ms = performance.now() - t0;
    if (ms > stats.maxMs) stats.maxMs = ms;
    if (ms > 250) {
      stats.slow++;
      if (slowSamples.length < 10)
        slowSamples.push(`${ms.toFixed(0)} ms ${seed.label} [jws-json] length ${doc.length}`);
    }
    continue;
  }
  const { token, kind } = mutate(seed);
  stats.generated++;
  if (token === seed.token) {
    stats.unchanged++;
    continue;
  }
  stats.byKind[kind]++;
  stats.inputs++;
  const t0 = performance.now();
  try {
    seed.verify(token);
    // Accepted: legitimate only if it reproduces a (signing input, signature) pair the key holder made.
    const parts = token.split('.');
    const pair = pairOf(`${parts[0]}.${parts[1]}`, Buffer.from(parts[2] ?? '', 'base64url'));
    if (parts.length === 3 && seed.legit.has(pair) && /^[A-Za-z0-9_-]*$/.test(parts[2] ?? '')) {
      stats.legitReplays++;
    } else {
      stats.forgeries++;
      if (forgerySamples.length < 10) forgerySamples.push(`${seed.label} [${kind}] ${token.slice(0, 300)}`);
    }
  } catch (error) {
    if (error instanceof JwtError) {
      stats.rejected++;
      stats.errorCodes[error.code] = (stats.errorCodes[error.code] ?? 0) + 1;
    } else {
      stats.crashes++;
      if (crashSamples.length < 10)
        crashSamples.push(
          `${seed.label} [${kind}] ${(error as Error)?.name}: ${(error as Error)?.message} :: ${token.slice(0, 200)}`,
        );
    }
  }
  const ms = performance.now() - t0;
  if (ms > stats.maxMs) stats.maxMs = ms;
  if (ms > 250) {
    stats.slow++;
    if (slowSamples.length < 10)
      slowSamples.push(
        `${ms.toFixed(0)} ms ${seed.label} [${kind}] length ${token.length}: ${token.slice(0, 60)}`,
      );
  }
  if (!args.quiet && performance.now() - lastReport > 10_000) {
    lastReport = performance.now();
    const el = (lastReport - start) / 1000;
    console.log(
      `  ${stats.inputs.toLocaleString('en')} inputs, ${el.toFixed(0)} s, ${(stats.inputs / el).toFixed(0)}/s, forgeries ${stats.forgeries}, crashes ${stats.crashes}`,
    );
  }
}

const seconds = (performance.now() - start) / 1000;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  seed: Number(args.seed),
  seeds: seeds.length,
  corpusSeeds,
  ...stats,
  seconds: Number(seconds.toFixed(1)),
  perSecond: Math.round(stats.inputs / seconds),
  forgerySamples,
  crashSamples,
  slowSamples,
};
console.log(
  `\njwtkit fuzz: ${stats.inputs.toLocaleString('en')} mutated tokens in ${seconds.toFixed(1)} s (${result.perSecond.toLocaleString('en')}/s), ${seeds.length} seeds (${corpusSeeds} from the attack corpus)`,
);
console.log(
  `  rejected with a JwtError: ${stats.rejected.toLocaleString('en')}; legitimate replays of key-holder signatures: ${stats.legitReplays} (e.g. a corpus token with its junk character deleted)`,
);
console.log(
  `  (${stats.unchanged.toLocaleString('en')} further mutations gave back the seed unchanged and were not counted)`,
);
console.log(
  `  mutation kinds: ${KINDS.map((k) => `${k} ${stats.byKind[k].toLocaleString('en')}`).join(', ')}`,
);
console.log(
  `  error codes: ${Object.entries(stats.errorCodes)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')}`,
);
console.log(`  slowest call: ${stats.maxMs.toFixed(1)} ms; calls over 250 ms: ${stats.slow}`);
console.log(`  ACCEPTED FORGERIES: ${stats.forgeries}`);
console.log(`  NON-JwtError THROWS: ${stats.crashes}`);
for (const s of forgerySamples) console.log(`    forgery: ${s}`);
for (const s of crashSamples) console.log(`    crash: ${s}`);
for (const s of slowSamples) console.log(`    slow: ${s}`);
if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
process.exitCode = stats.forgeries > 0 || stats.crashes > 0 ? 1 : 0;
