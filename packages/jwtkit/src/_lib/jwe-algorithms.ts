/**
 * The one table of JWE algorithm facts (RFC 7518 §4 and §5, RFC 8037 §3.2). Everything in the JWE code
 * looks algorithms up here by exact, case-sensitive name with an own-property check.
 */
import type { EcdhCurve, ShaName } from './jwe-crypto-node.js';

export type KeyManagementAlgorithm =
  | 'dir'
  | 'A128KW'
  | 'A192KW'
  | 'A256KW'
  | 'A128GCMKW'
  | 'A192GCMKW'
  | 'A256GCMKW'
  | 'RSA-OAEP'
  | 'RSA-OAEP-256'
  | 'RSA-OAEP-384'
  | 'RSA-OAEP-512'
  | 'RSA1_5'
  | 'ECDH-ES'
  | 'ECDH-ES+A128KW'
  | 'ECDH-ES+A192KW'
  | 'ECDH-ES+A256KW'
  | 'PBES2-HS256+A128KW'
  | 'PBES2-HS384+A192KW'
  | 'PBES2-HS512+A256KW';

export type ContentEncryptionAlgorithm =
  | 'A128CBC-HS256'
  | 'A192CBC-HS384'
  | 'A256CBC-HS512'
  | 'A128GCM'
  | 'A192GCM'
  | 'A256GCM';

export type KeyManagementFamily =
  | 'dir'
  | 'aes-kw'
  | 'aes-gcm-kw'
  | 'rsa-oaep'
  | 'rsa1_5'
  | 'ecdh-es'
  | 'pbes2';

export interface KeyManagementInfo {
  readonly name: KeyManagementAlgorithm;
  readonly family: KeyManagementFamily;
  /** Bytes of the key-encryption key (AES KW / GCMKW, the KW after ECDH or PBES2); 0 when none. */
  readonly kekBytes: number;
  /** OAEP hash, PBES2 HMAC hash. */
  readonly hash: ShaName | null;
  /** True when the CEK is not carried (dir, ECDH-ES): only one recipient, empty encrypted key. */
  readonly direct: boolean;
}

export interface ContentEncryptionInfo {
  readonly name: ContentEncryptionAlgorithm;
  readonly mode: 'cbc-hmac' | 'gcm';
  /** CEK bytes (for CBC-HMAC: MAC key + ENC key). */
  readonly cekBytes: number;
  readonly ivBytes: number;
  readonly tagBytes: number;
  /** HMAC hash of CBC-HMAC. */
  readonly hash: ShaName | null;
}

const km = (
  name: KeyManagementAlgorithm,
  family: KeyManagementFamily,
  kekBytes: number,
  hash: ShaName | null = null,
): KeyManagementInfo => ({ name, family, kekBytes, hash, direct: name === 'dir' || name === 'ECDH-ES' });

const KEY_MANAGEMENT = new Map<string, KeyManagementInfo>(
  [
    km('dir', 'dir', 0),
    km('A128KW', 'aes-kw', 16),
    km('A192KW', 'aes-kw', 24),
    km('A256KW', 'aes-kw', 32),
    km('A128GCMKW', 'aes-gcm-kw', 16),
    km('A192GCMKW', 'aes-gcm-kw', 24),
    km('A256GCMKW', 'aes-gcm-kw', 32),
    km('RSA-OAEP', 'rsa-oaep', 0, 'sha1'),
    km('RSA-OAEP-256', 'rsa-oaep', 0, 'sha256'),
    km('RSA-OAEP-384', 'rsa-oaep', 0, 'sha384'),
    km('RSA-OAEP-512', 'rsa-oaep', 0, 'sha512'),
    km('RSA1_5', 'rsa1_5', 0),
    km('ECDH-ES', 'ecdh-es', 0),
    km('ECDH-ES+A128KW', 'ecdh-es', 16),
    km('ECDH-ES+A192KW', 'ecdh-es', 24),
    km('ECDH-ES+A256KW', 'ecdh-es', 32),
    km('PBES2-HS256+A128KW', 'pbes2', 16, 'sha256'),
    km('PBES2-HS384+A192KW', 'pbes2', 24, 'sha384'),
    km('PBES2-HS512+A256KW', 'pbes2', 32, 'sha512'),
  ].map((i) => [i.name, i]),
);

const ce = (name: ContentEncryptionAlgorithm, bits: 128 | 192 | 256): ContentEncryptionInfo =>
  name.includes('CBC')
    ? {
        name,
        mode: 'cbc-hmac',
        cekBytes: bits / 4,
        ivBytes: 16,
        tagBytes: bits / 8,
        hash: `sha${bits * 2}` as ShaName,
      }
    : { name, mode: 'gcm', cekBytes: bits / 8, ivBytes: 12, tagBytes: 16, hash: null };

const CONTENT_ENCRYPTION = new Map<string, ContentEncryptionInfo>(
  [
    ce('A128CBC-HS256', 128),
    ce('A192CBC-HS384', 192),
    ce('A256CBC-HS512', 256),
    ce('A128GCM', 128),
    ce('A192GCM', 192),
    ce('A256GCM', 256),
  ].map((i) => [i.name, i]),
);

export const KEY_MANAGEMENT_ALGORITHMS: readonly KeyManagementAlgorithm[] = Object.freeze([
  ...KEY_MANAGEMENT.keys(),
] as KeyManagementAlgorithm[]);
export const CONTENT_ENCRYPTION_ALGORITHMS: readonly ContentEncryptionAlgorithm[] = Object.freeze([
  ...CONTENT_ENCRYPTION.keys(),
] as ContentEncryptionAlgorithm[]);

export function keyManagementInfo(name: unknown): KeyManagementInfo | undefined {
  return typeof name === 'string' ? KEY_MANAGEMENT.get(name) : undefined;
}
export function contentEncryptionInfo(name: unknown): ContentEncryptionInfo | undefined {
  return typeof name === 'string' ? CONTENT_ENCRYPTION.get(name) : undefined;
}

/** The curves ECDH-ES accepts, by JWK `crv`. */
export const ECDH_CURVES: ReadonlySet<EcdhCurve> = new Set(['P-256', 'P-384', 'P-521', 'X25519', 'X448']);

/** Defaults and bounds (each one an option; see docs/jwe.md). */
export const DEFAULT_MAX_PBES2_COUNT = 10_000;
export const DEFAULT_PBES2_COUNT = 10_000;
export const MIN_PBES2_SALT_BYTES = 8;
export const DEFAULT_PBES2_SALT_BYTES = 16;
/** apu / apv (decoded) longer than this are refused: they are hashed into the KDF, nothing needs more. */
export const MAX_PARTY_INFO_BYTES = 256;
/** Default limit of an inflated `zip: "DEF"` plaintext. */
export const DEFAULT_MAX_INFLATED_BYTES = 256 * 1024;
