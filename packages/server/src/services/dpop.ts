/**
 * DPoP (RFC 9449) for the service: one replay store of proof `jti`s (Redis when REDIS_URL is set, so a
 * proof replayed on another instance is refused), the server nonces (DPOP_NONCE; stateless HMAC nonces
 * keyed by the instance secret every instance shares), and the check of a token request's proof
 * (/oauth/token, /auth/login, /auth/refresh). Protected routes check proofs in the middleware core
 * (`jwtkit/fastify`'s `dpop` option, http.ts) with the same store and nonces.
 */
import {
  type Algorithm,
  createDpopNonces,
  type DpopNonces,
  type DpopReplayStore,
  InvalidDpopProofError,
  verifyDpopProof,
} from 'jwtkit';
import type { Cluster } from '../cluster/index.js';
import type { Config } from '../config.js';
import { DpopProofError } from '../domain-errors.js';
import { createReplayStore } from './replay.js';
import { deriveKey } from './secrets.js';

/** JWS algorithms accepted for DPoP proofs (the metadata's dpop_signing_alg_values_supported). */
export const DPOP_ALGORITHMS: readonly Algorithm[] = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];

export class DpopService {
  readonly algorithms = DPOP_ALGORITHMS;
  readonly replayStore: DpopReplayStore;
  /** Set when DPOP_NONCE is on. */
  readonly nonces: DpopNonces | undefined;

  constructor(
    private readonly config: Config,
    private readonly clock: () => number,
    cluster: Cluster | null,
    instanceSecret: Buffer,
  ) {
    this.replayStore = createReplayStore({ cluster, clock }, 'dpop');
    this.nonces = config.dpopNonce
      ? createDpopNonces({ secret: deriveKey(instanceSecret, 'dpop-nonce'), now: () => this.clock() / 1000 })
      : undefined;
  }

  /** The origin clients address (the issuer's): protected routes' `htu` is this + the request path. */
  get origin(): string {
    return new URL(this.config.issuer).origin;
  }

  /**
   * The proof of a token request (RFC 9449 §5) at `path` (POST): the key's thumbprint (to bind the
   * tokens, `cnf.jkt`), or undefined without a DPoP header. Throws RFC 9449 §8 problems: 400
   * `invalid_dpop_proof`, or `use_dpop_nonce` with a fresh `DPoP-Nonce` header.
   */
  async tokenRequestProof(proof: string | string[] | undefined, path: string): Promise<string | undefined> {
    if (proof === undefined) return undefined;
    if (Array.isArray(proof)) throw dpopProblem('invalid_dpop_proof', 'Send exactly one DPoP header.');
    try {
      const v = await verifyDpopProof(proof, {
        algorithms: DPOP_ALGORITHMS,
        method: 'POST',
        url: `${this.config.issuer}${path}`,
        replayStore: this.replayStore,
        leeway: this.config.leeway,
        // The wall clock, as at protected routes (the core's check): a proof's iat is the client's real
        // time, not the service's injectable clock (tests freeze that one).
        ...(this.nonces ? { nonce: this.nonces.isValid } : {}),
      });
      return v.jkt;
    } catch (err) {
      if (err instanceof InvalidDpopProofError) {
        if (err.reason === 'nonce' && this.nonces)
          throw dpopProblem(
            'use_dpop_nonce',
            'The DPoP proof must carry the nonce of the DPoP-Nonce header.',
            this.nonces.current(),
          );
        throw dpopProblem('invalid_dpop_proof', 'The DPoP proof is invalid.');
      }
      throw err;
    }
  }
}

const dpopProblem = (error: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string, nonce?: string) =>
  new DpopProofError(error, description, nonce);
