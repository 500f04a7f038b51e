/**
 * DPoP (RFC 9449): proofs of possession that bind a request, and the tokens it carries, to a key pair.
 *
 * `createDpopProof` signs a `dpop+jwt` with the client's private key and embeds its public JWK.
 * `verifyDpopProof` checks a proof exactly as RFC 9449 §4.3 lists, in this order: strict decode, `typ`,
 * the algorithm allowlist (asymmetric only), the embedded `jwk` (a public key of the algorithm's type,
 * never private material), the signature with that key, then `htm`, `htu`, `iat` window, `nonce`, `ath`,
 * and last the `jti` replay check (so a forged proof never fills the replay store).
 *
 * This is the only place jwtkit trusts a key carried in a token's header, and only for this: the proof
 * shows possession of that key; what it authorizes is decided by comparing its thumbprint (`jkt`) with
 * the `cnf.jkt` of the access token.
 */
import { type Algorithm, algorithmInfo } from './_lib/algorithms.js';
import { constantTimeEqual, digest, hmacBase64url, randomBytes } from './_lib/crypto.js';
import type { Jwk, KeyInput } from './_lib/keys.js';
import { ownOptions } from './_lib/options.js';
import { decodeComplete } from './decode.js';
import { encode } from './encode.js';
import {
  ClaimValidationError,
  type DpopFailure,
  InvalidDpopProofError,
  InvalidOptionsError,
  JwtError,
} from './errors.js';
import { exportPublicJwk, importKey, jwkThumbprint } from './keys.js';

/** Remembers proof `jti`s until they expire. `seen` returns true when the jti was already used. */
export interface DpopReplayStore {
  seen(jti: string, expiresAt: number): boolean | Promise<boolean>;
}

/** An in-process replay store (one instance); bounded: the oldest entries go first when full. */
export function createDpopReplayStore(maxEntries = 100_000): DpopReplayStore {
  const seen = new Map<string, number>();
  return {
    seen(jti, expiresAt) {
      const now = Date.now() / 1000;
      const exp = seen.get(jti);
      if (exp !== undefined && exp > now) return true;
      if (seen.size >= maxEntries) {
        for (const [k, e] of seen) {
          if (e <= now || seen.size >= maxEntries) seen.delete(k);
          if (seen.size < maxEntries && e > now) break;
        }
      }
      seen.set(jti, expiresAt);
      return false;
    },
  };
}

/** Server nonces (RFC 9449 §8, §9): `current()` for the `DPoP-Nonce` header, `isValid` for proofs. */
export interface DpopNonces {
  /** The nonce to hand out now. */
  current(): string;
  /** True for a nonce this source issued in the current or the previous window. */
  isValid(nonce: string): boolean;
}

export interface DpopNoncesOptions {
  /**
   * The HMAC key (at least 32 bytes). Instances that share it accept each other's nonces, so give all
   * instances of a service the same secret. Default: random (one process).
   */
  secret?: Uint8Array | string;
  /** Seconds one nonce is handed out (default 60); it stays valid for one more window. */
  window?: number;
  /** Seconds since the epoch (default: now), for tests. */
  now?: () => number;
}

/**
 * Stateless server nonces: `<window>.<HMAC(secret, window)>`, nothing stored, checked in constant time.
 * Valid for the window it was made in and the next one (so between `window` and `2 * window` seconds).
 */
