/**
 * The key rules, written once for both backends (node:crypto and WebCrypto): what a key must be for an
 * algorithm (type, curve, RSA size), how long an HMAC secret must be, which bytes or text can never be an
 * HMAC secret (anything that is or spells an asymmetric key), and the exact signature lengths. A backend
 * parses keys into `KeyFacts` and calls these; it decides nothing itself.
 */
import { InvalidKeyError } from '../errors.js';
import { type AlgorithmInfo, type CurveName, MIN_HMAC_SECRET_BYTES, MIN_RSA_BITS } from './algorithms.js';
import { fromBase64Lenient, fromHex, latin1Text, utf8TextStrict, utf16leText } from './bytes.js';
import type { Jwks } from './jwk.js';

/** What a backend knows about a parsed asymmetric key. */
export interface KeyFacts {
  /** 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | ... (node:crypto's asymmetricKeyType spelling). */
  readonly type: string;
  readonly curve: CurveName | null;
  /** RSA modulus length in bits (0 for other keys). */
  readonly bits: number;
}

/** Whether DER bytes parse as a key or certificate (each backend answers with its own parser). */
export type DerIsKey = (der: Uint8Array) => boolean;

/**
 * The runtime-neutral answer: one DER SEQUENCE (definite length) spanning exactly the bytes. Every DER key
 * and certificate encoding is one; a backend with a real parser (node:crypto) passes that instead.
 */
export function derStructure(der: Uint8Array): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1]!;
  if (first < 0x80) return 2 + first === der.length;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return false;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len === der.length;
}

function swap16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1]!;
    out[i + 1] = bytes[i]!;
  }
  return out;
}

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
function bytesAreKey(bytes: Uint8Array, derIsKey: DerIsKey): boolean {
  if (bytes.length < MIN_KEY_BYTES) return false;
  if (bytes[0] === 0x30 && derIsKey(bytes)) return true;
  const n = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if (n >= 7 && n <= 64 && 4 + n <= bytes.length) {
    const name = latin1Text(bytes.subarray(4, 4 + n));
    if (/^(?:ssh-|ecdsa-sha2-|sk-|x509v3-)/.test(name)) return true;
  }
  return false;
}

/**
 * Whether text is public-key material in an encoding we can read: PEM or RFC 4716 blocks, OpenSSH lines,
 * JSON whose parsed value is a JWK or a JWK set (so `"\u006bty"` escapes do not hide it), or base64,
 * base64url or hex (line breaks allowed) of DER, of an SSH key blob, or (one level down) of such text.
 */
export function isPublicKeyText(text: string, derIsKey: DerIsKey = derStructure, nested = false): boolean {
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
  const decoded: Uint8Array[] = [];
  if (HEX_TEXT.test(compact)) decoded.push(fromHex(compact));
  if (BASE64_TEXT.test(compact)) decoded.push(fromBase64Lenient(compact)); // both alphabets
  for (const bytes of decoded) {
    if (bytesAreKey(bytes, derIsKey)) return true;
    if (!nested) {
      const inner = utf8TextStrict(bytes);
      if (inner !== null && isPublicKeyText(inner, derIsKey, true)) return true;
    }
  }
  return false;
}

/** Whether bytes given as an HMAC secret are (or spell) a public or private key. */
export function secretBytesAreKey(bytes: Uint8Array, derIsKey: DerIsKey = derStructure): boolean {
  const utf8 = utf8TextStrict(bytes);
  if (
    bytesAreKey(bytes, derIsKey) ||
    isPublicKeyText(latin1Text(bytes), derIsKey) ||
    (utf8 !== null && isPublicKeyText(utf8, derIsKey))
  )
    return true;
  // UTF-16 text (a zero in every other byte of ASCII text, or a byte order mark), either byte order.
  if (bytes.length >= 2 * MIN_KEY_BYTES && bytes.length % 2 === 0) {
    const le = bytes[1] === 0 || (bytes[0] === 0xff && bytes[1] === 0xfe);
    const be = bytes[0] === 0 || (bytes[0] === 0xfe && bytes[1] === 0xff);
    if (le && isPublicKeyText(utf16leText(bytes), derIsKey)) return true;
    if (be && isPublicKeyText(utf16leText(swap16(bytes)), derIsKey)) return true;
  }
  return false;
}

export const NOT_A_SECRET_TEXT =
  'An asymmetric key (PEM, certificate, SSH, JWK text, or base64/hex DER) cannot be used as an HMAC secret';

