/**
 * JWE keys on the node:crypto backend: read by keys.ts (parsed once and cached, by content for strings and
 * bytes, by identity for objects), then held to the rules of jwe-key-rules.ts (shared with the WebCrypto
 * backend's jwe-keys-web.ts).
 */
import type { ContentEncryptionInfo, KeyManagementInfo } from './jwe-algorithms.js';
import type { AsymmetricJweKey, JweKeyUsage } from './jwe-backend.js';
import { nodeJweCrypto } from './jwe-crypto-node.js';
import {
  checkAsymmetricFacts,
  checkAsymmetricInput,
  checkJweJwk,
  checkSecretInput,
  checkSecretLength,
  secretReadError,
} from './jwe-key-rules.js';
import { asymmetricKeyEntry, type KeyObject, secretEntry } from './keys.js';

export { checkJweJwk };

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
  checkSecretInput(input, info);
  let entry: ReturnType<typeof secretEntry>;
  try {
    entry = secretEntry(input);
  } catch (cause) {
    throw secretReadError(cause, info);
  }
  checkJweJwk(entry.jwk, info, enc, usage);
  checkSecretLength(entry.bytes.length, info, enc);
  return entry.bytes;
}

/** An RSA or ECDH key for `info`, after type, curve, size and JWK checks. */
export function asymmetricJweKey(
  input: unknown,
  info: KeyManagementInfo,
  usage: JweKeyUsage,
): AsymmetricJweKey<KeyObject> {
  checkAsymmetricInput(input, info);
  const entry = asymmetricKeyEntry(input);
  checkJweJwk(entry.jwk, info, null, usage);
  const curve = checkAsymmetricFacts(
    info,
    entry.type,
    entry.curve,
    entry.bits,
    entry.key.type === 'private',
    usage,
  );
  if (usage === 'decrypt') return { key: entry.key, curve };
  if (!entry.publicKey) entry.publicKey = nodeJweCrypto.publicOf(entry.key);
  return { key: entry.publicKey, curve };
}
