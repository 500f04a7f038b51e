// Over 300 lines: one aggregate (machine clients): registration metadata checks (RFC 7591 fields, jwks) next to the service that applies them.
/**
 * Registered machine clients (RFC 6749 §2) and their access tokens (client_credentials, RFC 9068 §2.2:
 * `sub` = `client_id`, `scope`, no user). Secrets are generated here (32 random bytes), shown once, and
 * stored as SHA-256 digests: a high-entropy secret needs no slow hash, and the comparison of digests is
 * constant-time (an unknown client_id is compared against a dummy digest, so it costs the same).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createVerifier, decodeUnverified, encode, importKey, JwtError, type Verifier } from 'jwtkit';
import { ConflictError, InvalidInputError, NotFoundError, UserTokenRequiredError } from '../domain-errors.js';
import type { ClientAuthMethod, OAuthClientRecord } from '../storage/types.js';
import { StorageConflictError } from '../storage/types.js';
import type { Services } from './index.js';
import type { RequestContext } from './sessions.js';
import { MAX_ACCESS_TOKEN_LENGTH } from './tokens.js';

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{3,64}$/;
/** RFC 6749 §3.3 scope-token. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const AUDIENCE = /^[\x21-\x7e]{1,512}$/;

export interface ClientRegistration {
  client_id?: string | undefined;
  name?: string | undefined;
  token_endpoint_auth_method?: ClientAuthMethod | undefined;
  /** Space-delimited allowed scopes. */
  scope?: string | undefined;
  audiences?: string[] | undefined;
  jwks?: { keys: unknown[] } | undefined;
  jwks_uri?: string | undefined;
}

export interface PublicClient {
  client_id: string;
  name: string;
  token_endpoint_auth_method: ClientAuthMethod;
  scope: string;
  audiences: string[];
  jwks?: unknown;
  jwks_uri?: string;
  created_at: string;
}

export interface ClientAccessClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  cnf?: { jkt: string };
}

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();
const DUMMY = digest('no-such-client');

export const toPublicClient = (c: OAuthClientRecord): PublicClient => ({
  client_id: c.id,
  name: c.name,
  token_endpoint_auth_method: c.authMethod,
  scope: c.scopes.join(' '),
  audiences: c.audiences,
  ...(c.jwks ? { jwks: JSON.parse(c.jwks) } : {}),
  ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
  created_at: new Date(c.createdAt).toISOString(),
});

/** Splits and checks a space-delimited scope string (RFC 6749 §3.3). */
export function parseScope(scope: string | undefined): string[] | null {
  if (scope === undefined) return [];
  const parts = scope.split(' ').filter((s) => s !== '');
  if (!parts.every((s) => SCOPE_TOKEN.test(s))) return null;
  return [...new Set(parts)];
}

export class OAuthClientService {
  /** Verifiers of client tokens, per registered client (bounded by the registrations, not by requests). */
  readonly #verifiers = new Map<string, { audiences: string; verify: Verifier<Record<string, unknown>> }>();

  constructor(private readonly s: Services) {}

  /** For TokenService.clientTokens. */
  noUser(realm: string): UserTokenRequiredError {
    return userTokenRequired(realm);
  }