/** Refuses an asymmetric key for an RS/PS/ES/EdDSA algorithm it does not fit (type, curve, RSA size). */
export function checkKeyFacts(facts: KeyFacts, info: AlgorithmInfo): void {
  switch (info.family) {
    case 'rsa':
    case 'rsa-pss': {
      const okType = facts.type === 'rsa' || (info.family === 'rsa-pss' && facts.type === 'rsa-pss');
      if (!okType) throw new InvalidKeyError(`${info.name} needs an RSA key, not ${describe(facts)}`);
      if (facts.bits < MIN_RSA_BITS)
        throw new InvalidKeyError(
          `${info.name} needs an RSA key of at least ${MIN_RSA_BITS} bits (this one has ${facts.bits})`,
        );
      return;
    }
    case 'ecdsa':
      if (facts.type !== 'ec' || facts.curve === null || !info.curves.includes(facts.curve)) {
        throw new InvalidKeyError(`${info.name} needs an EC ${info.curves[0]} key, not ${describe(facts)}`);
      }
      return;
    case 'eddsa':
      if (
        facts.curve === null ||
        !info.curves.includes(facts.curve) ||
        (facts.type !== 'ed25519' && facts.type !== 'ed448')
      ) {
        throw new InvalidKeyError(
          `${info.name} needs an ${info.curves.join(' or ')} key, not ${describe(facts)}`,
        );
      }
      return;
    default:
      throw new InvalidKeyError(`${info.name} is not an asymmetric algorithm`);
  }
}

function describe(facts: KeyFacts): string {
  return facts.curve ? `${facts.type} ${facts.curve}` : `an ${facts.type} key`;
}

export interface HmacKeyPolicy {
  /** Refuse secrets shorter than the hash output (RFC 7518 §3.2) instead of warning. */
  strict?: boolean;
}

/** What the length rule needs to know about a secret (`warned`: the short-key warning was given). */
export interface SecretFacts {
  readonly length: number;
  /** A JWK (`oct`) is structured key material: the RFC minimum applies without exception. */
  readonly fromJwk: boolean;
  warned: boolean;
}

/** RFC 7518 §3.2 for an HMAC secret: refuse below the floor (or below the hash when strict), else warn once. */
export function checkHmacLength(secret: SecretFacts, info: AlgorithmInfo, policy: HmacKeyPolicy): void {
  const n = secret.length;
  if (n >= info.hashBytes) return;
  if (policy.strict || secret.fromJwk || n < MIN_HMAC_SECRET_BYTES) {
    throw new InvalidKeyError(
      `The HMAC key is ${n} bytes; ${info.name} needs at least ${secret.fromJwk || policy.strict ? info.hashBytes : MIN_HMAC_SECRET_BYTES} (RFC 7518 §3.2 asks for ${info.hashBytes})`,
    );
  }
  if (!secret.warned) {
    secret.warned = true;
    warn(
      `The HMAC key is ${n} bytes, shorter than the ${info.name} hash (${info.hashBytes} bytes). RFC 7518 §3.2 requires at least ${info.hashBytes} random bytes; use generateSecret('${info.name}').`,
      'JWTKIT_SHORT_HMAC_KEY',
    );
  }
}

/** A process warning on Node (and Bun/Deno, which have `process`), `console.warn` elsewhere. */
export function warn(message: string, code: string): void {
  // biome-ignore lint/suspicious/noExplicitAny: process exists on Node, Bun and Deno only
  const proc = (globalThis as any).process;
  if (proc && typeof proc.emitWarning === 'function')
    proc.emitWarning(message, { type: 'JwtKitWarning', code });
  else console.warn(`JwtKitWarning [${code}]: ${message}`);
}

/**
 * The exact length a JWS signature must have for this algorithm and key (RFC 7518 §3.4 r||s, RFC 8017
 * §8.1.2/§8.2.2 k bytes, RFC 8032 64/114 bytes, HMAC the full tag). A signature of any other length is
 * refused before the backend sees it (OpenSSL's PSS path would accept a shorter one).
 */
export function expectedSignatureLength(info: AlgorithmInfo, facts: KeyFacts | null): number {
  if (info.family === 'hmac') return info.signatureBytes;
  if (info.signatureBytes !== 0) return info.signatureBytes;
  if (info.family === 'rsa' || info.family === 'rsa-pss') return ((facts?.bits ?? 0) + 7) >> 3;
  return facts?.type === 'ed448' ? 114 : 64;
}
