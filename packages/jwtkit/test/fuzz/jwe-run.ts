/**
 * `npm run fuzz:jwe` — throws mutated JWEs at `decryptJwe` and `decodeEncrypted` of both builds (node:crypto,
 * `jwtkit`; WebCrypto, `jwtkit/webcrypto`: every mutant goes to each) and counts what must never happen:
 * - FORGERIES: a mutant that decrypts although its authenticated parts (protected header, aad, IV,
 *   ciphertext, tag) differ from what the sender produced, or to a plaintext the sender never encrypted;
 * - CRASHES: anything thrown that is not a JwtError;
 * - HANGS: a WebCrypto call that has not settled after 10 s (counted and abandoned; fatal);
 * - SLOW calls (> 250 ms; reported, not fatal; PBES2 seeds use p2c 1000 so a legitimate call is ~1 ms).
 * The WebCrypto build gets the same keys as JWKs (RSA and EC/OKP) or bytes / passwords, as a browser would.
 * Where the builds disagree (one decrypts, the other refuses) it is reported (not fatal: each result is
 * checked on its own).
 *
 * Seeds: every alg (but RSA1_5) x two enc, compact, flattened (with shared/per-recipient headers and aad) and
 * general JSON with two recipients, plus the JWE tokens of the attack corpus (with their verifiers).
 * Mutations (1-3 per input): characters, segments (swap, drop, duplicate, splice across seeds), base64url
 * spelling (padding, +/, whitespace, trailing bits), protected-header JSON edits re-encoded (alg/enc switches,
 * p2c 2^31-1, p2s short, epk on another curve or off the curve, apu/apv huge, zip, crit, iv/tag sizes,
 * duplicate members, deep nesting, __proto__), and JSON-serialization edits (members moved between headers,
 * recipients duplicated or emptied, aad changed).
 *
 * Usage: npm run fuzz:jwe [-- --count 100000 --seed 1 --backend both|node|web --json out.json]; exit code 1 on
 * any forgery, crash or hang.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  type JsonWebKey as NodeJsonWebKey,
  randomBytes,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  decodeEncrypted,
  decryptJwe,
  encryptJwe,
  JwtError,
  KEY_MANAGEMENT_ALGORITHMS,
  type KeyManagementAlgorithm,
} from '../../src/index.js';
import * as web from '../../src/webcrypto.js';
import { loadVector } from '../_vectors.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'broken-verifier': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'both' },
  },
});
const COUNT = Number(args.count);
if (!['both', 'node', 'web'].includes(args.backend as string))
  throw new Error('--backend: both, node or web');
const BACKENDS = (args.backend === 'both' ? ['node', 'web'] : [args.backend]) as ('node' | 'web')[];
const HANG_MS = 10_000;

let a32 = (Number(args.seed) * 2654435761) >>> 0 || 1;
const rnd = () => {
  a32 ^= a32 << 13;
  a32 ^= a32 >>> 17;
  a32 ^= a32 << 5;
  return (a32 >>> 0) / 2 ** 32;
};
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

// ------------------------------------------------------------------ keys
// Imported from the generation job's JWK output, never the job's own KeyObjects: node deadlocks when a key
// fresh from a job is exported while the GC frees the job (see _lib/crypto.ts), and keys are exported below
// (for the WebCrypto build, and as foreign epks). This runs outside the tests' keygen preload.
const AS_JWK = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } } as const;
function pair(generated: unknown): { publicKey: KeyObject; privateKey: KeyObject } {
  const p = generated as { publicKey: NodeJsonWebKey; privateKey: NodeJsonWebKey };
  return {
    publicKey: createPublicKey({ key: p.publicKey, format: 'jwk' }),
    privateKey: createPrivateKey({ key: p.privateKey, format: 'jwk' }),
  };
}
const rsa = pair(generateKeyPairSync('rsa', { modulusLength: 2048, ...AS_JWK }));
const ecdh = {
  'P-256': pair(generateKeyPairSync('ec', { namedCurve: 'P-256', ...AS_JWK })),
  'P-384': pair(generateKeyPairSync('ec', { namedCurve: 'P-384', ...AS_JWK })),
  X25519: pair(generateKeyPairSync('x25519', AS_JWK)),
};
const PASSWORD = 'fuzz password, fuzz password';
const secrets = new Map<number, Uint8Array>(
  [16, 24, 32, 48, 64].map((n) => [n, new Uint8Array(randomBytes(n))]),
);
const KW: Record<string, number> = {
  A128KW: 16,
  A192KW: 24,
  A256KW: 32,
  A128GCMKW: 16,
  A192GCMKW: 24,
  A256GCMKW: 32,
};
const CEK: Record<string, number> = {
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
};

interface Seed {
  label: string;
  jwe: string | Record<string, unknown>;
  /** What the sender authenticated: protected header text, aad, iv, ciphertext, tag; and the plaintext. */
  fingerprint: string;
  plaintext: string | null;
  decrypt: (jwe: unknown) => { plaintext: Uint8Array };
  /** The same call on the WebCrypto build. */
  decryptWeb: (jwe: unknown) => Promise<{ plaintext: Uint8Array }>;
}

