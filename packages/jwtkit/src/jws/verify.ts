/**
 * JWS verification for the compact, flattened JSON and general JSON serializations.
 *
 * Per signature, the order is the JWT pipeline's: strict structure -> algorithm allowlist -> key (chosen by the
 * application: a key, a JWKS picked by kid, or a resolver) bound to the algorithm -> signature -> crit/typ.
 * `alg` is read from the protected header; an `alg` in the unprotected header is refused unless the caller
 * opts in with `allowUnprotectedAlg` (the allowlist and key binding still apply). A general JWS is accepted
 * when one signature verifies with the application's key; keys embedded in the JWS (`jwk`, `x5c`, `jku`) are
 * never used. Any structural fault anywhere rejects the whole JWS.
 */
import { type Algorithm, type AlgorithmInfo, algorithmInfo, unknownAlgorithm } from '../_lib/algorithms.js';
import { encode as b64url, decodeStrict, isStrictBase64url } from '../_lib/base64url.js';
import { checkHeaderShape, DEFAULT_MAX_TOKEN_LENGTH, type JwtHeader } from '../_lib/compact.js';
import { type JsonObject, parseJsonObject } from '../_lib/json.js';
import { resolveKey, type VerifyKey } from '../_lib/key-selection.js';
import { keyFor } from '../_lib/keys.js';
import { ownOptions } from '../_lib/options.js';
import { checkSignature } from '../_lib/signature.js';
import { quote } from '../_lib/text.js';
import { allowedAlgorithm, checkCrit, checkTyp, normalizeMediaType } from '../_lib/verify.js';
import { DecodeError, InvalidOptionsError, InvalidSignatureError, JwtError } from '../errors.js';
import { b64Of, isPlainObject, joinHeaders, parseProtectedHeader } from './header.js';
import type { FlattenedJws, GeneralJws, JwsSerialization } from './types.js';

export interface VerifyJwsOptions {
  /** The algorithms the application accepts. Required. */
  algorithms: readonly Algorithm[];
  /** The payload, when the JWS was produced with `detached: true` (its payload segment is empty/absent). */
  detachedPayload?: string | Uint8Array;
  /** Names of `crit` extensions the application understands (`b64` is always understood). */
  crit?: readonly string[];
  /** Accept `alg` from the unprotected header (RFC 7520 §4.7 style). Off by default. */
  allowUnprotectedAlg?: boolean;
  /** Expected `typ` (media-type comparison), read from the protected header only. */
  typ?: string;
  /** Longest JWS text accepted, in characters (default 1 MiB). */
  maxLength?: number;
  /** Refuse HMAC keys shorter than the hash output instead of warning. */
  strict?: boolean;
  /**
   * Most signatures a general JWS may carry (default 4). Each signature can cost a full signature check
   * over the whole payload, so an unbounded count lets one request multiply the work; more is refused
   * before anything is verified.
   */
  maxSignatures?: number;
}

/** Default for `maxSignatures`. */
export const DEFAULT_MAX_SIGNATURES = 4;

const VERIFY_JWS_OPTIONS: ReadonlySet<string> = new Set([
  'algorithms',
  'detachedPayload',
  'crit',
  'allowUnprotectedAlg',
  'typ',
  'maxLength',
  'strict',
  'maxSignatures',
]);

export interface VerifiedJws {
  /** The verified payload bytes. */
  payload: Buffer;
  /** The protected header of the signature that verified. */
  protectedHeader: JsonObject;
  /** Its unprotected header, if any. */
  unprotectedHeader: Record<string, unknown> | undefined;
  /** The algorithm that verified. */
  algorithm: Algorithm;
  /** Which signature verified (0 for compact and flattened). */
  signatureIndex: number;
  serialization: JwsSerialization;
}

const DEFAULT_MAX_JWS_LENGTH = 4 * DEFAULT_MAX_TOKEN_LENGTH;

interface Entry {
  protectedB64: string;
  prot: JsonObject;
  unprotected: Record<string, unknown> | undefined;
  header: JsonObject;
  signature: Buffer;
  b64: boolean;
}

interface Parsed {
  serialization: JwsSerialization;
  /** The payload exactly as carried (base64url text when b64, raw text otherwise); null when detached. */
  payloadSegment: string | null;
  entries: Entry[];
}

