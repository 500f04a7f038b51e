/** Key utilities: generate, import, export (JWK / PEM), RFC 7638 thumbprints. */
import { type Algorithm, algorithmInfo, MIN_RSA_BITS, unknownAlgorithm } from './_lib/algorithms.js';
import { encode as b64url, decodeStrict } from './_lib/base64url.js';
import {
  createPublicKey,
  createSecretKey,
  digest,
  generateEc,
  generateOkp,
  generateRsa,
  isKeyObject,
  type KeyObject,
  keyObjectFromCryptoKey,
  randomBytes,
} from './_lib/crypto.js';
import {
  asymmetricKeyEntry,
  checkJwkMemberTypes,
  type Jwk,
  jwkCanonicalProblem,
  type KeyInput,
  keyFor,
  secretEntry,
} from './_lib/keys.js';
import { ownOptions } from './_lib/options.js';
import { InvalidKeyError, InvalidOptionsError } from './errors.js';

export type { Jwk, KeyObject };

const CURVE_FOR_NODE = new Map<string, string>([
  ['P-256', 'prime256v1'],
  ['P-384', 'secp384r1'],
  ['P-521', 'secp521r1'],
  ['secp256k1', 'secp256k1'],
]);

function infoOf(alg: Algorithm) {
  const info = algorithmInfo(alg);
  if (!info) throw unknownAlgorithm(alg);
  return info;
}

/** A new key pair for an asymmetric algorithm (RSA: 2048 bits unless asked; EdDSA: Ed25519 unless `crv: 'Ed448'`). */
export function generateKeyPair(
  alg: Algorithm,
  input: { modulusLength?: number; crv?: 'Ed25519' | 'Ed448' } = {},
): { privateKey: KeyObject; publicKey: KeyObject } {
  const options = ownOptions(input, GENERATE_OPTIONS, 'generateKeyPair()') as {
    modulusLength?: number;
    crv?: 'Ed25519' | 'Ed448';
  };
  const info = infoOf(alg);
  switch (info.family) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = options.modulusLength ?? 2048;
      if (!Number.isInteger(bits) || bits < 2048 || bits > 16384)
        throw new InvalidOptionsError('modulusLength must be 2048 to 16384 bits');
      return generateRsa(bits);
    }
    case 'ecdsa':
      return generateEc(CURVE_FOR_NODE.get(info.curves[0]!)!);
    case 'eddsa': {
      const crv = options.crv ?? info.curves[0];
      if (crv !== 'Ed25519' && crv !== 'Ed448') throw new InvalidOptionsError('crv must be Ed25519 or Ed448');
      if (!info.curves.includes(crv)) throw new InvalidOptionsError(`${alg} does not use ${crv}`);
      return generateOkp(crv === 'Ed25519' ? 'ed25519' : 'ed448');
    }
    default:
      throw new InvalidOptionsError(`${alg} uses a secret: call generateSecret('${alg}')`);
  }
}

const GENERATE_OPTIONS: ReadonlySet<string> = new Set(['modulusLength', 'crv']);
const IMPORT_OPTIONS: ReadonlySet<string> = new Set(['type', 'passphrase', 'alg']);
const EXPORT_JWK_OPTIONS: ReadonlySet<string> = new Set(['kid', 'alg', 'use', 'key_ops']);
const EXPORT_PEM_OPTIONS: ReadonlySet<string> = new Set(['passphrase']);

/** A new random HMAC secret of the hash's size (32, 48 or 64 bytes). */
export function generateSecret(alg: Algorithm = 'HS256'): Buffer {
  const info = infoOf(alg);
  if (info.family !== 'hmac')
    throw new InvalidOptionsError(`${alg} uses a key pair: call generateKeyPair('${alg}')`);
  return randomBytes(info.hashBytes);
}

export interface ImportKeyOptions {
  /** What the key must be: a secret, a public key or a private key. */
  type?: 'secret' | 'public' | 'private';
  /** Passphrase for an encrypted PKCS#8 PEM. */
  passphrase?: string;
  /** The algorithm the key is for: the key is checked against it (type, curve, size, JWK alg/use). */
  alg?: Algorithm;
}

function isJwkObject(input: unknown): boolean {
  return (
    typeof input === 'object' &&
    input !== null &&
    !isKeyObject(input) &&
    !ArrayBuffer.isView(input) &&
    typeof (input as Jwk).kty === 'string'
  );
}

