/**
 * The framework-free core of the HTTP middleware (`jwtkit/fetch`, `jwtkit/express`, `jwtkit/fastify`,
 * `jwtkit/hono`): RFC 6750 bearer-token extraction, verification through the library's public verifier
 * (`createVerifier`, `createRemoteJwks`), the optional hooks (revocation, DPoP, claims validation) and the
 * RFC 6750 §3 answers. Adapters only translate their framework's request into `CredentialInput` and the
 * `AuthFailure` back into their framework's response.
 *
 * No node-only API is used here (no Buffer, no node:*): the key material and the signature check live in
 * the library, so this file runs wherever the library does.
 */
import type { Algorithm } from '../_lib/algorithms.js';
import type { Jwks, KeyInput } from '../_lib/keys.js';
import { ownOptions } from '../_lib/options.js';
import { type DecodedJwt, getUnverifiedHeader, type JwtHeader, type JwtPayload } from '../decode.js';
import { createDpopReplayStore, type DpopNonces, type DpopReplayStore, verifyDpopProof } from '../dpop.js';
import {
  InvalidAlgorithmError,
  InvalidDpopProofError,
  InvalidKeyError,
  InvalidOptionsError,
  JwtError,
} from '../errors.js';
import { createRemoteJwks, isRemoteJwks, type RemoteJwks, type RemoteJwksOptions } from '../jwk/remote.js';
import { createVerifier, type VerifierOptions } from '../verifier.js';

// ---------------------------------------------------------------- public types

/**
 * Register your claims type once for the adapters whose request objects cannot be generic
 * (`req.auth` in Express, `request.auth` in Fastify):
 *
 * ```ts
 * declare module 'jwtkit/fetch' { interface Register { claims: MyClaims } }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: an augmentation point
export interface Register {}
/** The claims type registered through `Register` (default `JwtPayload`). */
export type RegisteredClaims = Register extends { claims: infer C } ? C : JwtPayload;

/** Any Standard Schema v1 validator (zod, valibot, arktype...), used through `~standard.validate` only. */
export interface StandardSchemaLike<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) =>
      | { readonly value: Output; readonly issues?: undefined }
      | { readonly issues: ReadonlyArray<unknown> }
      | Promise<
          | { readonly value: Output; readonly issues?: undefined }
          | { readonly issues: ReadonlyArray<unknown> }
        >;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/** A runtime check of the verified claims: a predicate (sync or async) or a Standard Schema. */
export type ClaimsValidator<C> = ((claims: JwtPayload) => boolean | Promise<boolean>) | StandardSchemaLike<C>;

/** What a DPoP hook function sees (for proofs checked your own way; `DpopOptions` uses the library's). */
export interface DpopContext {
  /** `'DPoP'` when the client sent `Authorization: DPoP <token>`, else `'Bearer'`. */
  scheme: 'Bearer' | 'DPoP';
  /** The access token (already verified: signature and claims). */
  token: string;
  header: JwtHeader;
  claims: JwtPayload;
  /** The `DPoP` request header values (RFC 9449 §4: exactly one is valid; checking that is yours). */
  proofs: readonly string[];
  /** The request method and absolute or path URL, for the proof's `htm` / `htu`. */
  method: string;
  url: string;
}

/** DPoP verified by the library (`verifyDpopProof`, RFC 9449 §4.3 and §7). */
export interface DpopOptions {
  /** Algorithms accepted for proofs (asymmetric), e.g. `['ES256', 'EdDSA']`. */
  algorithms: readonly Algorithm[];
  /**
   * The origin clients address, e.g. `'https://api.example.com'` (required: behind a proxy the request's
   * own URL is not what the client signed). The proof's `htu` must be this origin + the request path.
   */
  origin: string;
  /** Replay detection of proof `jti`s (default: an in-memory store, one process only). */
  replayStore?: DpopReplayStore;
  /** How old a proof may be (seconds, default 300) and the clock skew allowed (default 5). */
  maxAge?: number;
  leeway?: number;
  /**
   * Server nonces (RFC 9449 §9), e.g. `createDpopNonces({ secret })`: every proof must carry a valid
   * one; a proof without it is answered 401 `use_dpop_nonce` with a fresh `DPoP-Nonce` header (clients
   * such as oauth4webapi retry with it).
   */
  nonces?: DpopNonces;
}

/**
 * What a `verify` hook answers: the verified claims (and the header if it has it), or a failure made with
 * `invalidToken(realm, description)` / `insufficientScope(...)`.
 */
export type VerifyOutcome = { ok: true; claims: JwtPayload; header?: JwtHeader } | AuthFailure;

