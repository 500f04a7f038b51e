/**
 * Turning what the caller passes as a key into key material, once, and binding it to an algorithm.
 *
 * Rules (RFC 8725 §3.1, RFC 7518 §3):
 * - The algorithm decides how a key is read; the key's text never chooses the algorithm.
 * - An HMAC secret is a string, bytes, a secret KeyObject or an `oct` JWK. Anything that is or looks
 *   like an asymmetric key (PEM anywhere in the text, SSH public key, JWK JSON text, DER bytes that
 *   parse as a key) is refused as a secret, so a public key can never become an HMAC key.
 * - An RS/PS/ES/EdDSA key is a PEM string, DER bytes, an asymmetric KeyObject or an RSA/EC/OKP JWK;
 *   its type and curve must match the algorithm; RSA keys must have at least 2048 bits.
 * - A JWK's own `alg`, `use` and `key_ops` are honoured.
 * Parsed keys are cached (strings and bytes by content in bounded maps, objects by identity).
 */

import { InvalidKeyError } from '../errors.js';
import type { AlgorithmInfo, CurveName } from './algorithms.js';
import { decodeStrict } from './base64url.js';
import {
  createPrivateKey,
  createPublicKey,
  isKeyObject,
  type KeyObject,
  keyObjectFromCryptoKey,
  X509Certificate,
} from './crypto.js';
import {
  checkJwkConstraints,
  checkJwkMemberTypes,
  isJwkLike,
  type Jwk,
  jwkCanonicalProblem,
  type KeyUsage,
} from './jwk.js';
import {
  checkHmacLength,
  checkKeyFacts,
  type HmacKeyPolicy,
  isPublicKeyText as isPublicKeyTextWith,
  NOT_A_SECRET_TEXT,
  secretBytesAreKey as secretBytesAreKeyWith,
} from './key-rules.js';
import { bigintFromBase64url, rsaKeyProblem } from './rsa-checks.js';
import { quote } from './text.js';

export {
  checkJwkMemberTypes,
  isJwks,
  type Jwk,
  type Jwks,
  jwkAlgAllows,
  jwkCanonicalProblem,
  type KeyUsage,
} from './jwk.js';
export type { HmacKeyPolicy } from './key-rules.js';
export type { KeyObject };

/** Anything jwtkit accepts as a key (a WebCrypto `CryptoKey`, e.g. from jose 6, is accepted as well). */
export type KeyInput = string | Uint8Array | KeyObject | Jwk | CryptoKey;

export interface SecretEntry {
  readonly kind: 'secret';
  readonly bytes: Buffer;
  readonly jwk: Jwk | null;
  /** For the length rule (key-rules.ts). */
  readonly length: number;
  readonly fromJwk: boolean;
  warned: boolean;
}

function secret(bytes: Buffer, jwk: Jwk | null): SecretEntry {
  return { kind: 'secret', bytes, jwk, length: bytes.length, fromJwk: jwk !== null, warned: false };
}

/** DER bytes that node:crypto parses as a key or certificate. */
const derIsKey = (der: Uint8Array): boolean =>
  parseDer(Buffer.from(der.buffer, der.byteOffset, der.byteLength)) !== null;

/** Whether text is (or spells) public-key material; see key-rules.ts. DER is recognised by node:crypto. */
export function isPublicKeyText(text: string): boolean {
  return isPublicKeyTextWith(text, derIsKey);
}
function secretBytesAreKey(bytes: Uint8Array): boolean {
  return secretBytesAreKeyWith(bytes, derIsKey);
}

export interface AsymmetricEntry {
  readonly kind: 'asymmetric';
  readonly key: KeyObject;
  /** 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | ... (node:crypto's asymmetricKeyType). */
  readonly type: string;
  readonly curve: CurveName | null;
  readonly bits: number;
  readonly jwk: Jwk | null;
  /** For a private key: its public half, derived once on first verify. */
  publicKey: KeyObject | null;
}

type Entry = SecretEntry | AsymmetricEntry;

// ---------------------------------------------------------------- caches

const MAX_CACHED = 1024;

class BoundedMap<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    if (this.size >= MAX_CACHED && !this.has(key)) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

const secretByString = new BoundedMap<SecretEntry>();
const asymByString = new BoundedMap<AsymmetricEntry>();
const secretByBytes = new BoundedMap<SecretEntry>();
const asymByBytes = new BoundedMap<AsymmetricEntry>();
const byObject = new WeakMap<object, Entry>();

