/**
 * JWE on the node:crypto backend: the shared pipeline (jwe-core.ts) driven synchronously (`runSync`) over
 * node:crypto (jwe-crypto-node.ts) and the node key readers (jwe-keys.ts). Results carry Buffers.
 */

import type { JweBackend } from './jwe-backend.js';
import {
  type DecryptedJweOf,
  type DecryptJweOptions,
  type DecryptKeyOf,
  decryptOptions,
  decryptParsedSteps,
  type EncryptJweOptions,
  type EncryptRecipientOf,
  encryptSteps,
  type FlattenedJwe,
  type GeneralJwe,
  type JweKeyResolverOf,
  type NormalizedDecryptOptions,
  type ParsedJwe,
  parseJwe,
  runSync,
} from './jwe-core.js';
import { nodeJweCrypto } from './jwe-crypto-node.js';
import { asymmetricJweKey, secretJweKey } from './jwe-keys.js';
import type { KeyInput, KeyObject } from './keys.js';

/**
 * The node backend is the primitives object itself (so a test that wraps one primitive of nodeJweCrypto
 * wraps it for the pipeline too), with the node key binding.
 */
export const nodeJweBackend: JweBackend<KeyObject> = Object.assign(nodeJweCrypto, {
  async: false as const,
  secretKey: secretJweKey,
  asymmetricKey: asymmetricJweKey,
});

export type EncryptRecipient = EncryptRecipientOf<KeyInput>;
/** Picks the key from the (joint, unverified) header of one recipient, e.g. by `kid`. Synchronous. */
export type JweKeyResolver = JweKeyResolverOf<KeyInput>;
export type DecryptKey = DecryptKeyOf<KeyInput>;
export type DecryptedJwe = DecryptedJweOf<Buffer>;

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function withBuffers(d: DecryptedJweOf<Uint8Array>): DecryptedJwe {
  const out = d as unknown as DecryptedJwe;
  out.plaintext = asBuffer(d.plaintext);
  if (d.aad) out.aad = asBuffer(d.aad);
  return out;
}

/**
 * Encrypts bytes (or UTF-8 text) as a JWE: compact by default, or `serialization: 'flattened' | 'general'`.
 * A fresh random CEK and IV for every call. Pass a list of `{ key, alg, header }` for several recipients.
 */
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: KeyInput,
  options: EncryptJweOptions & { serialization?: 'compact' },
): string;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: KeyInput,
  options: EncryptJweOptions & { serialization: 'flattened' },
): FlattenedJwe;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: KeyInput | readonly EncryptRecipient[],
  options: EncryptJweOptions & { serialization?: 'general' },
): GeneralJwe;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: KeyInput | readonly EncryptRecipient[],
  options: EncryptJweOptions,
): string | FlattenedJwe | GeneralJwe;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: KeyInput | readonly EncryptRecipient[],
  options: EncryptJweOptions,
): string | FlattenedJwe | GeneralJwe {
  return runSync(encryptSteps(nodeJweBackend, plaintext, key, options));
}

/** Decrypts a compact JWE (a string) or a JSON serialization (an object). Both allowlists are required. */
export function decryptJwe(jwe: unknown, key: DecryptKey, options: DecryptJweOptions): DecryptedJwe {
  const opts = decryptOptions(options, 'decryptJwe()');
  return withBuffers(
    runSync(decryptParsedSteps(nodeJweBackend, parseJwe(jwe, opts.maxTokenLength), key, opts)),
  );
}

/** The decryption of an already parsed JWE with checked options (for the JWT layer). */
export function decryptParsed(
  parsed: ParsedJwe,
  key: DecryptKey,
  opts: NormalizedDecryptOptions,
): DecryptedJwe {
  return withBuffers(runSync(decryptParsedSteps(nodeJweBackend, parsed, key, opts)));
}
