/**
 * JSON Web Encryption (RFC 7516): `encryptJwe` / `decryptJwe` for bytes in the compact, flattened and
 * general JSON serializations, and `encodeEncrypted` / `decodeEncrypted` for encrypted and nested JWTs.
 * Also importable as `jwtkit/jwe`. See docs/jwe.md.
 */
export type {
  ContentEncryptionAlgorithm,
  KeyManagementAlgorithm,
} from '../_lib/jwe-algorithms.js';
export { CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS } from '../_lib/jwe-algorithms.js';
export type {
  DecryptJweOptions,
  EncryptJweOptions,
  FlattenedJwe,
  GeneralJwe,
  JweHeader,
} from '../_lib/jwe-core.js';
export type { DecryptedJwe, DecryptKey, EncryptRecipient, JweKeyResolver } from '../_lib/jwe-node.js';
export { createDecrypter, createEncrypter, decryptJwe, encryptJwe } from '../_lib/jwe-node.js';
export type {
  DecodedEncryptedJwt,
  DecodeEncryptedOptions,
  EncodeEncryptedOptions,
  NestedSignOptions,
  NestedVerifyOptions,
} from './jwt.js';
export { decodeEncrypted, decodeEncryptedComplete, encodeEncrypted } from './jwt.js';