function isOctJwk(input: unknown): boolean {
  return (
    typeof input === 'object' &&
    input !== null &&
    !isKeyObject(input) &&
    !ArrayBuffer.isView(input) &&
    (input as Jwk).kty === 'oct'
  );
}

/**
 * Parses a key once into a `KeyObject`: PEM (SPKI, PKCS#8, encrypted PKCS#8 with `passphrase`, PKCS#1,
 * SEC1, X.509 certificate), DER bytes, JWK (incl. `x5c`), a KeyObject or a WebCrypto CryptoKey. A secret
 * (string or bytes) needs `type: 'secret'` or an HMAC `alg`. With `alg`, the key must fit the algorithm.
 */
export function importKey(input: KeyInput, options: ImportKeyOptions = {}): KeyObject {
  const { type, alg, passphrase } = ownOptions(options, IMPORT_OPTIONS, 'importKey()') as ImportKeyOptions;
  if (type !== undefined && type !== 'secret' && type !== 'public' && type !== 'private') {
    throw new InvalidOptionsError('type must be "secret", "public" or "private"');
  }
  if (passphrase !== undefined && typeof passphrase !== 'string')
    throw new InvalidOptionsError('passphrase must be a string');
  const info = alg === undefined ? undefined : infoOf(alg);
  const wantsSecret =
    type === 'secret' ||
    info?.family === 'hmac' ||
    (type === undefined &&
      (isOctJwk(input) ||
        keyObjectFromCryptoKey(input)?.type === 'secret' ||
        (isKeyObject(input) && input.type === 'secret')));
  if (wantsSecret) {
    if (type !== undefined && type !== 'secret')
      throw new InvalidOptionsError(`${alg} uses a secret, not a ${type} key`);
    if (info && info.family !== 'hmac')
      throw new InvalidOptionsError(`${alg} needs a key pair, not a secret`);
    if (info) keyFor(input, info, 'verify', { strict: true }); // size and JWK alg/use checks
    return createSecretKey(secretEntry(input).bytes);
  }
  const entry = asymmetricKeyEntry(input, passphrase);
  const signingKey =
    entry.type === 'rsa' ||
    entry.type === 'rsa-pss' ||
    entry.type === 'ed25519' ||
    entry.type === 'ed448' ||
    (entry.type === 'ec' && entry.curve !== null);
  if (!signingKey)
    throw new InvalidKeyError(
      `jwtkit signs with RSA, EC (P-256/384/521, secp256k1) and Ed25519/Ed448 keys, not ${entry.type}${entry.type === 'ec' ? ' on this curve' : ''}`,
    );
  if ((entry.type === 'rsa' || entry.type === 'rsa-pss') && entry.bits < MIN_RSA_BITS) {
    throw new InvalidKeyError(
      `RSA keys must have at least ${MIN_RSA_BITS} bits (this one has ${entry.bits})`,
    );
  }
  if (info) {
    keyFor(entry.key, info, entry.key.type === 'private' ? 'sign' : 'verify');
    if (isJwkObject(input)) keyFor(input, info, entry.key.type === 'private' ? 'sign' : 'verify'); // the JWK's alg/use/key_ops
  }
  if (type === 'public') return entry.key.type === 'public' ? entry.key : createPublicKey(entry.key);
  if (type === 'private' && entry.key.type !== 'private') throw new InvalidKeyError('Expected a private key');
  return entry.key;
}

function toKeyObject(key: KeyInput): KeyObject {
  if (isKeyObject(key)) return key;
  const fromWebCrypto = keyObjectFromCryptoKey(key);
  if (fromWebCrypto) return fromWebCrypto;
  if (isOctJwk(key)) return createSecretKey(secretEntry(key).bytes);
  return asymmetricKeyEntry(key).key;
}

/** Members that may be added to an exported JWK. */
export interface ExportJwkOptions {
  kid?: string;
  alg?: Algorithm;
  use?: 'sig';
  key_ops?: string[];
}

