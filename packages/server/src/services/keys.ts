/**
 * Signing keys. ES256 (default): keys are generated on first start and stored (private half sealed with
 * the instance secret). There is always an `active` key (signs) and a `next` key (published in the
 * JWKS, not signing yet); rotation promotes `next`, retires `active` and creates a new `next`, so every
 * verifier has seen a key before any token is signed with it. Retired keys stay published and keep
 * verifying until the last token they signed has expired. HS256: one shared secret (JWT_SECRET), never
 * published.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Jwk, JwtHeader, KeyObject } from 'jwtkit';
import { exportPem, exportPublicJwk, generateKeyPair, importKey, jwkThumbprint } from 'jwtkit';
import type { Config, SigningAlg } from '../config.js';
import { ConflictError } from '../domain-errors.js';
import type { SigningKeyRecord, SigningKeyStatus, Storage } from '../storage/types.js';
import type { AuditService } from './audit.js';
import { KEY_BOOTSTRAP_SETTING } from './demo-data.js';
import type { EventBus } from './events.js';
import { deriveKey, seal, unseal } from './secrets.js';

interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyStatus;
  /** Signing key (private key or HMAC secret). */
  signKey: KeyObject;
  /** Verification key (public key or HMAC secret). */
  verifyKey: KeyObject;
  publicJwk: Jwk | null;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
}