/** The key as the WebCrypto build gets it: a JWK for an asymmetric KeyObject, else as it is. */
const webKey = (k: unknown): unknown =>
  k instanceof KeyObject && k.type !== 'secret' ? k.export({ format: 'jwk' }) : k;

const fingerprint = (p: {
  protected?: unknown;
  aad?: unknown;
  iv?: unknown;
  ciphertext?: unknown;
  tag?: unknown;
}) => [p.protected ?? '', p.aad ?? '', p.iv, p.ciphertext, p.tag].join('|');
const compactFingerprint = (t: string) => {
  const [p, , iv, ct, tag] = t.split('.');
  return fingerprint({ protected: p, iv, ciphertext: ct, tag });
};

const seeds: Seed[] = [];
const ALGS = KEY_MANAGEMENT_ALGORITHMS.filter((a) => a !== 'RSA1_5');
for (const alg of ALGS) {
  for (const enc of ['A128CBC-HS256', 'A256GCM'] as const) {
    const curves = alg.startsWith('ECDH') ? (Object.keys(ecdh) as (keyof typeof ecdh)[]) : [null];
    for (const curve of curves) {
      let encKey: unknown;
      let decKey: unknown;
      if (alg === 'dir') encKey = decKey = secrets.get(CEK[enc]!);
      else if (alg in KW) encKey = decKey = secrets.get(KW[alg]!);
      else if (alg.startsWith('RSA')) [encKey, decKey] = [rsa.publicKey, rsa.privateKey];
      else if (curve) [encKey, decKey] = [ecdh[curve].publicKey, ecdh[curve].privateKey];
      else encKey = decKey = PASSWORD;
      const p2c = alg.startsWith('PBES2') ? { p2c: 1000 } : {};
      const opts = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: [enc] };
      const decrypt = (j: unknown) => decryptJwe(j, decKey as never, opts);
      const decKeyWeb = webKey(decKey);
      const decryptWeb = (j: unknown) => web.decryptJwe(j, decKeyWeb as never, opts);
      const label = `${alg}${curve ? ` ${curve}` : ''} ${enc}`;
      const pt = JSON.stringify({ sub: 'fuzz', alg, enc, n: seeds.length });
      const compact = encryptJwe(pt, encKey as never, {
        alg,
        enc,
        ...p2c,
        ...(rnd() < 0.3 ? { zip: 'DEF' } : {}),
      });
      seeds.push({
        label: `${label} compact`,
        jwe: compact,
        fingerprint: compactFingerprint(compact),
        plaintext: pt,
        decrypt,
        decryptWeb,
      });
      // The same as an encrypted JWT through decodeEncrypted (claims, no nesting).
      seeds.push({
        label: `${label} decodeEncrypted`,
        jwe: compact,
        fingerprint: compactFingerprint(compact),
        plaintext: pt,
        decrypt: (j) => ({
          plaintext: Buffer.from(JSON.stringify(decodeEncrypted(j as string, decKey as never, opts))),
        }),
        decryptWeb: async (j) => ({
          plaintext: Buffer.from(
            JSON.stringify(await web.decodeEncrypted(j as string, decKeyWeb as never, opts)),
          ),
        }),
      });
      const flat = encryptJwe(pt, encKey as never, {
        alg,
        enc,
        ...p2c,
        serialization: 'flattened',
        unprotectedHeader: { 'x-u': 1 },
        recipientHeader: { kid: 'r' },
        aad: 'aad',
      });
      seeds.push({
        label: `${label} flattened`,
        jwe: flat as never,
        fingerprint: fingerprint(flat),
        plaintext: pt,
        decrypt,
        decryptWeb,
      });
      if (alg !== 'dir' && alg !== 'ECDH-ES') {
        const general = encryptJwe(
          pt,
          [
            { key: encKey as never, alg: alg as KeyManagementAlgorithm, header: { kid: 'a' }, ...p2c },
            { key: encKey as never, alg: alg as KeyManagementAlgorithm, header: { kid: 'b' }, ...p2c },
          ],
          { enc },
        );
        seeds.push({
          label: `${label} general`,
          jwe: general as never,
          fingerprint: fingerprint(general),
          plaintext: pt,
          decrypt,
          decryptWeb,
        });
      }
    }
  }
}
// The attack corpus's JWE tokens, with their own verifiers (they must never decrypt).
let corpusSeeds = 0;
{
  const file = loadVector<{ cases: Array<{ token?: string; verifier?: Record<string, unknown> }> }>(
    'attacks/jwt_attack_cases.json',
  );
  for (const c of file.cases) {
    const v = c.verifier ?? {};
    const algs = ((v.algorithms as string[] | undefined) ?? []).filter((a) =>
      (KEY_MANAGEMENT_ALGORITHMS as readonly string[]).includes(a),
    );
    if (typeof c.token !== 'string' || algs.length === 0) continue;
    const key = typeof v.key === 'string' && v.key.startsWith('password:') ? v.key.slice(9) : v.key;
    const opts = {
      keyManagementAlgorithms: algs as KeyManagementAlgorithm[],
      contentEncryptionAlgorithms: (v.enc as never) ?? CONTENT_ENCRYPTION_ALGORITHMS,
    };
    seeds.push({
      label: 'corpus',
      jwe: c.token,
      fingerprint: '(never)',
      plaintext: null,
      decrypt: (j) => decryptJwe(j, key as never, opts),
      decryptWeb: (j) => web.decryptJwe(j, key as never, opts),
    });
    corpusSeeds++;
  }
}

