/**
 * The one file in the library that imports node:crypto. Everything cryptographic goes through here,
 * and here only OpenSSL does the work: nothing is hand-rolled.
 */
import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
  type JsonWebKey,
  KeyObject,
  randomBytes,
  timingSafeEqual,
  type webcrypto,
} from 'node:crypto';
import type { AlgorithmInfo } from './algorithms.js';

export type { KeyObject };
export { createPrivateKey, createPublicKey, createSecretKey, randomBytes };

export function isKeyObject(value: unknown): value is KeyObject {
  // KeyObject cannot be subclassed or constructed by user code; the instanceof check is exact.
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyObject).type === 'string' &&
    typeof (value as KeyObject).export === 'function' &&
    Object.prototype.toString.call(value) === '[object KeyObject]'
  );
}

/** A WebCrypto CryptoKey as a KeyObject (the same key material); null for anything else. */
export function keyObjectFromCryptoKey(value: unknown): KeyObject | null {
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.prototype.toString.call(value) !== '[object CryptoKey]'
  )
    return null;
  return KeyObject.from(value as webcrypto.CryptoKey);
}

export function hmacBase64url(hash: string, secret: Buffer, data: string): string {
  return createHmac(hash, secret).update(data, 'latin1').digest('base64url');
}

export function hmacBytes(hash: string, secret: Buffer, data: string): Buffer {
  return createHmac(hash, secret).update(data, 'latin1').digest();
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function digest(hash: string, data: string | Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

function signerOptions(info: AlgorithmInfo, key: KeyObject) {
  switch (info.family) {
    case 'rsa-pss':
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: info.hashBytes };
    case 'ecdsa':
      return { key, dsaEncoding: 'ieee-p1363' as const };
    default:
      return key;
  }
}

/** Signs `data` (the ASCII signing input) with an asymmetric private key. Returns the raw JWS signature. */
export function asymmetricSign(info: AlgorithmInfo, key: KeyObject, data: Buffer): Buffer {
  return cryptoSign(info.hash, data, signerOptions(info, key));
}

/**
 * Verifies an asymmetric JWS signature. For PSS the salt length must equal the hash length exactly
 * (OpenSSL checks it when a fixed salt length is given); for ECDSA the signature is raw r||s.
 */
export function asymmetricVerify(
  info: AlgorithmInfo,
  key: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    return cryptoVerify(info.hash, data, signerOptions(info, key), signature);
  } catch {
    // OpenSSL refuses some malformed signatures with an exception rather than `false`.
    return false;
  }
}

export type GeneratedPair = { privateKey: KeyObject; publicKey: KeyObject };

/*
 * Generated keys never leave a generation job: node (20 and later) deadlocks its main thread when a key
 * that came straight from generateKeyPairSync / generateKeyPair is exported while the garbage collector
 * frees the job that made it (the job's destructor locks the key's mutex, which the export holds while it
 * allocates: `KeyPairGenConfig::~KeyPairGenConfig` in src/crypto/crypto_keygen.h). A loop of
 * `generateKeyPairSync('ec').publicKey.export({ format: 'jwk' })` hangs within a few thousand turns.
 * So the job encodes the key as a JWK (while it is alive) and we import that: the KeyObjects returned share
 * nothing with a job. test/keys/keygen-deadlock.test.ts runs the loop in a plain node process.
 */
const AS_JWK = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } } as const;
type JwkPair = { privateKey: JsonWebKey; publicKey: JsonWebKey };

function fromJwkPair(generated: unknown): GeneratedPair {
  // @types/node types the encoded outputs as strings/Buffers only; with format 'jwk' they are objects.
  const pair = generated as JwkPair;
  const privateKey = createPrivateKey({ key: pair.privateKey, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey({ key: pair.publicKey, format: 'jwk' }) };
}

export function generateRsa(modulusLength: number): GeneratedPair {
  return fromJwkPair(
    generateKeyPairSync('rsa', { modulusLength, publicExponent: 0x10001, ...AS_JWK } as never),
  );
}
export function generateEc(namedCurve: string): GeneratedPair {
  return fromJwkPair(generateKeyPairSync('ec', { namedCurve, ...AS_JWK } as never));
}
export function generateOkp(type: 'ed25519' | 'ed448'): GeneratedPair {
  return fromJwkPair(
    type === 'ed25519'
      ? generateKeyPairSync('ed25519', AS_JWK as never)
      : generateKeyPairSync('ed448', AS_JWK as never),
  );
}

export { X509Certificate } from 'node:crypto';