export interface AuthenticatorOptions<C = JwtPayload> {
  // Key source: exactly one of key, jwks, jwksUrl, resolver.
  /** One key: an HMAC secret, a PEM/JWK/KeyObject public key. */
  key?: KeyInput;
  /** A key set (picked by `kid` and algorithm), or a set made by `createRemoteJwks` (shared cache). */
  jwks?: Jwks | RemoteJwks;
  /** The issuer's JWKS URL: fetched through `createRemoteJwks` (cache, cooldown, limits). */
  jwksUrl?: string | URL;
  /** Options for `createRemoteJwks` when `jwksUrl` is given (e.g. `{ allowHttp: 'loopback' }`). */
  jwksOptions?: RemoteJwksOptions;
  /** Your own key lookup `(header) => key | jwks`, sync or async (called after the algorithm check). */
  resolver?: (header: Readonly<JwtHeader>) => KeyInput | Jwks | Promise<KeyInput | Jwks>;
  /**
   * Your own token verification instead of a key source (e.g. a service that already has a cached
   * verifier and a revocation check): `(token, request) => ({ ok: true, claims })` or a failure. The
   * verifier options (algorithms, issuer, audience, typ, leeway, ...) are then yours and not accepted
   * here; extraction, DPoP, `validate`, `isRevoked`, requirements and the answers stay the core's. A
   * thrown `JwtError` is a 401 `invalid_token`; anything else thrown is a 503 (fail closed).
   * `request` is the framework's own request object (Fastify request, Express req, Hono context, Request).
   */
  verify?: (token: string, request: unknown) => VerifyOutcome | Promise<VerifyOutcome>;

  /** The algorithms you accept. Required (except with your own `verify`). */
  algorithms?: readonly Algorithm[];
  /** Expected `iss` (exact match). Required unless `unsafeSkipIssuer: true`. */
  issuer?: string | readonly string[];
  /** Expected `aud` (one must match). Required unless `unsafeSkipAudience: true`. */
  audience?: string | readonly string[];
  /** UNSAFE: accept tokens from any issuer (a token of another tenant of your IdP passes). */
  unsafeSkipIssuer?: boolean;
  /**
   * UNSAFE: no audience check (a token meant for another API passes). Per RFC 7519 a token that carries
   * an `aud` is still refused, because this API cannot identify itself with it.
   */
  unsafeSkipAudience?: boolean;
  /** Expected `typ` header, e.g. `'at+jwt'` (RFC 9068). */
  typ?: string;
  /** Clock tolerance (seconds or `'30s'`). */
  leeway?: number | string;
  /** Claims that must be present (e.g. `['exp', 'sub']`). `exp` is always required here. */
  requiredClaims?: readonly string[];
  /** Maximum age since `iat`. */
  maxAge?: number | string;
  /** Expected `sub`. */
  subject?: string;
  /** Longest token accepted (characters, default 8192). */
  maxTokenLength?: number;
  /**
   * Remember verified tokens (the library verifier's `cache`): at most this many (default 1000; `false`
   * or 0 turns it off). Keyed by the whole token text; on every hit all claims are checked again against
   * the clock and the key is resolved again (a key dropped from the JWKS stops its tokens at once); only
   * tokens that verified are kept, so unauthenticated input cannot fill it. The claims are frozen.
   * `validate`, `isRevoked`, DPoP and requirements still run on every request.
   */
  cache?: boolean | number;
  /** The current time (seconds or a Date), for tests. */
  now?: number | Date | (() => number | Date);

  /** Runtime check of the claims; failing it is a 401 invalid_token. */
  validate?: ClaimsValidator<C>;
  /** Return true to refuse a verified token (a jti denylist, a per-user epoch...). Sync or async. */
  isRevoked?: (claims: C, header: JwtHeader) => boolean | Promise<boolean>;
  /**
   * DPoP (RFC 9449): `{ algorithms, origin }` verifies proofs with the library's `verifyDpopProof`; a
   * function is your own check (throw or return false to refuse). Either way the `DPoP` scheme is
   * accepted; without this option only `Bearer` is. A DPoP-bound token (`cnf.jkt`) presented with the
   * `Bearer` scheme is always refused (RFC 9449 §7.2).
   */
  dpop?: DpopOptions | ((context: DpopContext) => boolean | undefined | Promise<boolean | undefined>);

  /** Also read the token from this cookie (off by default). */
  cookie?: string;
  /** Also read the token from this query parameter (off by default; RFC 6750 §2.3 discourages it). */
  query?: string;
  /** With `true`, a request without any credentials passes with no claims (`auth` null). */
  credentialsOptional?: boolean;
  /** The `realm` of `WWW-Authenticate` (default `"api"`). */
  realm?: string;
}

/** Why a request is refused, ready to be sent (status, `WWW-Authenticate`, a fixed token-free text). */
export interface AuthFailure {
  readonly ok: false;
  readonly status: 400 | 401 | 403 | 503;
  /** The RFC 6750 error code; null when the request carried no credentials at all (§3.1). */
  readonly error:
    | 'invalid_request'
    | 'invalid_token'
    | 'insufficient_scope'
    | 'invalid_dpop_proof'
    | 'use_dpop_nonce'
    | 'temporarily_unavailable'
    | null;
  /** A fixed text: never the token, a claim value, or attacker text. */
  readonly description: string;
  /** The value of the `WWW-Authenticate` header (absent for 503). */
  readonly wwwAuthenticate: string | undefined;
  /** The scopes a 403 asked for. */
  readonly scope?: readonly string[];
  /** For `use_dpop_nonce`: the nonce to send in the `DPoP-Nonce` header. */
  readonly dpopNonce?: string;
  /** The underlying error (a JwtError, or what a hook threw), for logging. Never sent. */
  readonly cause?: unknown;
}

