/**
 * Encrypted JWTs (RFC 7519 §5.2, §11.2): a claims set encrypted as a compact JWE, and nested JWTs
 * (signed with `encode`, then encrypted, `cty: "JWT"`), each in one call. Decoding checks, in order:
 * the JWE (strict parse -> alg/enc allowlists -> key type -> decryption -> crit -> zip), then for a nested
 * JWT the inner JWS exactly as `decode` does (its own allowlist and key), then the claims with the same
 * options and the same function as `decode`.
 */
import type { Algorithm } from '../_lib/algorithms.js';
import { validateClaims } from '../_lib/claims.js';
import type { JwtHeader } from '../_lib/compact.js';
import { parsePayload } from '../_lib/compact.js';
import type { ContentEncryptionAlgorithm, KeyManagementAlgorithm } from '../_lib/jwe-algorithms.js';
import {
  DECRYPT_OPTION_NAMES,
  type DecryptJweOptions,
  type DecryptKey,
  decryptParsed,
  encryptJwe,
  type JweHeader,
  normalizeDecryptOptions,
  parseJwe,
} from '../_lib/jwe-core.js';
import type { VerifyKey } from '../_lib/key-selection.js';
import type { KeyInput } from '../_lib/keys.js';
import { ownOptions } from '../_lib/options.js';
import { nowSeconds } from '../_lib/time.js';
import {
  checkTyp,
  DECODE_OPTION_NAMES,
  type DecodeOptions,
  normalizeOptions,
  verifyJwt,
} from '../_lib/verify.js';
import type { JwtPayload } from '../decode.js';
import { claimsText, type EncodeOptions, encode } from '../encode.js';
import { DecodeError, InvalidOptionsError } from '../errors.js';

/** The signing half of a nested JWT: `encode`'s key and options (algorithm, headers, keyId). */
export interface NestedSignOptions {
  key: KeyInput;
  algorithm: Algorithm;
  headers?: Record<string, unknown>;
  keyId?: string;
  strict?: boolean;
}

export interface EncodeEncryptedOptions
  extends Pick<
    EncodeOptions,
    'expiresIn' | 'notBefore' | 'issuedAt' | 'issuer' | 'subject' | 'audience' | 'jwtId' | 'now'
  > {
  /** Key management algorithm. Required. */
  alg: KeyManagementAlgorithm;
  /** Content encryption algorithm. Required. */
  enc: ContentEncryptionAlgorithm;
  /** Extra JWE protected header members (`typ`, `kid`, ...). */
  headers?: JweHeader;
  /** Shorthand for `headers.kid` (the encryption key's id). */
  keyId?: string;
  zip?: 'DEF';
  apu?: Uint8Array | string;
  apv?: Uint8Array | string;
  p2c?: number;
  unsafeAllowRsa1_5?: boolean;
  /** Sign first (a nested JWT, `cty: "JWT"`): the signing key and `encode` options. */
  sign?: NestedSignOptions;
}

const CLAIM_ENCODE = [
  'expiresIn',
  'notBefore',
  'issuedAt',
  'issuer',
  'subject',
  'audience',
  'jwtId',
  'now',
] as const;
const ENCODE_ENCRYPTED_NAMES: ReadonlySet<string> = new Set([
  ...CLAIM_ENCODE,
  'alg',
  'enc',
  'headers',
  'keyId',
  'zip',
  'apu',
  'apv',
  'p2c',
  'unsafeAllowRsa1_5',
  'sign',
]);
const SIGN_NAMES: ReadonlySet<string> = new Set(['key', 'algorithm', 'headers', 'keyId', 'strict']);

/**
 * A JWT whose claims are encrypted (compact JWE). With `sign`, a nested JWT: signed with `encode`, then
 * encrypted with `cty: "JWT"`.
 *
 * ```ts
 * const token = encodeEncrypted({ sub: 'u1' }, recipientPublicJwk, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: '15m' })
 * ```
 */
export function encodeEncrypted(payload: object, key: KeyInput, input: EncodeEncryptedOptions): string {
  const o = ownOptions(
    input,
    ENCODE_ENCRYPTED_NAMES,
    'encodeEncrypted()',
  ) as unknown as EncodeEncryptedOptions;
  const claimOptions: EncodeOptions = {};
  for (const k of CLAIM_ENCODE) if (o[k] !== undefined) (claimOptions as Record<string, unknown>)[k] = o[k];
  let plaintext: string;
  let headers = o.headers;
  if (o.sign !== undefined) {
    const s = ownOptions(o.sign, SIGN_NAMES, 'encodeEncrypted() sign') as unknown as NestedSignOptions;
    if (s.algorithm === undefined) throw new InvalidOptionsError('sign.algorithm is required');
    plaintext = encode(payload, s.key, {
      ...claimOptions,
      algorithm: s.algorithm,
      ...(s.headers === undefined ? {} : { headers: s.headers }),
      ...(s.keyId === undefined ? {} : { keyId: s.keyId }),
      ...(s.strict === undefined ? {} : { strict: s.strict }),
    });
    if (headers !== undefined && Object.hasOwn(headers, 'cty') && headers.cty !== 'JWT')
      throw new InvalidOptionsError('A nested JWT has cty "JWT"');
    headers = { ...headers, cty: 'JWT' };
  } else {
    plaintext = claimsText(payload, claimOptions);
  }
  return encryptJwe(plaintext, key, {
    alg: o.alg,
    enc: o.enc,
    ...(headers === undefined ? {} : { headers }),
    ...(o.keyId === undefined ? {} : { keyId: o.keyId }),
    ...(o.zip === undefined ? {} : { zip: o.zip }),
    ...(o.apu === undefined ? {} : { apu: o.apu }),
    ...(o.apv === undefined ? {} : { apv: o.apv }),
    ...(o.p2c === undefined ? {} : { p2c: o.p2c }),
    ...(o.unsafeAllowRsa1_5 === undefined ? {} : { unsafeAllowRsa1_5: o.unsafeAllowRsa1_5 }),
  }) as string;
}

