/**
 * The JWE crypto boundary on WebCrypto: the only JWE file that calls `crypto.subtle` (the node:crypto
 * backend's is jwe-crypto-node.ts). It implements the `JweCrypto` contract of jwe-backend.ts with Promises,
 * on `globalThis.crypto.subtle` (browsers, Deno, Bun, workerd, Node), and raw DEFLATE with the
 * Compression Streams API. Nothing is hand-rolled but the constant-time comparison. Every authenticating or
 * unwrapping primitive answers null on any failure (the same convention as node:crypto's), so the shared
 * pipeline turns each into the one JweDecryptionError.
 *
 * What WebCrypto cannot do: RSAES-PKCS1-v1_5 (RSA1_5) at all, X448 on runtimes without it, 192-bit AES
 * in Chromium: each is an UnsupportedAlgorithmError (or, on decryption, the same failure as a bad key).
 */
import { InvalidOptionsError, UnsupportedAlgorithmError } from '../errors.js';
import { concatBytes } from './bytes.js';
import type { EcdhCurve, JweCrypto, ShaName } from './jwe-backend.js';

type Bytes = Uint8Array<ArrayBuffer>;
// WebCrypto's TypeScript types want an ArrayBuffer-backed view; every view we pass is one.
const view = (b: Uint8Array) => b as Bytes;

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) throw new UnsupportedAlgorithmError('This runtime has no WebCrypto (globalThis.crypto.subtle)');
  return s;
}

const HASH: Record<ShaName, string> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};
const DH_BITS: Record<EcdhCurve, number> = {
  'P-256': 256,
  'P-384': 384,
  'P-521': 528,
  X25519: 256,
  X448: 448,
};

/** The WebCrypto algorithm of an ECDH key on `curve`. */
export function ecdhParams(curve: EcdhCurve): EcKeyImportParams | Algorithm {
  return curve === 'X25519' || curve === 'X448' ? { name: curve } : { name: 'ECDH', namedCurve: curve };
}
/** The WebCrypto algorithm of an RSA-OAEP key with `hash`. */
export function oaepParams(hash: ShaName): RsaHashedImportParams {
  return { name: 'RSA-OAEP', hash: HASH[hash] };
}

const isNotSupported = (e: unknown) =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'NotSupportedError';

/** A JWK import for JWE (RSA-OAEP or ECDH); X448 where the runtime lacks it is UnsupportedAlgorithmError. */
export async function importJweJwk(
  jwk: Record<string, unknown>,
  params: EcKeyImportParams | RsaHashedImportParams | Algorithm,
  usages: KeyUsage[],
  extractable = false,
): Promise<CryptoKey> {
  try {
    return await subtle().importKey('jwk', jwk as JsonWebKey, params, extractable, usages);
  } catch (e) {
    if (isNotSupported(e))
      throw new UnsupportedAlgorithmError(
        `${params.name}${'namedCurve' in params ? ` ${params.namedCurve}` : ''} is not available on this runtime's WebCrypto; use the Node build`,
      );
    throw e;
  }
}

/** SPKI / PKCS#8 DER import, tried as each of `candidates` (null when none fits). */
export async function importJweDer(
  format: 'spki' | 'pkcs8',
  der: Uint8Array,
  candidates: readonly (EcKeyImportParams | RsaHashedImportParams | Algorithm)[],
): Promise<CryptoKey | null> {
  for (const params of candidates) {
    try {
      const usages: KeyUsage[] =
        params.name === 'RSA-OAEP'
          ? [format === 'spki' ? 'encrypt' : 'decrypt']
          : format === 'spki'
            ? []
            : ['deriveBits'];
      return await subtle().importKey(format, view(der), params, true, usages);
    } catch {}
  }
  return null;
}

export async function exportJweJwk(key: CryptoKey): Promise<Record<string, unknown>> {
  return (await subtle().exportKey('jwk', key)) as Record<string, unknown>;
}

/** The raw bytes of an extractable secret CryptoKey. */
export async function exportSecret(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('raw', key));
}

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  (globalThis as { crypto: Crypto }).crypto.getRandomValues(out);
  return out;
}

