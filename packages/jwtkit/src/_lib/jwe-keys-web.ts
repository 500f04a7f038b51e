/**
 * JWE keys on the WebCrypto backend: what the WebCrypto JWS build accepts (JWKs, CryptoKeys, SPKI / PKCS#8
 * PEM text or DER bytes, secret bytes, a KeyObject on Node), read into a CryptoKey bound to one algorithm
 * and usage, then held to the same rules as on node:crypto (jwe-key-rules.ts, jwk.ts, key-rules.ts,
 * rsa-checks.ts). Asymmetric keys are cached per input (objects by identity, strings by content).
 */
import { InvalidKeyError, UnsupportedAlgorithmError } from '../errors.js';
import { decodeStrict } from './base64url.js';
import { copyBytes, fromBase64Lenient, latin1Text, utf8Bytes } from './bytes.js';
import type { ContentEncryptionInfo, KeyManagementInfo } from './jwe-algorithms.js';
import type { AsymmetricJweKey, EcdhCurve, JweKeyUsage } from './jwe-backend.js';
import {
  ecdhParams,
  exportJweJwk,
  exportSecret,
  importJweDer,
  importJweJwk,
  oaepParams,
} from './jwe-crypto-web.js';
import {
  checkAsymmetricFacts,
  checkAsymmetricInput,
  checkJweJwk,
  checkSecretInput,
  checkSecretLength,
  secretReadError,
} from './jwe-key-rules.js';
import {
  checkJwkMemberTypes,
  isCryptoKeyLike,
  isJwkLike,
  isKeyObjectLike,
  type Jwk,
  jwkCanonicalProblem,
} from './jwk.js';
import { isPublicKeyText, NOT_A_SECRET_TEXT, secretBytesAreKey } from './key-rules.js';
import { inputSlots } from './keys-web.js';
import { bigintFromBase64url, rsaKeyProblem } from './rsa-checks.js';
import { quote } from './text.js';

// ---------------------------------------------------------------- secrets

async function readSecret(input: unknown): Promise<{ bytes: Uint8Array; jwk: Jwk | null }> {
  let bytes: Uint8Array;
  let jwk: Jwk | null = null;
  if (typeof input === 'string') {
    if (isPublicKeyText(input)) throw new InvalidKeyError(NOT_A_SECRET_TEXT);
    return { bytes: utf8Bytes(input), jwk: null };
  }
  if (input instanceof Uint8Array) {
    bytes = copyBytes(input);
    if (secretBytesAreKey(bytes))
      throw new InvalidKeyError('Bytes that encode an asymmetric key cannot be used as an HMAC secret');
    return { bytes, jwk: null };
  }
  if (isCryptoKeyLike(input)) {
    if (input.type !== 'secret')
      throw new InvalidKeyError('An asymmetric CryptoKey cannot be used as an HMAC secret');
    if (!input.extractable)
      throw new InvalidKeyError(
        'A non-extractable secret CryptoKey cannot be used as an HMAC secret on the WebCrypto build (JWE needs its bytes): import it extractable, or pass the bytes',
      );
    bytes = await exportSecret(input);
  } else if (isKeyObjectLike(input)) {
    const ko = input as { type: string; export(): Uint8Array };
    if (ko.type !== 'secret')
      throw new InvalidKeyError('An asymmetric KeyObject cannot be used as an HMAC secret');
    bytes = new Uint8Array(ko.export());
  } else if (isJwkLike(input)) {
    checkJwkMemberTypes(input);
    if (input.kty !== 'oct')
      throw new InvalidKeyError(`A JWK with kty ${quote(input.kty, 16)} cannot be used as an HMAC secret`);
    const k = typeof input.k === 'string' ? decodeStrict(input.k) : null;
    if (!k) throw new InvalidKeyError('The oct JWK has no valid "k" member');
    bytes = k;
    jwk = input;
  } else {
    throw new InvalidKeyError('Unsupported key: expected a string, bytes, a CryptoKey or a JWK');
  }
  if (secretBytesAreKey(bytes))
    throw new InvalidKeyError('A secret key whose bytes encode an asymmetric key cannot be used for HMAC');
  return { bytes, jwk };
}

