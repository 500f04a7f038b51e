/**
 * The runtime-neutral half of signing a JWT: options, the header, the claims set and its bytes. `encode`
 * and `createSigner` (both backends) go through `resolveEncode`, one code path: what one honours
 * (`headers.alg`, `keyId`, claim options), the other does too.
 */

import { InvalidOptionsError, InvalidPayloadError } from '../errors.js';
import { unknownAlgorithm } from './algorithm-errors.js';
import { type Algorithm, type AlgorithmInfo, algorithmInfo } from './algorithms.js';
import { encode as b64url } from './base64url.js';
import { checkHeaderShape } from './compact.js';
import { type JsonObject, NonFiniteNumberError, stringifyPython, stringifySortedHeader } from './json.js';
import { ownOptions } from './options.js';
import { nowSeconds, parseDuration } from './time.js';

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

/** The options that set claims (also the claim options of encodeEncrypted, src/_lib/jwe-jwt-core.ts). */
export const ENCODE_CLAIM_OPTION_NAMES = [
  'expiresIn',
  'notBefore',
  'issuedAt',
  'issuer',
  'subject',
  'audience',
  'jwtId',
  'now',
] as const satisfies readonly (keyof EncodeOptions)[];

export const ENCODE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'algorithm',
  'headers',
  'keyId',
  ...ENCODE_CLAIM_OPTION_NAMES,
  'strict',
]);

const headerCache = new Map<string, string>();

function encodedHeader(
  alg: Algorithm,
  headers: Record<string, unknown> | undefined,
  keyId: string | undefined,
): string {
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
  if (header.typ === null || header.typ === '') delete header.typ;
  for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
  // The same shape rules as decoding: encode never makes a token that decode would refuse.
  try {
    checkHeaderShape(header);
  } catch (cause) {
    throw new InvalidOptionsError(`headers: ${(cause as Error).message.replace(/^Invalid token: /, '')}`, {
      cause,
    });
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
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value instanceof Date) {
    const t = value.getTime();
    if (!Number.isFinite(t)) throw new InvalidPayloadError(`The "${claim}" claim is an invalid Date`);
    return Math.floor(t / 1000);
  }
  throw new InvalidPayloadError(`The "${claim}" claim must be a finite number of seconds or a Date`);
}

function conflict(claim: string, option: string): never {
  throw new InvalidPayloadError(
    `Both the payload's "${claim}" claim and the ${option} option are set; use one`,
  );
}

/** The claim options, resolved once (durations parsed, presence known). */
export interface ClaimPlan {
  readonly iss: string | undefined;
  readonly sub: string | undefined;
  readonly aud: string | string[] | undefined;
  /** true = now, a value = that time, undefined = not set. */
  readonly iat: true | number | Date | undefined;
  readonly nbfOffset: number | undefined;
  readonly expOffset: number | undefined;
  readonly jti: string | undefined;
  readonly now: EncodeOptions['now'];
  readonly needsNow: boolean;
}

export function planClaims(o: EncodeOptions): ClaimPlan {
  const iat = o.issuedAt === undefined || o.issuedAt === false ? undefined : o.issuedAt;
  const nbfOffset = o.notBefore === undefined ? undefined : parseDuration(o.notBefore, 'notBefore');
  const expOffset = o.expiresIn === undefined ? undefined : parseDuration(o.expiresIn, 'expiresIn');
  return {
    iss: o.issuer,
    sub: o.subject,
    aud: o.audience,
    iat,
    nbfOffset,
    expOffset,
    jti: o.jwtId,
    now: o.now,
    needsNow: iat === true || nbfOffset !== undefined || expOffset !== undefined,
  };
}

/**
 * Builds the claims set: the caller's members in their order, then the claims asked for by options, each
 * with a named property store (one shape per claim, no keyed stores in a loop: this is the sign hot path).
 */