export interface AuthSuccess<C> {
  readonly ok: true;
  readonly claims: C;
  readonly header: JwtHeader;
  readonly token: string;
  readonly scheme: 'Bearer' | 'DPoP';
}

/** `credentialsOptional` and no credentials: passes with no claims. */
export interface AuthAnonymous {
  readonly ok: true;
  readonly claims: null;
  readonly header: null;
  readonly token: null;
  readonly scheme: null;
}

export type AuthResult<C> = AuthSuccess<C> | AuthFailure;

/** A per-route requirement on verified claims: `requireScope('admin')`, `requireClaims({ role: 'admin' })`. */
export interface Requirement {
  readonly kind: 'scope' | 'claims';
  /** null when satisfied, else the failure (403 insufficient_scope). */
  check(claims: unknown, realm: string): AuthFailure | null;
}

/** What an adapter hands the core: the credentials-bearing parts of a request. */
export interface CredentialInput {
  /** Every `Authorization` header value, unjoined (Node's rawHeaders), or the one joined value (fetch). */
  authorization: readonly string[];
  /** The raw `Cookie` header(s), when a cookie name is configured. */
  cookie: readonly string[];
  /** The request URL (absolute, or a path with a query). */
  url: string;
  method: string;
  /** The `DPoP` header values. */
  dpop: readonly string[];
  /** The framework's own request object, handed to a `verify` hook. */
  native?: unknown;
}

// ---------------------------------------------------------------- failures

/** RFC 7230 quoted-string. Only our own fixed texts and the configured realm/scopes reach it. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;
}

function challenge(
  scheme: string,
  realm: string,
  error: string | null,
  description: string | null,
  scope?: readonly string[],
): string {
  let v = `${scheme} realm=${quoted(realm)}`;
  if (error !== null) v += `, error=${quoted(error)}`;
  if (description !== null) v += `, error_description=${quoted(description)}`;
  if (scope !== undefined && scope.length > 0) v += `, scope=${quoted(scope.join(' '))}`;
  return v;
}

export function missingCredentials(realm: string): AuthFailure {
  return {
    ok: false,
    status: 401,
    error: null,
    description: 'The request carries no bearer token.',
    wwwAuthenticate: challenge('Bearer', realm, null, null),
  };
}

export function invalidRequest(realm: string, description: string): AuthFailure {
  return {
    ok: false,
    status: 400,
    error: 'invalid_request',
    description,
    wwwAuthenticate: challenge('Bearer', realm, 'invalid_request', description),
  };
}

export function invalidToken(realm: string, description: string, cause?: unknown): AuthFailure {
  return {
    ok: false,
    status: 401,
    error: 'invalid_token',
    description,
    wwwAuthenticate: challenge('Bearer', realm, 'invalid_token', description),
    cause,
  };
}

export function insufficientScope(
  realm: string,
  description: string,
  scope?: readonly string[],
): AuthFailure {
  return {
    ok: false,
    status: 403,
    error: 'insufficient_scope',
    description,
    wwwAuthenticate: challenge('Bearer', realm, 'insufficient_scope', description, scope),
    ...(scope !== undefined ? { scope } : {}),
  };
}

function invalidDpopProof(
  realm: string,
  algs: readonly string[],
  description: string,
  cause?: unknown,
): AuthFailure {
  return {
    ok: false,
    status: 401,
    error: 'invalid_dpop_proof',
    description,
    // RFC 9449 §7.1: the DPoP challenge names the accepted proof algorithms.
    wwwAuthenticate: `${challenge('DPoP', realm, 'invalid_dpop_proof', description)}, algs=${quoted(algs.join(' '))}`,
    cause,
  };
}

function useDpopNonce(realm: string, algs: readonly string[], nonce: string, cause?: unknown): AuthFailure {
  const description = 'The DPoP proof must carry the nonce of the DPoP-Nonce header.';
  return {
    ok: false,
    status: 401,
    error: 'use_dpop_nonce',
    description,
    wwwAuthenticate: `${challenge('DPoP', realm, 'use_dpop_nonce', description)}, algs=${quoted(algs.join(' '))}`,
    dpopNonce: nonce,
    cause,
  };
}

function unavailable(cause: unknown): AuthFailure {
  return {
    ok: false,
    status: 503,
    error: 'temporarily_unavailable',
    description: 'The token cannot be checked right now; try again later.',
    wwwAuthenticate: undefined,
    cause,
  };
}

/** A fixed, token-free description for each library error (the library's own messages are not sent). */
export function describeError(err: unknown): string {
  if (!(err instanceof JwtError)) return 'The access token is invalid.';
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return 'The access token has expired.';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'The access token is not valid yet.';
    case 'ERR_JWS_SIGNATURE_INVALID':
      return 'The access token signature is invalid.';
    case 'ERR_JWT_AUDIENCE_INVALID':
      return 'The access token is not meant for this API (aud).';
    case 'ERR_JWT_ISSUER_INVALID':
      return 'The access token was not issued by a trusted issuer (iss).';
    case 'ERR_JWT_SUBJECT_INVALID':
      return 'The access token has an unexpected subject (sub).';
    case 'ERR_JWT_TYP_INVALID':
      return 'The token has the wrong type (typ).';
    case 'ERR_JWS_ALG_NOT_ALLOWED':
      return 'The access token uses an algorithm this API does not accept.';
    case 'ERR_JWT_CLAIM_MISSING':
      return 'The access token lacks a required claim.';
    case 'ERR_JWT_IAT_INVALID':
      return 'The access token has an invalid issued-at time (iat).';
    case 'ERR_JWK_INVALID':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'The access token was signed by an unknown key.';
    case 'ERR_JWT_MALFORMED':
      return 'The access token is malformed.';
    default:
      return 'The access token is invalid.';
  }
}