if (args['broken-verifier'])
  for (const s of seeds) {
    s.decrypt = () => ({ plaintext: Buffer.from('forged') });
    s.decryptWeb = async () => ({ plaintext: Buffer.from('forged') });
  }

// ------------------------------------------------------------------ mutations
const B64_TRICKS = ['=', '==', '+', '/', ' ', '\n', '%3D', '.', '..', '\u00e9', 'A', '_', '-'];
function mutateChars(t: string): string {
  if (t.length === 0) return 'x';
  const i = int(t.length);
  const r = rnd();
  if (r < 0.3) return t.slice(0, i) + pick('AbZ09_-.x'.split('')) + t.slice(i + 1);
  if (r < 0.5) return t.slice(0, i) + pick(B64_TRICKS) + t.slice(i);
  if (r < 0.7) return t.slice(0, i) + t.slice(i + 1);
  if (r < 0.8) return t + pick(B64_TRICKS);
  return t.slice(0, i) + t.slice(i, i + 1 + int(8)).repeat(2) + t.slice(i + 1 + int(8));
}

function headerEdit(h: Record<string, unknown>): Record<string, unknown> {
  const o = { ...h };
  switch (int(16)) {
    case 0:
      o.alg = pick([...KEY_MANAGEMENT_ALGORITHMS, 'none', 'HS256', 'dir ', 'DIR', '']);
      break;
    case 1:
      o.enc = pick([...CONTENT_ENCRYPTION_ALGORITHMS, 'A128GCM ', 'none', 1]);
      break;
    case 2:
      o.p2c = pick([2 ** 31 - 1, 1e9, 0, -1, 1.5, '1000', 10_001]);
      break;
    case 3:
      o.p2s = b64(randomBytes(int(10)));
      break;
    case 4: {
      const other = pick(Object.values(ecdh)).publicKey.export({ format: 'jwk' });
      o.epk = rnd() < 0.5 ? other : { ...(o.epk as object), y: b64(randomBytes(32)) };
      break;
    }
    case 5:
      o.apu = b64(randomBytes(rnd() < 0.5 ? 300 : 8));
      break;
    case 6:
      o.zip = pick(['DEF', 'def', 'GZIP', 1]);
      break;
    case 7:
      o.crit = pick([['x'], [], 'x', ['enc'], ['p2c']]);
      break;
    case 8:
      o.iv = b64(randomBytes(pick([0, 8, 12, 16])));
      break;
    case 9:
      o.tag = b64(randomBytes(pick([0, 8, 16, 32])));
      break;
    case 10:
      delete o[pick(Object.keys(o))];
      break;
    case 11:
      o.kid = pick(['../../etc/passwd', 'a'.repeat(10_000), 1, null]);
      break;
    case 12: {
      let deep: unknown = 1;
      for (let i = 0; i < 200; i++) deep = [deep];
      o.x = deep;
      break;
    }
    case 13:
      o.jwk = { kty: 'oct', k: 'AAAA' };
      break;
    case 14:
      o.b64 = false;
      break;
    default:
      o.typ = pick(['JWT', 'at+jwt', 1]);
  }
  return o;
}

