/**
 * Keys on the WebCrypto backend: what the caller passes, turned once into a CryptoKey bound to one
 * algorithm and usage. The rules are key-rules.ts and jwk.ts, the same functions the node:crypto backend
 * (keys.ts) calls: the algorithm decides how a key is read, key type/curve/RSA size must fit it, HMAC
 * secrets have the RFC 7518 minimum and can never be (or spell) an asymmetric key, a JWK's alg/use/key_ops
 * are honoured, RSA exponent and ROCA checks apply.
 *
 * Accepted: HMAC secrets as a string, bytes, an `oct` JWK or an HMAC CryptoKey; asymmetric keys as a JWK
 * (RSA, EC, OKP), SPKI / PKCS#8 PEM text or DER bytes, a CryptoKey, or (on Node) a KeyObject. PKCS#1,
 * SEC1, certificates and encrypted PEM need the Node build (WebCrypto has no importer for them).
 */
import { InvalidKeyError, UnsupportedAlgorithmError } from '../errors.js';
import type { AlgorithmInfo, CurveName } from './algorithms.js';
import { decodeStrict } from './base64url.js';
import { copyBytes, fromBase64Lenient, latin1Text, utf8Bytes } from './bytes.js';
import {
  exportJwk,
  exportRaw,
  importDer,
  importJwk,
  importSecret,
  type WebJwk,
  webParams,
} from './crypto-web.js';
import {
  checkJwkConstraints,
  checkJwkMemberTypes,
  isCryptoKeyLike,
  isJwkLike,
  isKeyObjectLike,
  type Jwk,
  jwkCanonicalProblem,
  type KeyUsage,
} from './jwk.js';
import {
  checkHmacLength,
  checkKeyFacts,
  derStructure,
  type HmacKeyPolicy,
  isPublicKeyText,
  type KeyFacts,
  NOT_A_SECRET_TEXT,
  secretBytesAreKey,
} from './key-rules.js';
import { bigintFromBase64url, rsaKeyProblem } from './rsa-checks.js';
import { quote } from './text.js';

/** A key bound to one algorithm and usage. `facts` is null for HMAC. */
export interface WebKey {
  readonly key: CryptoKey;
  readonly facts: KeyFacts | null;
}

const MAX_CACHED = 1024;
// Per input (objects by identity, strings by content, bounded): per "alg:usage", the bound key.
// The short-HMAC-key warning is given once per secret (as on the node backend).
const secretWarned = new WeakMap<object, { warned: boolean }>();
const secretWarnedByString = new Map<string, { warned: boolean }>();

/**
 * Per-input caches of parsed keys (one Map per key input, keyed by what the input was parsed for): by
 * object identity (weakly held) and by string (bounded, the oldest dropped first). Bytes are never cached:
 * they can change under us. Shared with the WebCrypto JWE key readers (jwe-keys-web.ts).
 */
export function inputSlots<V>(maxStrings: number): (input: unknown) => Map<string, V> | null {
  const objects = new WeakMap<object, Map<string, V>>();
  const strings = new Map<string, Map<string, V>>();
  return (input) => {
    if (typeof input === 'string') {
      let m = strings.get(input);
      if (!m) {
        if (strings.size >= maxStrings) strings.delete(strings.keys().next().value as string);
        m = new Map();
        strings.set(input, m);
      }
      return m;
    }
    if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array)) {
      let m = objects.get(input);
      if (!m) {
        m = new Map();
        objects.set(input, m);
      }
      return m;
    }
    return null;
  };
}

const slot = inputSlots<Promise<WebKey>>(MAX_CACHED);

/**
 * The CryptoKey for `info` and `usage`, after every key rule. HMAC length is checked on every call (the
 * `strict` policy may differ between calls); everything else once per input and algorithm.
 */
export async function webKeyFor(
  input: unknown,
  info: AlgorithmInfo,
  usage: KeyUsage,
  policy: HmacKeyPolicy = {},
): Promise<WebKey> {
  webParams(info); // UnsupportedAlgorithmError before anything else
  if (info.family === 'hmac') {
    const s = await secretOf(input);
    checkJwkConstraints(s.jwk, info, usage);
    checkHmacLength(s.facts, info, policy);
    const m = slot(input);
    const id = `${info.name}:${usage}`;
    let p = m?.get(id);
    if (!p) {
      p = (
        s.cryptoKey && sameParams(s.cryptoKey, info)
          ? Promise.resolve(s.cryptoKey)
          : importFromBytes(s, info, usage)
      ).then((key) => ({ key, facts: null }));
      m?.set(id, p);
      p.catch(() => m?.delete(id));
    }
    return p;
  }
  const m = slot(input);
  const id = `${info.name}:${usage}`;
  let p = m?.get(id);
  if (!p) {
    p = asymmetricKey(input, info, usage);
    m?.set(id, p);
    p.catch(() => m?.delete(id));
  }
  return p;
}