// ---------------------------------------------------------------- helpers

const NODE_CURVES = new Map<string, CurveName>([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['secp521r1', 'P-521'],
  ['secp256k1', 'secp256k1'],
]);

function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function asymmetricEntry(key: KeyObject, jwk: Jwk | null): AsymmetricEntry {
  if (key.type === 'secret') throw new InvalidKeyError('Expected an asymmetric key, got a secret key');
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  let curve: CurveName | null = null;
  if (type === 'ec') curve = NODE_CURVES.get(details.namedCurve ?? '') ?? null;
  else if (type === 'ed25519') curve = 'Ed25519';
  else if (type === 'ed448') curve = 'Ed448';
  if (type === 'rsa' || type === 'rsa-pss') checkRsa(key, details.publicExponent ?? null);
  return {
    kind: 'asymmetric',
    key,
    type,
    curve,
    bits: details.modulusLength ?? 0,
    jwk,
    publicKey: key.type === 'public' ? key : null,
  };
}

/** Refuses RSA keys with a bad public exponent or the ROCA fingerprint (Wycheproof json_web_key cases). */
function checkRsa(key: KeyObject, e: bigint | null): void {
  let n: bigint | null = null;
  try {
    const jwk = key.export({ format: 'jwk' }) as { n?: string };
    if (typeof jwk.n === 'string') n = bigintFromBase64url(jwk.n);
  } catch {
    // RSASSA-PSS (id-RSASSA-PSS) keys have no JWK export; their exponent is still checked.
  }
  const problem = rsaKeyProblem(n, e);
  if (problem) throw new InvalidKeyError(problem);
}

/** Parses DER bytes as a public key, a private key or a certificate; null when they are none of these. */
function parseDer(der: Buffer): KeyObject | null {
  // Private encodings first: createPublicKey() also accepts a private key (and keeps only its public half).
  const attempts: Array<() => KeyObject> = [
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'sec1' }),
    () => createPublicKey({ key: der, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
    () => new X509Certificate(der).publicKey,
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next encoding
    }
  }
  return null;
}

function parsePem(pem: string, passphrase?: string): KeyObject {
  try {
    if (/-----BEGIN CERTIFICATE-----/.test(pem)) return new X509Certificate(pem).publicKey;
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
      return passphrase === undefined ? createPrivateKey(pem) : createPrivateKey({ key: pem, passphrase });
    }
    return createPublicKey(pem);
  } catch (cause) {
    const encrypted = /ENCRYPTED/.test(pem) && passphrase === undefined;
    throw new InvalidKeyError(
      encrypted
        ? 'The PEM key is encrypted: pass its passphrase'
        : 'The PEM text is not a valid key or certificate',
      { cause },
    );
  }
}

function importAsymmetricJwk(jwk: Jwk): KeyObject {
  checkJwkMemberTypes(jwk);
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
    throw new InvalidKeyError(`A JWK with kty ${quote(jwk.kty, 16)} is not an asymmetric signing key`);
  }
  if (jwk.x5c !== undefined && jwk.n === undefined && jwk.x === undefined && jwk.d === undefined) {
    const key = x5cPublicKey(jwk.x5c);
    const expected =
      jwk.kty === 'RSA'
        ? ['rsa', 'rsa-pss']
        : jwk.kty === 'EC'
          ? ['ec']
          : ['ed25519', 'ed448', 'x25519', 'x448'];
    if (!expected.includes(key.asymmetricKeyType ?? ''))
      throw new InvalidKeyError('The JWK x5c certificate key does not match the JWK kty');
    return key;
  }
  // Pass only the members node:crypto reads, so unexpected members cannot change the import.
  const { kty, crv, x, y, d, n, e, p, q, dp, dq, qi } = jwk as Record<string, unknown>;
  const clean = Object.fromEntries(
    Object.entries({ kty, crv, x, y, d, n, e, p, q, dp, dq, qi }).filter(([, v]) => v !== undefined),
  );
  for (const [name, v] of Object.entries(clean)) {
    if (typeof v !== 'string' || (name !== 'kty' && name !== 'crv' && decodeStrict(v) === null)) {
      throw new InvalidKeyError(`The JWK member "${name}" is not a base64url string`);
    }
  }
  const problem = jwkCanonicalProblem(jwk);
  if (problem) throw new InvalidKeyError(problem);
  let key: KeyObject;
  // biome-ignore lint/suspicious/noExplicitAny: node's JWK type is looser than ours
  const nodeJwk = clean as any;
  try {
    key =
      clean.d !== undefined
        ? createPrivateKey({ key: nodeJwk, format: 'jwk' })
        : createPublicKey({ key: nodeJwk, format: 'jwk' });
  } catch (cause) {
    throw new InvalidKeyError('The JWK is not a valid key', { cause });
  }
  if (jwk.x5c !== undefined) checkX5cMatches(jwk, key);
  return key;
}

