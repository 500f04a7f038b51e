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

import { isUtf8 } from 'node:buffer';
import { InvalidKeyError } from '../errors.js';
import { bigintFromBase64url, rsaKeyProblem } from '../jwk/rsa-checks.js';
import { type AlgorithmInfo, type CurveName, MIN_HMAC_SECRET_BYTES, MIN_RSA_BITS } from './algorithms.js';
import { decodeStrict } from './base64url.js';
import {
  createPrivateKey,
  createPublicKey,
  isKeyObject,
  type KeyObject,
  keyObjectFromCryptoKey,
  X509Certificate,
} from './crypto.js';
import { quote } from './text.js';

export type { KeyObject };

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
export type KeyInput = string | Uint8Array | KeyObject | Jwk | CryptoKey;

export type KeyUsage = 'sign' | 'verify';

export interface SecretEntry {
  readonly kind: 'secret';
  readonly bytes: Buffer;
  readonly jwk: Jwk | null;
  warned: boolean;
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

// Leading junk that may precede key text: whitespace, a BOM, zero-width characters, NUL.
const ASYMMETRIC_TEXT =
  /-----BEGIN|^[\s\u200b-\u200f\u2060\ufeff\u0000]*(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-|sk-ssh-|sk-ecdsa-)|^[\s\u200b-\u200f\u2060\ufeff\u0000]*\{[\s\S]*"kty"/;

// PEM (RFC 7468) and RFC 4716 SSH2 blocks ("---- BEGIN SSH2 PUBLIC KEY ----"), anywhere in the text.
const BEGIN_BLOCK = /-{3,}\s*BEGIN /i;
// An OpenSSH public key line anywhere (authorized_keys lines start with options): "<type> AAAA...".
const OPENSSH_LINE =
  /(?:^|[\s,"])(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-[a-z0-9]+|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|x509v3-[a-z0-9-]+)\s+AAAA/;
// PuTTY key files (.ppk) carry the public blob in base64 lines.
const PUTTY_FILE = /PuTTY-User-Key-File-\d+:/;
// Removed before reading base64/hex: whitespace, invisible characters, and the literal `\n` escapes of
// a key pasted into an environment variable or JSON.
const INVISIBLE = /[\s\u200b-\u200f\u2060\ufeff\u0000]|\\[nrt]/g;
const COLON_HEX = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+$/;
const LEADING_INVISIBLE = /^[\s\u200b-\u200f\u2060\ufeff\u0000]+/;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/;
// The shortest public key encodings are ~44 bytes (Ed25519 SPKI) and ~51 (an ssh-ed25519 blob).
const MIN_KEY_BYTES = 40;

/** A JWK, a JWKS, or an array holding one, once parsed from JSON text. */
function isJwkDocument(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isJwkDocument);
  return (
    typeof value === 'object' &&
    value !== null &&
    (Object.hasOwn(value, 'kty') || (Object.hasOwn(value, 'keys') && Array.isArray((value as Jwks).keys)))
  );
}

/** Bytes that are a key: DER (SPKI, PKCS#1, PKCS#8, SEC1, X.509) or an SSH public key blob (RFC 4253 §6.6). */
function bytesAreKey(bytes: Buffer): boolean {
  if (bytes.length < MIN_KEY_BYTES) return false;
  if (bytes[0] === 0x30 && parseDer(bytes) !== null) return true;
  const n = bytes.readUInt32BE(0);
  if (n >= 7 && n <= 64 && 4 + n <= bytes.length) {
    const name = bytes.subarray(4, 4 + n).toString('latin1');
    if (/^(?:ssh-|ecdsa-sha2-|sk-|x509v3-)/.test(name)) return true;
  }
  return false;
}

/**
 * Whether text is public-key material in an encoding we can read: PEM or RFC 4716 blocks, OpenSSH lines,
 * JSON whose parsed value is a JWK or a JWK set (so `"\u006bty"` escapes do not hide it), or base64,
 * base64url or hex (line breaks allowed) of DER, of an SSH key blob, or (one level down) of such text.
 */
export function isPublicKeyText(text: string, nested = false): boolean {
  if (
    ASYMMETRIC_TEXT.test(text) ||
    BEGIN_BLOCK.test(text) ||
    OPENSSH_LINE.test(text) ||
    PUTTY_FILE.test(text)
  )
    return true;
  const trimmed = text.replace(LEADING_INVISIBLE, '');
  const first = trimmed.charCodeAt(0);
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    try {
      if (isJwkDocument(JSON.parse(trimmed))) return true;
    } catch {
      // not JSON
    }
  }
  let compact = text.replace(INVISIBLE, '');
  if (COLON_HEX.test(compact)) compact = compact.replace(/:/g, ''); // openssl's "30:82:01:22:..."
  const decoded: Buffer[] = [];
  if (HEX_TEXT.test(compact)) decoded.push(Buffer.from(compact, 'hex'));
  if (BASE64_TEXT.test(compact)) decoded.push(Buffer.from(compact, 'base64')); // both alphabets
  for (const bytes of decoded) {
    if (bytesAreKey(bytes)) return true;
    if (!nested && isUtf8(bytes) && isPublicKeyText(bytes.toString('utf8'), true)) return true;
  }
  return false;
}

/** Whether bytes given as an HMAC secret are (or spell) a public or private key. */
function secretBytesAreKey(bytes: Buffer): boolean {
  if (
    bytesAreKey(bytes) ||
    isPublicKeyText(bytes.toString('latin1')) ||
    (isUtf8(bytes) && isPublicKeyText(bytes.toString('utf8')))
  )
    return true;
  // UTF-16 text (a zero in every other byte of ASCII text, or a byte order mark), either byte order.
  if (bytes.length >= 2 * MIN_KEY_BYTES && bytes.length % 2 === 0) {
    const le = bytes[1] === 0 || (bytes[0] === 0xff && bytes[1] === 0xfe);
    const be = bytes[0] === 0 || (bytes[0] === 0xfe && bytes[1] === 0xff);
    if (le && isPublicKeyText(bytes.toString('utf16le'))) return true;
    if (be && isPublicKeyText(Buffer.from(bytes).swap16().toString('utf16le'))) return true;
  }
  return false;
}

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
  const bytesOf = (name: string): Buffer | null | undefined => {
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

function isJwkLike(value: unknown): value is Jwk {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isKeyObject(value) &&
    !ArrayBuffer.isView(value) &&
    typeof (value as Jwk).kty === 'string'
  );
}

export function isJwks(value: unknown): value is Jwks {
  return (
    typeof value === 'object' && value !== null && !isKeyObject(value) && Array.isArray((value as Jwks).keys)
  );
}

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
        throw new InvalidKeyError(
          'An asymmetric key (PEM, certificate, SSH, JWK text, or base64/hex DER) cannot be used as an HMAC secret',
        );
      }
      entry = { kind: 'secret', bytes: Buffer.from(input, 'utf8'), jwk: null, warned: false };
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
      entry = { kind: 'secret', bytes, jwk: null, warned: false };
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
      entry = { kind: 'secret', bytes: fromWebCrypto.export(), jwk: null, warned: false };
    } else if (isKeyObject(input)) {
      if (input.type !== 'secret')
        throw new InvalidKeyError('An asymmetric KeyObject cannot be used as an HMAC secret');
      entry = { kind: 'secret', bytes: input.export(), jwk: null, warned: false };
    } else if (isJwkLike(input)) {
      checkJwkMemberTypes(input);
      if (input.kty !== 'oct')
        throw new InvalidKeyError(`A JWK with kty ${quote(input.kty, 16)} cannot be used as an HMAC secret`);
      const bytes = typeof input.k === 'string' ? decodeStrict(input.k) : null;
      if (!bytes) throw new InvalidKeyError('The oct JWK has no valid "k" member');
      entry = { kind: 'secret', bytes, jwk: input, warned: false };
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

function checkJwkConstraints(jwk: Jwk | null, info: AlgorithmInfo, usage: KeyUsage): void {
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

export interface HmacKeyPolicy {
  /** Refuse secrets shorter than the hash output (RFC 7518 §3.2) instead of warning. */
  strict?: boolean;
}

/** The secret bytes for an HMAC algorithm, after the length and JWK checks. */
export function hmacSecret(
  input: unknown,
  info: AlgorithmInfo,
  usage: KeyUsage,
  policy: HmacKeyPolicy = {},
): Buffer {
  const entry = secretEntry(input);
  checkJwkConstraints(entry.jwk, info, usage);
  const n = entry.bytes.length;
  if (n < info.hashBytes) {
    // JWK keys are structured key material: the RFC minimum applies to them without exception.
    if (policy.strict || entry.jwk || n < MIN_HMAC_SECRET_BYTES) {
      throw new InvalidKeyError(
        `The HMAC key is ${n} bytes; ${info.name} needs at least ${entry.jwk || policy.strict ? info.hashBytes : MIN_HMAC_SECRET_BYTES} (RFC 7518 §3.2 asks for ${info.hashBytes})`,
      );
    }
    if (!entry.warned) {
      entry.warned = true;
      process.emitWarning(
        `The HMAC key is ${n} bytes, shorter than the ${info.name} hash (${info.hashBytes} bytes). RFC 7518 §3.2 requires at least ${info.hashBytes} random bytes; use generateSecret('${info.name}').`,
        { type: 'JwtKitWarning', code: 'JWTKIT_SHORT_HMAC_KEY' },
      );
    }
  }
  return entry.bytes;
}

function checkKeyMatchesAlgorithm(entry: AsymmetricEntry, info: AlgorithmInfo): void {
  switch (info.family) {
    case 'rsa':
    case 'rsa-pss': {
      const okType = entry.type === 'rsa' || (info.family === 'rsa-pss' && entry.type === 'rsa-pss');
      if (!okType) throw new InvalidKeyError(`${info.name} needs an RSA key, not ${describe(entry)}`);
      if (entry.bits < MIN_RSA_BITS)
        throw new InvalidKeyError(
          `${info.name} needs an RSA key of at least ${MIN_RSA_BITS} bits (this one has ${entry.bits})`,
        );
      return;
    }
    case 'ecdsa':
      if (entry.type !== 'ec' || entry.curve === null || !info.curves.includes(entry.curve)) {
        throw new InvalidKeyError(`${info.name} needs an EC ${info.curves[0]} key, not ${describe(entry)}`);
      }
      return;
    case 'eddsa':
      if (
        entry.curve === null ||
        !info.curves.includes(entry.curve) ||
        (entry.type !== 'ed25519' && entry.type !== 'ed448')
      ) {
        throw new InvalidKeyError(
          `${info.name} needs an ${info.curves.join(' or ')} key, not ${describe(entry)}`,
        );
      }
      return;
    default:
      throw new InvalidKeyError(`${info.name} is not an asymmetric algorithm`);
  }
}

function describe(entry: AsymmetricEntry): string {
  return entry.curve ? `${entry.type} ${entry.curve}` : `an ${entry.type} key`;
}

/** The KeyObject to sign or verify with, after type, curve, size and JWK checks. */
export function asymmetricKey(input: unknown, info: AlgorithmInfo, usage: KeyUsage): KeyObject {
  const entry = asymmetricKeyEntry(input);
  checkKeyMatchesAlgorithm(entry, info);
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