async function importFromBytes(s: SecretSource, info: AlgorithmInfo, usage: KeyUsage): Promise<CryptoKey> {
  if (!s.bytes)
    throw new InvalidKeyError(`This HMAC CryptoKey is not for ${info.name} and cannot be exported`);
  return importSecret(s.bytes, info, usage);
}

// ---------------------------------------------------------------- secrets

interface SecretSource {
  readonly bytes: Uint8Array | null;
  readonly jwk: Jwk | null;
  readonly cryptoKey: CryptoKey | null;
  readonly facts: { length: number; fromJwk: boolean; warned: boolean };
}

function warnState(input: unknown): { warned: boolean } {
  if (typeof input === 'string') {
    let w = secretWarnedByString.get(input);
    if (!w) {
      if (secretWarnedByString.size >= MAX_CACHED)
        secretWarnedByString.delete(secretWarnedByString.keys().next().value as string);
      w = { warned: false };
      secretWarnedByString.set(input, w);
    }
    return w;
  }
  if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array)) {
    let w = secretWarned.get(input);
    if (!w) {
      w = { warned: false };
      secretWarned.set(input, w);
    }
    return w;
  }
  return { warned: false };
}

function source(
  input: unknown,
  bytes: Uint8Array | null,
  length: number,
  jwk: Jwk | null,
  key: CryptoKey | null,
): SecretSource {
  const w = warnState(input);
  return {
    bytes,
    jwk,
    cryptoKey: key,
    facts: {
      length,
      fromJwk: jwk !== null,
      get warned() {
        return w.warned;
      },
      set warned(v: boolean) {
        w.warned = v;
      },
    },
  };
}

async function secretOf(input: unknown): Promise<SecretSource> {
  if (typeof input === 'string') {
    if (isPublicKeyText(input)) throw new InvalidKeyError(NOT_A_SECRET_TEXT);
    const bytes = utf8Bytes(input);
    return source(input, bytes, bytes.length, null, null);
  }
  if (input instanceof Uint8Array) {
    const bytes = copyBytes(input);
    if (secretBytesAreKey(bytes, derStructure))
      throw new InvalidKeyError('Bytes that encode an asymmetric key cannot be used as an HMAC secret');
    return source(input, bytes, bytes.length, null, null);
  }
  if (isCryptoKeyLike(input)) {
    if (input.type !== 'secret' || input.algorithm.name !== 'HMAC')
      throw new InvalidKeyError('An asymmetric CryptoKey cannot be used as an HMAC secret');
    const bytes = input.extractable ? await exportRaw(input) : null;
    if (bytes && secretBytesAreKey(bytes, derStructure))
      throw new InvalidKeyError('A secret key whose bytes encode an asymmetric key cannot be used for HMAC');
    const length = bytes ? bytes.length : ((input.algorithm as HmacKeyAlgorithm).length ?? 0) >> 3;
    return source(input, bytes, length, null, input);
  }
  if (isKeyObjectLike(input)) {
    const ko = input as { type: string; export(): Uint8Array };
    if (ko.type !== 'secret')
      throw new InvalidKeyError('An asymmetric KeyObject cannot be used as an HMAC secret');
    const bytes = new Uint8Array(ko.export());
    if (secretBytesAreKey(bytes, derStructure))
      throw new InvalidKeyError('A secret key whose bytes encode an asymmetric key cannot be used for HMAC');
    return source(input, bytes, bytes.length, null, null);
  }
  if (isJwkLike(input)) {
    checkJwkMemberTypes(input);
    if (input.kty !== 'oct')
      throw new InvalidKeyError(`A JWK with kty ${quote(input.kty, 16)} cannot be used as an HMAC secret`);
    const bytes = typeof input.k === 'string' ? decodeStrict(input.k) : null;
    if (!bytes) throw new InvalidKeyError('The oct JWK has no valid "k" member');
    if (secretBytesAreKey(bytes, derStructure))
      throw new InvalidKeyError('A secret key whose bytes encode an asymmetric key cannot be used for HMAC');
    return source(input, bytes, bytes.length, input, null);
  }
  throw new InvalidKeyError('Unsupported key: expected a string, bytes, a CryptoKey or a JWK');
}