function mutateCompact(t: string): string {
  const parts = t.split('.');
  const r = rnd();
  if (r < 0.45) return mutateChars(t);
  if (r < 0.6) {
    const i = int(parts.length);
    const donor = pick(seeds).jwe;
    const d = (typeof donor === 'string' ? donor : ((donor.ciphertext as string) ?? '')).split('.');
    parts[i] = rnd() < 0.5 ? (d[i] ?? '') : '';
    return parts.join('.');
  }
  if (r < 0.7) {
    const i = int(parts.length);
    const j = int(parts.length);
    [parts[i], parts[j]] = [parts[j] ?? '', parts[i] ?? ''];
    return rnd() < 0.2 ? parts.slice(0, 3 + int(3)).join('.') : parts.join('.');
  }
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    return mutateChars(t);
  }
  let text = JSON.stringify(headerEdit(h));
  if (rnd() < 0.1) text = text.replace('{', '{"alg":"dir",');
  if (rnd() < 0.05) text = text.replace('{', '{"__proto__":{"alg":"dir"},');
  parts[0] = b64(text);
  return parts.join('.');
}

function mutateJson(doc: Record<string, unknown>): unknown {
  const o: Record<string, unknown> = JSON.parse(JSON.stringify(doc));
  const r = rnd();
  const members = [
    'protected',
    'unprotected',
    'header',
    'encrypted_key',
    'recipients',
    'aad',
    'iv',
    'ciphertext',
    'tag',
  ];
  if (r < 0.3) {
    const m = pick(members);
    if (typeof o[m] === 'string') o[m] = mutateChars(o[m] as string);
    else delete o[m];
  } else if (r < 0.45) {
    o.unprotected = { ...(o.unprotected as object), ...headerEdit({}) };
  } else if (r < 0.55) {
    o.aad = b64(randomBytes(4));
  } else if (r < 0.65 && Array.isArray(o.recipients)) {
    const rs = o.recipients as Record<string, unknown>[];
    if (rnd() < 0.5) rs.push(...rs);
    else if (rs[0]) rs[0].header = { ...(rs[0].header as object), ...headerEdit({}) };
  } else if (r < 0.75) {
    o.recipients = rnd() < 0.5 ? [] : [{}];
  } else if (r < 0.85 && typeof o.protected === 'string') {
    o.protected = mutateCompact(`${o.protected}....`).split('.')[0];
  } else {
    o[pick(members)] = pick([1, null, [], {}, 'x', true]);
  }
  return o;
}