export interface KeyInfo {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  /** When a retired key stops verifying and leaves the JWKS. */
  verifies_until: string | null;
  published: boolean;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The stored signing keys were sealed with another SECRET_KEY than the configured one. */
export class SecretKeyMismatchError extends Error {
  override readonly name = 'SecretKeyMismatchError';
  constructor(readonly kid: string) {
    super(
      `SECRET_KEY does not match the key that sealed the stored signing keys (key ${kid} cannot be decrypted with it). Set SECRET_KEY to the value this database was created with (every instance needs the same one). If that value is lost, the stored private keys are unusable: remove them with \`npm run reset-signing-keys -w packages/server\` (new keys are created at the next start; every access token issued so far stops verifying and users log in again).`,
    );
  }
}

/** Thrown by `resolve` for a kid we do not know; the tokens service maps it to invalid_token. */
export class UnknownKeyError extends Error {
  override readonly name = 'UnknownKeyError';
}

export class KeyService {
  #keys: LoadedKey[] = [];
  #sealKey: Buffer | null = null;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly config: Config,
    private readonly storage: Storage,
    private readonly bus: EventBus,
    private readonly audit: AuditService,
    private readonly clock: () => number,
  ) {
    this.#unsubscribe = bus.subscribe((e) => {
      if (e.type === 'keys-changed') void this.reload().catch(() => {});
    });
  }

  get algorithm(): SigningAlg {
    return this.config.jwtAlg;
  }

  /** How long after retirement a key keeps verifying (its last tokens' lifetime + leeway), in ms. */
  get #retention(): number {
    return (this.config.accessTokenTtl + this.config.leeway + 5) * 1000;
  }

  async init(instanceSecret: Buffer): Promise<void> {
    this.#sealKey = deriveKey(instanceSecret, 'signing-key-encryption');
    if (this.config.jwtAlg === 'HS256') {
      const secret = importKey(Buffer.from(this.config.jwtSecret ?? '', 'utf8'), { type: 'secret' });
      const kid = `hs-${createHash('sha256')
        .update('jwtkit-kid:')
        .update(this.config.jwtSecret ?? '')
        .digest('base64url')
        .slice(0, 16)}`;
      this.#keys = [
        {
          kid,
          alg: 'HS256',
          status: 'active',
          signKey: secret,
          verifyKey: secret,
          publicJwk: null,
          createdAt: 0,
          activatedAt: 0,
          retiredAt: null,
        },
      ];
      return;
    }
    await this.reload();
    if (!this.#keys.some((k) => k.status === 'active')) {
      // Several instances may start together on an empty database: one of them (the first to claim
      // the bootstrap setting) creates the keys; the others wait for them (or take over after 10 s).
      const me = randomBytes(12).toString('base64url');
      const owner = await this.storage.getOrSetSetting(KEY_BOOTSTRAP_SETTING, me);
      if (owner !== me) {
        const ready = () =>
          this.#keys.some((k) => k.status === 'active') && this.#keys.some((k) => k.status === 'next');
        for (let i = 0; i < 100 && !ready(); i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          await this.reload();
        }
      }
      if (!this.#keys.some((k) => k.status === 'active')) {
        await this.#insertNew('active', this.clock()).catch(ignoreConflict);
        await this.audit.record('keys.created', { details: { reason: 'first start' } });
        await this.reload();
      }
    }
    if (!this.#keys.some((k) => k.status === 'next')) {
      await this.#insertNew('next', this.clock()).catch(ignoreConflict);
      await this.reload();
    }
  }

  #newRecord(status: SigningKeyStatus, now: number): SigningKeyRecord {
    const { privateKey, publicKey } = generateKeyPair('ES256');
    const jwk = exportPublicJwk(publicKey);
    const kid = `${jwkThumbprint(jwk).slice(0, 22)}${randomBytes(2).toString('hex')}`;
    const publicJwk: Jwk = { ...jwk, kid, alg: 'ES256', use: 'sig' };
    return {
      kid,
      alg: 'ES256',
      status,
      privateKey: seal(this.#sealKey!, exportPem(privateKey), kid),
      publicJwk: JSON.stringify(publicJwk),
      createdAt: now,
      activatedAt: status === 'active' ? now : null,
      retiredAt: null,
    };
  }

  async #insertNew(status: SigningKeyStatus, now: number): Promise<void> {
    await this.storage.insertSigningKey(this.#newRecord(status, now));
  }

  async reload(): Promise<void> {
    if (this.config.jwtAlg === 'HS256') return;
    const records = await this.storage.listSigningKeys();
    this.#keys = records.map((r) => {
      let pem: string;
      try {
        pem = unseal(this.#sealKey!, r.privateKey, r.kid);
      } catch {
        throw new SecretKeyMismatchError(r.kid);
      }
      const signKey = importKey(pem, { type: 'private' });
      const publicJwk = JSON.parse(r.publicJwk) as Jwk;
      return {
        kid: r.kid,
        alg: 'ES256',
        status: r.status,
        signKey,
        verifyKey: importKey(publicJwk, { type: 'public' }),
        publicJwk,
        createdAt: r.createdAt,
        activatedAt: r.activatedAt,
        retiredAt: r.retiredAt,
      };
    });
  }

  #usable(k: LoadedKey, now: number): boolean {
    return k.status !== 'retired' || (k.retiredAt !== null && k.retiredAt + this.#retention > now);
  }

  /** The key that signs new tokens. */
  signingKey(): { kid: string; key: KeyObject } {
    const k = this.#keys.find((x) => x.status === 'active');
    if (!k) throw new Error('no active signing key');
    return { kid: k.kid, key: k.signKey };
  }

  /** Key resolver for jwtkit.decode: the verification key for the token's kid. */
  readonly resolve = (header: Readonly<JwtHeader>): KeyObject => {
    const now = this.clock();
    const k = this.#keys.find((x) => x.kid === header.kid);
    if (!k || !this.#usable(k, now)) throw new UnknownKeyError('unknown or expired signing key');
    return k.verifyKey;
  };

  /** Public keys for /.well-known/jwks.json: next, active and still-verifying retired keys. */
  jwks(): { keys: Jwk[] } {
    const now = this.clock();
    return {
      keys: this.#keys.filter((k) => k.publicJwk !== null && this.#usable(k, now)).map((k) => k.publicJwk!),
    };
  }

  list(): KeyInfo[] {
    const now = this.clock();
    const order: Record<SigningKeyStatus, number> = { next: 0, active: 1, retired: 2 };
    return [...this.#keys]
      .sort((a, b) => order[a.status] - order[b.status] || b.createdAt - a.createdAt)
      .map((k) => ({
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        created_at: new Date(k.createdAt).toISOString(),
        activated_at: iso(k.activatedAt),
        retired_at: iso(k.retiredAt),
        verifies_until: k.retiredAt === null ? null : iso(k.retiredAt + this.#retention),
        published: k.publicJwk !== null && this.#usable(k, now),
      }));
  }

  /** Promotes the published next key; returns the new active kid. */
  async rotate(actorId: number | null): Promise<{ active: string; next: string; retired: string | null }> {
    if (this.config.jwtAlg === 'HS256') {
      throw new ConflictError(
        'rotation_unsupported',
        'Key rotation needs asymmetric keys (JWT_ALG=ES256); with HS256 rotate JWT_SECRET instead.',
      );
    }
    const now = this.clock();
    const next = this.#keys.find((k) => k.status === 'next');
    const active = this.#keys.find((k) => k.status === 'active');
    if (!next) throw new Error('no next key to promote');
    const publishedFor = (now - next.createdAt) / 1000;
    if (publishedFor < this.config.keyRotationMinAge) {
      const wait = Math.ceil(this.config.keyRotationMinAge - publishedFor);
      throw new ConflictError(
        'next_key_too_new',
        `The next key has been published for ${Math.floor(publishedFor)} s; verifiers may not have fetched it yet. Retry in ${wait} s.`,
        wait,
      );
    }
    const newNext = this.#newRecord('next', now);
    const ok = await this.storage.rotateSigningKeys(next.kid, newNext, now);
    if (!ok) {
      await this.reload();
      throw new ConflictError('rotation_conflict', 'Another rotation just happened; retry.');
    }
    await this.storage.deleteRetiredSigningKeys(now - this.#retention);
    await this.reload();
    await this.bus.publish({ type: 'keys-changed' });
    await this.audit.record('keys.rotated', {
      actorId,
      details: { active: next.kid, next: newNext.kid, retired: active?.kid ?? null },
    });
    return { active: next.kid, next: newNext.kid, retired: active?.kid ?? null };
  }

  close(): void {
    this.#unsubscribe();
  }
}

function ignoreConflict(err: unknown): void {
  if ((err as Error)?.name !== 'StorageConflictError') throw err;
}
