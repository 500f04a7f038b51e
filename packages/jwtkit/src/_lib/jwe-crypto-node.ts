/**
 * The JWE crypto boundary on Node: every node:crypto (and node:zlib) call JWE makes is in this file, behind
 * the small `JweCrypto` interface of primitives below, so that another backend (WebCrypto) can implement
 * the same interface and the JWE code above it does not change. Nothing is hand-rolled: OpenSSL does
 * AES-GCM, AES-CBC, HMAC, AES key wrap (RFC 3394), RSA-OAEP, ECDH/X25519/X448, PBKDF2 and SHA-2.
 *
 * Failure convention: a primitive that authenticates or unwraps (GCM open, CBC decrypt, key unwrap,
 * RSA decrypt, ECDH) returns `null` on any failure instead of throwing, so the caller turns every one of
 * them into the same error (no padding / unwrap / OAEP oracle by error class or message).
 */
import {
  type CipherGCMTypes,
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  pbkdf2Sync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export type ShaName = 'sha1' | 'sha256' | 'sha384' | 'sha512';
/** The curves of ECDH-ES (RFC 7518 §4.6, RFC 8037 §3.2). */
export type EcdhCurve = 'P-256' | 'P-384' | 'P-521' | 'X25519' | 'X448';

/** The primitives JWE needs. Keys are the backend's own key objects (KeyObject here, CryptoKey on the web). */
export interface JweCrypto<K = KeyObject> {
  randomBytes(n: number): Buffer;
  sha(hash: ShaName, parts: readonly Uint8Array[]): Buffer;
  hmac(hash: ShaName, key: Uint8Array, parts: readonly Uint8Array[]): Buffer;
  equalConstantTime(a: Uint8Array, b: Uint8Array): boolean;
  /** AES-GCM with a 96-bit IV and a 128-bit tag. */
  gcmSeal(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): { ciphertext: Buffer; tag: Buffer };
  gcmOpen(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Buffer | null;
  /** AES-CBC with PKCS#7 padding (the MAC is the caller's: RFC 7518 §5.2). */
  cbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Buffer;
  cbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer | null;
  /** AES key wrap, RFC 3394 with the default IV. */
  aesWrap(kek: Uint8Array, cek: Uint8Array): Buffer;
  aesUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer | null;
  rsaOaepEncrypt(publicKey: K, hash: ShaName, data: Uint8Array): Buffer;
  rsaOaepDecrypt(privateKey: K, hash: ShaName, data: Uint8Array): Buffer | null;
  rsaPkcs1Encrypt(publicKey: K, data: Uint8Array): Buffer;
  /** `undefined` when the runtime refuses PKCS#1 v1.5 decryption altogether (Node >= 20.11, CVE-2023-46809). */
  rsaPkcs1Decrypt(privateKey: K, data: Uint8Array): Buffer | null | undefined;
  /** The raw ECDH / X25519 / X448 shared secret; null when the agreement fails (e.g. a low-order point). */
  ecdh(privateKey: K, publicKey: K): Buffer | null;
  /** A fresh ephemeral key pair on `curve`, with its public JWK (only kty, crv, x[, y]). */
  ephemeral(curve: EcdhCurve): { privateKey: K; publicJwk: Record<string, string> };
  /** Imports a public EC/OKP JWK (kty, crv, x[, y] only); null when it is not a valid point on the curve. */
  importPublicJwk(jwk: Record<string, string>): K | null;
  /** The public half of a private key. */
  publicOf(key: K): K;
  pbkdf2(hash: ShaName, password: Uint8Array, salt: Uint8Array, iterations: number, bytes: number): Buffer;
  deflateRaw(data: Uint8Array): Buffer;
  /** Raw DEFLATE inflation that stops once the output would exceed `maxBytes`: null then, or on bad data. */
  inflateRaw(data: Uint8Array, maxBytes: number): Buffer | null;
}

const AES_KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const GCM = new Map<number, CipherGCMTypes>([
  [16, 'aes-128-gcm'],
  [24, 'aes-192-gcm'],
  [32, 'aes-256-gcm'],
]);
const CBC = new Map<number, string>([
  [16, 'aes-128-cbc'],
  [24, 'aes-192-cbc'],
  [32, 'aes-256-cbc'],
]);
const aes = (mode: 'cbc', key: Uint8Array) => CBC.get(key.length) ?? `aes-${key.length * 8}-${mode}`;
const gcm = (key: Uint8Array) => GCM.get(key.length) ?? (`aes-${key.length * 8}-gcm` as CipherGCMTypes);
const GCM_OPTS = { authTagLength: 16 };

const NODE_CURVE: Record<'P-256' | 'P-384' | 'P-521', string> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

export const nodeJweCrypto: JweCrypto<KeyObject> = {
  randomBytes: (n) => randomBytes(n),
  sha(hash, parts) {
    const h = createHash(hash);
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hmac(hash, key, parts) {
    const h = createHmac(hash, key);
    for (const p of parts) h.update(p);
    return h.digest();
  },
  equalConstantTime: (a, b) => a.length === b.length && timingSafeEqual(a, b),
  gcmSeal(key, iv, plaintext, aad) {
    const c = createCipheriv(gcm(key), key, iv, GCM_OPTS);
    c.setAAD(aad);
    const ciphertext = c.update(plaintext);
    c.final();
    return { ciphertext, tag: c.getAuthTag() };
  },
  gcmOpen(key, iv, ciphertext, tag, aad) {
    try {
      const d = createDecipheriv(gcm(key), key, iv, GCM_OPTS);
      d.setAAD(aad);
      d.setAuthTag(tag);
      const out = d.update(ciphertext);
      d.final();
      return out;
    } catch {
      return null;
    }
  },
  cbcEncrypt(key, iv, plaintext) {
    const c = createCipheriv(aes('cbc', key), key, iv);
    return Buffer.concat([c.update(plaintext), c.final()]);
  },
  cbcDecrypt(key, iv, ciphertext) {
    try {
      const d = createDecipheriv(aes('cbc', key), key, iv);
      return Buffer.concat([d.update(ciphertext), d.final()]);
    } catch {
      return null;
    }
  },
  aesWrap(kek, cek) {
    const c = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, AES_KW_IV);
    return Buffer.concat([c.update(cek), c.final()]);
  },
  aesUnwrap(kek, wrapped) {
    try {
      const d = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, AES_KW_IV);
      return Buffer.concat([d.update(wrapped), d.final()]);
    } catch {
      return null;
    }
  },
  rsaOaepEncrypt: (key, hash, data) =>
    publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data),
  rsaOaepDecrypt(key, hash, data) {
    try {
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
    } catch {
      return null;
    }
  },
  rsaPkcs1Encrypt: (key, data) => publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, data),
  rsaPkcs1Decrypt(key, data) {
    try {
      return privateDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, data);
    } catch (e) {
      if (e instanceof Error && /no longer supported/.test(e.message)) return undefined;
      return null;
    }
  },
  ecdh(privateKey, publicKey) {
    try {
      return diffieHellman({ privateKey, publicKey });
    } catch {
      return null;
    }
  },
  ephemeral(curve) {
    // The public key is encoded by the generation job itself: exporting a key fresh from a job can
    // deadlock node (see generateEc in crypto.ts). The private key is only used by diffieHellman, which
    // allocates nothing while it holds the key's lock.
    const pub = { publicKeyEncoding: { format: 'jwk' } } as const;
    const pair =
      curve === 'X25519'
        ? generateKeyPairSync('x25519', pub)
        : curve === 'X448'
          ? generateKeyPairSync('x448', pub)
          : generateKeyPairSync('ec', { namedCurve: NODE_CURVE[curve], ...pub });
    const jwk = pair.publicKey as unknown as Record<string, string>; // format jwk: an object
    const publicJwk: Record<string, string> =
      jwk.kty === 'EC'
        ? { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }
        : { kty: 'OKP', crv: jwk.crv as string, x: jwk.x as string };
    return { privateKey: pair.privateKey, publicJwk };
  },
  importPublicJwk(jwk) {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: node's JWK type is looser than ours
      return createPublicKey({ key: jwk as any, format: 'jwk' });
    } catch {
      return null;
    }
  },
  publicOf: (key) => (key.type === 'public' ? key : createPublicKey(key)),
  pbkdf2: (hash, password, salt, iterations, bytes) => pbkdf2Sync(password, salt, iterations, bytes, hash),
  deflateRaw: (data) => deflateRawSync(data),
  inflateRaw(data, maxBytes) {
    try {
      // zlib stops (RangeError) as soon as the output passes maxOutputLength: it never inflates further.
      return inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes), chunkSize: 16 * 1024 });
    } catch {
      return null;
    }
  },
};

/** For key parsing in the JWE layer: node's constructors (the JWE key rules live in jwe-keys.ts). */
export { createPrivateKey, createPublicKey };
