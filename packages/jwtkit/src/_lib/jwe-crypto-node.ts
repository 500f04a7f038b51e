/**
 * The JWE crypto boundary on Node: every node:crypto (and node:zlib) call JWE makes is in this file, behind
 * the `JweCrypto` contract of jwe-backend.ts, which the WebCrypto backend (jwe-crypto-web.ts) implements too:
 * the JWE pipeline above it (jwe-core.ts) is the same for both. Nothing is hand-rolled: OpenSSL does
 * AES-GCM, AES-CBC, HMAC, AES key wrap (RFC 3394), RSA-OAEP, ECDH/X25519/X448, PBKDF2 and SHA-2.
 *
 * The contract and its failure convention (null, never a throw, for every authentication / unwrap
 * failure) are in jwe-backend.ts; the rules that use these primitives are jwe-core.ts, shared with WebCrypto.
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
import type { EcdhCurve, JweCrypto, ShaName } from './jwe-backend.js';

export type { EcdhCurve, ShaName };

/** node:crypto's answers are immediate: the same contract with every result unwrapped. */
type Now<T> = T extends (...a: infer A) => infer R ? (...a: A) => Awaited<R> : T;
export type NodeJweCrypto = { [M in keyof JweCrypto<KeyObject>]: Now<JweCrypto<KeyObject>[M]> } & {
  /** The public half of a private key. */
  publicOf(key: KeyObject): KeyObject;
};

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

export const nodeJweCrypto: NodeJweCrypto = {
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
