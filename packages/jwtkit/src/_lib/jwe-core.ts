/**
 * JSON Web Encryption (RFC 7516) with the algorithms of RFC 7518 §4-§5 and RFC 8037 §3.2.
 *
 * Decryption, in a fixed order:
 *   strict parse (size, structure, base64url, JSON, header rules) -> `alg` and `enc` allowlists (both
 *   required) -> key type fits the algorithm family -> key management -> content decryption (tag first) ->
 *   crit -> zip inflation (bounded).
 * Every cryptographic failure (unwrap, OAEP, ECDH, CEK length, tag, padding) takes the same path: a random
 * CEK stands in for a key that did not unwrap (RFC 7516 §11.5), so the failure always surfaces at the tag
 * check, as one `JweDecryptionError` with one message.
 *
 * One pipeline for both backends (no node:* import here): the steps that need the backend (crypto, key
 * binding, an async key resolver) are written as generators that `yield` the backend's answer; `runSync`
 * drives them on node:crypto (answers are immediate, no Promise is made), `runAsync` on WebCrypto (each
 * answer is awaited). Every rule above the crypto is therefore written, and runs, once. The backend
 * contract is jwe-backend.ts; jwe-node.ts and jwe-web.ts are the two thin entry points.
 */
import {
  DecodeError,
  InvalidKeyError,
  InvalidOptionsError,
  JweAlgorithmNotAllowedError,
  JweDecryptionError,
  JwksMultipleMatchingKeysError,
  JwksNoMatchingKeyError,
  UnsupportedAlgorithmError,
} from '../errors.js';
import { encode as b64url, decodeCanonicalAscii, isAscii } from './base64url.js';
import { concatBytes, copyBytes, latin1Bytes, utf8Bytes, utf8TextStrict } from './bytes.js';
import type { JwtHeader } from './compact.js';
import { deepFreeze } from './compact.js';
import { type JsonObject, parseJsonObject } from './json.js';
import {
  type ContentEncryptionAlgorithm,
  type ContentEncryptionInfo,
  contentEncryptionInfo,
  DEFAULT_MAX_INFLATED_BYTES,
  DEFAULT_MAX_PBES2_COUNT,
  DEFAULT_PBES2_COUNT,
  DEFAULT_PBES2_SALT_BYTES,
  ECDH_CURVES,
  type KeyManagementAlgorithm,
  type KeyManagementInfo,
  keyManagementInfo,
  MAX_PARTY_INFO_BYTES,
  MIN_PBES2_SALT_BYTES,
} from './jwe-algorithms.js';
import type { AsymmetricJweKey, EcdhCurve, JweBackend } from './jwe-backend.js';
import { checkJwkMemberTypes, isJwks, type Jwk, type Jwks } from './jwk.js';
import { ownOptions } from './options.js';
import { quote } from './text.js';
import { TextCache } from './text-cache.js';
import { checkCrit } from './verify-core.js';

export const DEFAULT_MAX_JWE_LENGTH = 256 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * A pipeline step: a generator that yields what it asks the backend (a value, or a Promise of it) and is
 * resumed with the answer. `yield` expressions are therefore typed by the variable they are assigned to.
 */
// biome-ignore lint/suspicious/noExplicitAny: the resumed value is the yielded request's answer
export type Steps<T> = Generator<unknown, T, any>;

/** The node:crypto driver: every answer is immediate, so each yielded value goes straight back. */
export function runSync<T>(steps: Steps<T>): T {
  let r = steps.next();
  while (!r.done) r = steps.next(r.value);
  return r.value;
}

/** The WebCrypto driver: each yielded answer is awaited; a rejection is thrown at the step that asked. */
export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let answer: unknown;
    try {
      answer = await r.value;
    } catch (e) {
      r = steps.throw(e);
      continue;
    }
    r = steps.next(answer);
  }
  return r.value;
}

/** Writes `n` big-endian at `at` (no DataView: one is an allocation per call on the decrypt hot path). */
function putU32(b: Uint8Array, at: number, n: number): number {
  b[at] = n >>> 24;
  b[at + 1] = (n >>> 16) & 0xff;
  b[at + 2] = (n >>> 8) & 0xff;
  b[at + 3] = n & 0xff;
  return at + 4;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  return concatBytes(parts, total);
}

/**
 * `obj[k] = v` as an own data property whatever `k` is: a header member named "__proto__" (JSON.parse makes
 * it an own member) assigned with `=` would instead replace the object's prototype, and let a header inherit
 * an "alg" it does not have (found by the JWE fuzzer).
 */