export function buildPayload(input: object, plan: ClaimPlan): JsonObject {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input)) {
    throw new InvalidPayloadError('The payload must be a plain object of claims');
  }
  // Object.assign keeps V8's fast property stores for the claims added below (a spread clone does not,
  // on Node 20: ~2 us per token). It would turn an own "__proto__" member (JSON.parse makes those) into a
  // prototype change and drop it, so that rare payload is copied with a spread instead.
  const p: JsonObject = Object.hasOwn(input, '__proto__')
    ? { ...(input as JsonObject) }
    : Object.assign({}, input as JsonObject);
  const now = plan.needsNow ? Math.floor(nowSeconds(plan.now)) : 0;
  if (plan.iss !== undefined) {
    if (Object.hasOwn(p, 'iss')) conflict('iss', 'issuer');
    p.iss = plan.iss;
  }
  if (plan.sub !== undefined) {
    if (Object.hasOwn(p, 'sub')) conflict('sub', 'subject');
    p.sub = plan.sub;
  }
  if (plan.aud !== undefined) {
    if (Object.hasOwn(p, 'aud')) conflict('aud', 'audience');
    p.aud = plan.aud;
  }
  if (plan.iat !== undefined) {
    if (Object.hasOwn(p, 'iat')) conflict('iat', 'issuedAt');
    p.iat = plan.iat === true ? now : plan.iat;
  }
  if (plan.nbfOffset !== undefined) {
    if (Object.hasOwn(p, 'nbf')) conflict('nbf', 'notBefore');
    p.nbf = now + plan.nbfOffset;
  }
  if (plan.expOffset !== undefined) {
    if (Object.hasOwn(p, 'exp')) conflict('exp', 'expiresIn');
    p.exp = now + plan.expOffset;
  }
  if (plan.jti !== undefined) {
    if (Object.hasOwn(p, 'jti')) conflict('jti', 'jwtId');
    p.jti = plan.jti;
  }
  // PyJWT turns datetimes into integer seconds; so do we for Dates. Everything else must be finite.
  if (p.exp !== undefined) p.exp = toNumericDate(p.exp, 'exp');
  if (p.nbf !== undefined) p.nbf = toNumericDate(p.nbf, 'nbf');
  if (p.iat !== undefined) p.iat = toNumericDate(p.iat, 'iat');
  if (p.iss !== undefined && typeof p.iss !== 'string')
    throw new InvalidPayloadError('The "iss" claim must be a string');
  if (p.sub !== undefined && typeof p.sub !== 'string')
    throw new InvalidPayloadError('The "sub" claim must be a string');
  if (p.jti !== undefined && typeof p.jti !== 'string')
    throw new InvalidPayloadError('The "jti" claim must be a string');
  const aud = p.aud;
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string'))
  ) {
    throw new InvalidPayloadError('The "aud" claim must be a string or a non-empty array of strings');
  }
  return p;
}

export function serializePayload(payload: JsonObject): string {
  try {
    return stringifyPython(payload);
  } catch (cause) {
    if (cause instanceof NonFiniteNumberError)
      throw new InvalidPayloadError('The payload holds NaN or Infinity, which JSON cannot represent', {
        cause,
      });
    throw new InvalidPayloadError('The payload cannot be serialized as JSON (BigInt or a cycle?)', { cause });
  }
}

/** Options resolved once: the algorithm, the encoded header, the claim plan. */
export interface EncodePlan {
  readonly info: AlgorithmInfo;
  readonly header: string;
  readonly claims: ClaimPlan;
  readonly strict: boolean;
}

/**
 * The algorithm is `algorithm`, else `headers.alg`, else HS256; both given and different is refused. The
 * same for `encode` and `createSigner`, on every backend.
 */
export function resolveEncode(input: EncodeOptions, where: string): EncodePlan {
  const options = ownOptions(input, ENCODE_OPTION_NAMES, where) as EncodeOptions;
  const algorithm = options.algorithm ?? (options.headers?.alg as Algorithm | undefined) ?? 'HS256';
  const info = algorithmInfo(algorithm);
  if (!info) throw unknownAlgorithm(algorithm);
  if (options.headers?.alg !== undefined && options.headers.alg !== algorithm) {
    throw new InvalidOptionsError('headers.alg differs from the algorithm option');
  }
  return {
    info,
    header: encodedHeader(info.name, options.headers, options.keyId),
    claims: planClaims(options),
    strict: options.strict === true,
  };
}

/** `header.payload`: the bytes the signature covers. */
export function signingInputOf(plan: EncodePlan, payload: object): string {
  return `${plan.header}.${b64url(serializePayload(buildPayload(payload, plan.claims)))}`;
}
