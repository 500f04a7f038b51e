/**
 * JWE on the WebCrypto backend: the shared pipelines (jwe-core.ts, jwe-jwt-core.ts) driven asynchronously
 * (`runAsync`) over `crypto.subtle` (jwe-crypto-web.ts) and the web key readers (jwe-keys-web.ts). The
 * same names as the Node build, returning Promises; results carry Uint8Arrays. A key resolver may be async.
 */
import { InvalidOptionsError, UnsupportedAlgorithmError } from '../errors.js';
import { webParams } from './crypto-web.js';
import type { JwtPayload } from './decode-unverified.js';
import { resolveEncode } from './encode-core.js';
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
  normalizeDecryptOptions,
  parseJwe,
  runAsync,
} from './jwe-core.js';
import { webJweCrypto } from './jwe-crypto-web.js';
import {
  type DecodedEncryptedJwt,
  type DecodeEncryptedOptionsOf,
  decodeEncryptedSteps,
  type EncodeEncryptedOptionsOf,
  encodeEncryptedSteps,
  type NestedSignOptionsOf,
  type NestedVerifyOptionsOf,
} from './jwe-jwt-core.js';
import { asymmetricJweKeyWeb, secretJweKeyWeb } from './jwe-keys-web.js';
import {
  signingKeyWeb,
  signJwtWeb,
  verifyJwtWeb,
  type WebKeyInput,
  type WebVerifyKey,
} from './verify-web.js';

export const webJweBackend: JweBackend<CryptoKey> = {
  ...webJweCrypto,
  async: true,
  secretKey: secretJweKeyWeb,
  asymmetricKey: asymmetricJweKeyWeb,
};

export type WebEncryptRecipient = EncryptRecipientOf<WebKeyInput>;
/** Picks the key from the (joint, unverified) header of one recipient, e.g. by `kid`; may be async. */
export type WebJweKeyResolver = JweKeyResolverOf<
  WebKeyInput,
  WebKeyInput | Jwks | Promise<WebKeyInput | Jwks>
>;
export type WebDecryptKey = DecryptKeyOf<WebKeyInput, WebKeyInput | Jwks | Promise<WebKeyInput | Jwks>>;
export type WebDecryptedJwe = DecryptedJweOf<Uint8Array>;
export type WebNestedSignOptions = NestedSignOptionsOf<WebKeyInput>;
export type WebEncodeEncryptedOptions = EncodeEncryptedOptionsOf<WebKeyInput>;
export type WebNestedVerifyOptions = NestedVerifyOptionsOf<WebVerifyKey>;
export type WebDecodeEncryptedOptions = DecodeEncryptedOptionsOf<WebVerifyKey>;
type Jwks = import('./jwk.js').Jwks;

const RSA1_5_REFUSED =
  'RSA1_5 is not available on the WebCrypto backend (WebCrypto has no RSAES-PKCS1-v1_5); use RSA-OAEP-256';

function refuseRsa15(o: NormalizedDecryptOptions): void {
  if (o.alg.includes('RSA1_5')) throw new UnsupportedAlgorithmError(RSA1_5_REFUSED);
}

/** Encrypts bytes (or UTF-8 text) as a JWE (the Node build's `encryptJwe`, async). */
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: WebKeyInput,
  options: EncryptJweOptions & { serialization?: 'compact' },
): Promise<string>;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: WebKeyInput,
  options: EncryptJweOptions & { serialization: 'flattened' },
): Promise<FlattenedJwe>;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: WebKeyInput | readonly WebEncryptRecipient[],
  options: EncryptJweOptions & { serialization?: 'general' },
): Promise<GeneralJwe>;
export function encryptJwe(
  plaintext: Uint8Array | string,
  key: WebKeyInput | readonly WebEncryptRecipient[],
  options: EncryptJweOptions,
): Promise<string | FlattenedJwe | GeneralJwe>;
export async function encryptJwe(
  plaintext: Uint8Array | string,
  key: WebKeyInput | readonly WebEncryptRecipient[],
  options: EncryptJweOptions,
): Promise<string | FlattenedJwe | GeneralJwe> {
  refuseRsa15Encrypt(key, options);
  return runAsync(encryptSteps(webJweBackend, plaintext, key, options));
}

/**
 * RSA1_5 encryption, once the caller passed unsafeAllowRsa1_5 (without it the shared options check refuses
 * it first): refused before any key is read.
 */