/** RFC 7517 §4.7: the key in the first x5c certificate MUST match the JWK's own key members. */
function checkX5cMatches(jwk: Jwk, key: KeyObject): void {
  const certKey = x5cPublicKey(jwk.x5c);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const a = pub.export({ format: 'der', type: 'spki' });
  const b = certKey.export({ format: 'der', type: 'spki' });
  if (!a.equals(b))
    throw new InvalidKeyError('The JWK x5c certificate holds a different key than the JWK members');
}

const STD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The public key of the first certificate of an x5c chain (standard base64 DER, RFC 7517 §4.7). */
function x5cPublicKey(x5c: unknown): KeyObject {
  if (!Array.isArray(x5c) || x5c.length === 0)
    throw new InvalidKeyError('The JWK x5c member must be a non-empty array');
  const first = x5c[0];
  if (typeof first !== 'string' || first.length % 4 !== 0 || !STD_BASE64.test(first)) {
    throw new InvalidKeyError('The JWK x5c certificate is not standard base64 DER');
  }
  try {
    return new X509Certificate(Buffer.from(first, 'base64')).publicKey;
  } catch (cause) {
    throw new InvalidKeyError('The JWK x5c certificate cannot be parsed', { cause });
  }
}

// ---------------------------------------------------------------- entries

/** The key as an HMAC secret; throws when the input is (or looks like) an asymmetric key. */
export function secretEntry(input: unknown): SecretEntry {
  if (typeof input === 'string') {
    let entry = secretByString.get(input);
    if (!entry) {
      if (isPublicKeyText(input)) {
        throw new InvalidKeyError(NOT_A_SECRET_TEXT);
      }
      entry = secret(Buffer.from(input, 'utf8'), null);
      secretByString.set(input, entry);
    }
    return entry;
  }
  if (input instanceof Uint8Array) {
    const k = bytesKey(input);
    let entry = secretByBytes.get(k);
    if (!entry) {
      const bytes = Buffer.from(input); // a copy: later changes to the caller's array do not affect us
      if (secretBytesAreKey(bytes)) {
        throw new InvalidKeyError('Bytes that encode an asymmetric key cannot be used as an HMAC secret');
      }
      entry = secret(bytes, null);
      secretByBytes.set(k, entry);
    }
    return entry;
  }
  if (typeof input === 'object' && input !== null) {
    const cached = byObject.get(input);
    if (cached) {
      if (cached.kind !== 'secret')
        throw new InvalidKeyError('An asymmetric key cannot be used as an HMAC secret');
      return cached;
    }
    let entry: SecretEntry;
    const fromWebCrypto = keyObjectFromCryptoKey(input);
    if (fromWebCrypto) {
      if (fromWebCrypto.type !== 'secret')
        throw new InvalidKeyError('An asymmetric CryptoKey cannot be used as an HMAC secret');
      entry = secret(fromWebCrypto.export(), null);
    } else if (isKeyObject(input)) {
      if (input.type !== 'secret')
        throw new InvalidKeyError('An asymmetric KeyObject cannot be used as an HMAC secret');
      entry = secret(input.export(), null);
    } else if (isJwkLike(input)) {
      checkJwkMemberTypes(input);
      if (input.kty !== 'oct')
        throw new InvalidKeyError(`A JWK with kty ${quote(input.kty, 16)} cannot be used as an HMAC secret`);
      const bytes = typeof input.k === 'string' ? (decodeStrict(input.k) as Buffer | null) : null;
      if (!bytes) throw new InvalidKeyError('The oct JWK has no valid "k" member');
      entry = secret(bytes, input);
    } else {
      throw new InvalidKeyError('Unsupported key: expected a string, bytes, a KeyObject or a JWK');
    }
    // The same rule however the bytes arrive: a secret KeyObject, a CryptoKey or an oct JWK holding a
    // public key (DER, PEM, JWK text, ...) is refused like the string would be.
    if (secretBytesAreKey(entry.bytes))
      throw new InvalidKeyError('A secret key whose bytes encode an asymmetric key cannot be used for HMAC');
    byObject.set(input, entry);
    return entry;
  }
  throw new InvalidKeyError('Unsupported key: expected a string, bytes, a KeyObject or a JWK');
}

