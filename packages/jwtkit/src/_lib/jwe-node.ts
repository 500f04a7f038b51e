/**
 * JWE on the node:crypto backend: the shared pipeline (jwe-core.ts) driven synchronously (`runSync`) over
 * node:crypto (jwe-crypto-node.ts) and the node key readers (jwe-keys.ts). Results carry Buffers.
 */

import { InvalidOptionsError } from '../errors.js';
import type { ContentEncryptionInfo, KeyManagementInfo } from './jwe-algorithms.js';
import type { JweBackend, JweKeyUsage } from './jwe-backend.js';
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

/**
 * A backend whose key binding is done once per (alg, enc, usage) for one fixed key: the rules still run
 * (the first time), and what they returned is reused. Bounded by the algorithm tables (the allowlists are
 * checked before any key is bound), so no input can grow it; a failed binding is never remembered.
 */
function boundTo(fixedKey: unknown): JweBackend<KeyObject> {
  const secrets = new Map<string, Uint8Array>();
  const pairs = new Map<string, ReturnType<typeof asymmetricJweKey>>();
  // The last binding answered, by identity of the table entries (a prepared form nearly always asks for
  // the same one): no key string built and hashed per call.
  let last: {
    info: KeyManagementInfo;
    enc: ContentEncryptionInfo | null;
    usage: JweKeyUsage;
    bytes: Uint8Array;
  } | null = null;
  return Object.assign(Object.create(nodeJweBackend) as JweBackend<KeyObject>, {
    secretKey(
      input: unknown,
      info: KeyManagementInfo,
      enc: ContentEncryptionInfo | null,
      usage: JweKeyUsage,
    ) {
      if (input !== fixedKey) return secretJweKey(input, info, enc, usage);
      if (last !== null && last.info === info && last.enc === enc && last.usage === usage) return last.bytes;
      const id = `${info.name} ${enc?.name ?? ''} ${usage}`;
      let bytes = secrets.get(id);
      if (bytes === undefined) {
        bytes = secretJweKey(input, info, enc, usage);
        secrets.set(id, bytes);
      }
      last = { info, enc, usage, bytes };
      return bytes;
    },
    asymmetricKey(input: unknown, info: KeyManagementInfo, usage: JweKeyUsage) {
      if (input !== fixedKey) return asymmetricJweKey(input, info, usage);
      const id = `${info.name} ${usage}`;
      let pair = pairs.get(id);
      if (pair === undefined) {
        pair = asymmetricJweKey(input, info, usage);
        pairs.set(id, pair);
      }
      return pair;
    },
  });
}

/**
 * An encrypter bound to one key and one set of options (compact serialization, one recipient), checked
 * once: `const seal = createEncrypter(key, { alg: 'dir', enc: 'A256GCM' }); seal(plaintext)`. Every call
 * still draws a fresh CEK and IV (and a fresh ephemeral key, salt or wrap IV where the algorithm has one).
 */
export function createEncrypter(
  key: KeyInput,
  options: EncryptJweOptions & { serialization?: 'compact' },
): (plaintext: Uint8Array | string) => string {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionsError('createEncrypter(): options must be an object');
  if (options.serialization !== undefined && options.serialization !== 'compact')
    throw new InvalidOptionsError('createEncrypter() makes compact JWEs; use encryptJwe() for JSON');
  const backend = boundTo(key);
  // The options are checked by the first call's own pipeline too; one encryption now reports a mistake at
  // creation, as createVerifier does.
  runSync(encryptSteps(backend, new Uint8Array(0), key, options));
  return (plaintext) => runSync(encryptSteps(backend, plaintext, key, options)) as string;
}

/**
 * A decrypter bound to one key (or key resolver) and one set of options, both checked once, as
 * `createVerifier` is for signatures: `const open = createDecrypter(key, { keyManagementAlgorithms: ['dir'],
 * contentEncryptionAlgorithms: ['A256GCM'] }); open(jwe)`. The same checks as `decryptJwe`, in the same
 * order, on every call; what is done once is reading the options and binding a fixed key to each algorithm.
 */
export function createDecrypter(key: DecryptKey, options: DecryptJweOptions): (jwe: unknown) => DecryptedJwe {
  const opts = decryptOptions(options, 'createDecrypter()');
  const backend = typeof key === 'function' ? nodeJweBackend : boundTo(key);
  return (jwe) =>
    withBuffers(runSync(decryptParsedSteps(backend, parseJwe(jwe, opts.maxTokenLength), key, opts)));
}

/** The decryption of an already parsed JWE with checked options (for the JWT layer). */
export function decryptParsed(
  parsed: ParsedJwe,
  key: DecryptKey,
  opts: NormalizedDecryptOptions,
): DecryptedJwe {
  return withBuffers(runSync(decryptParsedSteps(nodeJweBackend, parsed, key, opts)));
}