function entryOf(
  protectedB64: unknown,
  unprotected: unknown,
  signature: unknown,
  allowUnprotectedAlg: boolean,
): Entry {
  if (protectedB64 !== undefined && typeof protectedB64 !== 'string')
    throw new DecodeError('Invalid JWS: "protected" must be a string');
  if (typeof signature !== 'string') throw new DecodeError('Invalid JWS: "signature" must be a string');
  const sig = decodeStrict(signature);
  if (!sig) throw new DecodeError('Invalid JWS: the signature is not canonical base64url');
  const pb64 = protectedB64 ?? '';
  if (protectedB64 !== undefined && pb64 === '') throw new DecodeError('Invalid JWS: "protected" is empty');
  const prot = parseProtectedHeader(pb64);
  if (unprotected !== undefined && !isPlainObject(unprotected))
    throw new DecodeError('Invalid JWS: "header" must be a JSON object');
  const header = joinHeaders(prot, unprotected as Record<string, unknown> | undefined);
  if (!Object.hasOwn(prot, 'alg') && Object.hasOwn(header, 'alg') && !allowUnprotectedAlg) {
    throw new DecodeError(
      'Invalid JWS: "alg" must be in the protected header (allowUnprotectedAlg opts out)',
    );
  }
  checkHeaderShape(header);
  return {
    protectedB64: pb64,
    prot,
    unprotected: unprotected as Record<string, unknown> | undefined,
    header,
    signature: sig as Buffer,
    b64: b64Of(prot),
  };
}

function parseCompactJws(jws: string, allowUnprotectedAlg: boolean): Parsed {
  const parts = jws.split('.');
  if (parts.length !== 3)
    throw new DecodeError('Invalid JWS: a compact JWS has exactly three dot-separated segments');
  const [h, p, s] = parts as [string, string, string];
  if (h === '') throw new DecodeError('Invalid JWS: the header segment is empty');
  const entry = entryOf(h, undefined, s, allowUnprotectedAlg);
  if (entry.b64 && !isStrictBase64url(p))
    throw new DecodeError('Invalid JWS: the payload is not canonical base64url');
  return { serialization: 'compact', payloadSegment: p, entries: [entry] };
}

const FLATTENED_MEMBERS = new Set(['payload', 'protected', 'header', 'signature']);
const GENERAL_MEMBERS = new Set(['payload', 'signatures']);
const SIGNATURE_MEMBERS = new Set(['protected', 'header', 'signature']);

function parseJsonJws(value: unknown, allowUnprotectedAlg: boolean, maxSignatures: number): Parsed {
  if (!isPlainObject(value)) throw new DecodeError('Invalid JWS: a JSON serialization is a JSON object');
  const v = value as Record<string, unknown>;
  if (v.payload !== undefined && typeof v.payload !== 'string')
    throw new DecodeError('Invalid JWS: "payload" must be a string');
  const payloadSegment = (v.payload as string | undefined) ?? null;
  let entries: Entry[];
  let serialization: JwsSerialization;
  if (Object.hasOwn(v, 'signatures')) {
    for (const k of Object.keys(v))
      if (!GENERAL_MEMBERS.has(k))
        throw new DecodeError(`Invalid JWS: a general JWS cannot have a top-level ${quote(k, 20)} member`);
    const sigs = v.signatures;
    if (!Array.isArray(sigs) || sigs.length === 0)
      throw new DecodeError('Invalid JWS: "signatures" must be a non-empty array');
    if (sigs.length > maxSignatures)
      throw new DecodeError(`Invalid JWS: more than ${maxSignatures} signatures (maxSignatures)`);
    entries = sigs.map((s) => {
      if (!isPlainObject(s)) throw new DecodeError('Invalid JWS: each signature must be a JSON object');
      for (const k of Object.keys(s))
        if (!SIGNATURE_MEMBERS.has(k))
          throw new DecodeError(`Invalid JWS: unexpected signature member ${quote(k, 20)}`);
      return entryOf(s.protected, s.header, s.signature, allowUnprotectedAlg);
    });
    serialization = 'general';
  } else {
    for (const k of Object.keys(v))
      if (!FLATTENED_MEMBERS.has(k))
        throw new DecodeError(`Invalid JWS: a flattened JWS cannot have a ${quote(k, 20)} member`);
    entries = [entryOf(v.protected, v.header, v.signature, allowUnprotectedAlg)];
    serialization = 'flattened';
  }
  const b64 = entries[0]!.b64;
  if (entries.some((e) => e.b64 !== b64))
    throw new DecodeError('Invalid JWS: the signatures disagree on b64 (RFC 7797 §3)');
  if (payloadSegment !== null && b64 && !isStrictBase64url(payloadSegment))
    throw new DecodeError('Invalid JWS: the payload is not canonical base64url');
  return { serialization, payloadSegment, entries };
}

function parseAny(
  jws: unknown,
  maxLength: number,
  allowUnprotectedAlg: boolean,
  maxSignatures: number,
): Parsed {
  if (typeof jws === 'string') {
    if (jws.length > maxLength)
      throw new DecodeError(`Invalid JWS: longer than the ${maxLength}-character limit`);
    if (jws.trimStart().startsWith('{')) {
      const parsed = parseJsonObject(Buffer.from(jws, 'utf8'));
      if (!parsed.ok)
        throw new DecodeError(
          'Invalid JWS: the JSON serialization is not a JSON object without duplicate members',
        );
      return parseJsonJws(parsed.value, allowUnprotectedAlg, maxSignatures);
    }
    return parseCompactJws(jws, allowUnprotectedAlg);
  }
  if (typeof jws === 'object' && jws !== null) return parseJsonJws(jws, allowUnprotectedAlg, maxSignatures);
  throw new DecodeError('Invalid JWS: expected a compact string or a JSON serialization object');
}