/** The key as an asymmetric key; throws for secrets and for anything that does not parse. */
export function asymmetricKeyEntry(input: unknown, passphrase?: string): AsymmetricEntry {
  if (typeof input === 'string') {
    const cacheKey = passphrase === undefined ? input : `${passphrase.length}:${passphrase}\u0000${input}`;
    let entry = asymByString.get(cacheKey);
    if (!entry) {
      if (!input.includes('-----BEGIN')) {
        throw new InvalidKeyError(
          'This algorithm needs a PEM key, a KeyObject or a JWK; a plain string is only an HMAC secret',
        );
      }
      entry = asymmetricEntry(parsePem(input, passphrase), null);
      asymByString.set(cacheKey, entry);
    }
    return entry;
  }
  if (input instanceof Uint8Array) {
    const k = bytesKey(input);
    let entry = asymByBytes.get(k);
    if (!entry) {
      const bytes = Buffer.from(input);
      const key = bytes.toString('latin1').includes('-----BEGIN')
        ? parsePem(bytes.toString('utf8'), passphrase)
        : parseDer(bytes);
      if (!key)
        throw new InvalidKeyError('The bytes are not a DER or PEM key (SPKI, PKCS#1, PKCS#8, SEC1 or X.509)');
      entry = asymmetricEntry(key, null);
      asymByBytes.set(k, entry);
    }
    return entry;
  }
  if (typeof input === 'object' && input !== null) {
    const cached = byObject.get(input);
    if (cached) {
      if (cached.kind !== 'asymmetric')
        throw new InvalidKeyError('A secret cannot be used with an asymmetric algorithm');
      return cached;
    }
    let entry: AsymmetricEntry;
    const fromWebCrypto = keyObjectFromCryptoKey(input);
    if (fromWebCrypto) {
      if (fromWebCrypto.type === 'secret')
        throw new InvalidKeyError('A secret CryptoKey cannot be used with an asymmetric algorithm');
      entry = asymmetricEntry(fromWebCrypto, null);
    } else if (isKeyObject(input)) {
      if (input.type === 'secret')
        throw new InvalidKeyError('A secret KeyObject cannot be used with an asymmetric algorithm');
      entry = asymmetricEntry(input, null);
    } else if (isJwkLike(input)) {
      checkJwkMemberTypes(input);
      if (input.kty === 'oct')
        throw new InvalidKeyError('An oct (secret) JWK cannot be used with an asymmetric algorithm');
      entry = asymmetricEntry(importAsymmetricJwk(input), input);
    } else {
      throw new InvalidKeyError('Unsupported key: expected a PEM string, DER bytes, a KeyObject or a JWK');
    }
    byObject.set(input, entry);
    return entry;
  }
  throw new InvalidKeyError('Unsupported key: expected a PEM string, DER bytes, a KeyObject or a JWK');
}

// ---------------------------------------------------------------- binding to an algorithm

/** The secret bytes for an HMAC algorithm, after the length and JWK checks. */
export function hmacSecret(
  input: unknown,
  info: AlgorithmInfo,
  usage: KeyUsage,
  policy: HmacKeyPolicy = {},
): Buffer {
  const entry = secretEntry(input);
  checkJwkConstraints(entry.jwk, info, usage);
  checkHmacLength(entry, info, policy);
  return entry.bytes;
}

/** The KeyObject to sign or verify with, after type, curve, size and JWK checks. */
export function asymmetricKey(input: unknown, info: AlgorithmInfo, usage: KeyUsage): KeyObject {
  const entry = asymmetricKeyEntry(input);
  checkKeyFacts(entry, info);
  checkJwkConstraints(entry.jwk, info, usage);
  if (usage === 'sign') {
    if (entry.key.type !== 'private')
      throw new InvalidKeyError(`Signing with ${info.name} needs a private key`);
    return entry.key;
  }
  if (!entry.publicKey) entry.publicKey = createPublicKey(entry.key);
  return entry.publicKey;
}

/** The key material for `info`: secret bytes for HMAC, a KeyObject for the rest. */
export function keyFor(
  input: unknown,
  info: AlgorithmInfo,
  usage: KeyUsage,
  policy?: HmacKeyPolicy,
): Buffer | KeyObject {
  return info.family === 'hmac' ? hmacSecret(input, info, usage, policy) : asymmetricKey(input, info, usage);
}
