/**
 * JWE keys, bound to the key-management algorithm family (as signature keys are bound to theirs):
 * - `dir`, `A*KW`, `A*GCMKW`: secret bytes of exactly the algorithm's length (bytes, a secret KeyObject or
 *   CryptoKey, an `oct` JWK). A string is a password: only PBES2 takes one.
 * - `PBES2-*`: a password (string or bytes, or an `oct` JWK), non-empty.
 * - `RSA-OAEP*` / `RSA1_5`: an RSA key (not RSA-PSS) of at least 2048 bits; public to encrypt, private to decrypt.
 * - `ECDH-ES*`: an EC P-256/P-384/P-521 or OKP X25519/X448 key; public to encrypt, private to decrypt.
 * A JWK restricted to another use or algorithm (`use: "sig"`, `alg: "HS256"`, `key_ops: ["verify"]`) and a
 * CryptoKey made for signing are refused: a JWS key never encrypts or decrypts. Keys are parsed once and
 * cached by keys.ts (by content for strings and bytes, by identity for objects).
 */
import { InvalidKeyError } from '../errors.js';
import { MIN_RSA_BITS } from './algorithms.js';
import type { ContentEncryptionInfo, KeyManagementInfo } from './jwe-algorithms.js';
import type { EcdhCurve } from './jwe-crypto-node.js';
import { nodeJweCrypto } from './jwe-crypto-node.js';
import { asymmetricKeyEntry, checkJwkMemberTypes, type Jwk, type KeyObject, secretEntry } from './keys.js';
import { quote } from './text.js';

export type JweKeyUsage = 'encrypt' | 'decrypt';

/** WebCrypto algorithm names that may hold a JWE key of each kind. */
const CRYPTOKEY_NAMES: Record<'secret' | 'rsa' | 'ecdh', readonly string[]> = {
  secret: ['AES-KW', 'AES-GCM', 'AES-CBC', 'PBKDF2'],
  rsa: ['RSA-OAEP'],
  ecdh: ['ECDH', 'X25519', 'X448'],
};

function checkCryptoKey(input: unknown, kind: keyof typeof CRYPTOKEY_NAMES, alg: string): void {
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

/**
 * Secret bytes for dir (the CEK, `enc`'s length), AES KW / GCMKW (the KEK, exact length) and PBES2
 * (the password, any non-zero length).
 */
export function secretJweKey(
  input: unknown,
  info: KeyManagementInfo,
  enc: ContentEncryptionInfo | null,
  usage: JweKeyUsage,
): Buffer {
  if (typeof input === 'string' && info.family !== 'pbes2')
    throw new InvalidKeyError(
      `${info.name} needs key bytes (a Uint8Array, a secret KeyObject or an oct JWK); a string is a password, for PBES2 only`,
    );
  checkCryptoKey(input, 'secret', info.name);
  let entry: ReturnType<typeof secretEntry>;
  try {
    entry = secretEntry(input);
  } catch (cause) {
    if (cause instanceof InvalidKeyError)
      throw new InvalidKeyError(cause.message.replace(/as an HMAC secret|for HMAC/g, `with ${info.name}`), {
        cause,
      });
    throw cause;
  }
  checkJweJwk(entry.jwk, info, enc, usage);
  const n = entry.bytes.length;
  if (info.family === 'pbes2') {
    if (n === 0) throw new InvalidKeyError('The PBES2 password is empty');
    return entry.bytes;
  }
  const want = info.family === 'dir' ? (enc?.cekBytes ?? 0) : info.kekBytes;
  if (n !== want)
    throw new InvalidKeyError(
      `${info.name}${info.family === 'dir' ? ` with ${enc?.name}` : ''} needs a ${want * 8}-bit key (this one has ${n * 8} bits)`,
    );
  return entry.bytes;
}

export interface AsymmetricJweKey {
  readonly key: KeyObject;
  /** For ECDH-ES: the recipient's curve (the ephemeral key must be on it). */
  readonly curve: EcdhCurve | null;
}

const ECDH_TYPE_CURVE = new Map<string, EcdhCurve>([
  ['x25519', 'X25519'],
  ['x448', 'X448'],
]);

/** An RSA or ECDH key for `info`, after type, curve, size and JWK checks. */
export function asymmetricJweKey(
  input: unknown,
  info: KeyManagementInfo,
  usage: JweKeyUsage,
): AsymmetricJweKey {
  const rsa = info.family === 'rsa-oaep' || info.family === 'rsa1_5';
  checkCryptoKey(input, rsa ? 'rsa' : 'ecdh', info.name);
  if (typeof input === 'string' && !input.includes('-----BEGIN'))
    throw new InvalidKeyError(`${info.name} needs a PEM key, a KeyObject or a JWK, not a plain string`);
  const entry = asymmetricKeyEntry(input);
  checkJweJwk(entry.jwk, info, null, usage);
  let curve: EcdhCurve | null = null;
  if (rsa) {
    if (entry.type !== 'rsa')
      throw new InvalidKeyError(
        `${info.name} needs an RSA key, not ${entry.type === 'rsa-pss' ? 'an RSA-PSS (signing-only) key' : `an ${entry.type} key`}`,
      );
    if (entry.bits < MIN_RSA_BITS)
      throw new InvalidKeyError(
        `${info.name} needs an RSA key of at least ${MIN_RSA_BITS} bits (this one has ${entry.bits})`,
      );
  } else {
    curve =
      entry.type === 'ec'
        ? entry.curve === 'P-256' || entry.curve === 'P-384' || entry.curve === 'P-521'
          ? entry.curve
          : null
        : (ECDH_TYPE_CURVE.get(entry.type) ?? null);
    if (curve === null)
      throw new InvalidKeyError(
        `${info.name} needs an EC P-256/P-384/P-521 or an X25519/X448 key, not ${entry.curve ? `${entry.type} ${entry.curve}` : `an ${entry.type} key`}`,
      );
  }
  if (usage === 'decrypt') {
    if (entry.key.type !== 'private')
      throw new InvalidKeyError(`Decrypting with ${info.name} needs a private key`);
    return { key: entry.key, curve };
  }
  if (!entry.publicKey) entry.publicKey = nodeJweCrypto.publicOf(entry.key);
  return { key: entry.publicKey, curve };
}