export function createDpopNonces(options: DpopNoncesOptions = {}): DpopNonces {
  const o = ownOptions(
    options,
    new Set(['secret', 'window', 'now']),
    'createDpopNonces()',
  ) as DpopNoncesOptions;
  const window = o.window ?? 60;
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1)
    throw new InvalidOptionsError('createDpopNonces(): window must be a positive whole number of seconds');
  const secret =
    o.secret === undefined
      ? randomBytes(32)
      : typeof o.secret === 'string'
        ? Buffer.from(o.secret, 'utf8')
        : Buffer.from(o.secret);
  if (secret.length < 32)
    throw new InvalidOptionsError('createDpopNonces(): secret must be at least 32 bytes');
  if (o.now !== undefined && typeof o.now !== 'function')
    throw new InvalidOptionsError('createDpopNonces(): now must be a function');
  const clock = o.now ?? (() => Date.now() / 1000);
  const make = (w: number) =>
    `${w.toString(36)}.${hmacBase64url('sha256', secret, `dpop-nonce:${w}`).slice(0, 22)}`;
  let cached: { w: number; nonce: string } | null = null;
  return {
    current() {
      const w = Math.floor(clock() / window);
      if (cached === null || cached.w !== w) cached = { w, nonce: make(w) };
      return cached.nonce;
    },
    isValid(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 64) return false;
      const dot = nonce.indexOf('.');
      if (dot < 1 || !/^[0-9a-z]+$/.test(nonce.slice(0, dot))) return false;
      const w = Number.parseInt(nonce.slice(0, dot), 36);
      const now = Math.floor(clock() / window);
      if (w !== now && w !== now - 1) return false;
      return constantTimeEqual(Buffer.from(make(w)), Buffer.from(nonce));
    },
  };
}

export interface CreateDpopProofOptions {
  /** The signing algorithm (asymmetric). */
  algorithm: Algorithm;
  /** HTTP method of the request (`GET`, `POST`, ...). */
  method: string;
  /** The request's URL; query and fragment are left out of `htu` (RFC 9449 §4.2). */
  url: string;
  /** Adds `ath`, binding the proof to this access token. */
  accessToken?: string;
  /** A nonce the server asked for (`DPoP-Nonce`). */
  nonce?: string;
  /** The public JWK to embed (default: derived from the private key). */
  publicJwk?: Jwk;
  /** Seconds since the epoch (default: now). */
  now?: number;
  /** Default: a random UUID. */
  jti?: string;
}

const CREATE_OPTIONS = new Set([
  'algorithm',
  'method',
  'url',
  'accessToken',
  'nonce',
  'publicJwk',
  'now',
  'jti',
]);

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** `ath`: base64url of the SHA-256 of the access token's ASCII text (RFC 9449 §4.2). */
export function dpopAccessTokenHash(accessToken: string): string {
  return digest('sha256', Buffer.from(accessToken, 'ascii')).toString('base64url');
}

/**
 * `htu` for a URL: RFC 9449 §4.3 compares the URIs without query and fragment, after RFC 3986 §6
 * syntax-based normalization (lowercase scheme and host, default port dropped, dot segments resolved,
 * percent-encoding case) — which WHATWG URL parsing does.
 */
export function dpopHtu(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidOptionsError('url must be an absolute http(s) URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new InvalidOptionsError('url must be an absolute http(s) URL');
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function asymmetric(alg: unknown, where: string): Algorithm {
  const info = algorithmInfo(alg);
  if (!info || info.family === 'hmac')
    throw new InvalidOptionsError(`${where}: DPoP needs an asymmetric algorithm`);
  return alg as Algorithm;
}

/** Signs a DPoP proof for one request. */
export function createDpopProof(privateKey: KeyInput, options: CreateDpopProofOptions): string {
  const o = ownOptions(options, CREATE_OPTIONS, 'createDpopProof()') as unknown as CreateDpopProofOptions;
  const alg = asymmetric(o.algorithm, 'createDpopProof()');
  if (typeof o.method !== 'string' || !/^[A-Z]+$/.test(o.method))
    throw new InvalidOptionsError('method must be an upper-case HTTP method, e.g. "GET"');
  const jwk = o.publicJwk ?? exportPublicJwk(privateKey);
  if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(jwk, m)))
    throw new InvalidOptionsError('publicJwk must be a public key (it has private members)');
  const { kid: _kid, alg: _alg, use: _use, key_ops: _ops, ...bare } = jwk as Jwk & Record<string, unknown>;
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    jti: o.jti ?? randomBytes(16).toString('base64url'),
    htm: o.method,
    htu: dpopHtu(o.url),
    iat: now,
  };
  if (o.accessToken !== undefined) claims.ath = dpopAccessTokenHash(o.accessToken);
  if (o.nonce !== undefined) claims.nonce = o.nonce;
  return encode(claims, privateKey, { algorithm: alg, headers: { typ: 'dpop+jwt', jwk: bare } });
}