function normalize(input: VerifyJwsOptions) {
  if (!isPlainObject(input))
    throw new InvalidOptionsError('verifyJws() needs options with an "algorithms" allowlist');
  const options = ownOptions(input, VERIFY_JWS_OPTIONS, 'verifyJws()') as unknown as VerifyJwsOptions;
  const { algorithms } = options;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new InvalidOptionsError('The "algorithms" option is required: list the algorithms you accept');
  }
  for (const alg of algorithms) {
    if (!algorithmInfo(alg)) throw unknownAlgorithm(alg, 'Unsupported algorithm in the allowlist');
  }
  const maxSignatures = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (!Number.isInteger(maxSignatures) || maxSignatures <= 0)
    throw new InvalidOptionsError('maxSignatures must be a positive integer');
  const crit = options.crit ?? [];
  if (!Array.isArray(crit) || !crit.every((c) => typeof c === 'string'))
    throw new InvalidOptionsError('crit must be an array of names');
  const maxLength = options.maxLength ?? DEFAULT_MAX_JWS_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength <= 0)
    throw new InvalidOptionsError('maxLength must be a positive integer');
  const detached = options.detachedPayload;
  if (detached !== undefined && typeof detached !== 'string' && !(detached instanceof Uint8Array)) {
    throw new InvalidOptionsError('detachedPayload must be a string or bytes');
  }
  if (options.typ !== undefined && typeof options.typ !== 'string')
    throw new InvalidOptionsError('typ must be a string');
  return {
    algorithms: [...algorithms],
    maxSignatures,
    crit: ['b64', ...crit],
    maxLength,
    detached:
      detached === undefined
        ? null
        : typeof detached === 'string'
          ? Buffer.from(detached, 'utf8')
          : Buffer.from(detached),
    typ: options.typ === undefined ? null : normalizeMediaType(options.typ),
    allowUnprotectedAlg: options.allowUnprotectedAlg === true,
    strict: options.strict === true,
  };
}

/**
 * Verifies a JWS and returns its payload bytes and headers. Accepts a compact string, a JSON serialization
 * (object or JSON text), flattened or general.
 *
 * ```ts
 * const { payload } = verifyJws(jws, publicKey, { algorithms: ['ES256'] })
 * verifyJws(detachedJws, key, { algorithms: ['HS256'], detachedPayload: body })
 * ```
 */
export function verifyJws(
  jws: string | FlattenedJws | GeneralJws,
  key: VerifyKey,
  options: VerifyJwsOptions,
): VerifiedJws {
  const opts = normalize(options);
  const parsed = parseAny(jws, opts.maxLength, opts.allowUnprotectedAlg, opts.maxSignatures);
  const b64 = parsed.entries[0]!.b64;

  // The payload bytes and the payload part of the signing input.
  let payload: Buffer;
  let payloadInput: Buffer;
  const carried = parsed.payloadSegment;
  if (opts.detached !== null) {
    if (carried !== null && carried !== '')
      throw new DecodeError('Invalid JWS: detachedPayload was given but the JWS carries a payload');
    payload = opts.detached;
    payloadInput = b64 ? Buffer.from(b64url(payload), 'latin1') : payload;
  } else {
    if (carried === null)
      throw new DecodeError('Invalid JWS: the payload is detached: pass it as detachedPayload');
    if (b64) {
      payload = Buffer.from(carried, 'base64url');
      payloadInput = Buffer.from(carried, 'latin1');
    } else {
      payload = Buffer.from(carried, 'utf8');
      payloadInput = payload;
    }
  }

  const failures: unknown[] = [];
  for (let i = 0; i < parsed.entries.length; i++) {
    const entry = parsed.entries[i]!;
    try {
      const header = entry.header as JwtHeader;
      const info: AlgorithmInfo = allowedAlgorithm(header, opts.algorithms);
      const material = keyFor(resolveKey(key, header, info), info, 'verify', { strict: opts.strict });
      const signingInput = Buffer.concat([Buffer.from(`${entry.protectedB64}.`, 'latin1'), payloadInput]);
      if (!checkSignature(info, material, signingInput, entry.signature))
        throw new InvalidSignatureError('Signature verification failed');
      checkCrit(entry.prot as JwtHeader, opts.crit);
      checkTyp(entry.prot as JwtHeader, opts.typ); // typ must be integrity protected to mean anything
      return {
        payload,
        protectedHeader: entry.prot,
        unprotectedHeader: entry.unprotected,
        algorithm: info.name,
        signatureIndex: i,
        serialization: parsed.serialization,
      };
    } catch (error) {
      if (!(error instanceof JwtError) || parsed.entries.length === 1) throw error;
      failures.push(error);
    }
  }
  throw new InvalidSignatureError(
    `None of the ${parsed.entries.length} signatures verified with the given key and algorithms`,
    {
      cause: failures[0],
    },
  );
}
