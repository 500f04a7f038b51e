/**
 * Access tokens: RFC 9068 JWTs (`typ: at+jwt`) signed by the keys service through jwtkit. Verification
 * is a jwtkit verifier (createVerifier: algorithm allowlist, kid -> key, iss, aud, typ, required claims, exp with leeway),
 * then our revocation checks: denylisted jti or session, and the per-user epoch.
 */
import { randomUUID } from 'node:crypto';
import {
  createVerifier,
  type DecodedJwt,
  encode,
  InvalidTokenError,
  JwtError,
  type JwtHeader,
  type Verifier,
} from 'jwtkit';
import type { Config } from '../config.js';
import { InvalidAccessTokenError } from '../domain-errors.js';
import type { Role, UserRecord } from '../storage/types.js';
import type { KeyService } from './keys.js';
import { UnknownKeyError } from './keys.js';
import type { Denylist, EpochStore, RevocationReader, RevocationTrace } from './revocation.js';

export interface AccessClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  /** When the user authenticated (the login that started this session). */
  auth_time: number;
  client_id: string;
  /** The session (refresh-token family) this token belongs to. */
  sid: string;
  /** The user's token epoch when it was issued. */
  epoch: number;
  user_id: number;
  username: string;
  role: Role;
  /** RFC 9449 §6: the DPoP key the token is bound to. */
  cnf?: { jkt: string };
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Seconds since the epoch. */
  exp: number;
  expiresIn: number;
}

export const MAX_ACCESS_TOKEN_LENGTH = 4096;

/** Verified access tokens remembered per instance (a few MB at most). */
const VERIFY_CACHE_SIZE = 10_000;

export class TokenService {
  constructor(
    private readonly config: Config,
    private readonly keys: KeyService,
    private readonly denylist: Denylist,
    private readonly epochs: EpochStore,
    private readonly clock: () => number,
    /** One-round-trip answers (Redis); without it the denylist and the epoch store are asked in turn. */
    private readonly reader?: RevocationReader,
  ) {}

  /** The access-token verifier, built once (options validated once; the clock is read per call). */
  #verifier: Verifier<DecodedJwt<Record<string, unknown>>> | null = null;

  /** The verification cache's hits and misses so far (the metrics read them at scrape time). */
  verifyCacheStats(): { hits: number; misses: number } {
    return this.#verifier?.cacheStats() ?? { hits: 0, misses: 0 };
  }

