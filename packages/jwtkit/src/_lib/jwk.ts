/**
 * JSON Web Keys (RFC 7517), runtime-neutral: the types, the member checks, the one canonical spelling of
 * key members, and what a JWK's own `alg`/`use`/`key_ops` allow. Both backends (node:crypto, WebCrypto)
 * and key selection read JWKs through here.
 */
import { InvalidKeyError } from '../errors.js';
import type { AlgorithmInfo } from './algorithms.js';
import { decodeStrict } from './base64url.js';
import { quote } from './text.js';

/** A JSON Web Key (RFC 7517). */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  k?: string;
  x5c?: string[];
  [member: string]: unknown;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface Jwks {
  keys: Jwk[];
}

/** Anything jwtkit accepts as a key (a WebCrypto `CryptoKey`, e.g. from jose 6, is accepted as well). */

export type KeyUsage = 'sign' | 'verify';

/** RFC 7517 §4: the registered members a JWK may carry have these types; anything else is refused. */
export function checkJwkMemberTypes(jwk: Jwk): void {
  for (const name of ['kty', 'kid', 'alg', 'use', 'crv'] as const) {
    const v = jwk[name];
    if (v !== undefined && typeof v !== 'string')
      throw new InvalidKeyError(`The JWK member "${name}" must be a string, not ${quote(v)}`);
  }
  const ops = jwk.key_ops;
  if (ops !== undefined && (!Array.isArray(ops) || !ops.every((o) => typeof o === 'string')))
    throw new InvalidKeyError('The JWK member "key_ops" must be an array of strings');
}

/** Exact octet lengths of EC/OKP coordinates and private keys (RFC 7518 §6.2.1.2-§6.2.2.1, RFC 8037 §2). */
const CURVE_BYTES = new Map<string, number>([
  ['P-256', 32],
  ['P-384', 48],
  ['P-521', 66],
  ['secp256k1', 32],
  ['Ed25519', 32],
  ['Ed448', 57],
  ['X25519', 32],
  ['X448', 56],
]);
const RSA_INTEGERS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/**
 * Why a JWK's key members are not in their one canonical spelling, or null: EC and OKP members must have
 * exactly the curve's length, RSA integers (Base64urlUInt, RFC 7518 §2) are non-empty without leading zero
 * bytes. Without this, one key has several spellings and several RFC 7638 thumbprints.
 */
export function jwkCanonicalProblem(jwk: Jwk): string | null {
  const bytesOf = (name: string): Uint8Array | null | undefined => {
    const v = jwk[name];
    if (v === undefined) return undefined;
    return typeof v === 'string' ? decodeStrict(v) : null;
  };
  if (jwk.kty === 'EC' || jwk.kty === 'OKP') {
    const crv = jwk.crv;
    const size = typeof crv === 'string' ? CURVE_BYTES.get(crv) : undefined;
    const ecCurve = crv === 'P-256' || crv === 'P-384' || crv === 'P-521' || crv === 'secp256k1';
    if (size === undefined || ecCurve !== (jwk.kty === 'EC'))
      return `The ${jwk.kty} JWK has an unsupported crv ${quote(crv, 16)}`;
    for (const name of jwk.kty === 'EC' ? ['x', 'y', 'd'] : ['x', 'd']) {
      const b = bytesOf(name);
      if (b === undefined && name === 'd') continue;
      if (b === undefined) return `The ${jwk.kty} JWK lacks its "${name}" member`;
      if (b === null || b.length !== size)
        return `The JWK member "${name}" must be exactly ${size} bytes for ${crv}`;
    }
    return null;
  }
  if (jwk.kty === 'RSA') {
    for (const name of RSA_INTEGERS) {
      const b = bytesOf(name);
      if (b === undefined && name !== 'n' && name !== 'e') continue;
      if (b === undefined) return `The RSA JWK lacks its "${name}" member`;
      if (b === null || b.length === 0 || b[0] === 0)
        return `The JWK member "${name}" must be a minimal big-endian integer (no leading zero bytes, RFC 7518 §2)`;
    }
  }
  return null;
}

export function isJwkLike(value: unknown): value is Jwk {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isKeyObjectLike(value) &&
    !ArrayBuffer.isView(value) &&
    typeof (value as Jwk).kty === 'string'
  );
}

export function isJwks(value: unknown): value is Jwks {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Jwks).keys) && // first: cheaper than the tag check, false for every key object
    !isKeyObjectLike(value)
  );
}

/**
 * Whether a JWK's `alg` member permits `info`. Exact match, except that the polymorphic `EdDSA` (RFC 8037)
 * and the fully specified `Ed25519`/`Ed448` (RFC 9864) name the same signature scheme: a JWK marked with
 * one may be used with the other when its curve is that algorithm's (the curve is checked separately).
 */
export function jwkAlgAllows(jwk: Jwk, info: AlgorithmInfo): boolean {
  const alg = jwk.alg;
  if (alg === undefined || alg === info.name) return true;
  if (info.family !== 'eddsa' || typeof jwk.crv !== 'string') return false;
  if (alg === 'EdDSA') return info.name === jwk.crv;
  return info.name === 'EdDSA' && alg === jwk.crv && (alg === 'Ed25519' || alg === 'Ed448');
}

export function checkJwkConstraints(jwk: Jwk | null, info: AlgorithmInfo, usage: KeyUsage): void {
  if (!jwk) return;
  if (!jwkAlgAllows(jwk, info)) {
    throw new InvalidKeyError(`The JWK is restricted to alg ${quote(jwk.alg, 16)}, not ${info.name}`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new InvalidKeyError('The JWK "use" is not "sig"');
  if (jwk.key_ops !== undefined) {
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes(usage)) {
      throw new InvalidKeyError(`The JWK "key_ops" does not allow "${usage}"`);
    }
  }
}

/** A node:crypto KeyObject (checked by its tag, without importing node:crypto). */
export function isKeyObjectLike(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object KeyObject]';
}

/** A WebCrypto CryptoKey (checked by its tag). */
export function isCryptoKeyLike(value: unknown): value is CryptoKey {
  return Object.prototype.toString.call(value) === '[object CryptoKey]';
}