// ---------------------------------------------------------------- credentials

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

interface Credential {
  token: string;
  scheme: 'Bearer' | 'DPoP';
}

type Extracted = Credential | AuthFailure | null;

function fromAuthorization(values: readonly string[], realm: string, allowDpop: boolean): Extracted {
  if (values.length === 0) return null;
  if (values.length > 1)
    return invalidRequest(realm, 'The request carries more than one Authorization header.');
  const value = values[0] as string;
  if (value === '') return null;
  const sp = value.indexOf(' ');
  const schemeText = sp < 0 ? value : value.slice(0, sp);
  const scheme = schemeText.toLowerCase();
  if (scheme !== 'bearer' && !(allowDpop && scheme === 'dpop')) {
    if (sp < 0 && COMPACT_JWT.test(value)) {
      return invalidRequest(
        realm,
        'The Authorization header carries a token without the "Bearer " scheme; send "Authorization: Bearer <token>".',
      );
    }
    // Another scheme (Basic, Digest...): no bearer credentials at all (RFC 6750 §3.1: no error code).
    return null;
  }
  // The token: what follows the scheme, without the spaces around it (a loop: a regex anchored at the end
  // tries every position of a ~200-character header on every request).
  let end = value.length;
  while (end > sp + 1 && value.charCodeAt(end - 1) === 0x20) end--;
  let start = sp < 0 ? end : sp + 1;
  while (start < end && value.charCodeAt(start) === 0x20) start++;
  const token = value.slice(start, end);
  if (token === '') return invalidRequest(realm, 'The Authorization header carries no token.');
  if (B64TOKEN.test(token)) return { token, scheme: scheme === 'dpop' ? 'DPoP' : 'Bearer' };
  if (token.includes(',') || token.includes(' ')) {
    // Joined duplicate headers ("Bearer a, Bearer b") or several credentials in one header.
    return invalidRequest(realm, 'The request carries more than one credential.');
  }
  return invalidRequest(realm, 'The bearer token is syntactically malformed.');
}

/** Every value of one cookie in the Cookie header(s) (a duplicated name is several credentials). */
function cookieValues(headers: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (const header of headers) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() !== name) continue;
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      out.push(v);
    }
  }
  return out;
}

/** The path (and query) of an absolute or path-only request URL. */
function pathOf(url: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  const rest = m ? url.slice(m[0].length) : url;
  return rest.startsWith('/') ? rest : `/${rest}`;
}

function queryValues(url: string, name: string): string[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const hash = url.indexOf('#', q);
  return new URLSearchParams(url.slice(q + 1, hash < 0 ? undefined : hash)).getAll(name);
}

function plainCredential(values: string[], where: string, realm: string): Extracted {
  if (values.length === 0) return null;
  if (values.length > 1) return invalidRequest(realm, `The request carries more than one ${where} token.`);
  const token = values[0] as string;
  if (token === '') return invalidRequest(realm, `The ${where} token is empty.`);
  if (!B64TOKEN.test(token)) return invalidRequest(realm, `The ${where} token is syntactically malformed.`);
  return { token, scheme: 'Bearer' };
}

// ---------------------------------------------------------------- options

/** The options of the built-in verifier (not accepted together with a `verify` hook). */
const VERIFIER_OPTION_NAMES = [
  'algorithms',
  'issuer',
  'audience',
  'unsafeSkipIssuer',
  'unsafeSkipAudience',
  'typ',
  'leeway',
  'requiredClaims',
  'maxAge',
  'subject',
  'now',
  'cache',
] as const;

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'key',
  'jwks',
  'jwksUrl',
  'jwksOptions',
  'resolver',
  'verify',
  ...VERIFIER_OPTION_NAMES,
  'maxTokenLength',
  'validate',
  'isRevoked',
  'dpop',
  'cookie',
  'query',
  'credentialsOptional',
  'realm',
]);

