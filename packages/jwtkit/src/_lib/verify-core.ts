/**
 * The runtime-neutral half of JWT verification (no key parsing, no cryptography): options, the allowlist,
 * `crit`/`typ`, and the checks after the signature. Both backends run the same order:
 *   strict decode -> algorithm allowlist -> key type matches algorithm -> signature -> crit/typ -> claims.
 * The algorithm comes from the application's allowlist (the header only chooses among it) and the key's
 * type must fit that algorithm; nothing is inferred from the token or from the key's text.
 */

import { DecodeError, InvalidAlgorithmError, InvalidOptionsError, InvalidTokenTypeError } from '../errors.js';
import { unknownAlgorithm } from './algorithm-errors.js';
import { type Algorithm, type AlgorithmInfo, algorithmInfo } from './algorithms.js';
import { type ClaimRules, validateClaims } from './claims.js';
import { type CompactParts, DEFAULT_MAX_TOKEN_LENGTH, type JwtHeader, parsePayload } from './compact.js';
import type { JsonObject } from './json.js';
import { ownOptions } from './options.js';
import { type NowOption, nowSeconds, parseDuration } from './time.js';

/** Options of `decode`, `decodeComplete` and `createVerifier`. Times are in seconds. */
export interface DecodeOptions {
  /** The algorithms the application accepts. Required: there is no default. */
  algorithms: readonly Algorithm[];
  /** Expected audience: the token's `aud` must contain one of these (exact match). */
  audience?: string | readonly string[];
  /** Expected issuer(s): the token's `iss` must equal one of these exactly. */
  issuer?: string | readonly string[];
  /** Expected subject (exact match). */
  subject?: string;
  /** Clock tolerance in seconds (or a duration string like '30s') for exp, nbf, iat and maxAge. */
  leeway?: number | string;
  /** The current time: seconds since the epoch or a Date (for tests and replays). */
  now?: NowOption;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** Maximum age since `iat` (seconds or a duration string); requires `iat`. */
  maxAge?: number | string;
  /** Expected `typ` header (compared as a media type: case-insensitive, `application/` optional). */
  typ?: string;
  /** Longest token accepted, in characters (default 256 KiB). */
  maxTokenLength?: number;
  /** Refuse HMAC keys shorter than the hash output instead of warning. */
  strict?: boolean;
  /** Names of `crit` header extensions that the application itself understands and checks. */
  crit?: readonly string[];
}

export interface NormalizedOptions {
  readonly algorithms: readonly Algorithm[];
  readonly rules: ClaimRules;
  readonly typ: string | null;
  readonly maxTokenLength: number;
  readonly strict: boolean;
  readonly crit: readonly string[];
  readonly now: NowOption | undefined;
}

/** The header parameters registered by RFC 7515 §4.1 and RFC 7516 §4.1 (JWS and JWE): never a `crit` extension. */
const REGISTERED_HEADER_PARAMS = new Set([
  'alg',
  'jku',
  'jwk',
  'kid',
  'x5u',
  'x5c',
  'x5t',
  'x5t#S256',
  'typ',
  'cty',
  'crit',
  'enc',
  'zip',
  'epk',
  'apu',
  'apv',
  'iv',
  'tag',
  'p2s',
  'p2c',
]);

/** The options that check claims and `typ` (also the claim options of decodeEncrypted, src/_lib/jwe-jwt-core.ts). */
export const DECODE_CLAIM_OPTION_NAMES = [
  'audience',
  'issuer',
  'subject',
  'leeway',
  'now',
  'requiredClaims',
  'maxAge',
  'typ',
] as const satisfies readonly (keyof DecodeOptions)[];

/** Every member of DecodeOptions: anything else is an InvalidOptionsError (see options.ts). */
export const DECODE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'algorithms',
  ...DECODE_CLAIM_OPTION_NAMES,
  'maxTokenLength',
  'strict',
  'crit',
]);

function stringList(value: unknown, option: string): readonly string[] | null {
  if (value === undefined || value === null) return null;
  const list = typeof value === 'string' ? [value] : value;
  // An empty string would match a token's empty `aud`/`iss`: refused like an empty list.
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw new InvalidOptionsError(`${option} must be a non-empty string or a non-empty array of them`);
  }
  return [...list];
}