const joined = (parts: readonly Uint8Array[]) =>
  concatBytes(
    parts,
    parts.reduce((n, p) => n + p.length, 0),
  );

/**
 * An AES key of the bytes. The length is public (the algorithm's, checked before): a runtime without it
 * (Chromium has no 192-bit AES) is an UnsupportedAlgorithmError, on encryption and decryption alike.
 */
async function aesKey(name: 'AES-GCM' | 'AES-CBC' | 'AES-KW', bytes: Uint8Array, usages: KeyUsage[]) {
  try {
    return await subtle().importKey('raw', view(bytes), name, false, usages);
  } catch (cause) {
    throw new UnsupportedAlgorithmError(
      `${bytes.length * 8}-bit ${name} is not available on this runtime's WebCrypto; use 128- or 256-bit algorithms`,
      { cause },
    );
  }
}
/** In a primitive that answers null on failure: a missing capability is still reported as such. */
const unsupported = (e: unknown) => {
  if (e instanceof UnsupportedAlgorithmError) throw e;
  return null;
};

/** An extractable holder for key bytes to wrap (HMAC takes any length: CBC-HMAC CEKs are 32-64 bytes). */
const HOLDER = { name: 'HMAC', hash: 'SHA-256' } as const;

async function drain(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        // Past the limit: stop reading (the stream's backpressure stops the inflater) and drop it all.
        reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  return concatBytes(chunks, total);
}

/**
 * Feeds `data` through the transform in slices, each written once the transform took the previous one:
 * DEFLATE expands a slice at most ~1032 times, so even a runtime that inflated a whole written chunk
 * ahead of the reader could get no further than one slice's output past where reading stopped.
 */
const SLICE = 1024;
function pipeThrough(data: Uint8Array, t: { writable: WritableStream; readable: ReadableStream }) {
  const writer = t.writable.getWriter();
  (async () => {
    for (let at = 0; at < data.length; at += SLICE) await writer.write(data.subarray(at, at + SLICE));
    await writer.close();
  })().catch(() => {}); // a cancelled read (past the limit) or bad data: reported by the reader
  return t.readable as ReadableStream<Uint8Array>;
}

