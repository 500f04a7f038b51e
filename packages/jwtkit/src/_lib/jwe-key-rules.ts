/**
 * The JWE key rules, once for both backends (jwe-keys.ts on node:crypto, jwe-keys-web.ts on WebCrypto):
 * - `dir`, `A*KW`, `A*GCMKW`: secret bytes of exactly the algorithm's length. A string is a password: only
 *   PBES2 takes one.
 * - `PBES2-*`: a password (string or bytes, or an `oct` JWK), non-empty.
 * - `RSA-OAEP*` / `RSA1_5`: an RSA key (not RSA-PSS) of at least 2048 bits; public to encrypt, private to decrypt.
 * - `ECDH-ES*`: an EC P-256/P-384/P-521 or OKP X25519/X448 key; public to encrypt, private to decrypt.
 * A JWK restricted to another use or algorithm (`use: "sig"`, `alg: "HS256"`, `key_ops: ["verify"]`) and a
 * CryptoKey made for signing are refused: a JWS key never encrypts or decrypts.
 */
import { InvalidKeyError } from '../errors.js';
import { MIN_RSA_BITS } from './algorithms.js';
import type { ContentEncryptionInfo, KeyManagementInfo } from './jwe-algorithms.js';
import type { EcdhCurve, JweKeyUsage } from './jwe-backend.js';
import { checkJwkMemberTypes, type Jwk } from './jwk.js';
import { quote } from './text.js';

export type { JweKeyUsage };

/** WebCrypto algorithm names that may hold a JWE key of each kind. */
const CRYPTOKEY_NAMES: Record<'secret' | 'rsa' | 'ecdh', readonly string[]> = {
  secret: ['AES-KW', 'AES-GCM', 'AES-CBC', 'PBKDF2'],
  rsa: ['RSA-OAEP'],
  ecdh: ['ECDH', 'X25519', 'X448'],
};

/** A CryptoKey made for another kind of algorithm (a signing key, an HMAC key) is refused. */
export function checkCryptoKey(input: unknown, kind: keyof typeof CRYPTOKEY_NAMES, alg: string): void {
  if (typeof input !== 'object' || input === null) return;
  if (Object.prototype.toString.call(input) !== '[object CryptoKey]') return;
  const name = (input as { algorithm?: { name?: unknown } }).algorithm?.name;
  if (typeof name !== 'string' || !CRYPTOKEY_NAMES[kind].includes(name))
    throw new InvalidKeyError(`A ${quote(name, 24)} CryptoKey cannot be used with ${alg}`);
}

const OPS: Record<JweKeyUsage, Record<KeyManagementInfo['family'], readonly string[]>> = {
  encrypt: {
    dir: ['encrypt'],
    'aes-kw': ['wrapKey', 'encrypt'],
    'aes-gcm-kw': ['wrapKey', 'encrypt'],
    'rsa-oaep': ['wrapKey', 'encrypt'],
    rsa1_5: ['wrapKey', 'encrypt'],
    'ecdh-es': ['deriveKey', 'deriveBits', 'wrapKey', 'encrypt'],
    pbes2: ['deriveKey', 'deriveBits', 'wrapKey', 'encrypt'],
  },
  decrypt: {
    dir: ['decrypt'],
    'aes-kw': ['unwrapKey', 'decrypt'],
    'aes-gcm-kw': ['unwrapKey', 'decrypt'],
    'rsa-oaep': ['unwrapKey', 'decrypt'],
    rsa1_5: ['unwrapKey', 'decrypt'],
    'ecdh-es': ['deriveKey', 'deriveBits', 'unwrapKey', 'decrypt'],
    pbes2: ['deriveKey', 'deriveBits', 'unwrapKey', 'decrypt'],
  },
};

/** RFC 7517 §4.2-§4.4 on a JWE key: `use` must be "enc", `alg` this algorithm, `key_ops` this operation. */
export function checkJweJwk(
  jwk: Jwk | null,
  info: KeyManagementInfo,
  enc: ContentEncryptionInfo | null,
  usage: JweKeyUsage,
): void {
  if (!jwk) return;
  checkJwkMemberTypes(jwk);
  if (jwk.use !== undefined && jwk.use !== 'enc')
    throw new InvalidKeyError(
      `The JWK "use" is ${quote(jwk.use, 8)}, not "enc": it is not an encryption key`,
    );
  // For `dir` the key is the CEK, so a JWK may name the content encryption algorithm instead.
  if (jwk.alg !== undefined && jwk.alg !== info.name && !(info.family === 'dir' && jwk.alg === enc?.name))
    throw new InvalidKeyError(`The JWK is restricted to alg ${quote(jwk.alg, 20)}, not ${info.name}`);
  if (jwk.key_ops !== undefined) {
    const wanted = OPS[usage][info.family];
    if (!Array.isArray(jwk.key_ops) || !jwk.key_ops.some((op) => wanted.includes(op)))
      throw new InvalidKeyError(
        `The JWK "key_ops" does not allow ${wanted.map((o) => `"${o}"`).join(' or ')}`,
      );
  }
}