/** The verification half of a nested JWT: `decode`'s key and algorithm allowlist for the inner JWS. */
export interface NestedVerifyOptions {
  key: VerifyKey;
  algorithms: readonly Algorithm[];
  strict?: boolean;
  /** `crit` extensions of the inner JWS that the application understands. */
  crit?: readonly string[];
}

export interface DecodeEncryptedOptions
  extends DecryptJweOptions,
    Pick<
      DecodeOptions,
      'audience' | 'issuer' | 'subject' | 'leeway' | 'now' | 'requiredClaims' | 'maxAge' | 'typ'
    > {
  /**
   * For a nested JWT (`cty: "JWT"`): the inner signature's key and allowlist. Required when the JWE holds
   * a JWT, refused otherwise: an encrypted claims set is never mistaken for a signed one, or the reverse.
   */
  signature?: NestedVerifyOptions;
}

const CLAIM_DECODE = [
  'audience',
  'issuer',
  'subject',
  'leeway',
  'now',
  'requiredClaims',
  'maxAge',
  'typ',
] as const;
const DECODE_ENCRYPTED_NAMES: ReadonlySet<string> = new Set([
  ...DECRYPT_OPTION_NAMES,
  ...CLAIM_DECODE,
  'signature',
]);
const NESTED_NAMES: ReadonlySet<string> = new Set(['key', 'algorithms', 'strict', 'crit']);

export interface DecodedEncryptedJwt<T = JwtPayload> {
  payload: T;
  /** The JWE's (joint) header. */
  header: Readonly<JweHeader>;
  /** The inner JWS header of a nested JWT; null otherwise. */
  signedHeader: Readonly<JwtHeader> | null;
}

const isJwtCty = (cty: unknown) => typeof cty === 'string' && /^(application\/)?jwt$/i.test(cty);

export function decodeEncryptedComplete<T = JwtPayload>(
  token: string,
  key: DecryptKey,
  input: DecodeEncryptedOptions,
): DecodedEncryptedJwt<T> {
  if (typeof input !== 'object' || input === null)
    throw new InvalidOptionsError(
      'decodeEncrypted() needs options with "keyManagementAlgorithms" and "contentEncryptionAlgorithms"',
    );
  const o = ownOptions(input, DECODE_ENCRYPTED_NAMES, 'decodeEncrypted()');
  const jweOpts = normalizeDecryptOptions(o);
  const claimOptions = Object.fromEntries(
    CLAIM_DECODE.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]),
  );
  const nested =
    o.signature === undefined
      ? null
      : (ownOptions(
          o.signature,
          NESTED_NAMES,
          'decodeEncrypted() signature',
        ) as unknown as NestedVerifyOptions);
  // The inner options are checked before any decryption: a typo fails at the call, not on the first token.
  const innerOpts = normalizeOptions(
    {
      ...claimOptions,
      algorithms: nested ? nested.algorithms : ['HS256'],
      ...(nested?.strict === undefined ? {} : { strict: nested.strict }),
      ...(nested?.crit === undefined ? {} : { crit: nested.crit }),
    } as DecodeOptions,
    'decodeEncrypted()',
    DECODE_OPTION_NAMES,
  );
  if (typeof token !== 'string') throw new DecodeError('Invalid token: expected a compact JWE string');
  const parsed = parseJwe(token, jweOpts.maxTokenLength);
  const { plaintext, header } = decryptParsed(parsed, key, jweOpts);
  if (isJwtCty(header.cty)) {
    if (!nested)
      throw new DecodeError(
        'Invalid token: the JWE holds a nested (signed) JWT: pass signature: { key, algorithms } to verify it',
      );
    const inner = verifyJwt(plaintext.toString('latin1'), nested.key, innerOpts);
    return { payload: inner.payload as T, header, signedHeader: inner.header };
  }
  if (nested)
    throw new DecodeError(
      'Invalid token: a nested (signed) JWT was expected (cty "JWT"), this JWE holds bare claims',
    );
  checkTyp(header as JwtHeader, innerOpts.typ);
  const payload = parsePayload(plaintext);
  validateClaims(payload, innerOpts.rules, nowSeconds(innerOpts.now));
  return { payload: payload as T, header, signedHeader: null };
}

/**
 * Decrypts an encrypted JWT (compact JWE) and returns its claims, checked like `decode` does. Both
 * allowlists are required. For a nested JWT, `signature: { key, algorithms }` verifies the inner JWS.
 *
 * ```ts
 * const claims = decodeEncrypted(token, privateJwk, {
 *   keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'], audience: 'api',
 * })
 * ```
 */
export function decodeEncrypted<T = JwtPayload>(
  token: string,
  key: DecryptKey,
  options: DecodeEncryptedOptions,
): T {
  return decodeEncryptedComplete<T>(token, key, options).payload;
}