  async register(
    input: ClientRegistration,
    actorId: number | null,
    ctx: RequestContext | null,
  ): Promise<{ client: PublicClient; client_secret?: string }> {
    const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
    if (method !== 'client_secret_basic' && method !== 'private_key_jwt')
      throw new InvalidInputError(
        'invalid_client_metadata',
        'token_endpoint_auth_method must be client_secret_basic or private_key_jwt.',
      );
    const id = input.client_id ?? `client-${randomBytes(9).toString('base64url')}`;
    if (!CLIENT_ID_PATTERN.test(id))
      throw new InvalidInputError(
        'invalid_client_metadata',
        'client_id is 3 to 64 letters, digits, ".", "_", "~" or "-".',
      );
    const scopes = parseScope(input.scope);
    if (scopes === null)
      throw new InvalidInputError(
        'invalid_client_metadata',
        'scope is a space-delimited list of RFC 6749 scope tokens.',
      );
    const audiences = input.audiences ?? [this.s.config.audience];
    if (audiences.length === 0 || audiences.length > 20 || !audiences.every((a) => AUDIENCE.test(a)))
      throw new InvalidInputError(
        'invalid_client_metadata',
        'audiences is a list of 1 to 20 audience strings (no spaces).',
      );
    let jwks: string | null = null;
    let jwksUri: string | null = null;
    if (method === 'private_key_jwt') {
      if ((input.jwks === undefined) === (input.jwks_uri === undefined))
        throw new InvalidInputError(
          'invalid_client_metadata',
          'private_key_jwt clients register exactly one of jwks and jwks_uri.',
        );
      if (input.jwks !== undefined) jwks = JSON.stringify(publicJwks(input.jwks));
      if (input.jwks_uri !== undefined) {
        let url: URL;
        try {
          url = new URL(input.jwks_uri);
        } catch {
          throw new InvalidInputError('invalid_client_metadata', 'jwks_uri is not a URL.');
        }
        const local = /^(localhost|127\.0\.0\.1|\[::1\])$/.test(url.hostname);
        if (
          url.protocol !== 'https:' &&
          !(url.protocol === 'http:' && (local || this.s.config.mode !== 'production'))
        )
          throw new InvalidInputError('invalid_client_metadata', 'jwks_uri must be an https:// URL.');
        jwksUri = url.href;
      }
    } else if (input.jwks !== undefined || input.jwks_uri !== undefined) {
      throw new InvalidInputError(
        'invalid_client_metadata',
        'jwks and jwks_uri are for private_key_jwt clients.',
      );
    }
    const secret = method === 'client_secret_basic' ? randomBytes(32).toString('base64url') : undefined;
    const record: OAuthClientRecord = {
      id,
      name: (input.name ?? id).slice(0, 200),
      authMethod: method,
      secretHash: secret === undefined ? null : digest(secret).toString('hex'),
      scopes,
      audiences: [...new Set(audiences)],
      jwks,
      jwksUri,
      createdAt: this.s.clock(),
    };
    try {
      await this.s.storage.createOAuthClient(record);
    } catch (err) {
      if (err instanceof StorageConflictError)
        throw new ConflictError('client_id_taken', 'This client_id is already registered.');
      throw err;
    }
    await this.s.audit.record('oauth_client.registered', {
      actorId,
      ip: ctx?.ip ?? null,
      details: { client_id: id, auth_method: method, scope: scopes.join(' ') },
    });
    return { client: toPublicClient(record), ...(secret === undefined ? {} : { client_secret: secret }) };
  }

  async list(): Promise<PublicClient[]> {
    return (await this.s.storage.listOAuthClients()).map(toPublicClient);
  }

  async delete(id: string, actorId: number | null, ctx: RequestContext | null): Promise<void> {
    if (!(await this.s.storage.deleteOAuthClient(id))) throw new NotFoundError('The client');
    this.#verifiers.delete(id);
    await this.s.audit.record('oauth_client.deleted', {
      actorId,
      ip: ctx?.ip ?? null,
      details: { client_id: id },
    });
  }

  get(id: string): Promise<OAuthClientRecord | null> {
    return CLIENT_ID_PATTERN.test(id) ? this.s.storage.getOAuthClient(id) : Promise.resolve(null);
  }

  /** Every scope some registered client may be granted (the metadata's scopes_supported). */
  async scopes(): Promise<string[]> {
    const all = new Set<string>();
    for (const c of await this.s.storage.listOAuthClients()) for (const sc of c.scopes) all.add(sc);
    return [...all].sort();
  }

  /** client_secret_basic: the client, or null (constant-time comparison of digests either way). */
  async checkSecret(id: string, secret: string): Promise<OAuthClientRecord | null> {
    const client = await this.get(id);
    const expected =
      client?.authMethod === 'client_secret_basic' && client.secretHash
        ? Buffer.from(client.secretHash, 'hex')
        : DUMMY;
    const ok = timingSafeEqual(expected, digest(secret)) && expected !== DUMMY;
    return ok ? client : null;
  }

  /** An RFC 9068 access token for a client (no user). */
  issue(
    client: OAuthClientRecord,
    scopes: string[],
    audience: string,
    jkt?: string,
  ): { token: string; expiresIn: number; claims: ClientAccessClaims } {
    const iat = Math.floor(this.s.clock() / 1000);
    const ttl = this.s.config.accessTokenTtl;
    const claims: ClientAccessClaims = {
      iss: this.s.config.issuer,
      sub: client.id,
      aud: audience,
      exp: iat + ttl,
      iat,
      jti: randomUUID(),
      client_id: client.id,
      scope: scopes.join(' '),
      ...(jkt ? { cnf: { jkt } } : {}),
    };
    const { kid, key } = this.s.keys.signingKey();
    const token = encode(claims as unknown as Record<string, unknown>, key, {
      algorithm: this.s.keys.algorithm,
      keyId: kid,
      headers: { typ: 'at+jwt' },
    });
    return { token, expiresIn: ttl, claims };
  }