/** Before reading a secret: only PBES2 takes a string (a password); no asymmetric CryptoKey. */
export function checkSecretInput(input: unknown, info: KeyManagementInfo): void {
  if (typeof input === 'string' && info.family !== 'pbes2')
    throw new InvalidKeyError(
      `${info.name} needs key bytes (a Uint8Array, a secret KeyObject or an oct JWK); a string is a password, for PBES2 only`,
    );
  checkCryptoKey(input, 'secret', info.name);
}

/** The secret's HMAC-worded reading error, reworded for this algorithm. */
export function secretReadError(cause: unknown, info: KeyManagementInfo): unknown {
  if (cause instanceof InvalidKeyError)
    return new InvalidKeyError(cause.message.replace(/as an HMAC secret|for HMAC/g, `with ${info.name}`), {
      cause,
    });
  return cause;
}

/** The secret's length: exact for dir (enc's CEK) and AES KW / GCMKW (the KEK), non-empty for PBES2. */
export function checkSecretLength(
  n: number,
  info: KeyManagementInfo,
  enc: ContentEncryptionInfo | null,
): void {
  if (info.family === 'pbes2') {
    if (n === 0) throw new InvalidKeyError('The PBES2 password is empty');
    return;
  }
  const want = info.family === 'dir' ? (enc?.cekBytes ?? 0) : info.kekBytes;
  if (n !== want)
    throw new InvalidKeyError(
      `${info.name}${info.family === 'dir' ? ` with ${enc?.name}` : ''} needs a ${want * 8}-bit key (this one has ${n * 8} bits)`,
    );
}

/** Before reading an asymmetric key: the right CryptoKey kind, no plain (non-PEM) string. */
export function checkAsymmetricInput(input: unknown, info: KeyManagementInfo): void {
  const rsa = info.family === 'rsa-oaep' || info.family === 'rsa1_5';
  checkCryptoKey(input, rsa ? 'rsa' : 'ecdh', info.name);
  if (typeof input === 'string' && !input.includes('-----BEGIN'))
    throw new InvalidKeyError(`${info.name} needs a PEM key, a KeyObject or a JWK, not a plain string`);
}

const ECDH_TYPE_CURVE = new Map<string, EcdhCurve>([
  ['x25519', 'X25519'],
  ['x448', 'X448'],
]);

/**
 * The key's facts against the algorithm: `type` is node:crypto's asymmetricKeyType spelling ('rsa',
 * 'rsa-pss', 'ec', 'x25519', ...), `curve` the EC curve, `bits` the RSA modulus size. Returns the ECDH
 * curve (null for RSA).
 */
export function checkAsymmetricFacts(
  info: KeyManagementInfo,
  type: string,
  curve: string | null,
  bits: number,
  isPrivate: boolean,
  usage: JweKeyUsage,
): EcdhCurve | null {
  const rsa = info.family === 'rsa-oaep' || info.family === 'rsa1_5';
  let ecdh: EcdhCurve | null = null;
  if (rsa) {
    if (type !== 'rsa')
      throw new InvalidKeyError(
        `${info.name} needs an RSA key, not ${type === 'rsa-pss' ? 'an RSA-PSS (signing-only) key' : `an ${type} key`}`,
      );
    if (bits < MIN_RSA_BITS)
      throw new InvalidKeyError(
        `${info.name} needs an RSA key of at least ${MIN_RSA_BITS} bits (this one has ${bits})`,
      );
  } else {
    ecdh =
      type === 'ec'
        ? curve === 'P-256' || curve === 'P-384' || curve === 'P-521'
          ? curve
          : null
        : (ECDH_TYPE_CURVE.get(type) ?? null);
    if (ecdh === null)
      throw new InvalidKeyError(
        `${info.name} needs an EC P-256/P-384/P-521 or an X25519/X448 key, not ${curve ? `${type} ${curve}` : `an ${type} key`}`,
      );
  }
  if (usage === 'decrypt' && !isPrivate)
    throw new InvalidKeyError(`Decrypting with ${info.name} needs a private key`);
  return ecdh;
}
