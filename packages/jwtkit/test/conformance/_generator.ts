/**
 * Materializes the corpus' `generator` recipes (inputs too large to store: a 1 MiB header, a 16 MiB
 * payload, 100k segments, a 4 MiB signature, a 16384-bit RSA key, a JWKS of 100k keys, ...).
 *
 * Recipe language, as the corpus writes it: a string `"X * n"` or `"'ab' * n"` is X repeated n times;
 * `"claims()"` is the default valid claim set; `sign: "HS256 server key"` MACs header.payload with the
 * server HMAC key; `token` gives the whole token; `signature` gives the signature segment text;
 * `jwk`/`jwks` describe keys the verifier is configured with (`n: "16384-bit modulus"` = a random odd
 * modulus of that size, `keys: "100000 keys"` = that many distinct RSA/EC/oct JWKs).
 * An unknown shape throws: a recipe the harness cannot build is a harness failure, never a silent pass.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { CorpusKeys, Verifier } from './_attack-verifier.js';

export interface Generated {
  token: string;
  /** A key set or key the verifier must be configured with instead of the case's key, if the recipe says so. */
  key?: unknown;
  /** What the recipe produced, for the test name. */
  note: string;
}

const REPEAT = /^\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\S+?))\s*\*\s*(\d+)\s*$/;

/** Splits `a + b + c` on the `+` signs that are outside quotes. */
function splitPlus(s: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote) {
      if (c === '\\') {
        cur += c + (s[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === quote) quote = null;
      cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === '+' && s[i - 1] === ' ' && s[i + 1] === ' ') {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur.trim());
  return out;
}

const QUOTED = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")$/;

function expand(value: unknown, claims: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    if (value === 'claims()') return { ...claims };
    const terms = splitPlus(value);
    if (terms.length > 1 && terms.every((t) => REPEAT.test(t) || QUOTED.test(t))) {
      return terms
        .map((t) =>
          REPEAT.test(t)
            ? (expand(t, claims) as string)
            : (QUOTED.exec(t)
                ?.slice(1)
                .find((x) => x !== undefined) ?? ''),
        )
        .join('');
    }
    const m = REPEAT.exec(value);
    if (m) {
      const unit = m[1] ?? m[2] ?? m[3] ?? '';
      const n = Number(m[4]);
      if (!Number.isSafeInteger(n) || n < 0 || n > 64 * 1024 * 1024)
        throw new Error(`harness: repeat count too large: ${n}`);
      return unit.repeat(n);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, claims));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expand(v, claims);
    return out;
  }
  return value;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

function modulus(bits: number): string {
  const bytes = randomBytes(Math.ceil(bits / 8));
  bytes[0] = (bytes[0] ?? 0) | 0x80;
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) | 1;
  return bytes.toString('base64url');
}

function expandJwk(spec: Record<string, unknown>): Record<string, unknown> {
  const jwk: Record<string, unknown> = { ...spec };
  if (typeof jwk.n === 'string') {
    const m = /^(\d+)-bit modulus$/.exec(jwk.n);
    if (m) jwk.n = modulus(Number(m[1]));
  }
  return jwk;
}

function manyKeys(count: number): Record<string, unknown>[] {
  const keys: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) keys.push({ kty: 'RSA', kid: `k${i}`, n: modulus(2048), e: 'AQAB' });
  return keys;
}

export function defaultClaims(v: Verifier): Record<string, unknown> {
  const now = v.now ?? 1700000000;
  const claims: Record<string, unknown> = { sub: 'user-123', iat: now - 60, exp: now + 3600 };
  if (typeof v.issuer === 'string') claims.iss = v.issuer;
  if (typeof v.audience === 'string') claims.aud = v.audience;
  return claims;
}

export function generate(recipe: Record<string, unknown>, v: Verifier, keys: CorpusKeys): Generated {
  const claims = defaultClaims(v);
  let key: unknown;
  if (recipe.jwks !== undefined || recipe.keys !== undefined) {
    const spec = recipe.jwks ?? recipe.keys;
    const count =
      typeof spec === 'number'
        ? spec
        : Number(
            /(\d+)/.exec(
              String(typeof spec === 'object' && spec !== null ? JSON.stringify(spec) : spec),
            )?.[1],
          );
    if (!Number.isSafeInteger(count) || count <= 0)
      throw new Error('harness: cannot read the JWKS size of the recipe');
    key = { keys: manyKeys(count) };
  }
  if (typeof recipe.token === 'string') {
    const token = expand(recipe.token, claims);
    if (typeof token !== 'string') throw new Error('harness: generator token is not a string');
    const result: Generated = { token, note: `${token.length}-character token` };
    if (key !== undefined) result.key = key;
    return result;
  }
  const headerSpec = (recipe.header ?? {
    alg: typeof recipe.alg === 'string' ? recipe.alg : 'HS256',
  }) as Record<string, unknown>;
  const header = expand(headerSpec, claims) as Record<string, unknown>;
  if (recipe.jwk !== undefined) {
    const jwk = expandJwk(recipe.jwk as Record<string, unknown>);
    // Both ways an application could meet the key: embedded in the token (must be ignored) and in its JWKS.
    header.jwk = jwk;
    key ??= { keys: [jwk] };
  }
  const payload = recipe.payload === undefined ? claims : expand(recipe.payload, claims);
  const signingInput = `${b64(JSON.stringify(header))}.${b64(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
  let signature: string;
  if (typeof recipe.signature === 'string') {
    signature = String(expand(recipe.signature, claims));
  } else if (typeof recipe.sign === 'string' && /HS(256|384|512)/.test(recipe.sign)) {
    const bits = /HS(256|384|512)/.exec(recipe.sign)?.[1] ?? '256';
    const secret = keys.server_hs256?.raw_utf8;
    if (typeof secret !== 'string') throw new Error('harness: no server HMAC secret for the recipe');
    signature = createHmac(`sha${bits}`, secret).update(signingInput).digest('base64url');
  } else {
    // No way to sign (e.g. a public key only): a random signature of a plausible size.
    signature = randomBytes(
      typeof header.alg === 'string' && header.alg.startsWith('RS') ? 256 : 64,
    ).toString('base64url');
  }
  const token = `${signingInput}.${signature}`;
  const result: Generated = { token, note: `${token.length}-character token` };
  if (key !== undefined) result.key = key;
  return result;
}