function decorate(jwk: Jwk, input: ExportJwkOptions | undefined, where: string): Jwk {
  if (!input) return jwk;
  const options = ownOptions(input, EXPORT_JWK_OPTIONS, where) as ExportJwkOptions;
  if (options.alg !== undefined) infoOf(options.alg);
  if (options.kid !== undefined && typeof options.kid !== 'string')
    throw new InvalidOptionsError('kid must be a string');
  if (options.use !== undefined && options.use !== 'sig') throw new InvalidOptionsError('use must be "sig"');
  if (
    options.key_ops !== undefined &&
    (!Array.isArray(options.key_ops) || !options.key_ops.every((o) => typeof o === 'string'))
  )
    throw new InvalidOptionsError('key_ops must be an array of strings');
  for (const [k, v] of Object.entries(options)) if (v !== undefined) jwk[k] = v;
  return jwk;
}

/** The key as a JWK (private members included for a private key). */
export function exportJwk(key: KeyInput, options?: ExportJwkOptions): Jwk {
  const k = toKeyObject(key);
  return decorate(k.export({ format: 'jwk' }) as Jwk, options, 'exportJwk()');
}

/** The public part of a key as a JWK (never private members). */
export function exportPublicJwk(key: KeyInput, options?: ExportJwkOptions): Jwk {
  const k = toKeyObject(key);
  if (k.type === 'secret') throw new InvalidKeyError('A secret key has no public part');
  return decorate(
    (k.type === 'private' ? createPublicKey(k) : k).export({ format: 'jwk' }) as Jwk,
    options,
    'exportPublicJwk()',
  );
}

/**
 * The key as PEM: SPKI for public keys, PKCS#8 for private keys (encrypted with AES-256-CBC when a
 * `passphrase` is given).
 */
export function exportPem(key: KeyInput, input: { passphrase?: string } = {}): string {
  const options = ownOptions(input, EXPORT_PEM_OPTIONS, 'exportPem()') as { passphrase?: string };
  const k = toKeyObject(key);
  if (k.type === 'secret') throw new InvalidKeyError('A secret key has no PEM form');
  if (k.type === 'public') {
    if (options.passphrase !== undefined)
      throw new InvalidOptionsError('Only a private key can be exported with a passphrase');
    return k.export({ format: 'pem', type: 'spki' }) as string;
  }
  if (options.passphrase !== undefined) {
    if (typeof options.passphrase !== 'string' || options.passphrase.length === 0)
      throw new InvalidOptionsError('passphrase must be a non-empty string');
    return k.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: options.passphrase,
    }) as string;
  }
  return k.export({ format: 'pem', type: 'pkcs8' }) as string;
}

// A Map: `kty` is the caller's (or a key set's) text; `constructor` must not find Object's.
const REQUIRED = new Map<string, readonly string[]>([
  ['RSA', ['e', 'kty', 'n']],
  ['EC', ['crv', 'kty', 'x', 'y']],
  ['OKP', ['crv', 'kty', 'x']],
  ['oct', ['k', 'kty']],
]);

/** RFC 7638 JWK thumbprint (base64url of the hash of the canonical required members). */
export function jwkThumbprint(key: Jwk | KeyInput, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512')
    throw new InvalidOptionsError('hash must be sha256, sha384 or sha512');
  const jwk: Jwk =
    typeof key === 'object' &&
    key !== null &&
    !isKeyObject(key) &&
    !(key instanceof Uint8Array) &&
    typeof (key as Jwk).kty === 'string'
      ? (key as Jwk)
      : exportJwk(key as KeyInput);
  checkJwkMemberTypes(jwk);
  const members = REQUIRED.get(jwk.kty);
  if (!members) throw new InvalidKeyError('Unsupported JWK kty for a thumbprint');
  // One key, one thumbprint: members must be in their canonical spelling (RFC 7638 §3.3 hashes text).
  const problem =
    jwk.kty === 'oct'
      ? typeof jwk.k === 'string' && decodeStrict(jwk.k) !== null
        ? null
        : 'The oct JWK has no valid "k" member'
      : jwkCanonicalProblem(jwk);
  if (problem) throw new InvalidKeyError(problem);
  const canonical: Record<string, string> = Object.create(null);
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== 'string') throw new InvalidKeyError(`The JWK lacks its "${m}" member`);
    canonical[m] = v;
  }
  return b64url(digest(hash, JSON.stringify(canonical)));
}

/** RFC 9278 thumbprint URI: `urn:ietf:params:oauth:jwk-thumbprint:sha-256:<thumbprint>`. */
export function jwkThumbprintUri(
  key: Jwk | KeyInput,
  hash: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  return `urn:ietf:params:oauth:jwk-thumbprint:${hash.replace('sha', 'sha-')}:${jwkThumbprint(key, hash)}`;
}
