/**
 * The JWE backend contract (types only): what the shared pipeline (jwe-core.ts) asks of a backend. The
 * node:crypto backend (jwe-crypto-node.ts + jwe-keys.ts) answers at once; the WebCrypto backend
 * (jwe-crypto-web.ts + jwe-keys-web.ts) answers with Promises. jwe-core is written once as generators that
 * yield each backend answer: `runSync` drives them for Node, `runAsync` for WebCrypto (jwe-core.ts).
 *
 * Failure convention: a primitive that authenticates or unwraps (GCM open, CBC decrypt, key unwrap,
 * RSA decrypt, ECDH) answers `null` on any failure instead of throwing, so the pipeline turns every one of
 * them into the same error (no padding / unwrap / OAEP oracle by error class or message).
 */
import type { ContentEncryptionInfo, KeyManagementInfo } from './jwe-algorithms.js';

export type ShaName = 'sha1' | 'sha256' | 'sha384' | 'sha512';
/** The curves of ECDH-ES (RFC 7518 §4.6, RFC 8037 §3.2). */
export type EcdhCurve = 'P-256' | 'P-384' | 'P-521' | 'X25519' | 'X448';
/** A value now (node:crypto) or later (WebCrypto). */
export type Maybe<T> = T | Promise<T>;
export type JweKeyUsage = 'encrypt' | 'decrypt';

/** An RSA or ECDH key bound to one algorithm. */
export interface AsymmetricJweKey<K> {
  readonly key: K;
  /** For ECDH-ES: the recipient's curve (the ephemeral key must be on it). */
  readonly curve: EcdhCurve | null;
}

/** The primitives JWE needs. Keys are the backend's own key objects (KeyObject on Node, CryptoKey on the web). */
export interface JweCrypto<K> {
  randomBytes(n: number): Uint8Array;
  sha(hash: ShaName, parts: readonly Uint8Array[]): Maybe<Uint8Array>;
  hmac(hash: ShaName, key: Uint8Array, parts: readonly Uint8Array[]): Maybe<Uint8Array>;
  equalConstantTime(a: Uint8Array, b: Uint8Array): boolean;
  /** AES-GCM with a 96-bit IV and a 128-bit tag. */
  gcmSeal(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Maybe<{ ciphertext: Uint8Array; tag: Uint8Array }>;
  gcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Maybe<Uint8Array | null>;
  /** AES-CBC with PKCS#7 padding (the MAC is the caller's: RFC 7518 §5.2). */
  cbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Maybe<Uint8Array>;
  cbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Maybe<Uint8Array | null>;
  /** AES key wrap, RFC 3394 with the default IV. */
  aesWrap(kek: Uint8Array, cek: Uint8Array): Maybe<Uint8Array>;
  aesUnwrap(kek: Uint8Array, wrapped: Uint8Array): Maybe<Uint8Array | null>;
  rsaOaepEncrypt(publicKey: K, hash: ShaName, data: Uint8Array): Maybe<Uint8Array>;
  rsaOaepDecrypt(privateKey: K, hash: ShaName, data: Uint8Array): Maybe<Uint8Array | null>;
  rsaPkcs1Encrypt(publicKey: K, data: Uint8Array): Maybe<Uint8Array>;
  /** `undefined` when the runtime refuses PKCS#1 v1.5 decryption altogether (Node >= 20.11, CVE-2023-46809). */
  rsaPkcs1Decrypt(privateKey: K, data: Uint8Array): Maybe<Uint8Array | null | undefined>;
  /** The raw ECDH / X25519 / X448 shared secret; null when the agreement fails (e.g. a low-order point). */
  ecdh(privateKey: K, publicKey: K, curve: EcdhCurve): Maybe<Uint8Array | null>;
  /** A fresh ephemeral key pair on `curve`, with its public JWK (only kty, crv, x[, y]). */
  ephemeral(curve: EcdhCurve): Maybe<{ privateKey: K; publicJwk: Record<string, string> }>;
  /** Imports a public EC/OKP JWK (kty, crv, x[, y] only); null when it is not a valid point on the curve. */
  importPublicJwk(jwk: Record<string, string>, curve: EcdhCurve): Maybe<K | null>;
  pbkdf2(
    hash: ShaName,
    password: Uint8Array,
    salt: Uint8Array,
    iterations: number,
    bytes: number,
  ): Maybe<Uint8Array>;
  deflateRaw(data: Uint8Array): Maybe<Uint8Array>;
  /** Raw DEFLATE inflation that stops once the output would exceed `maxBytes`: null then, or on bad data. */
  inflateRaw(data: Uint8Array, maxBytes: number): Maybe<Uint8Array | null>;
}

/** A backend: its primitives and its key binding (the rules of the binding are jwe-key-rules.ts). */
export interface JweBackend<K> extends JweCrypto<K> {
  /** Whether answers may be Promises (a key resolver may then be async too). */
  readonly async: boolean;
  /** Secret bytes for dir (the CEK), AES KW / GCMKW (the KEK) and PBES2 (the password). */
  secretKey(
    input: unknown,
    info: KeyManagementInfo,
    enc: ContentEncryptionInfo | null,
    usage: JweKeyUsage,
  ): Maybe<Uint8Array>;
  /** An RSA or ECDH key for `info`, after type, curve, size and JWK checks. */
  asymmetricKey(input: unknown, info: KeyManagementInfo, usage: JweKeyUsage): Maybe<AsymmetricJweKey<K>>;
}