function refuseRsa15Encrypt(key: unknown, options: unknown): void {
  if (typeof options !== 'object' || options === null) return;
  const o = options as { alg?: unknown; unsafeAllowRsa1_5?: unknown };
  if (o.unsafeAllowRsa1_5 !== true) return;
  const recipients = Array.isArray(key) ? (key as { alg?: unknown }[]) : [{ alg: o.alg }];
  if (recipients.some((r) => typeof r === 'object' && r !== null && r.alg === 'RSA1_5'))
    throw new UnsupportedAlgorithmError(RSA1_5_REFUSED);
}

/** Decrypts a compact JWE (a string) or a JSON serialization (an object); both allowlists are required. */
export async function decryptJwe(
  jwe: unknown,
  key: WebDecryptKey,
  options: DecryptJweOptions,
): Promise<WebDecryptedJwe> {
  const opts = decryptOptions(options, 'decryptJwe()');
  refuseRsa15(opts);
  return runAsync(decryptParsedSteps(webJweBackend, parseJwe(jwe, opts.maxTokenLength), key, opts));
}

/**
 * The Node build's `createDecrypter`, async: the options read once (a mistake throws now), then
 * `open(jwe)` resolves as `decryptJwe` would. Keys are bound by the WebCrypto key cache (per input).
 */
export function createDecrypter(
  key: WebDecryptKey,
  options: DecryptJweOptions,
): (jwe: unknown) => Promise<WebDecryptedJwe> {
  const opts = decryptOptions(options, 'createDecrypter()');
  refuseRsa15(opts);
  return async (jwe) =>
    runAsync(decryptParsedSteps(webJweBackend, parseJwe(jwe, opts.maxTokenLength), key, opts));
}

/**
 * The Node build's `createEncrypter`, async: `seal(plaintext)` resolves as `encryptJwe(plaintext, key,
 * options)` would (compact). On WebCrypto the options are checked by each call (a rejected promise).
 */
export function createEncrypter(
  key: WebKeyInput,
  options: EncryptJweOptions & { serialization?: 'compact' },
): (plaintext: Uint8Array | string) => Promise<string> {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionsError('createEncrypter(): options must be an object');
  if (options.serialization !== undefined && options.serialization !== 'compact')
    throw new InvalidOptionsError('createEncrypter() makes compact JWEs; use encryptJwe() for JSON');
  return async (plaintext) =>
    runAsync(encryptSteps(webJweBackend, plaintext, key, options)) as Promise<string>;
}

async function signWeb(payload: object, key: unknown, options: object): Promise<string> {
  const plan = resolveEncode(options, 'encodeEncrypted() sign');
  webParams(plan.info);
  return signJwtWeb(plan, await signingKeyWeb(key, plan), payload);
}

/** A JWT whose claims are encrypted (compact JWE); with `sign`, a nested JWT (the Node build's, async). */
export async function encodeEncrypted(
  payload: object,
  key: WebKeyInput,
  options: WebEncodeEncryptedOptions,
): Promise<string> {
  refuseRsa15Encrypt(key, options);
  return runAsync(encodeEncryptedSteps(webJweBackend, payload, key, options, signWeb));
}

/** Decrypts an encrypted JWT and resolves to its header, claims and (nested) signed header. */
export async function decodeEncryptedComplete<T = JwtPayload>(
  token: string,
  key: WebDecryptKey,
  options: WebDecodeEncryptedOptions,
): Promise<DecodedEncryptedJwt<T>> {
  // RSA1_5 needs unsafeAllowRsa1_5 (the shared options check says so); with it, it is refused here at once,
  // as decryptJwe does, not on the first RSA1_5 token.
  if (typeof options === 'object' && options !== null && options.unsafeAllowRsa1_5 === true)
    refuseRsa15(normalizeDecryptOptions(options as unknown as Record<string, unknown>));
  return runAsync(
    decodeEncryptedSteps<CryptoKey, T>(webJweBackend, token, key, options, (jws, k, o) =>
      verifyJwtWeb(jws, k as WebVerifyKey, o),
    ),
  );
}

/** Decrypts an encrypted JWT (compact JWE) and resolves to its claims, checked like `decode` does. */
export async function decodeEncrypted<T = JwtPayload>(
  token: string,
  key: WebDecryptKey,
  options: WebDecodeEncryptedOptions,
): Promise<T> {
  return (await decodeEncryptedComplete<T>(token, key, options)).payload;
}
