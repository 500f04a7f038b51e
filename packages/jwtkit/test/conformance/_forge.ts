/**
 * Token forging helpers for the attack-variant tests and the fuzzer: build tokens from raw header/payload
 * TEXT (so duplicate members, odd numbers and broken JSON can be expressed), signed with node:crypto
 * directly (independently of jwtkit's signing code).
 */
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export const NOW = 1700000000;
export const ISSUER = 'https://issuer.example/auth';
export const AUDIENCE = 'https://api.example';
export const SECRET = 'attack-variants-hs256-secret-0001';

export const b64 = (s: string | Buffer | Uint8Array) => Buffer.from(s).toString('base64url');

/** Claims that pass the standard verifier (iss/aud/exp/iat/sub). */
export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-123', iat: NOW - 60, exp: NOW + 3600, ...extra };
}

export function claimsText(extra: Record<string, unknown> = {}): string {
  return JSON.stringify(claims(extra));
}

/** The standard verifier's options. */
export function opts(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, now: NOW, ...extra };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** The raw JWS signature of `input` for `alg` with node:crypto (ECDSA as r||s unless `der`). */
export function rawSign(alg: string, key: KeyObject | string | Buffer, input: string, der = false): Buffer {
  const bits = alg.slice(-3);
  if (alg.startsWith('HS'))
    return createHmac(HASH[bits] ?? 'sha256', key as string)
      .update(input)
      .digest();
  if (alg.startsWith('RS')) return sign(HASH[bits] ?? 'sha256', Buffer.from(input), key as KeyObject);
  if (alg.startsWith('PS'))
    return sign(HASH[bits] ?? 'sha256', Buffer.from(input), {
      key: key as KeyObject,
      padding: 6,
      saltLength: Number(bits) / 8,
    });
  if (alg === 'ES256K')
    return sign('sha256', Buffer.from(input), {
      key: key as KeyObject,
      dsaEncoding: der ? 'der' : 'ieee-p1363',
    });
  if (alg.startsWith('ES'))
    return sign(HASH[bits] ?? 'sha256', Buffer.from(input), {
      key: key as KeyObject,
      dsaEncoding: der ? 'der' : 'ieee-p1363',
    });
  return sign(null, Buffer.from(input), key as KeyObject); // EdDSA
}

/** header/payload given as JSON text (or objects), signed for `alg` (default: the header's alg, else HS256). */
export function forge(
  header: string | object,
  payload: string | object,
  key: KeyObject | string | Buffer = SECRET,
  alg?: string,
): string {
  const h = typeof header === 'string' ? header : JSON.stringify(header);
  const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = `${b64(h)}.${b64(p)}`;
  const a =
    alg ??
    (typeof header === 'object' && typeof (header as { alg?: unknown }).alg === 'string'
      ? (header as { alg: string }).alg
      : 'HS256');
  return `${input}.${b64(rawSign(a, key, input))}`;
}

/** MACs an arbitrary signing-input text with the secret (for tokens with non-canonical segments). */
export function macText(signingInput: string, secret: string | Buffer = SECRET, alg = 'HS256'): string {
  return `${signingInput}.${b64(rawSign(alg, secret, signingInput))}`;
}

export interface KeySet {
  rsa: { privateKey: KeyObject; publicKey: KeyObject };
  ec256: { privateKey: KeyObject; publicKey: KeyObject };
  ec384: { privateKey: KeyObject; publicKey: KeyObject };
  ec521: { privateKey: KeyObject; publicKey: KeyObject };
  k256: { privateKey: KeyObject; publicKey: KeyObject };
  ed25519: { privateKey: KeyObject; publicKey: KeyObject };
  ed448: { privateKey: KeyObject; publicKey: KeyObject };
  attackerEc: { privateKey: KeyObject; publicKey: KeyObject };
}

let cached: KeySet | null = null;
/** One set of keys per process (RSA keygen is the slow part: done once). */
export function keys(): KeySet {
  cached ??= {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ec256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ec384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    ec521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
    k256: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
    ed25519: generateKeyPairSync('ed25519'),
    ed448: generateKeyPairSync('ed448'),
    attackerEc: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  };
  return cached;
}

/** Curve orders, for psychic-signature and high-S variants. */
export const CURVE_ORDER: Record<string, { n: bigint; bytes: number }> = {
  ES256: { n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n, bytes: 32 },
  ES384: {
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bytes: 48,
  },
  ES512: {
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    bytes: 66,
  },
  ES256K: { n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n, bytes: 32 },
};

export function intBytes(v: bigint, len: number): Buffer {
  const hex = v.toString(16).padStart(len * 2, '0');
  return Buffer.from(hex.slice(-len * 2), 'hex');
}

export function bytesInt(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`);
}
