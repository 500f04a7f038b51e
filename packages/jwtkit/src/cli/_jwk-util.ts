/** Shared by `keygen`, `jwk` and `jwks`: public views of keys and JWK metadata. */
import type { Jwk, KeyObject } from '../index.js';
import { exportPublicJwk, jwkThumbprint } from '../index.js';
import { ioError } from './_command.js';

/** JWK members that hold private key material (RFC 7518 §6). */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Metadata carried from a source JWK to its public form; `key_ops` is dropped (sign != verify). */
const CARRIED = ['kid', 'use', 'alg'] as const;

export function publicJwkOf(key: KeyObject, source: Jwk | undefined, what: string): Jwk {
  if (key.type === 'secret') {
    throw ioError(`${what} is a symmetric (HMAC) key: it must never be published in a JWKS`);
  }
  const jwk = { ...exportPublicJwk(key) } as Record<string, unknown>;
  for (const m of PRIVATE_MEMBERS) delete jwk[m];
  if (source) {
    for (const m of CARRIED) {
      const v = (source as Record<string, unknown>)[m];
      if (v !== undefined) jwk[m] = v;
    }
  }
  return jwk as Jwk;
}

/** The RFC 7638 SHA-256 thumbprint, used as the default `kid`. */
export function thumbprintOf(jwk: Jwk, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  return jwkThumbprint(jwk, hash);
}

/** `key.json` -> `key.pub.json`, `key.pem` -> `key.pub.pem`, `key` -> `key.pub`. */
export function publicPath(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  if (dot > slash + 1) return `${path.slice(0, dot)}.pub${path.slice(dot)}`;
  return `${path}.pub`;
}
