/**
 * Encrypted JWTs (RFC 7519 §5.2, §11.2), the shared pipeline of both builds (src/jwe/jwt.ts on Node,
 * jwe-web.ts on WebCrypto; each passes its own JWS signer and verifier): a claims set encrypted as a compact JWE, and nested JWTs
 * (signed with `encode`, then encrypted, `cty: "JWT"`), each in one call. Decoding checks, in order:
 * the JWE (strict parse -> alg/enc allowlists -> key type -> decryption -> crit -> zip), then for a nested
 * JWT the inner JWS exactly as `decode` does (its own allowlist and key), then the claims with the same
 * options and the same function as `decode`.
 */
import { DecodeError, InvalidOptionsError } from '../errors.js';
import type { Algorithm } from './algorithms.js';
import { latin1Text } from './bytes.js';
import { validateClaims } from './claims.js';
import type { JwtHeader } from './compact.js';
import { parsePayload } from './compact.js';
import type { JwtPayload } from './decode-unverified.js';
import {
  buildPayload,
  ENCODE_CLAIM_OPTION_NAMES,
  type EncodeOptions,
  planClaims,
  serializePayload,
} from './encode-core.js';
import type { ContentEncryptionAlgorithm, KeyManagementAlgorithm } from './jwe-algorithms.js';
import type { JweBackend, Maybe } from './jwe-backend.js';
import {
  DECRYPT_OPTION_NAMES,
  type DecryptJweOptions,
  decryptParsedSteps,
  type EncryptJweOptions,
  encryptSteps,
  type JweHeader,
  normalizeDecryptOptions,
  parseJwe,
  type Steps,
} from './jwe-core.js';
import { ownOptions } from './options.js';
import { nowSeconds } from './time.js';
import {
  checkTyp,
  DECODE_CLAIM_OPTION_NAMES,
  DECODE_OPTION_NAMES,
  type DecodeOptions,
  type NormalizedOptions,
  normalizeOptions,
} from './verify-core.js';

/** The signing half of a nested JWT: `encode`'s key and options (algorithm, headers, keyId). */
export interface NestedSignOptionsOf<KI> {
  key: KI;
  algorithm: Algorithm;
  headers?: Record<string, unknown>;
  keyId?: string;
  strict?: boolean;
}

/** The claim options are encode's own (one list, encode-core.ts). */
export interface EncodeEncryptedOptionsOf<KI>
  extends Pick<EncodeOptions, (typeof ENCODE_CLAIM_OPTION_NAMES)[number]> {
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
  sign?: NestedSignOptionsOf<KI>;
}

