/**
 * Single-use `jti`s (private_key_jwt client assertions, DPoP proofs): in this process on one instance,
 * in Redis (`SET key NX PX ttl`) when REDIS_URL is set, so a replay on another instance is refused too.
 * Redis unreachable: the check fails (the request is refused), never silently passes.
 */
import { createDpopReplayStore, type DpopReplayStore } from 'jwtkit';
import type { Services } from './index.js';

/** `namespace` keeps the kinds apart (a DPoP jti never collides with an assertion jti). */
export function createReplayStore(
  services: Pick<Services, 'cluster' | 'clock'>,
  namespace: string,
): DpopReplayStore {
  const redis = services.cluster?.link;
  if (!redis) {
    const local = createDpopReplayStore();
    return { seen: (jti, expiresAt) => local.seen(`${namespace}:${jti}`, expiresAt) };
  }
  return {
    async seen(jti, expiresAt) {
      const ttl = Math.max(1000, Math.ceil(expiresAt * 1000 - services.clock()) + 1000);
      const set = await redis.redis.set(redis.key(`jti:${namespace}:${jti}`), '1', 'PX', ttl, 'NX');
      return set !== 'OK';
    },
  };
}