/** Secret bytes for dir (the CEK), AES KW / GCMKW (the KEK) and PBES2 (the password). */
export async function secretJweKeyWeb(
  input: unknown,
  info: KeyManagementInfo,
  enc: ContentEncryptionInfo | null,
  usage: JweKeyUsage,
): Promise<Uint8Array> {
  checkSecretInput(input, info);
  let s: { bytes: Uint8Array; jwk: Jwk | null };
  try {
    s = await readSecret(input);
  } catch (cause) {
    throw secretReadError(cause, info);
  }
  checkJweJwk(s.jwk, info, enc, usage);
  checkSecretLength(s.bytes.length, info, enc);
  return s.bytes;
}

// ---------------------------------------------------------------- asymmetric keys

const MAX_CACHED = 1024;
const slot = inputSlots<Promise<AsymmetricJweKey<CryptoKey>>>(MAX_CACHED);

/** An RSA or ECDH key for `info`, after type, curve, size and JWK checks. */
export function asymmetricJweKeyWeb(
  input: unknown,
  info: KeyManagementInfo,
  usage: JweKeyUsage,
): Promise<AsymmetricJweKey<CryptoKey>> {
  checkAsymmetricInput(input, info);
  const m = slot(input);
  const id = `${info.name}:${usage}`;
  let p = m?.get(id);
  if (!p) {
    p = readAsymmetric(input, info, usage);
    m?.set(id, p);
    p.catch(() => m?.delete(id));
  }
  return p;
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]+)-----END \1-----/;
const DER_CANDIDATES = [
  oaepParams('sha256'),
  ecdhParams('P-256'),
  ecdhParams('P-384'),
  ecdhParams('P-521'),
  ecdhParams('X25519'),
  ecdhParams('X448'),
];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

async function fromDer(format: 'spki' | 'pkcs8' | null, der: Uint8Array): Promise<Jwk> {
  for (const f of format ? [format] : (['pkcs8', 'spki'] as const)) {
    const key = await importJweDer(f, der, DER_CANDIDATES);
    if (key) return (await exportJweJwk(key)) as unknown as Jwk;
  }
  throw new InvalidKeyError(
    'The key is not an SPKI or PKCS#8 RSA, EC or X25519/X448 key (the WebCrypto build reads SPKI and PKCS#8 only)',
  );
}

/** The key's JWK (its material) and, when the caller gave a JWK, that JWK (its use/alg/key_ops apply). */
async function jwkOf(input: unknown): Promise<{ jwk: Jwk; original: Jwk | null } | CryptoKey> {
  if (typeof input === 'string') {
    const m = PEM.exec(input);
    const label = m?.[1];
    if (!m || (label !== 'PUBLIC KEY' && label !== 'PRIVATE KEY'))
      throw new InvalidKeyError(
        'The WebCrypto build reads "PUBLIC KEY" (SPKI) and "PRIVATE KEY" (PKCS#8) PEM and JWKs; convert this key (openssl pkey) or use the Node build',
      );
    return {
      jwk: await fromDer(label === 'PUBLIC KEY' ? 'spki' : 'pkcs8', fromBase64Lenient(m[2]!)),
      original: null,
    };
  }
  if (input instanceof Uint8Array) {
    const text = latin1Text(input);
    if (text.includes('-----BEGIN')) return jwkOf(text);
    return { jwk: await fromDer(null, copyBytes(input)), original: null };
  }
  if (isCryptoKeyLike(input)) {
    if (input.type === 'secret')
      throw new InvalidKeyError('A secret CryptoKey cannot be used with an asymmetric algorithm');
    if (!input.extractable) return input;
    return { jwk: (await exportJweJwk(input)) as unknown as Jwk, original: null };
  }
  if (isKeyObjectLike(input)) {
    const ko = input as { type: string; export(o: { format: 'jwk' }): Jwk };
    if (ko.type === 'secret')
      throw new InvalidKeyError('A secret KeyObject cannot be used with an asymmetric algorithm');
    return { jwk: ko.export({ format: 'jwk' }), original: null };
  }
  if (isJwkLike(input)) return { jwk: input, original: input };
  throw new InvalidKeyError('Unsupported key: expected a PEM string, DER bytes, a CryptoKey or a JWK');
}

