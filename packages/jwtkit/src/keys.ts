/** Key utilities: generate, import, export (JWK / PEM), RFC 7638 thumbprints. */
import { type Algorithm, algorithmInfo } from './_lib/algorithms.js';
import { encode as b64url } from './_lib/base64url.js';
import { type KeyObject, createPublicKey, createSecretKey, digest, generateEc, generateOkp, generateRsa, isKeyObject, randomBytes } from './_lib/crypto.js';
import { type Jwk, type KeyInput, asymmetricKeyEntry, secretEntry } from './_lib/keys.js';
import { InvalidAlgorithmError, InvalidKeyError, InvalidOptionsError } from './errors.js';

export type { Jwk, KeyObject };

const CURVE_FOR_NODE: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', secp256k1: 'secp256k1' };

function infoOf(alg: Algorithm) {
  const info = algorithmInfo(alg);
  if (!info) throw new InvalidAlgorithmError(`Unsupported algorithm: ${String(alg).slice(0, 20)}`);
  return info;
}

/** A new key pair for an asymmetric algorithm (RSA: 2048 bits unless asked; EdDSA: Ed25519 unless `crv: 'Ed448'`). */
export function generateKeyPair(alg: Algorithm, options: { modulusLength?: number; crv?: 'Ed25519' | 'Ed448' } = {}): { privateKey: KeyObject; publicKey: KeyObject } {
  const info = infoOf(alg);
  switch (info.family) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = options.modulusLength ?? 2048;
      if (!Number.isInteger(bits) || bits < 2048 || bits > 16384) throw new InvalidOptionsError('modulusLength must be 2048 to 16384 bits');
      return generateRsa(bits);
    }
    case 'ecdsa':
      return generateEc(CURVE_FOR_NODE[info.curves[0]!]!);
    case 'eddsa': {
      const crv = options.crv ?? info.curves[0];
      if (crv !== 'Ed25519' && crv !== 'Ed448') throw new InvalidOptionsError('crv must be Ed25519 or Ed448');
      if (!info.curves.includes(crv)) throw new InvalidOptionsError(`${alg} does not use ${crv}`);
      return generateOkp(crv === 'Ed25519' ? 'ed25519' : 'ed448');
    }
    default:
      throw new InvalidAlgorithmError(`${alg} uses a secret: call generateSecret('${alg}')`);
  }
}

/** A new random HMAC secret of the hash's size (32, 48 or 64 bytes). */
export function generateSecret(alg: Algorithm = 'HS256'): Buffer {
  const info = infoOf(alg);
  if (info.family !== 'hmac') throw new InvalidAlgorithmError(`${alg} uses a key pair: call generateKeyPair('${alg}')`);
  return randomBytes(info.hashBytes);
}

export interface ImportKeyOptions {
  /** What the key must be: a secret, a public key or a private key. */
  type?: 'secret' | 'public' | 'private';
  /** Passphrase for an encrypted PKCS#8 PEM. */
  passphrase?: string;
}

/** Parses a key once into a `KeyObject` (PEM, DER, JWK, secret string/bytes). */
export function importKey(input: KeyInput, options: ImportKeyOptions = {}): KeyObject {
  if (options.type === 'secret') return createSecretKey(secretEntry(input).bytes);
  const entry = asymmetricKeyEntry(input, options.passphrase);
  if (options.type === 'public') return entry.key.type === 'public' ? entry.key : createPublicKey(entry.key);
  if (options.type === 'private' && entry.key.type !== 'private') throw new InvalidKeyError('Expected a private key');
  return entry.key;
}

function toKeyObject(key: KeyInput): KeyObject {
  if (isKeyObject(key)) return key;
  if (typeof key === 'object' && key !== null && !(key instanceof Uint8Array) && (key as Jwk).kty === 'oct') {
    return createSecretKey(secretEntry(key).bytes);
  }
  return asymmetricKeyEntry(key).key;
}

/** The key as a JWK (private members included for a private key). */
export function exportJwk(key: KeyInput): Jwk {
  const k = toKeyObject(key);
  return k.export({ format: 'jwk' }) as Jwk;
}

/** The public part of a key as a JWK (never private members). */
export function exportPublicJwk(key: KeyInput): Jwk {
  const k = toKeyObject(key);
  if (k.type === 'secret') throw new InvalidKeyError('A secret key has no public part');
  return (k.type === 'private' ? createPublicKey(k) : k).export({ format: 'jwk' }) as Jwk;
}

/** The key as PEM: SPKI for public keys, PKCS#8 for private keys. */
export function exportPem(key: KeyInput): string {
  const k = toKeyObject(key);
  if (k.type === 'secret') throw new InvalidKeyError('A secret key has no PEM form');
  return k.type === 'private'
    ? (k.export({ format: 'pem', type: 'pkcs8' }) as string)
    : (k.export({ format: 'pem', type: 'spki' }) as string);
}

const REQUIRED: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
};

/** RFC 7638 JWK thumbprint (base64url of the hash of the canonical required members). */
export function jwkThumbprint(key: Jwk | KeyInput, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') throw new InvalidOptionsError('hash must be sha256, sha384 or sha512');
  const jwk: Jwk =
    typeof key === 'object' && key !== null && !isKeyObject(key) && !(key instanceof Uint8Array) && typeof (key as Jwk).kty === 'string'
      ? (key as Jwk)
      : exportJwk(key as KeyInput);
  const members = REQUIRED[jwk.kty];
  if (!members) throw new InvalidKeyError('Unsupported JWK kty for a thumbprint');
  const canonical: Record<string, string> = {};
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== 'string') throw new InvalidKeyError(`The JWK lacks its "${m}" member`);
    canonical[m] = v;
  }
  return b64url(digest(hash, JSON.stringify(canonical)));
}

/** RFC 9278 thumbprint URI: `urn:ietf:params:oauth:jwk-thumbprint:sha-256:<thumbprint>`. */
export function jwkThumbprintUri(key: Jwk | KeyInput, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  return `urn:ietf:params:oauth:jwk-thumbprint:${hash.replace('sha', 'sha-')}:${jwkThumbprint(key, hash)}`;
}