function setOwn(obj: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A JOSE header of a JWE (the joint header: protected, shared unprotected and per-recipient members). */
export interface JweHeader {
  alg?: string;
  enc?: string;
  zip?: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  epk?: Record<string, unknown>;
  apu?: string;
  apv?: string;
  iv?: string;
  tag?: string;
  p2s?: string;
  p2c?: number;
  [member: string]: unknown;
}

/** RFC 7516 §7.2.1 (general) JSON serialization. */
export interface GeneralJwe {
  protected?: string;
  unprotected?: JweHeader;
  recipients: { header?: JweHeader; encrypted_key?: string }[];
  aad?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}
/** RFC 7516 §7.2.2 flattened JSON serialization. */
export interface FlattenedJwe {
  protected?: string;
  unprotected?: JweHeader;
  header?: JweHeader;
  encrypted_key?: string;
  aad?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** Picks the key from the (joint, unverified) header of one recipient, e.g. by `kid`. */
export type JweKeyResolverOf<KI, R = KI | Jwks> = (header: Readonly<JweHeader>) => R;
export type DecryptKeyOf<KI, R = KI | Jwks> = KI | Jwks | JweKeyResolverOf<KI, R>;

// ================================================================ content encryption (RFC 7518 §5)

function* cbcHmacTag<K>(
  c: JweBackend<K>,
  enc: ContentEncryptionInfo,
  macKey: Uint8Array,
  aad: Uint8Array,
  iv: Uint8Array,
  ct: Uint8Array,
): Steps<Uint8Array> {
  const al = new Uint8Array(8);
  const bits = aad.length * 8;
  const dv = new DataView(al.buffer);
  dv.setUint32(0, Math.floor(bits / 0x100000000));
  dv.setUint32(4, bits >>> 0);
  const mac: Uint8Array = yield c.hmac(enc.hash!, macKey, [aad, iv, ct, al]);
  return mac.subarray(0, enc.tagBytes);
}

/*
 * The hot path (GCM content, dir / AES KW keys) makes one generator and one yield per backend answer: the
 * node:crypto driver's cost over a direct call stays in the tens of nanoseconds. Helpers that are
 * generators of their own (CBC-HMAC, the KDF, ECDH, PBES2) sit beside work that costs far more.
 */

function* cbcHmacEncrypt<K>(
  c: JweBackend<K>,
  enc: ContentEncryptionInfo,
  cek: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Steps<{ ciphertext: Uint8Array; tag: Uint8Array }> {
  const half = enc.cekBytes / 2;
  const ciphertext: Uint8Array = yield c.cbcEncrypt(cek.subarray(half), iv, plaintext);
  const tag = yield* cbcHmacTag(c, enc, cek.subarray(0, half), aad, iv, ciphertext);
  return { ciphertext, tag };
}

/** CBC-HMAC decryption, or null on any failure (the tag is checked, in constant time, before CBC). */
function* cbcHmacDecrypt<K>(
  c: JweBackend<K>,
  enc: ContentEncryptionInfo,
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Steps<Uint8Array | null> {
  const half = enc.cekBytes / 2;
  const expected = yield* cbcHmacTag(c, enc, cek.subarray(0, half), aad, iv, ciphertext);
  if (!c.equalConstantTime(expected, tag)) return null;
  return (yield c.cbcDecrypt(cek.subarray(half), iv, ciphertext)) as Uint8Array | null;
}

// ================================================================ key management helpers

/** Concat KDF (NIST SP 800-56A §5.8.1, RFC 7518 §4.6.2) with SHA-256. */
function* concatKdf<K>(
  c: JweBackend<K>,
  z: Uint8Array,
  bytes: number,
  algId: string,
  apu: Uint8Array,
  apv: Uint8Array,
): Steps<Uint8Array> {
  const id = latin1Bytes(algId);
  // One buffer, counter || Z || OtherInfo (AlgorithmID, PartyUInfo, PartyVInfo, SuppPubInfo, each
  // length-prefixed), hashed in one update: nine small updates cost more than the hash of ~100 bytes.
  const fields = [id, apu, apv];
  let size = 4 + z.length + 4; // counter, Z, SuppPubInfo
  for (const f of fields) size += 4 + f.length;
  const input = new Uint8Array(size);
  input.set(z, 4);
  let at = 4 + z.length;
  for (const f of fields) {
    at = putU32(input, at, f.length);
    input.set(f, at);
    at += f.length;
  }
  putU32(input, at, bytes * 8);
  const rounds = Math.ceil(bytes / 32);
  const out: Uint8Array[] = [];
  for (let i = 1; i <= rounds; i++) {
    // A copy per round: an asynchronous backend may still be reading the previous round's input.
    const round = input.slice();
    putU32(round, 0, i);
    out.push(yield c.sha('sha256', [round]));
  }
  return concat(out).subarray(0, bytes);
}

function pbes2Salt(alg: string, p2s: Uint8Array): Uint8Array {
  return concat([latin1Bytes(alg), new Uint8Array(1), p2s]);
}

function toBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') return utf8Bytes(value);
  if (value instanceof Uint8Array) return copyBytes(value);
  throw new InvalidOptionsError(`${what} must be a string or bytes`);
}

/** Strict base64url header member -> bytes; DecodeError naming the member otherwise. */
function headerBytes(header: JweHeader, name: string): Uint8Array {
  const v = header[name];
  const bytes = typeof v === 'string' && isAscii(v) ? decodeCanonicalAscii(v) : null;
  if (!bytes) throw new DecodeError(`Invalid JWE: the "${name}" header parameter is not base64url`);
  return bytes;
}

const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);

/** The ephemeral public key of ECDH-ES, on the recipient's curve, or a DecodeError (invalid-curve attacks). */
function* ephemeralPublicKey<K>(c: JweBackend<K>, header: JweHeader, curve: EcdhCurve): Steps<K> {
  const epk = header.epk;
  if (typeof epk !== 'object' || epk === null || Array.isArray(epk))
    throw new DecodeError('Invalid JWE: ECDH-ES needs an "epk" header parameter (a JWK object)');
  const e = epk as Record<string, unknown>;
  if (e.crv !== curve)
    throw new DecodeError("Invalid JWE: the ephemeral key (epk) is not on the recipient key's curve");
  const ec = EC_CURVES.has(curve);
  if (e.kty !== (ec ? 'EC' : 'OKP') || Object.hasOwn(e, 'd'))
    throw new DecodeError('Invalid JWE: the ephemeral key (epk) is not a public key of the right type');
  const coordinate = (m: 'x' | 'y'): string => {
    const v = e[m];
    if (typeof v !== 'string' || !isAscii(v) || !decodeCanonicalAscii(v))
      throw new DecodeError(`Invalid JWE: the ephemeral key (epk) "${m}" is not base64url`);
    return v;
  };
  // Only the members that define the point are passed on (fixed names; nothing else of the header).
  const jwk: { [member: string]: string } = ec
    ? { kty: 'EC', crv: curve, x: coordinate('x'), y: coordinate('y') }
    : { kty: 'OKP', crv: curve, x: coordinate('x') };
  // Both backends refuse a point that is not on the named curve, and wrong-length coordinates.
  const key: K | null = yield c.importPublicJwk(jwk, curve);
  if (!key)
    throw new DecodeError("Invalid JWE: the ephemeral key (epk) is not a point on the recipient key's curve");
  return key;
}

function partyInfo(header: JweHeader, name: 'apu' | 'apv'): Uint8Array {
  if (!Object.hasOwn(header, name)) return EMPTY;
  const b = headerBytes(header, name);
  if (b.length > MAX_PARTY_INFO_BYTES)
    throw new DecodeError(`Invalid JWE: "${name}" is longer than ${MAX_PARTY_INFO_BYTES} bytes`);
  return b;
}

// ================================================================ encryption

export interface EncryptRecipientOf<KI> {
  key: KI;
  alg: KeyManagementAlgorithm;
  /** Per-recipient unprotected header members (general JSON only). */
  header?: JweHeader;
  /** ECDH-ES Agreement PartyUInfo / PartyVInfo (bytes or UTF-8 text). */
  apu?: Uint8Array | string;
  apv?: Uint8Array | string;
  /** PBES2 iteration count (default 10,000). */
  p2c?: number;
}

export interface EncryptJweOptions {
  /** Key management algorithm (when `key` is a single key). */
  alg?: KeyManagementAlgorithm;
  /** Content encryption algorithm. Required. */
  enc: ContentEncryptionAlgorithm;
  /** Extra protected header members (`kid`, `typ`, `cty`, `crit`, ...). */
  headers?: JweHeader;
  /** Shorthand for `headers.kid`. */
  keyId?: string;
  /** `"DEF"`: compress the plaintext (raw DEFLATE) before encrypting it. */
  zip?: 'DEF';
  /** `compact` (default), `flattened` or `general` JSON. */
  serialization?: 'compact' | 'flattened' | 'general';
  /** Shared unprotected header (JSON serializations only). */
  unprotectedHeader?: JweHeader;
  /** Per-recipient unprotected header (JSON serializations only, single key). */
  recipientHeader?: JweHeader;
  /** Additional authenticated data (JSON serializations only). */
  aad?: Uint8Array | string;
  apu?: Uint8Array | string;
  apv?: Uint8Array | string;
  p2c?: number;
  /** RSA1_5 (RSAES-PKCS1-v1_5) is open to Bleichenbacher attacks: refused unless this is `true`. */
  unsafeAllowRsa1_5?: boolean;
}

const ENCRYPT_OPTION_NAMES: ReadonlySet<string> = new Set([
  'alg',
  'enc',
  'headers',
  'keyId',
  'zip',
  'serialization',
  'unprotectedHeader',
  'recipientHeader',
  'aad',
  'apu',
  'apv',
  'p2c',
  'unsafeAllowRsa1_5',
]);
const RECIPIENT_NAMES: ReadonlySet<string> = new Set(['key', 'alg', 'header', 'apu', 'apv', 'p2c']);

/** Header members the library sets itself: a caller may not set them through `headers`. */
const MANAGED_PARAMS = ['alg', 'enc', 'zip', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c'] as const;

function checkPlainHeader(h: unknown, what: string): JweHeader | undefined {
  if (h === undefined) return undefined;
  if (typeof h !== 'object' || h === null || Array.isArray(h))
    throw new InvalidOptionsError(`${what} must be an object`);
  for (const k of MANAGED_PARAMS) {
    if (Object.hasOwn(h, k) && (h as JweHeader)[k] !== undefined)
      throw new InvalidOptionsError(
        `${what}: "${k}" is set by the library (use the ${k === 'alg' || k === 'enc' || k === 'zip' ? `${k} option` : 'key management options'})`,
      );
  }
  const out: JweHeader = {};
  for (const k of Object.keys(h)) if ((h as JweHeader)[k] !== undefined) setOwn(out, k, (h as JweHeader)[k]);
  try {
    checkHeaderTypes(out);
  } catch (cause) {
    throw new InvalidOptionsError(`${what}: ${(cause as Error).message.replace(/^Invalid JWE: /, '')}`, {
      cause,
    });
  }
  return out;
}

/** An all-zero shared secret (a low-order point): refused whatever the backend let through. */
function zeroSecret(z: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < z.length; i++) acc |= z[i]!;
  return acc === 0;
}

/** One recipient's key management: the header members it adds and its encrypted key. */
function* wrapFor<K>(
  c: JweBackend<K>,
  r: EncryptRecipientOf<unknown>,
  info: KeyManagementInfo,
  enc: ContentEncryptionInfo,
  cek: Uint8Array | null,
): Steps<{ cek: Uint8Array; encryptedKey: Uint8Array; params: JweHeader }> {
  const params: JweHeader = {};
  const newCek = () => cek ?? c.randomBytes(enc.cekBytes);
  switch (info.family) {
    case 'dir': {
      const k: Uint8Array = yield c.secretKey(r.key, info, enc, 'encrypt');
      return { cek: k, encryptedKey: EMPTY, params };
    }
    case 'aes-kw': {
      const kek: Uint8Array = yield c.secretKey(r.key, info, enc, 'encrypt');
      const k = newCek();
      return { cek: k, encryptedKey: yield c.aesWrap(kek, k), params };
    }
    case 'aes-gcm-kw': {
      const kek: Uint8Array = yield c.secretKey(r.key, info, enc, 'encrypt');
      const k = newCek();
      const iv = c.randomBytes(12);
      const sealed: { ciphertext: Uint8Array; tag: Uint8Array } = yield c.gcmSeal(kek, iv, k, EMPTY);
      params.iv = b64url(iv);
      params.tag = b64url(sealed.tag);
      return { cek: k, encryptedKey: sealed.ciphertext, params };
    }
    case 'rsa-oaep':
    case 'rsa1_5': {
      const { key }: AsymmetricJweKey<K> = yield c.asymmetricKey(r.key, info, 'encrypt');
      const k = newCek();
      const ek: Uint8Array = yield info.family === 'rsa1_5'
        ? c.rsaPkcs1Encrypt(key, k)
        : c.rsaOaepEncrypt(key, info.hash!, k);
      return { cek: k, encryptedKey: ek, params };
    }
    case 'ecdh-es': {
      const { key, curve }: AsymmetricJweKey<K> = yield c.asymmetricKey(r.key, info, 'encrypt');
      const eph: { privateKey: K; publicJwk: Record<string, string> } = yield c.ephemeral(curve!);
      const z: Uint8Array | null = yield c.ecdh(eph.privateKey, key, curve!);
      if (!z || zeroSecret(z)) throw new InvalidKeyError('ECDH key agreement with this public key failed');
      params.epk = eph.publicJwk;
      const apu = r.apu === undefined ? EMPTY : toBytes(r.apu, 'apu');
      const apv = r.apv === undefined ? EMPTY : toBytes(r.apv, 'apv');
      if (apu.length > MAX_PARTY_INFO_BYTES || apv.length > MAX_PARTY_INFO_BYTES)
        throw new InvalidOptionsError(`apu and apv are limited to ${MAX_PARTY_INFO_BYTES} bytes`);
      if (r.apu !== undefined) params.apu = b64url(apu);
      if (r.apv !== undefined) params.apv = b64url(apv);
      if (info.direct)
        return { cek: yield* concatKdf(c, z, enc.cekBytes, enc.name, apu, apv), encryptedKey: EMPTY, params };
      const kek = yield* concatKdf(c, z, info.kekBytes, info.name, apu, apv);
      const k = newCek();
      return { cek: k, encryptedKey: yield c.aesWrap(kek, k), params };
    }
    case 'pbes2': {
      const password: Uint8Array = yield c.secretKey(r.key, info, enc, 'encrypt');
      const p2c = r.p2c ?? DEFAULT_PBES2_COUNT;
      if (!Number.isSafeInteger(p2c) || p2c < 1000)
        throw new InvalidOptionsError('p2c must be an integer of at least 1000 (RFC 7518 §4.8.1.2)');
      const p2s = c.randomBytes(DEFAULT_PBES2_SALT_BYTES);
      const kek: Uint8Array = yield c.pbkdf2(
        info.hash!,
        password,
        pbes2Salt(info.name, p2s),
        p2c,
        info.kekBytes,
      );
      const k = newCek();
      params.p2s = b64url(p2s);
      params.p2c = p2c;
      return { cek: k, encryptedKey: yield c.aesWrap(kek, k), params };
    }
  }
}

function stringifyHeader(h: JweHeader): string {
  try {
    return JSON.stringify(h);
  } catch (cause) {
    throw new InvalidOptionsError('The header cannot be serialized as JSON', { cause });
  }
}

/** Protected header text cache for the plain `{alg, enc[, kid]}` case (the hot path). */
const protectedCache = new Map<string, string>();

/**
 * Encrypts bytes (or UTF-8 text) as a JWE: compact by default, or `serialization: 'flattened' | 'general'`.
 * A fresh random CEK and IV for every call. Pass a list of `{ key, alg, header }` for several recipients.
 * (The pipeline; the public `encryptJwe` of each build drives it.)
 */
export function* encryptSteps<K>(
  c: JweBackend<K>,
  plaintext: Uint8Array | string,
  key: unknown,
  input: EncryptJweOptions,
): Steps<string | FlattenedJwe | GeneralJwe> {
  const o = ownOptions(input, ENCRYPT_OPTION_NAMES, 'encryptJwe()') as unknown as EncryptJweOptions;
  const enc = contentEncryptionInfo(o.enc);
  if (!enc)
    throw new UnsupportedAlgorithmError(
      `Unsupported content encryption algorithm (enc): ${quote(o.enc, 24)}`,
    );
  const multi = Array.isArray(key);
  const serialization = o.serialization ?? (multi ? 'general' : 'compact');
  if (serialization !== 'compact' && serialization !== 'flattened' && serialization !== 'general')
    throw new InvalidOptionsError('serialization must be "compact", "flattened" or "general"');
  if (o.zip !== undefined && o.zip !== 'DEF') throw new InvalidOptionsError('zip must be "DEF" (or absent)');
  let recipients: EncryptRecipientOf<unknown>[];
  if (multi) {
    if (
      o.alg !== undefined ||
      o.recipientHeader !== undefined ||
      o.apu !== undefined ||
      o.apv !== undefined ||
      o.p2c !== undefined
    )
      throw new InvalidOptionsError(
        'With a list of recipients, alg, recipientHeader, apu, apv and p2c belong to each recipient',
      );
    if (serialization !== 'general')
      throw new InvalidOptionsError('Several recipients need the general JSON serialization');
    if ((key as readonly unknown[]).length === 0)
      throw new InvalidOptionsError('The list of recipients is empty');
    recipients = (key as readonly unknown[]).map(
      (r) =>
        ownOptions(r, RECIPIENT_NAMES, 'encryptJwe() recipient') as unknown as EncryptRecipientOf<unknown>,
    );
  } else {
    recipients = [
      {
        key,
        alg: o.alg as KeyManagementAlgorithm,
        header: o.recipientHeader,
        apu: o.apu,
        apv: o.apv,
        p2c: o.p2c,
      },
    ];
  }
  if (
    serialization === 'compact' &&
    (o.unprotectedHeader !== undefined || o.recipientHeader !== undefined || o.aad !== undefined)
  )
    throw new InvalidOptionsError(
      'The compact serialization has no unprotected header and no aad: use "flattened" or "general"',
    );
  const infos = recipients.map((r) => {
    const info = keyManagementInfo(r.alg);
    if (!info)
      throw new UnsupportedAlgorithmError(`Unsupported key management algorithm (alg): ${quote(r.alg, 24)}`);
    if (info.family === 'rsa1_5' && o.unsafeAllowRsa1_5 !== true)
      throw new InvalidOptionsError(
        'RSA1_5 is refused (Bleichenbacher attacks); use RSA-OAEP-256, or pass unsafeAllowRsa1_5: true',
      );
    if (info.direct && recipients.length > 1)
      throw new InvalidOptionsError(
        `${info.name} determines the CEK itself: it cannot be one of several recipients`,
      );
    return info;
  });
  const extra = checkPlainHeader(o.headers, 'headers');
  const shared = checkPlainHeader(o.unprotectedHeader, 'unprotectedHeader');
  if (o.keyId !== undefined && typeof o.keyId !== 'string')
    throw new InvalidOptionsError('keyId must be a string');
  if (extra?.crit !== undefined)
    throw new InvalidOptionsError(
      'headers: "crit" belongs to decryption options; jwtkit does not produce crit extensions',
    );

  // Key management (one CEK for all recipients).
  let cek: Uint8Array | null = null;
  type Wrapped = { cek: Uint8Array; encryptedKey: Uint8Array; params: JweHeader };
  const wrapped: Wrapped[] = [];
  for (let i = 0; i < recipients.length; i++) {
    const w: Wrapped =
      infos[i]!.family === 'dir'
        ? {
            cek: yield c.secretKey(recipients[i]!.key, infos[i]!, enc, 'encrypt'),
            encryptedKey: EMPTY,
            params: {},
          }
        : yield* wrapFor(c, recipients[i]!, infos[i]!, enc, cek);
    cek = w.cek;
    wrapped.push(w);
  }
  // Headers: compact/flattened put everything in the protected header; general puts alg and the key
  // management parameters in each recipient's header.
  const perRecipient = serialization === 'general';
  let protectedB64: string;
  const plain =
    !perRecipient &&
    extra === undefined &&
    Object.keys(wrapped[0]!.params).length === 0 &&
    o.zip === undefined;
  const cacheKey = plain ? `${infos[0]!.name}|${enc.name}|${o.keyId ?? ''}` : '';
  const cached = plain ? protectedCache.get(cacheKey) : undefined;
  if (cached !== undefined) protectedB64 = cached;
  else {
    const ph: JweHeader = perRecipient ? { enc: enc.name } : { alg: infos[0]!.name, enc: enc.name };
    if (o.zip) ph.zip = 'DEF';
    if (!perRecipient) Object.assign(ph, wrapped[0]!.params);
    if (extra) for (const k of Object.keys(extra)) setOwn(ph, k, extra[k]);
    if (o.keyId !== undefined && !perRecipient) ph.kid = o.keyId;
    else if (o.keyId !== undefined) ph.kid = o.keyId;
    protectedB64 = b64url(stringifyHeader(ph));
    if (plain && protectedCache.size < 256) protectedCache.set(cacheKey, protectedB64);
  }
  const recipientHeaders: (JweHeader | undefined)[] = recipients.map((r, i) => {
    const h = checkPlainHeader(r.header, 'recipient header');
    if (!perRecipient) return h;
    return { alg: infos[i]!.name, ...wrapped[i]!.params, ...h };
  });
  // RFC 7516 §7.2.1: the three headers must not share a member name (only JSON has more than one).
  if (shared !== undefined || recipientHeaders.some((h) => h !== undefined)) {
    const names = new Set(
      Object.keys(JSON.parse(utf8TextStrict(decodeCanonicalAscii(protectedB64)!)!) as object),
    );
    for (const k of Object.keys(shared ?? {})) {
      if (names.has(k))
        throw new InvalidOptionsError(`The header member "${k}" is both protected and unprotected`);
    }
    for (const h of recipientHeaders) {
      for (const k of Object.keys(h ?? {})) {
        if (names.has(k) || (shared && Object.hasOwn(shared, k)))
          throw new InvalidOptionsError(`The header member "${k}" appears in more than one header`);
      }
    }
  }
  const aadB64 = o.aad === undefined ? null : b64url(toBytes(o.aad, 'aad'));
  const aad = latin1Bytes(aadB64 === null ? protectedB64 : `${protectedB64}.${aadB64}`);
  let data: Uint8Array | null =
    typeof plaintext === 'string' ? utf8Bytes(plaintext) : plaintext instanceof Uint8Array ? plaintext : null;
  if (!data) throw new InvalidOptionsError('The plaintext must be a string or bytes');
  if (o.zip === 'DEF') data = (yield c.deflateRaw(data)) as Uint8Array;
  const ivBytes = c.randomBytes(enc.ivBytes);
  const sealed: { ciphertext: Uint8Array; tag: Uint8Array } =
    enc.mode === 'gcm'
      ? yield c.gcmSeal(cek!, ivBytes, data, aad)
      : yield* cbcHmacEncrypt(c, enc, cek!, ivBytes, data, aad);
  const iv = b64url(ivBytes);
  const ciphertext = b64url(sealed.ciphertext);
  const tag = b64url(sealed.tag);
  if (serialization === 'compact')
    return `${protectedB64}.${b64url(wrapped[0]!.encryptedKey)}.${iv}.${ciphertext}.${tag}`;
  const out: Record<string, unknown> = { protected: protectedB64 };
  if (shared) out.unprotected = shared;
  if (serialization === 'flattened') {
    if (recipientHeaders[0]) out.header = recipientHeaders[0];
    if (wrapped[0]!.encryptedKey.length > 0) out.encrypted_key = b64url(wrapped[0]!.encryptedKey);
  } else {
    out.recipients = wrapped.map((w, i) => {
      const r: Record<string, unknown> = {};
      if (recipientHeaders[i]) r.header = recipientHeaders[i];
      if (w.encryptedKey.length > 0) r.encrypted_key = b64url(w.encryptedKey);
      return r;
    });
  }
  if (aadB64 !== null) out.aad = aadB64;
  out.iv = iv;
  out.ciphertext = ciphertext;
  out.tag = tag;
  return out as unknown as FlattenedJwe | GeneralJwe;
}

// ================================================================ parsing

interface ParsedRecipient {
  readonly header: JweHeader | null;
  readonly encryptedKey: Uint8Array;
  /** protected + unprotected + this header. */
  readonly joint: JweHeader;
}

export interface ParsedJwe {
  readonly serialization: 'compact' | 'flattened' | 'general';
  readonly protectedB64: string;
  readonly protectedHeader: JweHeader | null;
  readonly unprotectedHeader: JweHeader | null;
  readonly recipients: readonly ParsedRecipient[];
  readonly aadB64: string | null;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

const STRING_PARAMS = [
  'alg',
  'enc',
  'zip',
  'kid',
  'typ',
  'cty',
  'jku',
  'x5u',
  'x5t',
  'x5t#S256',
  'apu',
  'apv',
  'iv',
  'tag',
  'p2s',
];

function checkHeaderTypes(h: JweHeader): void {
  for (const name of STRING_PARAMS) {
    if (Object.hasOwn(h, name) && typeof h[name] !== 'string')
      throw new DecodeError(`Invalid JWE: the "${name}" header parameter must be a string`);
  }
  for (const name of ['epk', 'jwk']) {
    if (Object.hasOwn(h, name) && (typeof h[name] !== 'object' || h[name] === null || Array.isArray(h[name])))
      throw new DecodeError(`Invalid JWE: the "${name}" header parameter must be a JSON object`);
  }
  if (Object.hasOwn(h, 'p2c') && !Number.isInteger(h.p2c))
    throw new DecodeError('Invalid JWE: the "p2c" header parameter must be an integer');
  if (Object.hasOwn(h, 'b64'))
    throw new DecodeError('Invalid JWE: "b64" is a JWS header parameter; this is not a JWE');
}

/** Protected headers without a per-token member, cached when parsed (bounded: text-cache.ts). */
const headerCache = new TextCache<JweHeader>(512, 64 * 1024);

/**
 * Protected headers with a per-token member (an ECDH-ES `epk`, a PBES2 salt, a GCMKW IV) are never cached
 * when parsed: any token could fill slots. One is remembered only once its JWE has decrypted (the tag
 * covers the protected header, and crit and zip passed), so the same token presented again (an access
 * token, on every request) is not parsed again. Bounded like the parse cache (entries of at most 512
 * characters, 64 KiB of text in all, cleared when full). What it saves is the JSON parse only: every check
 * after parsing, the key agreement and the tag check run on every call.
 */
const authenticatedHeaders = new TextCache<JweHeader>(512, 64 * 1024);
/** Header objects put in either cache (an identity check, cheaper than hashing the text again). */
const cachedHeaderObjects = new WeakSet<JweHeader>();

function rememberAuthenticated(b64: string, h: JweHeader): void {
  if (cachedHeaderObjects.has(h)) return;
  if (authenticatedHeaders.set(b64, h)) cachedHeaderObjects.add(h);
}

/** For tests: what the two protected-header caches hold. */
export function jweHeaderCacheStats(): {
  parsed: { entries: number; chars: number };
  authenticated: { entries: number; chars: number; budget: number };
} {
  const parsed = headerCache.stats();
  const authenticated = authenticatedHeaders.stats();
  return {
    parsed: { entries: parsed.entries, chars: parsed.chars },
    authenticated: {
      entries: authenticated.entries,
      chars: authenticated.chars,
      budget: authenticated.budget,
    },
  };
}

function parseProtected(b64: string): JweHeader {
  const cached = headerCache.get(b64) ?? authenticatedHeaders.get(b64);
  if (cached) return cached;
  const bytes = isAscii(b64) ? decodeCanonicalAscii(b64) : null;
  if (!bytes) throw new DecodeError('Invalid JWE: the protected header is not canonical base64url');
  const h = parseHeaderJson(bytes, 'protected header');
  // Headers that are unique to one token (an ephemeral key, a salt, a key-wrap IV) are not worth a slot.
  const unique = Object.hasOwn(h, 'epk') || Object.hasOwn(h, 'p2s') || Object.hasOwn(h, 'iv');
  if (!unique && headerCache.set(b64, h)) cachedHeaderObjects.add(h);
  return h;
}

function parseHeaderJson(bytes: Uint8Array, what: string): JweHeader {
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok)
    throw new DecodeError(
      `Invalid JWE: the ${what} is not a JSON object without duplicate members (${parsed.problem})`,
    );
  checkHeaderTypes(parsed.value);
  deepFreeze(parsed.value);
  return parsed.value as JweHeader;
}

function b64Member(value: unknown, what: string, allowEmpty: boolean, knownAscii = false): Uint8Array {
  if (typeof value !== 'string') throw new DecodeError(`Invalid JWE: ${what} must be a base64url string`);
  if (value.length === 0 && !allowEmpty) throw new DecodeError(`Invalid JWE: ${what} is empty`);
  if (value.length === 0) return EMPTY;
  const b = knownAscii || isAscii(value) ? decodeCanonicalAscii(value) : null;
  if (!b) throw new DecodeError(`Invalid JWE: ${what} is not canonical base64url`);
  return b;
}

/** A header given as a JSON object member (unprotected / per-recipient): checked and copied (frozen). */
function objectHeader(value: unknown, what: string): JweHeader | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DecodeError(`Invalid JWE: the ${what} must be a JSON object`);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new DecodeError(`Invalid JWE: the ${what} is not JSON`);
  }
  return parseHeaderJson(utf8Bytes(text), what);
}