export const webJweCrypto: JweCrypto<CryptoKey> = {
  randomBytes: random,
  async sha(hash, parts) {
    return new Uint8Array(await subtle().digest(HASH[hash], view(joined(parts))));
  },
  async hmac(hash, key, parts) {
    const k = await subtle().importKey('raw', view(key), { name: 'HMAC', hash: HASH[hash] }, false, ['sign']);
    return new Uint8Array(await subtle().sign('HMAC', k, view(joined(parts))));
  },
  equalConstantTime(a, b) {
    if (a.length !== b.length) return false;
    let acc = 0;
    for (let i = 0; i < a.length; i++) acc |= a[i]! ^ b[i]!;
    return acc === 0;
  },
  async gcmSeal(key, iv, plaintext, aad) {
    const k = await aesKey('AES-GCM', key, ['encrypt']);
    const out = new Uint8Array(
      await subtle().encrypt(
        { name: 'AES-GCM', iv: view(iv), additionalData: view(aad), tagLength: 128 },
        k,
        view(plaintext),
      ),
    );
    return { ciphertext: out.subarray(0, out.length - 16), tag: out.subarray(out.length - 16) };
  },
  async gcmOpen(key, iv, ciphertext, tag, aad) {
    try {
      const k = await aesKey('AES-GCM', key, ['decrypt']);
      return new Uint8Array(
        await subtle().decrypt(
          { name: 'AES-GCM', iv: view(iv), additionalData: view(aad), tagLength: 128 },
          k,
          view(joined([ciphertext, tag])),
        ),
      );
    } catch (e) {
      return unsupported(e);
    }
  },
  async cbcEncrypt(key, iv, plaintext) {
    const k = await aesKey('AES-CBC', key, ['encrypt']);
    return new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: view(iv) }, k, view(plaintext)));
  },
  async cbcDecrypt(key, iv, ciphertext) {
    // WebCrypto removes the PKCS#7 padding itself; a bad padding is a rejection, answered as null like
    // any other failure (and only reached after the MAC verified).
    try {
      const k = await aesKey('AES-CBC', key, ['decrypt']);
      return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: view(iv) }, k, view(ciphertext)));
    } catch (e) {
      return unsupported(e);
    }
  },
  async aesWrap(kek, cek) {
    const k = await aesKey('AES-KW', kek, ['wrapKey']);
    const holder = await subtle().importKey('raw', view(cek), HOLDER, true, ['sign']);
    return new Uint8Array(await subtle().wrapKey('raw', holder, k, 'AES-KW'));
  },
  async aesUnwrap(kek, wrapped) {
    try {
      const k = await aesKey('AES-KW', kek, ['unwrapKey']);
      const holder = await subtle().unwrapKey('raw', view(wrapped), k, 'AES-KW', HOLDER, true, ['sign']);
      return new Uint8Array(await subtle().exportKey('raw', holder));
    } catch (e) {
      return unsupported(e);
    }
  },
  async rsaOaepEncrypt(key, _hash, data) {
    return new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, key, view(data)));
  },
  async rsaOaepDecrypt(key, _hash, data) {
    try {
      return new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, key, view(data)));
    } catch {
      return null;
    }
  },
  rsaPkcs1Encrypt() {
    throw new UnsupportedAlgorithmError(
      'RSA1_5 is not available on the WebCrypto backend (WebCrypto has no RSAES-PKCS1-v1_5); use RSA-OAEP-256',
    );
  },
  rsaPkcs1Decrypt() {
    throw new UnsupportedAlgorithmError(
      'RSA1_5 is not available on the WebCrypto backend (WebCrypto has no RSAES-PKCS1-v1_5)',
    );
  },
  async ecdh(privateKey, publicKey, curve) {
    try {
      const name = curve === 'X25519' || curve === 'X448' ? curve : 'ECDH';
      return new Uint8Array(
        await subtle().deriveBits(
          { name, public: publicKey } as EcdhKeyDeriveParams,
          privateKey,
          DH_BITS[curve],
        ),
      );
    } catch {
      return null;
    }
  },
  async ephemeral(curve) {
    let pair: CryptoKeyPair;
    try {
      pair = (await subtle().generateKey(ecdhParams(curve), true, ['deriveBits'])) as CryptoKeyPair;
    } catch (e) {
      if (isNotSupported(e))
        throw new UnsupportedAlgorithmError(
          `${curve} is not available on this runtime's WebCrypto; use the Node build`,
        );
      throw e;
    }
    const jwk = (await subtle().exportKey('jwk', pair.publicKey)) as Record<string, string>;
    const publicJwk: Record<string, string> =
      jwk.kty === 'EC'
        ? { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }
        : { kty: 'OKP', crv: jwk.crv as string, x: jwk.x as string };
    return { privateKey: pair.privateKey, publicJwk };
  },
  async importPublicJwk(jwk, curve) {
    try {
      return await subtle().importKey('jwk', jwk as JsonWebKey, ecdhParams(curve), true, []);
    } catch {
      return null;
    }
  },
  async pbkdf2(hash, password, salt, iterations, bytes) {
    const k = await subtle().importKey('raw', view(password), 'PBKDF2', false, ['deriveBits']);
    return new Uint8Array(
      await subtle().deriveBits(
        { name: 'PBKDF2', hash: HASH[hash], salt: view(salt), iterations },
        k,
        bytes * 8,
      ),
    );
  },
  async deflateRaw(data) {
    const out = await drain(pipeThrough(data, new CompressionStream('deflate-raw')), Number.MAX_SAFE_INTEGER);
    if (!out) throw new InvalidOptionsError('The plaintext could not be compressed (zip: "DEF")');
    return out;
  },
  inflateRaw(data, maxBytes) {
    return drain(pipeThrough(data, new DecompressionStream('deflate-raw')), maxBytes);
  },
};
