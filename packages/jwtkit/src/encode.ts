import { type Algorithm, algorithmInfo } from './_lib/algorithms.js';
import { encode as b64url } from './_lib/base64url.js';
import { type JsonObject, stringifyPython, stringifySortedHeader } from './_lib/json.js';
import { type KeyInput, keyFor } from './_lib/keys.js';
import { createSignature } from './_lib/signature.js';
import { nowSeconds, parseDuration } from './_lib/time.js';
import { InvalidAlgorithmError, InvalidOptionsError, InvalidPayloadError } from './errors.js';

export interface EncodeOptions {
  /** Signing algorithm; default 'HS256'. */
  algorithm?: Algorithm;
  /** Extra header members (e.g. `{ kid: 'k1', typ: 'at+jwt' }`). `typ: null` or '' removes `typ`. */
  headers?: Record<string, unknown>;
  /** Shorthand for `headers.kid`. */
  keyId?: string;
  /** Sets `exp` to now + this (seconds, or '15m', '1h', '7d'). */
  expiresIn?: number | string;
  /** Sets `nbf` to now + this (seconds or a duration string; 0 = now). */
  notBefore?: number | string;
  /** Sets `iat`: `true` for now, or a time (seconds or Date). */
  issuedAt?: boolean | number | Date;
  issuer?: string;
  subject?: string;
  audience?: string | string[];
  jwtId?: string;
  /** The current time for the options above: seconds since the epoch or a Date. */
  now?: number | Date;
  /** Refuse HMAC keys shorter than the hash output instead of warning. */
  strict?: boolean;
}

/** The claims that are NumericDates: PyJWT turns datetimes into integer seconds, so do we for Dates. */
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

const headerCache = new Map<string, string>();

function encodedHeader(alg: Algorithm, headers: Record<string, unknown> | undefined, keyId: string | undefined): string {
  if (headers === undefined && keyId === undefined) {
    let h = headerCache.get(alg);
    if (h === undefined) {
      h = b64url(stringifySortedHeader({ alg, typ: 'JWT' }));
      headerCache.set(alg, h);
    }
    return h;
  }
  const header: JsonObject = { typ: 'JWT', ...headers, alg };
  if (keyId !== undefined) header.kid = keyId;
  if (header.typ === null || header.typ === '' || header.typ === undefined) delete header.typ;
  for (const k of ['kid', 'typ', 'cty'] as const) {
    if (header[k] !== undefined && typeof header[k] !== 'string') throw new InvalidOptionsError(`headers.${k} must be a string`);
  }
  if (Object.hasOwn(header, 'b64') || Object.hasOwn(header, 'crit')) {
    throw new InvalidOptionsError('encode() makes JWTs: "b64" and "crit" headers belong to the JWS API');
  }
  try {
    return b64url(stringifySortedHeader(header));
  } catch (cause) {
    throw new InvalidOptionsError('headers cannot be serialized as JSON', { cause });
  }
}

function toNumericDate(value: unknown, claim: string): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (!Number.isFinite(t)) throw new InvalidPayloadError(`The "${claim}" claim is an invalid Date`);
    return Math.floor(t / 1000);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidPayloadError(`The "${claim}" claim must be a finite number of seconds or a Date`);
  }
  return value;
}

function setClaim(payload: JsonObject, claim: string, value: unknown, option: string): void {
  if (Object.hasOwn(payload, claim)) {
    throw new InvalidPayloadError(`Both the payload's "${claim}" claim and the ${option} option are set; use one`);
  }
  payload[claim] = value;
}