export interface VerifyDpopProofOptions {
  /** Algorithms accepted for proofs (asymmetric only). */
  algorithms: readonly Algorithm[];
  /** The request's method and full URL (as the client addressed it: mind proxies). */
  method: string;
  url: string;
  /** When the proof accompanies an access token: it must carry the matching `ath`. */
  accessToken?: string;
  /**
   * The nonce this server expects (`use_dpop_nonce`), if any: the one value, or a predicate that accepts
   * the nonces still valid (e.g. `createDpopNonces().isValid`). A proof without `nonce` then fails with
   * reason `nonce`.
   */
  nonce?: string | ((nonce: string) => boolean);
  /** How old a proof may be, in seconds (default 300). */
  maxAge?: number;
  /** Clock skew allowed in seconds (default 5). */
  leeway?: number;
  /** Replay detection for `jti` (required: a proof is single-use). */
  replayStore: DpopReplayStore;
  /** Seconds since the epoch (default: now). */
  now?: number;
  /** The longest proof accepted, in characters (default 8 KiB). */
  maxProofLength?: number;
}

const VERIFY_OPTIONS = new Set([
  'algorithms',
  'method',
  'url',
  'accessToken',
  'nonce',
  'maxAge',
  'leeway',
  'replayStore',
  'now',
  'maxProofLength',
]);

export interface VerifiedDpopProof {
  /** RFC 7638 thumbprint (SHA-256) of the proof's key: compare with the access token's `cnf.jkt`. */
  jkt: string;
  jwk: Jwk;
  algorithm: Algorithm;
  claims: { jti: string; htm: string; htu: string; iat: number; ath?: string; nonce?: string };
}

const fail = (reason: DpopFailure, message: string, cause?: unknown): never => {
  throw new InvalidDpopProofError(`Invalid DPoP proof: ${message}`, reason, cause ? { cause } : undefined);
};

function finite(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new InvalidOptionsError(`${name} must be a finite, non-negative number of seconds`);
  return v;
}