function jsonSize(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    throw new DecodeError('Invalid JWE: the JSON serialization is not JSON (a cycle or a BigInt)');
  }
}

const JWE_MEMBERS = [
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

/** Strict parse of any of the three serializations. */
export function parseJwe(input: unknown, maxLength: number): ParsedJwe {
  if (typeof input === 'string') {
    if (input.length > maxLength)
      throw new DecodeError(`Invalid JWE: longer than the ${maxLength}-character limit`);
    // A string is the compact serialization; a JSON serialization is passed as the parsed object, so a
    // compact-only caller never meets a JSON one (Wycheproof "rejectsValidJsonSerialization").
    return parseCompactJwe(input);
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if (jsonSize(input) > maxLength)
      throw new DecodeError(`Invalid JWE: longer than the ${maxLength}-character limit`);
    return parseJsonJwe(input as JsonObject);
  }
  throw new DecodeError('Invalid JWE: expected a compact string or a JSON serialization object');
}

function parseCompactJwe(token: string): ParsedJwe {
  const parts = token.split('.');
  if (parts.length !== 5) {
    throw new DecodeError(
      parts.length === 3
        ? 'Invalid JWE: this has three segments, a JWS; a JWE in compact form has five'
        : 'Invalid JWE: a JWE in compact form has exactly five dot-separated segments',
    );
  }
  if (!isAscii(token)) throw new DecodeError('Invalid JWE: only base64url characters and dots are allowed');
  const [p, ek, iv, ct, tag] = parts as [string, string, string, string, string];
  if (p.length === 0) throw new DecodeError('Invalid JWE: the protected header is empty');
  const protectedHeader = parseProtected(p);
  const recipient = {
    header: null,
    encryptedKey: b64Member(ek, 'the encrypted key', true, true),
    joint: protectedHeader,
  };
  const parsed: ParsedJwe = {
    serialization: 'compact',
    protectedB64: p,
    protectedHeader,
    unprotectedHeader: null,
    recipients: [recipient],
    aadB64: null,
    iv: b64Member(iv, 'the IV', false, true),
    ciphertext: b64Member(ct, 'the ciphertext', true, true),
    tag: b64Member(tag, 'the tag', false, true),
  };
  checkStructure(parsed);
  return parsed;
}

function parseJsonJwe(o: JsonObject): ParsedJwe {
  const general = Object.hasOwn(o, 'recipients');
  if (general && (Object.hasOwn(o, 'header') || Object.hasOwn(o, 'encrypted_key')))
    throw new DecodeError('Invalid JWE: "recipients" with a top-level "header" or "encrypted_key"');
  for (const k of ['iv', 'ciphertext', 'tag'])
    if (!Object.hasOwn(o, k)) throw new DecodeError(`Invalid JWE: the JSON serialization has no "${k}"`);
  void JWE_MEMBERS;
  const protectedB64 = Object.hasOwn(o, 'protected') ? o.protected : '';
  if (typeof protectedB64 !== 'string') throw new DecodeError('Invalid JWE: "protected" must be a string');
  const protectedHeader = protectedB64 === '' ? null : parseProtected(protectedB64);
  const unprotectedHeader = objectHeader(o.unprotected, 'shared unprotected header');
  let raw: { header?: unknown; encrypted_key?: unknown }[];
  if (general) {
    const list = o.recipients;
    if (!Array.isArray(list) || list.length === 0)
      throw new DecodeError('Invalid JWE: "recipients" must be a non-empty array');
    if (list.length > 32) throw new DecodeError('Invalid JWE: more than 32 recipients');
    raw = list.map((r) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        throw new DecodeError('Invalid JWE: each recipient must be a JSON object');
      return r as { header?: unknown; encrypted_key?: unknown };
    });
  } else {
    raw = [{ header: o.header, encrypted_key: o.encrypted_key }];
  }
  const recipients = raw.map((r) => {
    const header = objectHeader(r.header, 'per-recipient header');
    const encryptedKey =
      r.encrypted_key === undefined ? EMPTY : b64Member(r.encrypted_key, 'the encrypted key', true);
    // RFC 7516 §7.2.1: the member names of the three headers are disjoint.
    const joint: JweHeader = {};
    for (const h of [protectedHeader, unprotectedHeader, header]) {
      if (!h) continue;
      for (const k of Object.keys(h)) {
        if (Object.hasOwn(joint, k))
          throw new DecodeError(
            `Invalid JWE: the header member ${quote(k, 24)} appears in more than one header`,
          );
        setOwn(joint, k, h[k]);
      }
    }
    deepFreeze(joint);
    return { header, encryptedKey, joint };
  });
  let aadB64: string | null = null;
  if (Object.hasOwn(o, 'aad')) {
    b64Member(o.aad, '"aad"', true);
    aadB64 = o.aad as string;
  }
  const parsed: ParsedJwe = {
    serialization: general ? 'general' : 'flattened',
    protectedB64,
    protectedHeader,
    unprotectedHeader,
    recipients,
    aadB64,
    iv: b64Member(o.iv, 'the IV', false),
    ciphertext: b64Member(o.ciphertext, 'the ciphertext', true),
    tag: b64Member(o.tag, 'the tag', false),
  };
  checkStructure(parsed);
  return parsed;
}

