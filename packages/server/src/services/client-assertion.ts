/**
 * private_key_jwt (RFC 7523 §2.2, RFC 7521 §4.2): the client signs a short-lived JWT with its own key,
 * registered as a JWK Set or a JWKS URL. Checked: an asymmetric algorithm from our list, the signature
 * with the client's key(s), `iss` = `sub` = client_id, `aud` = the token endpoint or the issuer, `exp`
 * present and at most MAX_ASSERTION_LIFETIME ahead (and exp - iat no longer, when iat is present), and
 * `jti` single-use across instances (services/replay.ts).
 */
import { createRemoteJwks, decodeAsync, decodeUnverified, JwtError, type RemoteJwks } from 'jwtkit';
import type { OAuthClientRecord } from '../storage/types.js';
import type { Services } from './index.js';
import type { OAuthClientService } from './oauth-clients.js';
import { createReplayStore } from './replay.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Seconds: an assertion may not be valid for longer than this. */
export const MAX_ASSERTION_LIFETIME = 300;
/** Asymmetric only: the client proves possession of a private key. */
export const ASSERTION_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'PS256',
] as const;

export class ClientAssertionError extends Error {
  override readonly name = 'ClientAssertionError';
}

export class ClientAssertionVerifier {
  readonly #replay;
  /** Remote JWKS per client (bounded by the registrations). */
  readonly #remote = new Map<string, { url: string; jwks: RemoteJwks }>();

  constructor(
    private readonly s: Services,
    private readonly clients: OAuthClientService,
    private readonly tokenEndpoint: string,
  ) {
    this.#replay = createReplayStore(s, 'client-assertion');
  }

  /** The authenticated client, or throws ClientAssertionError (mapped to invalid_client). */
  async verify(assertion: string, claimedClientId: string | undefined): Promise<OAuthClientRecord> {
    if (assertion.length > 8192) throw new ClientAssertionError('assertion too long');
    let sub: unknown;
    try {
      sub = (decodeUnverified(assertion) as Record<string, unknown>).sub;
    } catch {
      throw new ClientAssertionError('malformed assertion');
    }
    if (typeof sub !== 'string') throw new ClientAssertionError('no sub');
    if (claimedClientId !== undefined && claimedClientId !== sub)
      throw new ClientAssertionError('client_id differs');
    const client = await this.clients.get(sub);
    if (!client || client.authMethod !== 'private_key_jwt') throw new ClientAssertionError('unknown client');
    const key = this.#key(client);
    const now = this.s.clock() / 1000;
    const leeway = this.s.config.leeway;
    let claims: Record<string, unknown>;
    try {
      claims = await decodeAsync<Record<string, unknown>>(assertion, key, {
        algorithms: [...ASSERTION_ALGORITHMS],
        issuer: client.id,
        subject: client.id,
        audience: [this.tokenEndpoint, this.s.config.issuer],
        requiredClaims: ['exp', 'jti'],
        leeway,
        now: () => new Date(this.s.clock()),
      });
    } catch (err) {
      if (err instanceof JwtError) throw new ClientAssertionError(err.name);
      throw err;
    }
    const { exp, iat, jti } = claims;
    if (typeof exp !== 'number' || exp > now + MAX_ASSERTION_LIFETIME + leeway)
      throw new ClientAssertionError('exp too far ahead');
    if (iat !== undefined && (typeof iat !== 'number' || exp - iat > MAX_ASSERTION_LIFETIME))
      throw new ClientAssertionError('lifetime too long');
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) throw new ClientAssertionError('bad jti');
    if (await this.#replay.seen(`${client.id}:${jti}`, exp + leeway))
      throw new ClientAssertionError('jti replayed');
    return client;
  }

  #key(client: OAuthClientRecord) {
    if (client.jwks) return JSON.parse(client.jwks);
    const url = client.jwksUri!;
    let entry = this.#remote.get(client.id);
    if (!entry || entry.url !== url) {
      entry = {
        url,
        jwks: createRemoteJwks(url, {
          timeout: '5s',
          allowHttp: this.s.config.mode === 'production' ? 'loopback' : true,
        }),
      };
      this.#remote.set(client.id, entry);
    }
    return entry.jwks;
  }
}