function sameParams(key: CryptoKey, info: AlgorithmInfo): boolean {
  const want = webParams(info).importParams;
  const alg = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  return (
    alg.name === want.name &&
    (want.hash === undefined || alg.hash?.name === want.hash) &&
    (want.namedCurve === undefined || alg.namedCurve === want.namedCurve)
  );
}

// ---------------------------------------------------------------- asymmetric keys

const CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384', 'P-521', 'secp256k1', 'Ed25519', 'Ed448']);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Key facts from a JWK's members (checked canonical first). */
function jwkFacts(jwk: Jwk): KeyFacts {
  if (jwk.kty === 'RSA') {
    const n = decodeStrict(jwk.n as string)!;
    const bits = n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
    return { type: 'rsa', curve: null, bits };
  }
  const crv = typeof jwk.crv === 'string' && CURVES.has(jwk.crv) ? (jwk.crv as CurveName) : null;
  if (jwk.kty === 'EC') return { type: 'ec', curve: crv, bits: 0 };
  const type = crv === 'Ed25519' ? 'ed25519' : crv === 'Ed448' ? 'ed448' : (jwk.crv as string).toLowerCase();
  return { type, curve: crv === 'Ed25519' || crv === 'Ed448' ? crv : null, bits: 0 };
}

/** The JWK path: the same member, canonical-form, type, curve, size, RSA and alg/use/key_ops rules. */
async function fromJwk(
  jwk: Jwk,
  info: AlgorithmInfo,
  usage: KeyUsage,
  original: Jwk | null,
): Promise<WebKey> {
  checkJwkMemberTypes(jwk);
  if (jwk.kty === 'oct')
    throw new InvalidKeyError('An oct (secret) JWK cannot be used with an asymmetric algorithm');
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP')
    throw new InvalidKeyError(`A JWK with kty ${quote(jwk.kty, 16)} is not an asymmetric signing key`);
  if (jwk.x5c !== undefined && jwk.n === undefined && jwk.x === undefined)
    throw new InvalidKeyError(
      'A JWK with only an x5c certificate needs the Node build (WebCrypto reads no X.509)',
    );
  const { kty, crv, x, y, d, n, e, p, q, dp, dq, qi } = jwk as Record<string, unknown>;
  const clean: WebJwk = { kty: jwk.kty };
  for (const [name, v] of Object.entries({ crv, x, y, d, n, e, p, q, dp, dq, qi })) {
    if (v === undefined) continue;
    if (typeof v !== 'string' || (name !== 'crv' && decodeStrict(v) === null))
      throw new InvalidKeyError(`The JWK member "${name}" is not a base64url string`);
    clean[name] = v;
  }
  void kty;
  const problem = jwkCanonicalProblem(jwk);
  if (problem) throw new InvalidKeyError(problem);
  const facts = jwkFacts(jwk);
  if (jwk.kty === 'RSA') {
    const rsa = rsaKeyProblem(bigintFromBase64url(jwk.n as string), bigintFromBase64url(jwk.e as string));
    if (rsa) throw new InvalidKeyError(rsa);
  }
  checkKeyFacts(facts, info);
  if (facts.type === 'ed448')
    throw new UnsupportedAlgorithmError(
      'Ed448 is not available on the WebCrypto backend; use the Node build',
    );
  if (original) checkJwkConstraints(original, info, usage);
  if (usage === 'sign') {
    if (clean.d === undefined) throw new InvalidKeyError(`Signing with ${info.name} needs a private key`);
  } else {
    for (const m of PRIVATE_MEMBERS) delete clean[m]; // verify with the public half only
  }
  try {
    return { key: await importJwk(clean, info, usage), facts };
  } catch (cause) {
    throw new InvalidKeyError('The JWK is not a valid key', { cause });
  }
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]+)-----END \1-----/;