// ------------------------------------------------------------------ the loop
interface Stats {
  rejected: number;
  legit: number;
  forgeries: number;
  crashes: number;
  hangs: number;
  slow: number;
  maxMs: number;
  errorCodes: Record<string, number>;
  forgerySamples: string[];
  crashSamples: string[];
  slowSamples: string[];
}
const newStats = (): Stats => ({
  rejected: 0,
  legit: 0,
  forgeries: 0,
  crashes: 0,
  hangs: 0,
  slow: 0,
  maxMs: 0,
  errorCodes: {},
  forgerySamples: [],
  crashSamples: [],
  slowSamples: [],
});
const per = Object.fromEntries(BACKENDS.map((b) => [b, newStats()])) as Record<'node' | 'web', Stats>;
let inputs = 0;
let disagreements = 0;
const disagreementSamples: string[] = [];
const HANG = Symbol('hang');

/** The outcome of one call: the plaintext, the thrown value, or HANG (a WebCrypto call that never settled). */
type Outcome = { ok: true; plaintext: Uint8Array } | { ok: false; error: unknown } | typeof HANG;

async function callWeb(seed: Seed, input: unknown): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<typeof HANG>((done) => {
    timer = setTimeout(() => done(HANG), HANG_MS);
  });
  try {
    const r = await Promise.race([seed.decryptWeb(input), hang]);
    return r === HANG ? HANG : { ok: true, plaintext: r.plaintext };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

function callNode(seed: Seed, input: unknown): Outcome {
  try {
    return { ok: true, plaintext: seed.decrypt(input).plaintext };
  } catch (error) {
    return { ok: false, error };
  }
}

function record(st: Stats, seed: Seed, input: unknown, out: Outcome, ms: number): void {
  if (ms > st.maxMs) st.maxMs = ms;
  if (ms > 250) {
    st.slow++;
    if (st.slowSamples.length < 10) st.slowSamples.push(`${ms.toFixed(0)} ms ${seed.label}`);
  }
  if (out === HANG) {
    st.hangs++;
    if (st.crashSamples.length < 10)
      st.crashSamples.push(
        `${seed.label}: no answer in ${HANG_MS} ms :: ${JSON.stringify(input).slice(0, 200)}`,
      );
    return;
  }
  if (out.ok) {
    const fp = typeof input === 'string' ? compactFingerprint(input) : fingerprint(input as never);
    if (
      fp === seed.fingerprint &&
      Buffer.from(out.plaintext).toString('utf8') ===
        (seed.label.endsWith('decodeEncrypted')
          ? JSON.stringify(JSON.parse(seed.plaintext ?? 'null'))
          : seed.plaintext)
    )
      st.legit++;
    else {
      st.forgeries++;
      if (st.forgerySamples.length < 10)
        st.forgerySamples.push(`${seed.label}: ${JSON.stringify(input).slice(0, 300)}`);
    }
    return;
  }
  const error = out.error;
  if (error instanceof JwtError) {
    st.rejected++;
    st.errorCodes[error.code] = (st.errorCodes[error.code] ?? 0) + 1;
  } else {
    st.crashes++;
    if (st.crashSamples.length < 10)
      st.crashSamples.push(
        `${seed.label}: ${(error as Error)?.name}: ${(error as Error)?.message} :: ${JSON.stringify(input).slice(0, 200)}`,
      );
  }
}

const start = performance.now();
while (inputs < COUNT) {
  const seed = pick(seeds);
  let input: unknown = seed.jwe;
  const rounds = 1 + (rnd() < 0.3 ? int(3) : 0);
  for (let i = 0; i < rounds; i++)
    input = typeof input === 'string' ? mutateCompact(input) : mutateJson(input as Record<string, unknown>);
  if (JSON.stringify(input) === JSON.stringify(seed.jwe)) continue;
  inputs++;
  const outcomes: Partial<Record<'node' | 'web', Outcome>> = {};
  for (const b of BACKENDS) {
    // The same input for each: a JSON serialization is copied so that one build cannot see the other's use.
    const mine = typeof input === 'string' ? input : JSON.parse(JSON.stringify(input));
    const t0 = performance.now();
    const out = b === 'node' ? callNode(seed, mine) : await callWeb(seed, mine);
    record(per[b], seed, input, out, performance.now() - t0);
    outcomes[b] = out;
  }
  const n = outcomes.node;
  const w = outcomes.web;
  if (n !== undefined && w !== undefined && n !== HANG && w !== HANG && n.ok !== w.ok) {
    disagreements++;
    if (disagreementSamples.length < 10) {
      const why = (o: Outcome) =>
        o === HANG ? 'hang' : o.ok ? 'decrypted' : ((o.error as { code?: string })?.code ?? String(o.error));
      disagreementSamples.push(`${seed.label}: node ${why(n)}, web ${why(w)}`);
    }
  }
}

const seconds = (performance.now() - start) / 1000;
const total = (k: 'rejected' | 'legit' | 'forgeries' | 'crashes' | 'hangs' | 'slow') =>
  BACKENDS.reduce((a, b) => a + per[b][k], 0);
console.log(
  `\njwtkit JWE fuzz: ${inputs.toLocaleString('en')} mutated JWEs in ${seconds.toFixed(1)} s, each to ${BACKENDS.join(' and ')}, ${seeds.length} seeds (${corpusSeeds} from the attack corpus)`,
);
for (const b of BACKENDS) {
  const st = per[b];
  console.log(
    `  ${b === 'node' ? 'node:crypto (jwtkit)' : 'WebCrypto (jwtkit/webcrypto)'}: rejected with a JwtError ${st.rejected.toLocaleString('en')}; accepted with authenticated parts unchanged ${st.legit}; forgeries ${st.forgeries}; non-JwtError throws ${st.crashes}; hangs ${st.hangs}; slowest ${st.maxMs.toFixed(1)} ms, over 250 ms ${st.slow}`,
  );
  console.log(
    `    error codes: ${Object.entries(st.errorCodes)
      .sort((x, y) => y[1] - x[1])
      .map(([c, k]) => `${c} ${k}`)
      .join(', ')}`,
  );
}
if (BACKENDS.length === 2)
  console.log(`  node and web disagree (one decrypts, one refuses): ${disagreements}`);
console.log(`  ACCEPTED FORGERIES: ${total('forgeries')}`);
console.log(`  NON-JwtError THROWS: ${total('crashes')}`);
console.log(`  HANGS: ${total('hangs')}`);
for (const b of BACKENDS) {
  for (const x of per[b].forgerySamples) console.log(`    ${b} forgery: ${x}`);
  for (const x of per[b].crashSamples) console.log(`    ${b} crash: ${x}`);
  for (const x of per[b].slowSamples) console.log(`    ${b} slow: ${x}`);
}
for (const x of disagreementSamples) console.log(`    disagreement: ${x}`);
if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        seed: Number(args.seed),
        seeds: seeds.length,
        corpusSeeds,
        inputs,
        backends: BACKENDS,
        seconds: Number(seconds.toFixed(1)),
        forgeries: total('forgeries'),
        crashes: total('crashes'),
        hangs: total('hangs'),
        disagreements,
        disagreementSamples,
        builds: Object.fromEntries(BACKENDS.map((b) => [b, per[b]])),
      },
      null,
      2,
    )}\n`,
  );
}
process.exitCode = total('forgeries') > 0 || total('crashes') > 0 || total('hangs') > 0 ? 1 : 0;
