/**
 * The WebCrypto backend's one crypto boundary: the only library file that calls `crypto.subtle` (the
 * node:crypto backend's is crypto.ts). It runs on `globalThis.crypto.subtle`: browsers, Deno, Bun,
 * workerd, and Node. It only imports, signs and verifies; every rule (key type, curve, RSA size, HMAC
 * length, exact signature lengths) is checked before in key-rules.ts. Nothing is hand-rolled.
 */
import { UnsupportedAlgorithmError } from '../errors.js';
import type { AlgorithmInfo, WebCryptoParams } from './algorithms.js';

/** A JWK as WebCrypto's importKey takes it. */
export type WebJwk = { kty: string; [member: string]: unknown };

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) throw new UnsupportedAlgorithmError('This runtime has no WebCrypto (globalThis.crypto.subtle)');
  return s;
}

/** The WebCrypto parameters of an algorithm, or UnsupportedAlgorithmError (ES256K, Ed448). */
export function webParams(info: AlgorithmInfo): WebCryptoParams {
  if (!info.webcrypto)
    throw new UnsupportedAlgorithmError(
      `${info.name} is not available on the WebCrypto backend (WebCrypto has no ${info.curves[0] ?? info.name}); use the Node build`,
    );
  return info.webcrypto;
}

// WebCrypto's TypeScript types want an ArrayBuffer-backed view; every view we pass is one.
type Bytes = Uint8Array<ArrayBuffer>;
const view = (b: Uint8Array) => b as Bytes;

export function importSecret(bytes: Uint8Array, info: AlgorithmInfo, usage: KeyUsage): Promise<CryptoKey> {
  return subtle().importKey('raw', view(bytes), webParams(info).importParams, false, [usage]);
}

export function importJwk(
  jwk: WebJwk,
  info: AlgorithmInfo,
  usage: KeyUsage,
  extractable = false,
): Promise<CryptoKey> {
  return subtle().importKey('jwk', jwk as JsonWebKey, webParams(info).importParams, extractable, [usage]);
}

export function importDer(
  format: 'spki' | 'pkcs8',
  der: Uint8Array,
  info: AlgorithmInfo,
  usage: KeyUsage,
): Promise<CryptoKey> {
  return subtle().importKey(format, view(der), webParams(info).importParams, true, [usage]);
}

export async function exportJwk(key: CryptoKey): Promise<WebJwk> {
  return (await subtle().exportKey('jwk', key)) as WebJwk;
}

export async function exportRaw(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('raw', key));
}

export async function webSign(info: AlgorithmInfo, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign(webParams(info).signParams, key, view(data)));
}

/** A WebCrypto verify; an exception (a malformed signature some engines refuse loudly) is `false`. */
export async function webVerify(
  info: AlgorithmInfo,
  key: CryptoKey,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  try {
    return await subtle().verify(webParams(info).signParams, key, view(signature), view(data));
  } catch {
    return false;
  }
}

export function webRandomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  (globalThis as { crypto: Crypto }).crypto.getRandomValues(out);
  return out;
}

export async function webDigest(
  hash: 'SHA-256' | 'SHA-384' | 'SHA-512',
  data: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hash, view(data)));
}

type KeyUsage = 'sign' | 'verify';