/** A non-extractable CryptoKey: usable only as it was imported (this algorithm, this usage). */
function fromOpaqueKey(
  key: CryptoKey,
  info: KeyManagementInfo,
  usage: JweKeyUsage,
): AsymmetricJweKey<CryptoKey> {
  const alg = key.algorithm as {
    name: string;
    modulusLength?: number;
    namedCurve?: string;
    hash?: { name: string };
  };
  const type = alg.name === 'RSA-OAEP' ? 'rsa' : alg.name === 'ECDH' ? 'ec' : alg.name.toLowerCase();
  const curve = checkAsymmetricFacts(
    info,
    type,
    alg.namedCurve ?? null,
    alg.modulusLength ?? 0,
    key.type === 'private',
    usage,
  );
  const rsaFits = curve !== null || alg.hash?.name === oaepParams(info.hash!).hash;
  const wanted = usage === 'decrypt' ? (curve ? 'deriveBits' : 'decrypt') : curve ? null : 'encrypt';
  if (
    !rsaFits ||
    (wanted !== null && !key.usages.includes(wanted)) ||
    (usage === 'encrypt' && key.type !== 'public')
  )
    throw new InvalidKeyError(
      `This CryptoKey (${alg.name}, ${key.type}, not extractable) cannot ${usage} with ${info.name}: import it for ${info.name}`,
    );
  const e = (key.algorithm as { publicExponent?: Uint8Array }).publicExponent;
  if (e) {
    let big = 0n;
    for (const b of e) big = (big << 8n) | BigInt(b);
    const problem = rsaKeyProblem(null, big);
    if (problem) throw new InvalidKeyError(problem);
  }
  return { key, curve };
}

async function readAsymmetric(
  input: unknown,
  info: KeyManagementInfo,
  usage: JweKeyUsage,
): Promise<AsymmetricJweKey<CryptoKey>> {
  const got = await jwkOf(input);
  if (isCryptoKeyLike(got)) return fromOpaqueKey(got, info, usage);
  const { jwk, original } = got;
  checkJwkMemberTypes(jwk);
  if (original) checkJweJwk(original, info, null, usage);
  if (jwk.kty === 'oct')
    throw new InvalidKeyError('An oct (secret) JWK cannot be used with an asymmetric algorithm');
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP')
    throw new InvalidKeyError(`A JWK with kty ${quote(jwk.kty, 16)} is not an RSA, EC or OKP key`);
  // Only the members that define the key are passed on (fixed names, own members only).
  const members = new Map<string, string>([['kty', jwk.kty]]);
  for (const name of ['crv', 'x', 'y', 'n', 'e', ...PRIVATE_MEMBERS]) {
    const v = Object.hasOwn(jwk, name) ? (jwk as { [m: string]: unknown })[name] : undefined;
    if (v === undefined) continue;
    if (typeof v !== 'string' || (name !== 'crv' && decodeStrict(v) === null))
      throw new InvalidKeyError(`The JWK member "${name}" is not a base64url string`);
    members.set(name, v);
  }
  const clean = {
    get: (m: string) => members.get(m),
  };
  const problem = jwkCanonicalProblem(jwk);
  if (problem) throw new InvalidKeyError(problem);
  let type: string;
  let bits = 0;
  if (jwk.kty === 'RSA') {
    const nB64 = clean.get('n');
    const eB64 = clean.get('e');
    if (nB64 === undefined || eB64 === undefined) throw new InvalidKeyError('The RSA JWK needs "n" and "e"');
    const n = decodeStrict(nB64)!;
    bits = n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!));
    const rsa = rsaKeyProblem(bigintFromBase64url(nB64), bigintFromBase64url(eB64));
    if (rsa) throw new InvalidKeyError(rsa);
    type = 'rsa';
  } else if (jwk.kty === 'EC') {
    type = 'ec';
  } else {
    type = clean.get('crv')?.toLowerCase() ?? 'okp';
  }
  const crv = clean.get('crv') ?? null;
  const curve = checkAsymmetricFacts(
    info,
    type,
    // node:crypto names the curve of EC and EdDSA keys (not of X25519/X448): the same facts here.
    jwk.kty === 'EC' || crv === 'Ed25519' || crv === 'Ed448' ? crv : null,
    bits,
    clean.get('d') !== undefined,
    usage,
  );
  if (usage === 'encrypt') for (const m of PRIVATE_MEMBERS) members.delete(m);
  const params = curve ? ecdhParams(curve as EcdhCurve) : oaepParams(info.hash ?? 'sha1');
  const usages: KeyUsage[] = curve ? (usage === 'decrypt' ? ['deriveBits'] : []) : [usage];
  try {
    return { key: await importJweJwk(Object.fromEntries(members), params, usages), curve };
  } catch (cause) {
    if (cause instanceof UnsupportedAlgorithmError) throw cause;
    throw new InvalidKeyError('The JWK is not a valid key', { cause });
  }
}