  /**
   * Verifies a client access token (signature, iss, aud among the client's audiences, typ, lifetime) and
   * that its client is still registered and its jti not revoked; null if it is not a valid one.
   */
  async verify(token: string): Promise<ClientAccessClaims | null> {
    if (token.length > MAX_ACCESS_TOKEN_LENGTH || token.split('.').length !== 3) return null;
    let clientId: unknown;
    try {
      clientId = (decodeUnverified(token) as Record<string, unknown>).client_id;
    } catch {
      return null;
    }
    if (typeof clientId !== 'string') return null;
    const client = await this.get(clientId);
    if (!client) return null;
    const audiences = JSON.stringify(client.audiences);
    let entry = this.#verifiers.get(client.id);
    if (!entry || entry.audiences !== audiences) {
      entry = {
        audiences,
        verify: createVerifier<Record<string, unknown>>(this.s.keys.resolve, {
          algorithms: [this.s.keys.algorithm],
          issuer: this.s.config.issuer,
          audience: client.audiences,
          typ: 'at+jwt',
          requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'scope'],
          leeway: this.s.config.leeway,
          now: () => new Date(this.s.clock()),
          maxTokenLength: MAX_ACCESS_TOKEN_LENGTH,
        }),
      };
      this.#verifiers.set(client.id, entry);
    }
    let p: Record<string, unknown>;
    try {
      p = entry.verify(token);
    } catch (err) {
      if (err instanceof JwtError || (err as Error)?.name === 'UnknownKeyError') return null;
      throw err;
    }
    const now = this.s.clock() / 1000;
    if (
      p.sub !== client.id ||
      p.user_id !== undefined ||
      typeof p.jti !== 'string' ||
      typeof p.scope !== 'string' ||
      typeof p.exp !== 'number' ||
      typeof p.iat !== 'number' ||
      p.exp - p.iat > this.s.config.accessTokenTtl + this.s.config.leeway ||
      p.iat > now + this.s.config.leeway
    )
      return null;
    if (await this.s.denylist.has(`jti:${p.jti}`)) return null;
    return p as unknown as ClientAccessClaims;
  }
}

/** RFC 7662 answer for a client token, or null when it is not a valid one. */
export async function introspectClientToken(
  clients: OAuthClientService,
  token: string,
): Promise<Record<string, unknown> | null> {
  const c = await clients.verify(token);
  if (!c) return null;
  return {
    active: true,
    token_type: c.cnf ? 'DPoP' : 'Bearer',
    client_id: c.client_id,
    sub: c.sub,
    aud: c.aud,
    iss: c.iss,
    exp: c.exp,
    iat: c.iat,
    jti: c.jti,
    scope: c.scope,
    ...(c.cnf ? { cnf: c.cnf } : {}),
  };
}

/** A registered JWK Set: public keys only, each importable. */
function publicJwks(jwks: { keys: unknown[] }): { keys: Record<string, unknown>[] } {
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.length > 10)
    throw new InvalidInputError('invalid_client_metadata', 'jwks is a JWK Set with 1 to 10 keys.');
  const keys = jwks.keys.map((k) => {
    if (k === null || typeof k !== 'object' || Array.isArray(k))
      throw new InvalidInputError('invalid_client_metadata', 'Each key of jwks is a JWK object.');
    const jwk = k as Record<string, unknown>;
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
      if (Object.hasOwn(jwk, priv))
        throw new InvalidInputError('invalid_client_metadata', 'jwks must hold public keys only.');
    try {
      importKey(jwk as never);
    } catch {
      throw new InvalidInputError('invalid_client_metadata', 'A key of jwks is not a valid public JWK.');
    }
    return jwk;
  });
  // With several keys, each needs its own kid (the assertion's kid picks one; no guessing).
  if (keys.length > 1) {
    const kids = keys.map((k) => k.kid);
    if (!kids.every((k) => typeof k === 'string' && k !== '') || new Set(kids).size !== kids.length)
      throw new InvalidInputError(
        'invalid_client_metadata',
        'With several keys in jwks, each key needs a distinct kid.',
      );
  }
  return { keys };
}

/** 403 for a client_credentials token on a route that needs a user (RFC 6750 §3.1). */
export const userTokenRequired = (realm: string) => new UserTokenRequiredError(realm);