export function normalizeOptions(
  input: DecodeOptions | undefined,
  where = 'decode()',
  known: ReadonlySet<string> = DECODE_OPTION_NAMES,
): NormalizedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidOptionsError(
      'decode() needs options with an "algorithms" allowlist, e.g. { algorithms: ["HS256"] }',
    );
  }
  const options = ownOptions(input, known, where) as unknown as DecodeOptions;
  const { algorithms } = options;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new InvalidOptionsError(
      'The "algorithms" option is required: list the algorithms you accept, e.g. ["HS256"]',
    );
  }
  for (const alg of algorithms) {
    if (!algorithmInfo(alg)) throw unknownAlgorithm(alg, 'Unsupported algorithm in the allowlist');
  }
  const leeway = options.leeway === undefined ? 0 : parseDuration(options.leeway, 'leeway');
  if (leeway < 0) throw new InvalidOptionsError('leeway must not be negative');
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength <= 0)
    throw new InvalidOptionsError('maxTokenLength must be a positive integer');
  const subject = options.subject ?? null;
  if (subject !== null && (typeof subject !== 'string' || subject === ''))
    throw new InvalidOptionsError('subject must be a non-empty string');
  const maxAge = options.maxAge === undefined ? null : parseDuration(options.maxAge, 'maxAge');
  if (maxAge !== null && maxAge < 0) throw new InvalidOptionsError('maxAge must not be negative');
  const requiredClaims = options.requiredClaims ?? [];
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string')) {
    throw new InvalidOptionsError('requiredClaims must be an array of claim names');
  }
  if (options.typ !== undefined && typeof options.typ !== 'string')
    throw new InvalidOptionsError('typ must be a string');
  const crit = options.crit ?? [];
  if (!Array.isArray(crit) || !crit.every((c) => typeof c === 'string'))
    throw new InvalidOptionsError('crit must be an array of names');
  if (options.now !== undefined) nowSeconds(options.now); // validate early
  return {
    algorithms: [...algorithms],
    rules: {
      audience: stringList(options.audience, 'audience'),
      issuer: stringList(options.issuer, 'issuer'),
      subject,
      leeway,
      maxAge,
      requiredClaims: [...requiredClaims],
    },
    typ: options.typ === undefined ? null : normalizeMediaType(options.typ),
    maxTokenLength,
    strict: options.strict === true,
    crit: [...crit],
    now: options.now,
  };
}

const ASCII_UPPER = /[A-Z]/g;
const toLowerAscii = (c: string) => String.fromCharCode(c.charCodeAt(0) + 32);

/**
 * RFC 7515 §4.1.9: media types compare case-insensitively and `application/` may be omitted. Nothing else
 * is forgiven: no trimming (`"at+jwt "` is not `at+jwt`), and only ASCII letters fold (media types are
 * ASCII, RFC 6838; `String#toLowerCase` would turn the Kelvin sign U+212A into `k`).
 */
export function normalizeMediaType(typ: string): string {
  const t = typ.replace(ASCII_UPPER, toLowerAscii);
  return t.includes('/') ? t : `application/${t}`;
}

/** The allowlisted algorithm named by the header, or an error. Exact, case-sensitive comparison. */
export function allowedAlgorithm(header: JwtHeader, allowed: readonly Algorithm[]): AlgorithmInfo {
  const alg = header.alg;
  if (!allowed.includes(alg as Algorithm))
    throw new InvalidAlgorithmError("The token's algorithm is not allowed");
  const info = algorithmInfo(alg);
  // Unreachable after normalizeOptions, but a caller that skipped it still gets a typed error.
  if (!info) throw new InvalidAlgorithmError("The token's algorithm is not supported");
  return info;
}

/**
 * RFC 7515 §4.1.11 (and RFC 7516 §4.1.13 for JWE): `crit` must be a non-empty array of unique strings naming
 * header parameters that are present, not registered, and understood (listed by the application in
 * `understood`). JWE passes the joint header (protected + unprotected) the names must be present in; the
 * messages then say "JWE".
 */
export function checkCrit(header: JwtHeader, understood: readonly string[], jwe?: { present: object }): void {
  if (!Object.hasOwn(header, 'crit')) return;
  const what = jwe ? 'Invalid JWE' : 'Invalid token';
  const present = jwe ? jwe.present : header;
  const crit: unknown = header.crit;
  if (!Array.isArray(crit) || crit.length === 0)
    throw new DecodeError(`${what}: "crit" must be a non-empty array`);
  const seen = new Set<string>();
  for (const name of crit) {
    if (typeof name !== 'string') throw new DecodeError(`${what}: "crit" entries must be strings`);
    if (seen.has(name)) throw new DecodeError(`${what}: "crit" lists a parameter twice`);
    seen.add(name);
    if (REGISTERED_HEADER_PARAMS.has(name))
      throw new DecodeError(`${what}: "crit" lists a registered header parameter`);
    if (!Object.hasOwn(present, name))
      throw new DecodeError(`${what}: "crit" lists a parameter that is absent`);
    if (!understood.includes(name))
      throw new DecodeError(`${what}: "crit" lists an extension this application does not understand`);
  }
}

export function checkTyp(header: JwtHeader, expected: string | null): void {
  if (expected === null) return;
  if (typeof header.typ !== 'string' || normalizeMediaType(header.typ) !== expected) {
    throw new InvalidTokenTypeError('The token type (typ) is not the expected one');
  }
}

export interface VerifiedJwt {
  header: JwtHeader;
  payload: JsonObject;
  signature: string;
}

/**
 * Everything after the signature, in order: `b64` refused, `crit`, `typ`, the payload parsed strictly, the
 * claims. Shared by the node:crypto (sync) and WebCrypto (async) pipelines.
 */
export function afterSignature(parts: CompactParts, opts: NormalizedOptions): VerifiedJwt {
  const { header } = parts;
  if (Object.hasOwn(header, 'b64'))
    throw new DecodeError('Invalid token: the unencoded-payload option (b64) is not for JWTs');
  checkCrit(header, opts.crit);
  checkTyp(header, opts.typ);
  const payload = parsePayload(parts.payloadBytes);
  validateClaims(payload, opts.rules, nowSeconds(opts.now));
  return { header, payload, signature: parts.signatureB64 };
}