/** Header rules that do not depend on the key (RFC 7516 §4.1, §7.2.1). */
/** Protected headers (parsed, frozen, cached objects) already known to pass checkStructure on their own. */
const structureChecked = new WeakSet<object>();

function checkStructure(p: ParsedJwe): void {
  const only = p.unprotectedHeader === null && p.recipients.length === 1 && p.recipients[0]!.header === null;
  if (only && p.protectedHeader !== null && structureChecked.has(p.protectedHeader)) return;
  const shared = { ...p.protectedHeader, ...p.unprotectedHeader };
  if (typeof shared.enc !== 'string')
    throw new DecodeError('Invalid JWE: there is no "enc" in the shared header (or this is a JWS)');
  for (const r of p.recipients) {
    if (r.header && Object.hasOwn(r.header, 'enc'))
      throw new DecodeError('Invalid JWE: "enc" must be shared by all recipients');
    if (typeof r.joint.alg !== 'string') throw new DecodeError('Invalid JWE: a recipient has no "alg"');
  }
  for (const name of ['zip', 'crit']) {
    const outside =
      (p.unprotectedHeader && Object.hasOwn(p.unprotectedHeader, name)) ||
      p.recipients.some((r) => r.header && Object.hasOwn(r.header, name));
    if (outside) throw new DecodeError(`Invalid JWE: "${name}" must be in the protected header`);
  }
  if (p.protectedHeader && Object.hasOwn(p.protectedHeader, 'zip') && p.protectedHeader.zip !== 'DEF')
    throw new DecodeError('Invalid JWE: the only "zip" value is "DEF"');
  if (only && p.protectedHeader !== null) structureChecked.add(p.protectedHeader);
}