  /** Header and claims (the `complete` verifier: the protected-route hook needs no second parse). */
  #verify(token: string): DecodedJwt<Record<string, unknown>> {
    this.#verifier ??= createVerifier<Record<string, unknown>>(this.keys.resolve, {
      complete: true,
      algorithms: [this.keys.algorithm],
      issuer: this.config.issuer,
      audience: this.config.audience,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'sid', 'client_id', 'epoch', 'user_id', 'role'],
      leeway: this.config.leeway,
      // Seconds as a number (what jwtkit compares with): no Date built per request.
      now: () => this.clock() / 1000,
      maxTokenLength: MAX_ACCESS_TOKEN_LENGTH,
      // Signature + claims results cached by the whole token (bounded; time claims re-checked on every hit,
      // failures never cached). Revocation (jti, session, epoch) is checked after this on every request.
      cache: VERIFY_CACHE_SIZE,
    });
    return this.#verifier(token);
  }

  /** `authTime`: when the session's login happened (ms). */
  issueAccessToken(
    user: UserRecord,
    sessionId: string,
    clientId: string,
    authTime: number,
    /** DPoP key thumbprint (RFC 9449 §6): the token is bound to the key. */
    jkt?: string,
  ): IssuedAccessToken {
    const iat = Math.floor(this.clock() / 1000);
    const exp = iat + this.config.accessTokenTtl;
    const jti = randomUUID();
    const { kid, key } = this.keys.signingKey();
    const claims: AccessClaims = {
      iss: this.config.issuer,
      sub: String(user.id),
      aud: this.config.audience,
      exp,
      iat,
      jti,
      auth_time: Math.floor(authTime / 1000),
      client_id: clientId,
      sid: sessionId,
      epoch: user.tokenEpoch,
      user_id: user.id,
      username: user.username,
      role: user.role,
      ...(jkt === undefined ? {} : { cnf: { jkt } }),
    };
    const token = encode(claims as unknown as Record<string, unknown>, key, {
      algorithm: this.keys.algorithm,
      keyId: kid,
      headers: { typ: 'at+jwt' },
    });
    return { token, jti, exp, expiresIn: this.config.accessTokenTtl };
  }

  /** Verifies signature and claims only (no revocation checks). Throws jwtkit errors or UnknownKeyError. */
  verifySignatureAndClaims(token: string): AccessClaims {
    return this.#verifyComplete(token).claims;
  }

  #verifyComplete(token: string): { header: JwtHeader; claims: AccessClaims } {
    const { header, payload } = this.#verify(token);
    const { jti, sid, epoch, user_id: userId, role, sub, username, iat, exp } = payload;
    // Whoever holds the signing key (a leaked HS256 secret included), a token that lives longer than
    // this service issues them for, or that claims to be issued in the future, is refused.
    const now = this.clock() / 1000;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp - iat > this.config.accessTokenTtl + this.config.leeway ||
      iat > now + this.config.leeway
    ) {
      throw new TokenLifetimeError();
    }
    if (
      typeof jti !== 'string' ||
      typeof sid !== 'string' ||
      typeof epoch !== 'number' ||
      !Number.isInteger(epoch) ||
      typeof userId !== 'number' ||
      !Number.isSafeInteger(userId) ||
      String(userId) !== sub ||
      (role !== 'admin' && role !== 'user') ||
      typeof username !== 'string'
    ) {
      throw new InvalidTokenError('The token claims have unexpected types');
    }
    return { header, claims: payload as unknown as AccessClaims };
  }

  /** Why the (signature-valid) token is revoked, or null if it is still good. */
  async revocationReason(claims: AccessClaims, trace?: RevocationTrace): Promise<string | null> {
    let epoch: number | null | undefined;
    if (this.reader) {
      const a = await this.reader.read(`jti:${claims.jti}`, `sid:${claims.sid}`, claims.user_id, trace);
      if (a.denied === 'jti') return 'The access token has been revoked.';
      if (a.denied === 'sid') return 'The session of this access token has ended.';
      epoch = a.epoch;
    } else {
      if (await this.denylist.has(`jti:${claims.jti}`, trace)) return 'The access token has been revoked.';
      if (await this.denylist.has(`sid:${claims.sid}`, trace))
        return 'The session of this access token has ended.';
      epoch = await this.epochs.get(claims.user_id, trace);
    }
    if (epoch === undefined) throw new Error('revocation reader answered neither a denial nor an epoch');
    if (epoch === null) return 'The user no longer exists.';
    if (claims.epoch < epoch) return 'The access token has been revoked.';
    return null;
  }

  /**
   * Set by the token endpoint (services/oauth-clients.ts): recognises a valid client_credentials token,
   * which carries no user, so protected routes answer 403 "needs a user token" instead of invalid_token.
   */
  clientTokens: { verify(token: string): Promise<unknown>; noUser(realm: string): Error } | null = null;

  /**
   * Full verification for protected routes, answering the verified header with the claims (the middleware
   * core then parses nothing again); throws an RFC 6750 invalid_token problem.
   */
  async authenticate(
    token: string,
    trace?: RevocationTrace,
  ): Promise<{ header: JwtHeader; claims: AccessClaims }> {
    let verified: { header: JwtHeader; claims: AccessClaims };
    try {
      verified = this.#verifyComplete(token);
    } catch (err) {
      if (this.clientTokens && (await this.clientTokens.verify(token)))
        throw this.clientTokens.noUser(this.config.realm);
      throw new InvalidAccessTokenError(this.config.realm, describeTokenError(err));
    }
    const reason = await this.revocationReason(verified.claims, trace);
    if (reason) throw new InvalidAccessTokenError(this.config.realm, reason);
    return verified;
  }

  /** Denylists the token's jti until it expires; false when it already was. */
  async denylistToken(claims: Pick<AccessClaims, 'jti' | 'exp'>): Promise<boolean> {
    return this.denylist.add(`jti:${claims.jti}`, (claims.exp + this.config.leeway) * 1000 + 1000);
  }

  /** Denylists every access token of a session until the newest could have expired. */
  async denylistSession(sessionId: string): Promise<boolean> {
    return this.denylist.add(
      `sid:${sessionId}`,
      this.clock() + (this.config.accessTokenTtl + this.config.leeway) * 1000 + 1000,
    );
  }
}

/** The token's exp - iat exceeds ACCESS_TOKEN_TTL + CLOCK_LEEWAY, or its iat is in the future. */
export class TokenLifetimeError extends Error {
  override readonly name = 'TokenLifetimeError';
  constructor() {
    super('token lifetime exceeds the configured access-token TTL');
  }
}

/** A short, token-free explanation for error_description. */
export function describeTokenError(err: unknown): string {
  if (err instanceof TokenLifetimeError)
    return 'The access token lives longer than this service issues access tokens for (or was issued in the future).';
  if (err instanceof UnknownKeyError) return 'The token was signed by an unknown or retired key.';
  if (err instanceof JwtError) {
    switch (err.name) {
      case 'ExpiredSignatureError':
        return 'The access token has expired.';
      case 'ImmatureSignatureError':
        return 'The access token is not valid yet.';
      case 'InvalidSignatureError':
        return 'The access token signature is invalid.';
      case 'InvalidAudienceError':
        return 'The access token is not meant for this service (aud).';
      case 'InvalidIssuerError':
        return 'The access token was not issued by this service (iss).';
      case 'InvalidAlgorithmError':
        return 'The access token uses an algorithm this service does not accept.';
      case 'InvalidTokenTypeError':
        return 'The token is not an access token (typ must be at+jwt).';
      case 'MissingRequiredClaimError':
        return 'The access token lacks a required claim.';
      case 'JwksNoMatchingKeyError':
      case 'InvalidKeyError':
        return 'The token was signed by an unknown key.';
      default:
        return 'The access token is malformed or invalid.';
    }
  }
  return 'The access token is malformed or invalid.';
}