/** Builds the claims set: the caller's members in their order, then the claims asked for by options. */
function buildPayload(input: object, options: EncodeOptions): JsonObject {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input)) {
    throw new InvalidPayloadError('The payload must be a plain object of claims');
  }
  const payload: JsonObject = { ...(input as JsonObject) };
  const o = options;
  const needsNow = o.expiresIn !== undefined || o.notBefore !== undefined || o.issuedAt === true;
  const now = needsNow ? Math.floor(nowSeconds(o.now)) : 0;
  if (o.issuer !== undefined) setClaim(payload, 'iss', o.issuer, 'issuer');
  if (o.subject !== undefined) setClaim(payload, 'sub', o.subject, 'subject');
  if (o.audience !== undefined) setClaim(payload, 'aud', o.audience, 'audience');
  if (o.issuedAt !== undefined && o.issuedAt !== false) {
    setClaim(payload, 'iat', o.issuedAt === true ? now : o.issuedAt, 'issuedAt');
  }
  if (o.notBefore !== undefined) setClaim(payload, 'nbf', now + parseDuration(o.notBefore, 'notBefore'), 'notBefore');
  if (o.expiresIn !== undefined) setClaim(payload, 'exp', now + parseDuration(o.expiresIn, 'expiresIn'), 'expiresIn');
  if (o.jwtId !== undefined) setClaim(payload, 'jti', o.jwtId, 'jwtId');

  for (const claim of TIME_CLAIMS) {
    if (Object.hasOwn(payload, claim)) payload[claim] = toNumericDate(payload[claim], claim);
  }
  for (const claim of ['iss', 'sub', 'jti'] as const) {
    if (Object.hasOwn(payload, claim) && typeof payload[claim] !== 'string') {
      throw new InvalidPayloadError(`The "${claim}" claim must be a string`);
    }
  }
  if (Object.hasOwn(payload, 'aud')) {
    const aud = payload.aud;
    if (typeof aud !== 'string' && !(Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string'))) {
      throw new InvalidPayloadError('The "aud" claim must be a string or a non-empty array of strings');
    }
  }
  return payload;
}

function serializePayload(payload: JsonObject): string {
  try {
    return stringifyPython(payload);
  } catch (cause) {
    throw new InvalidPayloadError('The payload cannot be serialized as JSON (BigInt or a cycle?)', { cause });
  }
}

/**
 * Creates a signed JWT (compact JWS). Byte-compatible with PyJWT's `jwt.encode`: header keys sorted,
 * compact JSON, payload members in insertion order, non-ASCII as `\uXXXX`. No claim is added unless asked.
 *
 * ```ts
 * encode({ user_id: 101, username: 'alice', role: 'admin' }, 'mysecret123', { algorithm: 'HS256' })
 * ```
 */
export function encode(payload: object, key: KeyInput, options: EncodeOptions = {}): string {
  const algorithm = options.algorithm ?? (options.headers?.alg as Algorithm | undefined) ?? 'HS256';
  const info = algorithmInfo(algorithm);
  if (!info) throw new InvalidAlgorithmError(`Unsupported algorithm: ${String(algorithm).slice(0, 20)}`);
  if (options.headers?.alg !== undefined && options.headers.alg !== algorithm) {
    throw new InvalidOptionsError('headers.alg differs from the algorithm option');
  }
  const material = keyFor(key, info, 'sign', { strict: options.strict === true });
  const signingInput = `${encodedHeader(algorithm, options.headers, options.keyId)}.${b64url(serializePayload(buildPayload(payload, options)))}`;
  return `${signingInput}.${createSignature(info, material, signingInput).toString('base64url')}`;
}

/** Internal, for createSigner: the same steps with the header and key prepared once. */
export function prepareEncode(key: KeyInput, options: EncodeOptions) {
  const algorithm = options.algorithm ?? 'HS256';
  const info = algorithmInfo(algorithm);
  if (!info) throw new InvalidAlgorithmError(`Unsupported algorithm: ${String(algorithm).slice(0, 20)}`);
  const material = keyFor(key, info, 'sign', { strict: options.strict === true });
  const header = encodedHeader(algorithm, options.headers, options.keyId);
  const hasClaimOptions =
    options.expiresIn !== undefined || options.notBefore !== undefined || options.issuedAt !== undefined ||
    options.issuer !== undefined || options.subject !== undefined || options.audience !== undefined || options.jwtId !== undefined;
  return (payload: object): string => {
    const body = hasClaimOptions || !isPlainSimple(payload) ? buildPayload(payload, options) : (payload as JsonObject);
    const signingInput = `${header}.${b64url(serializePayload(body))}`;
    return `${signingInput}.${createSignature(info, material, signingInput).toString('base64url')}`;
  };
}

/** True for a plain object whose registered claims need no conversion or check (fast path). */
function isPlainSimple(payload: object): boolean {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || ArrayBuffer.isView(payload)) return false;
  const p = payload as JsonObject;
  for (const c of TIME_CLAIMS) if (c in p && !(typeof p[c] === 'number' && Number.isFinite(p[c]))) return false;
  for (const c of ['iss', 'sub', 'jti'] as const) if (c in p && typeof p[c] !== 'string') return false;
  return !('aud' in p) || typeof p.aud === 'string';
}