// ================================================================ decryption

export interface DecryptJweOptions {
  /** The key management algorithms (`alg`) accepted. Required: there is no default. */
  keyManagementAlgorithms: readonly KeyManagementAlgorithm[];
  /** The content encryption algorithms (`enc`) accepted. Required: there is no default. */
  contentEncryptionAlgorithms: readonly ContentEncryptionAlgorithm[];
  /** Names of `crit` header extensions the application understands and checks itself. */
  crit?: readonly string[];
  /** Longest JWE accepted, in characters (compact) or JSON characters (default 256 KiB). */
  maxTokenLength?: number;
  /** Highest PBES2 `p2c` accepted (default 10,000): each iteration is work an attacker chooses. */
  maxPbes2Count?: number;
  /** Largest plaintext after `zip: "DEF"` inflation, in bytes (default 256 KiB). */
  maxInflatedLength?: number;
  /** RSA1_5 is open to Bleichenbacher attacks: refused unless this is `true` (and it is in the allowlist). */
  unsafeAllowRsa1_5?: boolean;
}

export const DECRYPT_OPTION_NAMES: readonly string[] = [
  'keyManagementAlgorithms',
  'contentEncryptionAlgorithms',
  'crit',
  'maxTokenLength',
  'maxPbes2Count',
  'maxInflatedLength',
  'unsafeAllowRsa1_5',
];

