/** JWS JSON serialization shapes (RFC 7515 §7.2) and shared JWS types. */
import type { Algorithm } from '../_lib/algorithms.js';
import type { KeyInput } from '../_lib/keys.js';

/** One signature of a general JWS JSON serialization (RFC 7515 §7.2.1). */
export interface JwsSignatureJson {
  /** base64url of the protected header's JSON text; absent when nothing is protected. */
  protected?: string;
  /** The unprotected header (names disjoint from the protected header's). */
  header?: Record<string, unknown>;
  signature: string;
}

/** Flattened JWS JSON serialization (RFC 7515 §7.2.2). `payload` is absent for a detached payload. */
export interface FlattenedJws extends JwsSignatureJson {
  payload?: string;
}

/** General JWS JSON serialization (RFC 7515 §7.2.1): one payload, one or more signatures. */
export interface GeneralJws {
  payload?: string;
  signatures: JwsSignatureJson[];
}

export type JwsSerialization = 'compact' | 'flattened' | 'general';

/** One signature to produce. */
export interface JwsSigner {
  /** The signing key (secret for HS*, private key for the rest); bound to `algorithm` like in `encode`. */
  key: KeyInput;
  algorithm: Algorithm;
  /**
   * Protected header members. An object is serialized with sorted keys (compact JSON); a string is taken as
   * the exact JSON text to protect (it must parse, and is signed byte for byte, e.g. to reproduce a vector).
   * `alg` is added here unless the caller placed it in `unprotectedHeader` on purpose.
   */
  protectedHeader?: Record<string, unknown> | string;
  /** Unprotected header members (JSON serializations only); `crit` and `b64` may not appear here. */
  unprotectedHeader?: Record<string, unknown>;
  /** Shorthand for a protected `kid`. */
  keyId?: string;
  /** Refuse HMAC keys shorter than the hash output instead of warning. */
  strict?: boolean;
}

export interface SignJwsOptions {
  /** Output form. Default: 'compact' for one signer, 'general' for several. */
  serialization?: JwsSerialization;
  /** `false` = RFC 7797 unencoded payload (adds `b64: false` and `crit: ["b64"]` to every protected header). */
  b64?: boolean;
  /** Leave the payload out of the output (RFC 7515 Appendix F); the verifier gets it separately. */
  detached?: boolean;
}

export type JwsPayloadInput = string | Uint8Array;

export type { Algorithm, KeyInput };