/** Verifies one DPoP proof (RFC 9449 §4.3). Throws `InvalidDpopProofError` (or `InvalidOptionsError`). */
export async function verifyDpopProof(
  proof: unknown,
  options: VerifyDpopProofOptions,
): Promise<VerifiedDpopProof> {
  const o = ownOptions(options, VERIFY_OPTIONS, 'verifyDpopProof()') as unknown as VerifyDpopProofOptions;
  if (!Array.isArray(o.algorithms) || o.algorithms.length === 0)
    throw new InvalidOptionsError('verifyDpopProof() needs an "algorithms" allowlist (asymmetric)');
  const algorithms = o.algorithms.map((a) => asymmetric(a, 'verifyDpopProof()'));
  if (typeof o.method !== 'string' || o.method === '') throw new InvalidOptionsError('method is required');
  const htu = dpopHtu(o.url);
  if (!o.replayStore || typeof o.replayStore.seen !== 'function')
    throw new InvalidOptionsError('replayStore is required (createDpopReplayStore() for one process)');
  const maxAge = finite(o.maxAge, 'maxAge', 300);
  const leeway = finite(o.leeway, 'leeway', 5);
  const maxLength = finite(o.maxProofLength, 'maxProofLength', 8192);
  const now = o.now ?? Date.now() / 1000;
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new InvalidOptionsError('now must be a number');
  if (o.nonce !== undefined && typeof o.nonce !== 'string' && typeof o.nonce !== 'function')
    throw new InvalidOptionsError('nonce must be a string or a function');
  if (typeof proof !== 'string' || proof.length === 0)
    fail('malformed', 'a DPoP header with one proof is required');
  if ((proof as string).length > maxLength) fail('malformed', 'the proof is too long');

  let embedded: Jwk | undefined;
  let decoded: ReturnType<typeof decodeComplete<Record<string, unknown>>>;
  try {
    decoded = decodeComplete<Record<string, unknown>>(
      proof as string,
      (header) => {
        const jwk = header.jwk;
        if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
          return fail('jwk', 'the header carries no "jwk" public key');
        if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(jwk, m)))
          return fail('jwk', 'the "jwk" header carries private key material');
        embedded = jwk as Jwk;
        try {
          return importKey(jwk as Jwk, { type: 'public', alg: header.alg as Algorithm });
        } catch (cause) {
          return fail('jwk', 'the "jwk" header is not a usable public key for its alg', cause);
        }
      },
      // Claims are checked below (a proof has no exp; its age is bounded by iat and maxAge).
      { algorithms, typ: 'dpop+jwt', leeway, now },
    );
  } catch (err) {
    if (err instanceof InvalidDpopProofError) throw err;
    if (!(err instanceof JwtError)) throw err;
    const code = err.code;
    const claim = err instanceof ClaimValidationError ? err.claim : '';
    const reason: DpopFailure =
      claim === 'iat' || claim === 'exp' || claim === 'nbf'
        ? 'iat'
        : claim === 'jti'
          ? 'jti'
          : code === 'ERR_JWT_TYP_INVALID'
            ? 'typ'
            : code === 'ERR_JWS_ALG_NOT_ALLOWED'
              ? 'alg'
              : code === 'ERR_JWS_SIGNATURE_INVALID'
                ? 'signature'
                : code === 'ERR_JWK_INVALID'
                  ? 'jwk'
                  : code === 'ERR_JWT_IAT_INVALID'
                    ? 'iat'
                    : 'malformed';
    return fail(reason, err.message.replace(/^Invalid token: /, ''), err);
  }
  const { payload: c, header } = decoded;
  if (typeof c.jti !== 'string' || c.jti.length === 0 || c.jti.length > 256)
    fail('jti', 'the "jti" claim must be a string of 1 to 256 characters');
  if (c.htm !== o.method) fail('htm', 'the "htm" claim does not match the request method');
  let proofHtu: string | null = null;
  try {
    proofHtu = typeof c.htu === 'string' ? dpopHtu(c.htu) : null;
  } catch {
    proofHtu = null;
  }
  if (proofHtu !== htu) fail('htu', 'the "htu" claim does not match the request URL');
  if (typeof c.iat !== 'number' || !Number.isFinite(c.iat)) fail('iat', 'the "iat" claim must be a number');
  const iat = c.iat as number;
  if (iat > now + leeway) fail('iat', 'the proof was issued in the future');
  if (iat < now - maxAge - leeway) fail('iat', 'the proof is too old');
  if (o.nonce !== undefined) {
    const ok =
      typeof c.nonce === 'string' &&
      (typeof o.nonce === 'function' ? o.nonce(c.nonce) === true : c.nonce === o.nonce);
    if (!ok) fail('nonce', 'the proof does not carry the expected nonce');
  }
  if (o.accessToken !== undefined) {
    if (typeof c.ath !== 'string' || c.ath !== dpopAccessTokenHash(o.accessToken))
      fail('ath', 'the "ath" claim does not match the access token');
  } else if (c.ath !== undefined && typeof c.ath !== 'string')
    fail('ath', 'the "ath" claim must be a string');
  // Last: only a proof that passed every other check takes a place in the replay store.
  if (await o.replayStore.seen(c.jti as string, iat + maxAge + leeway))
    fail('replay', 'this proof was used before');
  const jwk = embedded as Jwk;
  return {
    jkt: jwkThumbprint(jwk),
    jwk,
    algorithm: header.alg as Algorithm,
    claims: c as VerifiedDpopProof['claims'],
  };
}