export interface NormalizedDecryptOptions {
  readonly alg: readonly string[];
  readonly enc: readonly string[];
  readonly crit: readonly string[];
  readonly maxTokenLength: number;
  readonly maxPbes2Count: number;
  readonly maxInflatedLength: number;
  readonly unsafeAllowRsa1_5: boolean;
}

function positiveInt(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || (v as number) <= 0)
    throw new InvalidOptionsError(`${name} must be a positive integer`);
  return v as number;
}

export function normalizeDecryptOptions(o: Record<string, unknown>): NormalizedDecryptOptions {
  const list = (
    name: 'keyManagementAlgorithms' | 'contentEncryptionAlgorithms',
    known: (n: unknown) => unknown,
  ) => {
    const v = o[name];
    if (!Array.isArray(v) || v.length === 0)
      throw new InvalidOptionsError(
        `The "${name}" option is required: list the algorithms you accept, e.g. ${name === 'keyManagementAlgorithms' ? '["ECDH-ES+A256KW"]' : '["A256GCM"]'}`,
      );
    for (const a of v)
      if (!known(a)) throw new UnsupportedAlgorithmError(`Unsupported algorithm in ${name}: ${quote(a, 24)}`);
    // Used during this call only: no copy needed (nothing runs between the check and the use but the
    // application's own key resolver).
    return v as readonly string[];
  };
  const alg = list('keyManagementAlgorithms', keyManagementInfo);
  const enc = list('contentEncryptionAlgorithms', contentEncryptionInfo);
  const unsafe = o.unsafeAllowRsa1_5 === true;
  if (o.unsafeAllowRsa1_5 !== undefined && typeof o.unsafeAllowRsa1_5 !== 'boolean')
    throw new InvalidOptionsError('unsafeAllowRsa1_5 must be a boolean');
  if (alg.includes('RSA1_5') && !unsafe)
    throw new InvalidOptionsError(
      'RSA1_5 is open to Bleichenbacher attacks: it needs unsafeAllowRsa1_5: true as well',
    );
  const crit = o.crit ?? [];
  if (!Array.isArray(crit) || !crit.every((c) => typeof c === 'string'))
    throw new InvalidOptionsError('crit must be an array of names');
  return {
    alg,
    enc,
    crit: crit as readonly string[],
    maxTokenLength: positiveInt(o.maxTokenLength, 'maxTokenLength', DEFAULT_MAX_JWE_LENGTH),
    maxPbes2Count: positiveInt(o.maxPbes2Count, 'maxPbes2Count', DEFAULT_MAX_PBES2_COUNT),
    maxInflatedLength: positiveInt(o.maxInflatedLength, 'maxInflatedLength', DEFAULT_MAX_INFLATED_BYTES),
    unsafeAllowRsa1_5: unsafe,
  };
}