async function fromDer(
  format: 'spki' | 'pkcs8' | null,
  der: Uint8Array,
  info: AlgorithmInfo,
  usage: KeyUsage,
): Promise<WebKey> {
  const formats: Array<'spki' | 'pkcs8'> = format ? [format] : ['pkcs8', 'spki'];
  for (const f of formats) {
    let key: CryptoKey;
    try {
      key = await importDer(f, der, info, f === 'pkcs8' ? 'sign' : 'verify');
    } catch {
      continue;
    }
    // Through the JWK path: the same facts and checks as a JWK (and the public half for verify).
    return fromJwk((await exportJwk(key)) as Jwk, info, usage, null);
  }
  throw new InvalidKeyError(
    `The key is not an SPKI or PKCS#8 ${info.kty} key that fits ${info.name} (the WebCrypto build reads SPKI and PKCS#8 only)`,
  );
}

function cryptoKeyFacts(key: CryptoKey): KeyFacts {
  const alg = key.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
  switch (alg.name) {
    case 'RSASSA-PKCS1-v1_5':
    case 'RSA-PSS':
    case 'RSA-OAEP':
      return { type: 'rsa', curve: null, bits: alg.modulusLength ?? 0 };
    case 'ECDSA':
    case 'ECDH':
      return {
        type: 'ec',
        curve: CURVES.has(alg.namedCurve ?? '') ? (alg.namedCurve as CurveName) : null,
        bits: 0,
      };
    case 'Ed25519':
      return { type: 'ed25519', curve: 'Ed25519', bits: 0 };
    case 'Ed448':
      return { type: 'ed448', curve: 'Ed448', bits: 0 };
    default:
      return { type: alg.name.toLowerCase(), curve: null, bits: 0 };
  }
}

async function asymmetricKey(input: unknown, info: AlgorithmInfo, usage: KeyUsage): Promise<WebKey> {
  if (typeof input === 'string') {
    if (!input.includes('-----BEGIN'))
      throw new InvalidKeyError(
        'This algorithm needs a PEM key, a CryptoKey or a JWK; a plain string is only an HMAC secret',
      );
    const m = PEM.exec(input);
    const label = m?.[1];
    if (!m || (label !== 'PUBLIC KEY' && label !== 'PRIVATE KEY'))
      throw new InvalidKeyError(
        'The WebCrypto build reads "PUBLIC KEY" (SPKI) and "PRIVATE KEY" (PKCS#8) PEM and JWKs; convert this key (openssl pkey) or use the Node build',
      );
    return fromDer(label === 'PUBLIC KEY' ? 'spki' : 'pkcs8', fromBase64Lenient(m[2]!), info, usage);
  }
  if (input instanceof Uint8Array) {
    const text = latin1Text(input);
    if (text.includes('-----BEGIN')) return asymmetricKey(text, info, usage);
    return fromDer(null, copyBytes(input), info, usage);
  }
  if (isCryptoKeyLike(input)) {
    if (input.type === 'secret')
      throw new InvalidKeyError('A secret CryptoKey cannot be used with an asymmetric algorithm');
    const facts = cryptoKeyFacts(input);
    checkKeyFacts(facts, info);
    if (usage === 'sign' && input.type !== 'private')
      throw new InvalidKeyError(`Signing with ${info.name} needs a private key`);
    if (input.extractable) return fromJwk((await exportJwk(input)) as Jwk, info, usage, null);
    // Not extractable: usable only as imported (for this algorithm, this usage, a public key to verify).
    if (
      !sameParams(input, info) ||
      !input.usages.includes(usage) ||
      (usage === 'verify' && input.type !== 'public')
    )
      throw new InvalidKeyError(
        `This CryptoKey (${(input.algorithm as { name: string }).name}, ${input.type}, not extractable) cannot ${usage} ${info.name}: import it for ${info.name}`,
      );
    const e = (input.algorithm as { publicExponent?: Uint8Array }).publicExponent;
    if (e) {
      let big = 0n;
      for (const b of e) big = (big << 8n) | BigInt(b);
      const problem = rsaKeyProblem(null, big);
      if (problem) throw new InvalidKeyError(problem);
    }
    return { key: input, facts };
  }
  if (isKeyObjectLike(input)) {
    const ko = input as { type: string; export(o: { format: 'jwk' }): Jwk };
    if (ko.type === 'secret')
      throw new InvalidKeyError('A secret KeyObject cannot be used with an asymmetric algorithm');
    return fromJwk(ko.export({ format: 'jwk' }), info, usage, null);
  }
  if (isJwkLike(input)) return fromJwk(input, info, usage, input);
  throw new InvalidKeyError('Unsupported key: expected a PEM string, DER bytes, a CryptoKey or a JWK');
}