/** Verified tokens remembered by default (a few hundred KB at most). */
const DEFAULT_CACHE = 1000;

function isStandardSchema(v: unknown): v is StandardSchemaLike {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as StandardSchemaLike)['~standard'] === 'object' &&
    typeof (v as StandardSchemaLike)['~standard']?.validate === 'function'
  );
}

function nonEmptyList(v: unknown): boolean {
  const list = typeof v === 'string' ? [v] : v;
  return Array.isArray(list) && list.length > 0 && list.every((x) => typeof x === 'string' && x !== '');
}

/** The names of the options an adapter adds on top of the core's (e.g. `onError`). */
export function splitOptions<T extends object>(
  input: T,
  adapterNames: readonly string[],
  where: string,
): { core: AuthenticatorOptions<unknown>; adapter: Record<string, unknown> } {
  const all = ownOptions(input, new Set([...OPTION_NAMES, ...adapterNames]), where);
  const core: Record<string, unknown> = {};
  const adapter: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) (adapterNames.includes(k) ? adapter : core)[k] = v;
  return { core: core as unknown as AuthenticatorOptions<unknown>, adapter };
}

/** The core authenticator: options validated once, then `authenticate(input)` per request. */
export interface Core<C> {
  readonly realm: string;
  authenticate(input: CredentialInput): Promise<AuthResult<C> | AuthAnonymous>;
}

/** A `complete` verifier: the header comes back with the claims (no second parse of the token). */
type Verify = (token: string) => DecodedJwt<JwtPayload>;