export const DECRYPT_OPTION_SET: ReadonlySet<string> = new Set(DECRYPT_OPTION_NAMES);

/** RFC 7516 §4.1.13 / RFC 7515 §4.1.11, applied to the protected header (where crit must be). */
function checkJweCrit(header: JweHeader, joint: JweHeader, understood: readonly string[]): void {
  checkCrit(header as JwtHeader, understood, { present: joint });
}

function ktyFits(jwk: Jwk, info: KeyManagementInfo): boolean {
  switch (info.family) {
    case 'rsa-oaep':
    case 'rsa1_5':
      return jwk.kty === 'RSA';
    case 'ecdh-es':
      return (jwk.kty === 'EC' || jwk.kty === 'OKP') && ECDH_CURVES.has(jwk.crv as EcdhCurve);
    default:
      return jwk.kty === 'oct';
  }
}

/** One key from a key set for this recipient: by kid, kty, alg and use; none or several is an error. */
function selectJweKey(jwks: Jwks, header: JweHeader, info: KeyManagementInfo): Jwk {
  const keys = jwks.keys.filter(
    (k): k is Jwk => typeof k === 'object' && k !== null && typeof k.kty === 'string',
  );
  if (keys.length !== jwks.keys.length)
    throw new InvalidKeyError('The key set holds an entry that is not a JWK');
  for (const k of keys) checkJwkMemberTypes(k);
  const kid = header.kid;
  const candidates = keys.filter(
    (k) =>
      (kid === undefined || k.kid === kid) &&
      ktyFits(k, info) &&
      (k.alg === undefined || k.alg === info.name) &&
      (k.use === undefined || k.use === 'enc'),
  );
  if (candidates.length === 0)
    throw new JwksNoMatchingKeyError(
      `No key in the set fits ${info.name}${kid === undefined ? '' : ' with this kid'}`,
    );
  if (candidates.length > 1)
    throw new JwksMultipleMatchingKeysError(
      `Several keys in the set fit ${info.name}${kid === undefined ? ' and the JWE has no kid' : ' with this kid'}`,
    );
  return candidates[0]!;
}

/** The key for one recipient from what the caller gave (after a resolver ran): a key set is searched. */
function pickJweKey(k: unknown, header: JweHeader, info: KeyManagementInfo): unknown {
  if (isJwks(k)) return selectJweKey(k, header, info);
  if (k === undefined || k === null) throw new InvalidKeyError('No key was given');
  return k;
}

/**
 * The CEK for one recipient, or null when key management failed (the caller substitutes a random CEK).
 * Header-shape problems (missing epk, p2c over the limit) are DecodeErrors thrown before any secret work.
 */
function* unwrapFor<K>(
  c: JweBackend<K>,
  info: KeyManagementInfo,
  enc: ContentEncryptionInfo,
  keyInput: unknown,
  h: JweHeader,
  ek: Uint8Array,
  opts: NormalizedDecryptOptions,
): Steps<Uint8Array | null> {
  switch (info.family) {
    case 'dir':
      return (yield c.secretKey(keyInput, info, enc, 'decrypt')) as Uint8Array;
    case 'aes-kw': {
      const kek: Uint8Array = yield c.secretKey(keyInput, info, enc, 'decrypt');
      return (yield c.aesUnwrap(kek, ek)) as Uint8Array | null;
    }
    case 'aes-gcm-kw': {
      const kek: Uint8Array = yield c.secretKey(keyInput, info, enc, 'decrypt');
      const iv = headerBytes(h, 'iv');
      const tag = headerBytes(h, 'tag');
      if (iv.length !== 12) throw new DecodeError('Invalid JWE: the key-wrap "iv" must be 96 bits');
      if (tag.length !== 16) throw new DecodeError('Invalid JWE: the key-wrap "tag" must be 128 bits');
      return (yield c.gcmOpen(kek, iv, ek, tag, EMPTY)) as Uint8Array | null;
    }
    case 'rsa-oaep': {
      const { key }: AsymmetricJweKey<K> = yield c.asymmetricKey(keyInput, info, 'decrypt');
      return (yield c.rsaOaepDecrypt(key, info.hash!, ek)) as Uint8Array | null;
    }
    case 'rsa1_5': {
      const { key }: AsymmetricJweKey<K> = yield c.asymmetricKey(keyInput, info, 'decrypt');
      const out: Uint8Array | null | undefined = yield c.rsaPkcs1Decrypt(key, ek);
      if (out === undefined)
        throw new InvalidOptionsError(
          'This Node.js refuses RSA1_5 decryption (CVE-2023-46809, the Marvin attack)',
        );
      return out;
    }
    case 'ecdh-es': {
      const { key, curve }: AsymmetricJweKey<K> = yield c.asymmetricKey(keyInput, info, 'decrypt');
      const epk = yield* ephemeralPublicKey(c, h, curve!);
      const apu = partyInfo(h, 'apu');
      const apv = partyInfo(h, 'apv');
      const z: Uint8Array | null = yield c.ecdh(key, epk, curve!);
      if (!z || zeroSecret(z)) return null;
      if (info.direct) return yield* concatKdf(c, z, enc.cekBytes, enc.name, apu, apv);
      const kek = yield* concatKdf(c, z, info.kekBytes, info.name, apu, apv);
      return (yield c.aesUnwrap(kek, ek)) as Uint8Array | null;
    }
    case 'pbes2': {
      const password: Uint8Array = yield c.secretKey(keyInput, info, enc, 'decrypt');
      const p2c = h.p2c;
      if (typeof p2c !== 'number' || !Number.isInteger(p2c) || p2c < 1)
        throw new DecodeError('Invalid JWE: PBES2 needs a positive integer "p2c"');
      if (p2c > opts.maxPbes2Count)
        throw new DecodeError(
          `Invalid JWE: the PBES2 count p2c is above the ${opts.maxPbes2Count} limit (maxPbes2Count)`,
        );
      const p2s = headerBytes(h, 'p2s');
      if (p2s.length < MIN_PBES2_SALT_BYTES)
        throw new DecodeError(
          `Invalid JWE: the PBES2 salt p2s is shorter than ${MIN_PBES2_SALT_BYTES} bytes`,
        );
      const kek: Uint8Array = yield c.pbkdf2(
        info.hash!,
        password,
        pbes2Salt(info.name, p2s),
        p2c,
        info.kekBytes,
      );
      return (yield c.aesUnwrap(kek, ek)) as Uint8Array | null;
    }
  }
}

