/** Keys for the JWE tests, made once per process by node:crypto (never by the code under test). */
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

export type Curve = 'P-256' | 'P-384' | 'P-521' | 'X25519' | 'X448';
const pairs = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();

export function rsaPair(bits = 2048) {
  const k = `rsa${bits}`;
  let p = pairs.get(k);
  if (!p) {
    p = generateKeyPairSync('rsa', { modulusLength: bits });
    pairs.set(k, p);
  }
  return p;
}

export function ecdhPair(curve: Curve) {
  let p = pairs.get(curve);
  if (!p) {
    p =
      curve === 'X25519'
        ? generateKeyPairSync('x25519')
        : curve === 'X448'
          ? generateKeyPairSync('x448')
          : generateKeyPairSync('ec', {
              namedCurve: { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[curve],
            });
    pairs.set(curve, p);
  }
  return p;
}

export const secret = (bytes: number) => new Uint8Array(randomBytes(bytes));

export const KW_BYTES: Record<string, number> = {
  A128KW: 16,
  A192KW: 24,
  A256KW: 32,
  A128GCMKW: 16,
  A192GCMKW: 24,
  A256GCMKW: 32,
};
export const CEK_BYTES: Record<string, number> = {
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
};
export const ENCS = [
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
  'A128GCM',
  'A192GCM',
  'A256GCM',
] as const;