export function createCore<C>(input: AuthenticatorOptions<C>, where: string): Core<C> {
  const o = ownOptions(input, OPTION_NAMES, where) as unknown as AuthenticatorOptions<C>;
  const sources = (['key', 'jwks', 'jwksUrl', 'resolver', 'verify'] as const).filter(
    (k) => o[k] !== undefined,
  );
  if (sources.length !== 1) {
    throw new InvalidOptionsError(
      `${where}: give exactly one key source: key, jwks, jwksUrl, resolver (or your own verify)${
        sources.length > 1 ? ` (got ${sources.join(' and ')})` : ''
      }`,
    );
  }
  if (o.jwksOptions !== undefined && o.jwksUrl === undefined)
    throw new InvalidOptionsError(`${where}: jwksOptions needs jwksUrl`);
  const custom = o.verify;
  if (custom !== undefined) {
    if (typeof custom !== 'function') throw new InvalidOptionsError(`${where}: verify must be a function`);
    const builtIn = VERIFIER_OPTION_NAMES.filter((k) => o[k] !== undefined);
    if (builtIn.length > 0)
      throw new InvalidOptionsError(
        `${where}: ${builtIn.join(', ')} configure the built-in verifier; with verify, check them in your hook`,
      );
  } else if (!Array.isArray(o.algorithms) || o.algorithms.length === 0)
    throw new InvalidOptionsError(`${where}: algorithms is required, e.g. ['ES256']`);
  for (const [name, unsafe] of custom !== undefined
    ? []
    : ([
        ['issuer', 'unsafeSkipIssuer'],
        ['audience', 'unsafeSkipAudience'],
      ] as const)) {
    const flag = o[unsafe];
    if (flag !== undefined && typeof flag !== 'boolean')
      throw new InvalidOptionsError(`${where}: ${unsafe} must be a boolean`);
    if (o[name] === undefined && flag !== true) {
      throw new InvalidOptionsError(
        `${where}: ${name} is required (or set ${unsafe}: true to accept tokens ${
          name === 'issuer' ? 'from any issuer' : 'meant for any API'
        })`,
      );
    }
    if (o[name] !== undefined && flag === true)
      throw new InvalidOptionsError(`${where}: ${name} and ${unsafe} contradict each other`);
    if (o[name] !== undefined && !nonEmptyList(o[name]))
      throw new InvalidOptionsError(`${where}: ${name} must be a non-empty string or array of strings`);
  }
  for (const name of ['cookie', 'query'] as const) {
    const v = o[name];
    if (v !== undefined && (typeof v !== 'string' || v === '' || /[\s";,=\\]/.test(v)))
      throw new InvalidOptionsError(`${where}: ${name} must be a non-empty name without spaces or quotes`);
  }
  // The realm goes into a quoted-string: no quote, backslash or control character (spaces are fine).
  if (
    o.realm !== undefined &&
    (typeof o.realm !== 'string' || o.realm === '' || /["\\\x00-\x1f\x7f]/.test(o.realm))
  )
    throw new InvalidOptionsError(
      `${where}: realm must be a non-empty string without quotes, backslashes or control characters`,
    );
  let dpopLib: (DpopOptions & { replayStore: DpopReplayStore }) | undefined;
  if (o.dpop !== undefined && typeof o.dpop !== 'function') {
    const d = ownOptions(
      o.dpop,
      new Set(['algorithms', 'origin', 'replayStore', 'maxAge', 'leeway', 'nonces']),
      `${where} dpop`,
    ) as unknown as DpopOptions;
    if (!Array.isArray(d.algorithms) || d.algorithms.length === 0)
      throw new InvalidOptionsError(`${where}: dpop.algorithms is required (asymmetric), e.g. ['ES256']`);
    let origin: URL;
    try {
      origin = new URL(String(d.origin));
    } catch {
      throw new InvalidOptionsError(`${where}: dpop.origin must be the absolute origin clients address`);
    }
    if (origin.pathname !== '/' || origin.search || origin.hash || origin.username)
      throw new InvalidOptionsError(`${where}: dpop.origin must be an origin only (scheme, host, port)`);
    if (
      d.nonces !== undefined &&
      (typeof d.nonces?.current !== 'function' || typeof d.nonces?.isValid !== 'function')
    )
      throw new InvalidOptionsError(`${where}: dpop.nonces must be made by createDpopNonces()`);
    dpopLib = { ...d, origin: origin.origin, replayStore: d.replayStore ?? createDpopReplayStore() };
  }
  for (const name of ['isRevoked', 'resolver'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw new InvalidOptionsError(`${where}: ${name} must be a function`);
  }
  if (o.validate !== undefined && typeof o.validate !== 'function' && !isStandardSchema(o.validate))
    throw new InvalidOptionsError(`${where}: validate must be a function or a Standard Schema validator`);
  if (o.credentialsOptional !== undefined && typeof o.credentialsOptional !== 'boolean')
    throw new InvalidOptionsError(`${where}: credentialsOptional must be a boolean`);

  const realm = o.realm ?? 'api';
  const maxTokenLength = o.maxTokenLength ?? 8192;
  const required = [...new Set(['exp', ...(o.requiredClaims ?? [])])];
  if (o.requiredClaims !== undefined && !Array.isArray(o.requiredClaims))
    throw new InvalidOptionsError(`${where}: requiredClaims must be an array of claim names`);
  const nowOption = o.now;
  const verifierOptions: VerifierOptions = {
    algorithms: o.algorithms ?? [],
    ...(o.issuer !== undefined ? { issuer: o.issuer } : {}),
    ...(o.audience !== undefined ? { audience: o.audience } : {}),
    ...(o.typ !== undefined ? { typ: o.typ } : {}),
    ...(o.leeway !== undefined ? { leeway: o.leeway } : {}),
    ...(o.maxAge !== undefined ? { maxAge: o.maxAge } : {}),
    ...(o.subject !== undefined ? { subject: o.subject } : {}),
    ...(nowOption !== undefined ? { now: nowOption } : {}),
    requiredClaims: required,
    maxTokenLength,
    cache: o.cache ?? DEFAULT_CACHE,
  };
  const algorithms = [...(o.algorithms ?? [])];

  // One verifier, built (and its options validated by the library) now. For keys that need I/O the key is
  // found first (after a strict header parse and the allowlist check) and handed to the same verifier.
  let selected: KeyInput | Jwks | undefined;
  const makeVerifier = (opts: VerifierOptions): Verify => {
    const full = { ...opts, complete: true } as const;
    if (o.key !== undefined) return createVerifier<JwtPayload>(o.key, full);
    if (o.jwks !== undefined && !isRemoteJwks(o.jwks)) return createVerifier<JwtPayload>(o.jwks, full);
    return createVerifier<JwtPayload>(() => {
      if (selected === undefined) throw new InvalidKeyError('No key was found for the token');
      return selected;
    }, full);
  };
  const unused: Verify = () => {
    throw new InvalidOptionsError(`${where}: no verifier (the verify hook is used)`);
  };
  const verifyNow: Verify = custom !== undefined ? unused : makeVerifier(verifierOptions);

  let remote: RemoteJwks | undefined;
  if (o.jwksUrl !== undefined) remote = createRemoteJwks(o.jwksUrl, o.jwksOptions ?? {});
  else if (o.jwks !== undefined && isRemoteJwks(o.jwks)) remote = o.jwks;
  const resolver = o.resolver;
  const needsLookup = remote !== undefined || resolver !== undefined;

  async function verify(token: string): Promise<{ header: JwtHeader; claims: JwtPayload }> {
    if (!needsLookup) {
      const { header, payload } = verifyNow(token);
      return { header, claims: payload };
    }
    const header = getUnverifiedHeader(token, { maxTokenLength }); // strict parse, before any I/O
    if (!algorithms.includes(header.alg as Algorithm))
      throw new InvalidAlgorithmError("The token's algorithm is not allowed");
    const key = remote
      ? await remote.getSigningKey(header, { algorithms })
      : await (resolver as NonNullable<typeof resolver>)(header);
    if (key === undefined || key === null) throw new InvalidKeyError('The key resolver returned no key');
    // verifyNow is synchronous: nothing else can run between setting and reading `selected`.
    selected = key;
    try {
      return { header, claims: verifyNow(token).payload };
    } finally {
      selected = undefined;
    }
  }

  const validate = o.validate;
  const isRevoked = o.isRevoked;
  const dpop = o.dpop;
  const cookie = o.cookie;
  const query = o.query;
  const optional = o.credentialsOptional === true;
  const anonymous: AuthAnonymous = Object.freeze({
    ok: true,
    claims: null,
    header: null,
    token: null,
    scheme: null,
  });

  async function authenticate(req: CredentialInput): Promise<AuthResult<C> | AuthAnonymous> {
    // 1. Credentials: the Authorization header; a cookie or query parameter only when named. More than one
    //    is a 400 (RFC 6750 §2: clients MUST NOT use more than one method).
    const found: Credential[] = [];
    const fromHeader = fromAuthorization(req.authorization, realm, dpop !== undefined);
    if (fromHeader !== null) {
      if ('ok' in fromHeader) return fromHeader;
      found.push(fromHeader);
    }
    if (cookie !== undefined) {
      const c = plainCredential(cookieValues(req.cookie, cookie), 'cookie', realm);
      if (c !== null) {
        if ('ok' in c) return c;
        found.push(c);
      }
    }
    if (query !== undefined) {
      const q = plainCredential(queryValues(req.url, query), 'query', realm);
      if (q !== null) {
        if ('ok' in q) return q;
        found.push(q);
      }
    }
    if (found.length === 0) return optional ? anonymous : missingCredentials(realm);
    if (found.length > 1) return invalidRequest(realm, 'The request carries more than one credential.');
    const { token, scheme } = found[0] as Credential;
    if (token.length > maxTokenLength) return invalidToken(realm, 'The access token is too long.');

    // 2. Verification: the library's verifier, nothing re-implemented here (or the caller's own hook).
    let header: JwtHeader;
    let claims: JwtPayload;
    try {
      if (custom !== undefined) {
        const outcome = await custom(token, req.native);
        if (!outcome.ok) return outcome;
        claims = outcome.claims;
        header = outcome.header ?? getUnverifiedHeader(token, { maxTokenLength });
      } else ({ header, claims } = await verify(token));
    } catch (error) {
      if (error instanceof JwtError && error.code === 'ERR_JWKS_FETCH') return unavailable(error);
      if (error instanceof JwtError) return invalidToken(realm, describeError(error), error);
      return unavailable(error); // a resolver that threw something else: the server's problem, fail closed
    }

    // 3. Sender constraint (RFC 9449 §7.2): a DPoP-bound token is not a bearer token.
    const cnf = claims.cnf;
    const bound = typeof cnf === 'object' && cnf !== null && Object.hasOwn(cnf, 'jkt');
    if (bound && scheme === 'Bearer')
      return invalidToken(realm, 'The access token is bound to a DPoP key; send it with the DPoP scheme.');
    if (dpopLib !== undefined && (scheme === 'DPoP' || bound)) {
      const algs = dpopLib.algorithms;
      if (!bound) return invalidToken(realm, 'The access token is not bound to a DPoP key.');
      if (req.dpop.length !== 1)
        return invalidDpopProof(realm, algs, 'The request must carry exactly one DPoP proof.');
      const path = pathOf(req.url);
      try {
        const proof = await verifyDpopProof(req.dpop[0], {
          algorithms: algs,
          method: req.method,
          url: dpopLib.origin + path,
          accessToken: token,
          replayStore: dpopLib.replayStore,
          ...(dpopLib.nonces !== undefined ? { nonce: dpopLib.nonces.isValid } : {}),
          ...(dpopLib.maxAge !== undefined ? { maxAge: dpopLib.maxAge } : {}),
          ...(dpopLib.leeway !== undefined ? { leeway: dpopLib.leeway } : {}),
        });
        if (proof.jkt !== (cnf as { jkt?: unknown }).jkt)
          return invalidDpopProof(
            realm,
            algs,
            'The DPoP proof is not made with the key the token is bound to.',
          );
      } catch (error) {
        if (error instanceof InvalidDpopProofError && error.reason === 'nonce' && dpopLib.nonces)
          return useDpopNonce(realm, algs, dpopLib.nonces.current(), error);
        if (error instanceof JwtError && error.code === 'ERR_DPOP_PROOF_INVALID')
          return invalidDpopProof(realm, algs, 'The DPoP proof is invalid.', error);
        return unavailable(error); // a replay store that is down: fail closed
      }
    } else if (typeof dpop === 'function' && (scheme === 'DPoP' || bound)) {
      try {
        const okProof = await dpop({
          scheme,
          token,
          header,
          claims,
          proofs: req.dpop,
          method: req.method,
          url: req.url,
        });
        if (okProof === false) return invalidToken(realm, 'The DPoP proof is invalid.');
      } catch (error) {
        return invalidToken(realm, 'The DPoP proof is invalid.', error);
      }
    }

    // 4. The application's checks: shape, then revocation.
    let typed = claims as unknown as C;
    if (validate !== undefined) {
      try {
        if (typeof validate === 'function') {
          if ((await validate(claims)) !== true)
            return invalidToken(realm, 'The access token claims do not have the expected form.');
        } else {
          const r = await validate['~standard'].validate(claims);
          if (r.issues !== undefined)
            return invalidToken(realm, 'The access token claims do not have the expected form.', r.issues);
          typed = r.value as C;
        }
      } catch (error) {
        return invalidToken(realm, 'The access token claims do not have the expected form.', error);
      }
    }
    if (isRevoked !== undefined) {
      try {
        if ((await isRevoked(typed, header)) !== false) {
          return invalidToken(realm, 'The access token has been revoked.');
        }
      } catch (error) {
        return unavailable(error); // fail closed: a revocation source that is down refuses
      }
    }
    return { ok: true, claims: typed, header, token, scheme };
  }

  return { realm, authenticate };
}

// ---------------------------------------------------------------- per-route requirements

function scopesOf(claims: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const list = typeof v === 'string' ? v.split(' ') : Array.isArray(v) ? v : [];
    for (const s of list) {
      if (typeof s === 'string' && s !== '') out.add(s);
    }
  };
  if (Object.hasOwn(claims, 'scope')) add(claims.scope); // RFC 8693 / RFC 9068: space-separated
  if (Object.hasOwn(claims, 'scp')) add(claims.scp); // Okta / Azure AD: an array (or a string)
  return out;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/** Every one of `scopes` must be in the token's `scope` (space-separated) or `scp` claim. */
export function scopeRequirement(scopes: readonly string[], where: string): Requirement {
  if (scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s)))
    throw new InvalidOptionsError(`${where}: give one or more scope names (RFC 6749 scope tokens)`);
  const wanted = [...scopes];
  return {
    kind: 'scope',
    check(claims, realm) {
      const have =
        typeof claims === 'object' && claims !== null
          ? scopesOf(claims as Record<string, unknown>)
          : new Set();
      if (wanted.every((s) => have.has(s))) return null;
      return insufficientScope(realm, 'The access token lacks a required scope.', wanted);
    },
  };
}

export type ClaimsSpec = Readonly<
  Record<string, string | number | boolean | readonly (string | number | boolean)[]>
>;

/**
 * `requireClaims({ role: 'admin' })`: each named claim must equal the value (or one of the values of an
 * array); a claim that is an array matches when it contains the value. Or a predicate `(claims) => bool`.
 */
export function claimsRequirement(
  spec: ClaimsSpec | ((claims: JwtPayload) => boolean),
  where: string,
): Requirement {
  let test: (claims: Record<string, unknown>) => boolean;
  if (typeof spec === 'function') {
    test = (c) => spec(c as JwtPayload) === true;
  } else {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || Object.keys(spec).length === 0)
      throw new InvalidOptionsError(`${where}: give an object of expected claim values or a predicate`);
    const entries = Object.entries(spec).map(([name, v]) => {
      const allowed = Array.isArray(v) ? [...v] : [v];
      if (allowed.length === 0 || !allowed.every((x) => ['string', 'number', 'boolean'].includes(typeof x)))
        throw new InvalidOptionsError(`${where}: expected values must be strings, numbers or booleans`);
      return [name, allowed] as const;
    });
    test = (c) =>
      entries.every(([name, allowed]) => {
        if (!Object.hasOwn(c, name)) return false;
        const v = c[name];
        return Array.isArray(v) ? v.some((x) => allowed.includes(x)) : allowed.includes(v as string);
      });
  }
  return {
    kind: 'claims',
    check(claims, realm) {
      let ok = false;
      try {
        ok = typeof claims === 'object' && claims !== null && test(claims as Record<string, unknown>);
      } catch {
        ok = false;
      }
      return ok ? null : insufficientScope(realm, 'The access token does not grant access to this resource.');
    },
  };
}

/** The default JSON body of a failure (the OAuth shape: `error`, `error_description`). */
export function failureBody(failure: AuthFailure): { error: string; error_description: string } {
  return { error: failure.error ?? 'unauthorized', error_description: failure.description };
}

/** The response headers of a failure. */
export function failureHeaders(failure: AuthFailure): Record<string, string> {
  return {
    'cache-control': 'no-store',
    ...(failure.wwwAuthenticate !== undefined ? { 'www-authenticate': failure.wwwAuthenticate } : {}),
    ...(failure.status === 503 ? { 'retry-after': '5' } : {}),
    ...(failure.dpopNonce !== undefined ? { 'dpop-nonce': failure.dpopNonce } : {}),
  };
}