/** A decrypted JWE; `B` is the byte type of the build (Buffer on Node, Uint8Array on WebCrypto). */
export interface DecryptedJweOf<B extends Uint8Array> {
  /** The decrypted (and inflated) plaintext. */
  plaintext: B;
  /** The joint header of the recipient that decrypted (protected + shared unprotected + per-recipient). */
  header: Readonly<JweHeader>;
  protectedHeader: Readonly<JweHeader> | null;
  unprotectedHeader: Readonly<JweHeader> | null;
  recipientHeader: Readonly<JweHeader> | null;
  /** The JSON serialization's `aad`, decoded; null when absent. */
  aad: B | null;
  /** Which recipient decrypted (0 for compact and flattened). */
  recipientIndex: number;
}

export function* decryptParsedSteps<K>(
  c: JweBackend<K>,
  parsed: ParsedJwe,
  key: unknown,
  opts: NormalizedDecryptOptions,
): Steps<DecryptedJweOf<Uint8Array>> {
  const sharedEnc = (parsed.protectedHeader?.enc ?? parsed.unprotectedHeader?.enc) as string;
  if (!opts.enc.includes(sharedEnc))
    throw new JweAlgorithmNotAllowedError("The JWE's content encryption algorithm (enc) is not allowed");
  const enc = contentEncryptionInfo(sharedEnc);
  if (!enc)
    throw new JweAlgorithmNotAllowedError("The JWE's content encryption algorithm (enc) is not supported");
  // RFC 7518 §5.3: 96-bit IV and 128-bit tag only; CBC-HMAC: 128-bit IV, tag of half the MAC.
  if (parsed.iv.length !== enc.ivBytes)
    throw new DecodeError(`Invalid JWE: ${enc.name} needs a ${enc.ivBytes * 8}-bit IV`);
  if (parsed.tag.length !== enc.tagBytes)
    throw new DecodeError(`Invalid JWE: ${enc.name} needs a ${enc.tagBytes * 8}-bit tag`);
  const usable: { r: ParsedRecipient; index: number; info: KeyManagementInfo | undefined }[] = [];
  for (let index = 0; index < parsed.recipients.length; index++) {
    const r = parsed.recipients[index]!;
    if (opts.alg.includes(r.joint.alg as string))
      usable.push({ r, index, info: keyManagementInfo(r.joint.alg) });
  }
  if (usable.length === 0)
    throw new JweAlgorithmNotAllowedError("The JWE's key management algorithm (alg) is not allowed");
  if (parsed.recipients.length > 1 && usable.some((x) => x.info!.direct))
    throw new DecodeError('Invalid JWE: dir and ECDH-ES cannot be one of several recipients');
  const aad = latin1Bytes(
    parsed.aadB64 === null ? parsed.protectedB64 : `${parsed.protectedB64}.${parsed.aadB64}`,
  );
  let lastKeyError: unknown = null;
  for (const { r, index, info } of usable) {
    let keyInput: unknown;
    try {
      let k: unknown = key;
      if (typeof k === 'function') {
        k = (k as JweKeyResolverOf<unknown, unknown>)(r.joint);
        if (k instanceof Promise) {
          if (!c.async)
            throw new InvalidKeyError('The key resolver returned a Promise: it must be synchronous');
          k = yield k;
        }
      }
      keyInput = pickJweKey(k, r.joint, info!);
    } catch (e) {
      // With several recipients, a key set that has no key for one of them is not an error yet.
      if (usable.length > 1 && e instanceof InvalidKeyError) {
        lastKeyError = e;
        continue;
      }
      throw e;
    }
    if (info!.family === 'rsa1_5' && !opts.unsafeAllowRsa1_5)
      throw new JweAlgorithmNotAllowedError('RSA1_5 needs unsafeAllowRsa1_5');
    const ek = r.encryptedKey;
    if (info!.direct && ek.length !== 0)
      throw new DecodeError(`Invalid JWE: ${info!.name} has an empty encrypted key`);
    if (!info!.direct && ek.length === 0)
      throw new DecodeError(`Invalid JWE: ${info!.name} needs an encrypted key`);
    let cek: Uint8Array | null;
    try {
      cek =
        info!.family === 'dir'
          ? yield c.secretKey(keyInput, info!, enc, 'decrypt')
          : yield* unwrapFor(c, info!, enc, keyInput, r.joint, ek, opts);
    } catch (e) {
      if (usable.length > 1 && e instanceof InvalidKeyError) {
        lastKeyError = e;
        continue;
      }
      throw e;
    }
    // RFC 7516 §11.5: a CEK that did not unwrap (or has the wrong length) is replaced by a random one, so
    // the failure shows at the tag check like any other.
    if (cek === null || cek.length !== enc.cekBytes) cek = c.randomBytes(enc.cekBytes);
    let plaintext: Uint8Array | null =
      enc.mode === 'gcm'
        ? yield c.gcmOpen(cek, parsed.iv, parsed.ciphertext, parsed.tag, aad)
        : yield* cbcHmacDecrypt(c, enc, cek, parsed.iv, parsed.ciphertext, parsed.tag, aad);
    if (plaintext === null) continue;
    if (parsed.protectedHeader) checkJweCrit(parsed.protectedHeader, r.joint, opts.crit);
    if (parsed.protectedHeader?.zip === 'DEF') {
      const inflated: Uint8Array | null = yield c.inflateRaw(plaintext, opts.maxInflatedLength);
      if (!inflated)
        throw new DecodeError(
          `Invalid JWE: the compressed plaintext does not inflate within the ${opts.maxInflatedLength}-byte limit (maxInflatedLength)`,
        );
      plaintext = inflated;
    }
    if (parsed.protectedHeader) rememberAuthenticated(parsed.protectedB64, parsed.protectedHeader);
    return {
      plaintext,
      header: r.joint,
      protectedHeader: parsed.protectedHeader,
      unprotectedHeader: parsed.unprotectedHeader,
      recipientHeader: r.header,
      aad: parsed.aadB64 === null ? null : decodeCanonicalAscii(parsed.aadB64),
      recipientIndex: index,
    };
  }
  if (lastKeyError && usable.length > 1) throw lastKeyError;
  throw new JweDecryptionError();
}

/** The decryption options, checked (`where` names the public function in errors). */
export function decryptOptions(options: unknown, where: string): NormalizedDecryptOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(
      `${where} needs options with "keyManagementAlgorithms" and "contentEncryptionAlgorithms"`,
    );
  return normalizeDecryptOptions(ownOptions(options as object, DECRYPT_OPTION_SET, where));
}

/** Only checks the header shape (no key): for explaining a JWE without decrypting it. */
export function parseJweUnverified(jwe: unknown, maxLength = DEFAULT_MAX_JWE_LENGTH): ParsedJwe {
  return parseJwe(jwe, maxLength);
}