const ENCODE_ENCRYPTED_NAMES: ReadonlySet<string> = new Set([
  ...ENCODE_CLAIM_OPTION_NAMES,
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

/** The JWS signer of a build (its `encode`). */
export type NestedSigner = (payload: object, key: unknown, options: EncodeOptions) => Maybe<string>;

export function* encodeEncryptedSteps<K>(
  c: JweBackend<K>,
  payload: object,
  key: unknown,
  input: EncodeEncryptedOptionsOf<unknown>,
  sign: NestedSigner,
): Steps<string> {
  const o = ownOptions(
    input,
    ENCODE_ENCRYPTED_NAMES,
    'encodeEncrypted()',
  ) as unknown as EncodeEncryptedOptionsOf<unknown>;
  let plaintext: string;
  let headers = o.headers;
  if (o.sign !== undefined) {
    const s = ownOptions(
      o.sign,
      SIGN_NAMES,
      'encodeEncrypted() sign',
    ) as unknown as NestedSignOptionsOf<unknown>;
    if (s.algorithm === undefined) throw new InvalidOptionsError('sign.algorithm is required');
    // encode's options in one literal, every member named (undefined = not set, as encode reads it): one
    // object shape whatever the caller's options look like. The conditional spreads this replaces made
    // encode's option reading several times slower here than in a plain encode() (part of the nested
    // encode's overhead over its halves). No computed keys; `satisfies` keeps it complete: a name added to
    // ENCODE_CLAIM_OPTION_NAMES fails to compile here until it is passed on.
    const signOptions = {
      algorithm: s.algorithm,
      headers: s.headers,
      keyId: s.keyId,
      strict: s.strict,
      expiresIn: o.expiresIn,
      notBefore: o.notBefore,
      issuedAt: o.issuedAt,
      issuer: o.issuer,
      subject: o.subject,
      audience: o.audience,
      jwtId: o.jwtId,
      now: o.now,
    } satisfies Record<(typeof ENCODE_CLAIM_OPTION_NAMES)[number], unknown> & Record<string, unknown>;
    plaintext = yield sign(payload, s.key, signOptions as EncodeOptions);
    if (headers !== undefined && Object.hasOwn(headers, 'cty') && headers.cty !== 'JWT')
      throw new InvalidOptionsError('A nested JWT has cty "JWT"');
    headers = { ...headers, cty: 'JWT' };
  } else {
    plaintext = serializePayload(buildPayload(payload, planClaims(o)));
  }
  // One shape whatever is set (undefined = not set, as encryptSteps reads it).
  const encryptOptions = {
    alg: o.alg,
    enc: o.enc,
    headers,
    keyId: o.keyId,
    zip: o.zip,
    apu: o.apu,
    apv: o.apv,
    p2c: o.p2c,
    unsafeAllowRsa1_5: o.unsafeAllowRsa1_5,
  };
  return (yield* encryptSteps(c, plaintext, key, encryptOptions as EncryptJweOptions)) as string;
}

/** The verification half of a nested JWT: `decode`'s key and algorithm allowlist for the inner JWS. */
export interface NestedVerifyOptionsOf<VK> {
  key: VK;
  algorithms: readonly Algorithm[];
  strict?: boolean;
  /** `crit` extensions of the inner JWS that the application understands. */
  crit?: readonly string[];
}

/** The claim options are decode's own (one list, verify-core.ts). */
export interface DecodeEncryptedOptionsOf<VK>
  extends DecryptJweOptions,
    Pick<DecodeOptions, (typeof DECODE_CLAIM_OPTION_NAMES)[number]> {
  /**
   * For a nested JWT (`cty: "JWT"`): the inner signature's key and allowlist. Required when the JWE holds
   * a JWT, refused otherwise: an encrypted claims set is never mistaken for a signed one, or the reverse.
   */
  signature?: NestedVerifyOptionsOf<VK>;
}

const DECODE_ENCRYPTED_NAMES: ReadonlySet<string> = new Set([
  ...DECRYPT_OPTION_NAMES,
  ...DECODE_CLAIM_OPTION_NAMES,
  'signature',
]);
/** For bare (not nested) claims: normalizeOptions needs an allowlist; no signature is ever checked with it. */
const BARE_CLAIMS_ALGORITHMS: readonly Algorithm[] = ['HS256'];
const NESTED_NAMES: ReadonlySet<string> = new Set(['key', 'algorithms', 'strict', 'crit']);

export interface DecodedEncryptedJwt<T = JwtPayload> {
  payload: T;
  /** The JWE's (joint) header. */
  header: Readonly<JweHeader>;
  /** The inner JWS header of a nested JWT; null otherwise. */
  signedHeader: Readonly<JwtHeader> | null;
}

const isJwtCty = (cty: unknown) => typeof cty === 'string' && /^(application\/)?jwt$/i.test(cty);

/** The JWS verifier of a build (its `decode` core): the inner JWT's payload and header. */
export type NestedVerifier = (
  jws: string,
  key: unknown,
  options: NormalizedOptions,
) => Maybe<{ payload: unknown; header: JwtHeader }>;

export function* decodeEncryptedSteps<K, T>(
  c: JweBackend<K>,
  token: string,
  key: unknown,
  input: DecodeEncryptedOptionsOf<unknown>,
  verify: NestedVerifier,
): Steps<DecodedEncryptedJwt<T>> {
  if (typeof input !== 'object' || input === null)
    throw new InvalidOptionsError(
      'decodeEncrypted() needs options with "keyManagementAlgorithms" and "contentEncryptionAlgorithms"',
    );
  const o = ownOptions(input, DECODE_ENCRYPTED_NAMES, 'decodeEncrypted()');
  const jweOpts = normalizeDecryptOptions(o);
  const nested =
    o.signature === undefined
      ? null
      : (ownOptions(
          o.signature,
          NESTED_NAMES,
          'decodeEncrypted() signature',
        ) as unknown as NestedVerifyOptionsOf<unknown>);
  // The inner options are checked before any decryption: a typo fails at the call, not on the first token.
  // One literal with every member named (undefined = not set, as normalizeOptions reads it): one object
  // shape whatever the caller's options look like. The Object.fromEntries and spreads this replaces made
  // normalizeOptions several times slower here than in decode (part of the nested decode's overhead over its
  // halves). No computed keys; `satisfies` keeps it complete: a name added to DECODE_CLAIM_OPTION_NAMES
  // fails to compile here until it is passed on.
  const innerInput = {
    algorithms: nested ? nested.algorithms : BARE_CLAIMS_ALGORITHMS,
    strict: nested?.strict,
    crit: nested?.crit,
    audience: o.audience,
    issuer: o.issuer,
    subject: o.subject,
    leeway: o.leeway,
    now: o.now,
    requiredClaims: o.requiredClaims,
    maxAge: o.maxAge,
    typ: o.typ,
  } satisfies Record<(typeof DECODE_CLAIM_OPTION_NAMES)[number], unknown> & Record<string, unknown>;
  const innerOpts = normalizeOptions(
    innerInput as unknown as DecodeOptions,
    'decodeEncrypted()',
    DECODE_OPTION_NAMES,
  );
  if (typeof token !== 'string') throw new DecodeError('Invalid token: expected a compact JWE string');
  const parsed = parseJwe(token, jweOpts.maxTokenLength);
  const { plaintext, header } = yield* decryptParsedSteps(c, parsed, key, jweOpts);
  if (isJwtCty(header.cty)) {
    if (!nested)
      throw new DecodeError(
        'Invalid token: the JWE holds a nested (signed) JWT: pass signature: { key, algorithms } to verify it',
      );
    const inner: { payload: unknown; header: JwtHeader } = yield verify(
      latin1Text(plaintext),
      nested.key,
      innerOpts,
    );
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
