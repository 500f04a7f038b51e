/**
 * Configuration from environment variables (documented in packages/server/README.md). `loadConfig`
 * never reads process.env itself: pass it an env object, so tests can build any configuration.
 */
import { resolve } from 'node:path';

export type Mode = 'demo' | 'production';
export type SigningAlg = 'ES256' | 'HS256';

export interface Argon2Params {
  /** KiB */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export interface LimitRule {
  max: number;
  windowSeconds: number;
}

export interface Config {
  mode: Mode;
  host: string;
  port: number;
  /** DATABASE_URL: postgres://..., sqlite:<path>, or a file path. */
  databaseUrl: string;
  /** Directory relative SQLite paths resolve against (the directory `npm start` ran in). */
  baseDir: string;
  issuer: string;
  audience: string;
  clientId: string;
  realm: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionMaxAge: number;
  refreshReuseGrace: number;
  /** Clock skew accepted when verifying our own access tokens (seconds). */
  leeway: number;
  jwtAlg: SigningAlg;
  jwtSecret: string | undefined;
  /** Encrypts signing keys at rest and keys refresh-token derivation. Generated in demo mode. */
  secretKey: string | undefined;
  argon2: Argon2Params;
  rateLimits: {
    loginPerIp: LimitRule;
    loginPerAccountIp: LimitRule;
    registerPerIp: LimitRule;
    refreshPerIp: LimitRule;
  };
  bodyLimit: number;
  logLevel: string;
  trustProxy: boolean;
  seedDemoUsers: boolean;
  /** A next key must have been in the JWKS this long (seconds) before rotation may promote it. */
  keyRotationMinAge: number;
  /** INTROSPECTION_CLIENTS: resource servers allowed to call /oauth/introspect with HTTP Basic. */
  introspectionClients: Array<{ id: string; secret: string }>;
  /** REDIS_URL: shared denylist/epochs/rate limits/events for several instances (unset: one instance). */
  redisUrl: string | undefined;
  /** REDIS_FAILURE_POLICY: revocation checks while Redis is unreachable: 503 (closed) or local knowledge (open). */
  redisFailurePolicy: 'closed' | 'open';
  /** REDIS_PREFIX: key and channel prefix. */
  redisPrefix: string;
  /** SHUTDOWN_DRAIN_MS: on SIGTERM, serve (readiness 503, Connection: close) this long before closing. */
  shutdownDrainMs: number;
  /**
   * JWTKIT_TEST_REVOCATION_SOURCE: answer each authenticated request with `x-jwtkit-revocation-source`
   * (where each revocation answer came from), so the cluster test can assert the failure policy exactly.
   * For tests only; refused in production.
   */
  revocationSourceHeader: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Cache lifetime of /.well-known/jwks.json (seconds). */
export const JWKS_MAX_AGE = 60;

export const OWASP_ARGON2: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** '600', '600s', '10m', '1h', '14d' -> seconds. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * (UNITS[m[2] || 's'] ?? 1);
}

const WEAK_SECRETS = new Set([
  'secret',
  'changeme',
  'change-me',
  'password',
  'jwtsecret',
  'jwt-secret',
  'test',
  'dev',
]);

/** Why a secret is too weak for production, or null. */
export function secretWeakness(secret: string | undefined): string | null {
  if (secret === undefined || secret === '') return 'is missing';
  if (Buffer.byteLength(secret) < 32) return 'is shorter than 32 bytes';
  const lower = secret.toLowerCase();
  for (const w of WEAK_SECRETS) if (lower.replaceAll(w, '').length < 8) return 'is a well-known placeholder';
  if (new Set(secret).size < 10) return 'has fewer than 10 distinct characters';
  return null;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string): string => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return fallback;
    }
    return n;
  };
  const duration = (name: string, fallback: number, min: number, max: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = parseDuration(v);
    if (n === null || n < min || n > max) {
      problems.push(`${name} must be a duration like 600, 10m, 1h or 7d within [${min}s, ${max}s]`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    problems.push(`${name} must be true or false`);
    return fallback;
  };
  const limit = (name: string, max: number, windowSeconds: number): LimitRule => {
    // "<max>/<window>", e.g. "5/15m"
    const v = env[name];
    if (v === undefined || v === '') return { max, windowSeconds };
    const m = /^(\d+)\/(.+)$/.exec(v);
    const w = m ? parseDuration(m[2]!) : null;
    if (!m || w === null || w < 1 || Number(m[1]) < 1) {
      problems.push(`${name} must look like 5/15m (attempts per window)`);
      return { max, windowSeconds };
    }
    return { max: Number(m[1]), windowSeconds: w };
  };

  const nodeEnv = env.NODE_ENV;
  const modeText = str('JWTKIT_MODE', nodeEnv === 'production' ? 'production' : 'demo');
  let mode: Mode = 'demo';
  if (modeText === 'production' || modeText === 'demo') mode = modeText;
  else problems.push(`JWTKIT_MODE must be "demo" or "production", got ${JSON.stringify(modeText)}`);
  if (mode === 'demo' && nodeEnv === 'production') {
    problems.push(
      'demo mode refuses to run with NODE_ENV=production (it seeds well-known demo passwords); set JWTKIT_MODE=production and real secrets',
    );
  }

  const host = str('HOST', '127.0.0.1');
  const port = int('PORT', 3000, 0, 65535);
  const issuer = str('ISSUER', `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
    /\/+$/,
    '',
  );
  const jwtSecret = env.JWT_SECRET === '' ? undefined : env.JWT_SECRET;
  const algText = str('JWT_ALG', jwtSecret ? 'HS256' : 'ES256');
  let jwtAlg: SigningAlg = 'ES256';
  if (algText === 'ES256' || algText === 'HS256') jwtAlg = algText;
  else problems.push(`JWT_ALG must be ES256 or HS256, got ${JSON.stringify(algText)}`);
  const secretKey = env.SECRET_KEY === '' ? undefined : env.SECRET_KEY;

  if (jwtAlg === 'HS256') {
    const weak = secretWeakness(jwtSecret);
    if (weak && (mode === 'production' || jwtSecret === undefined))
      problems.push(`JWT_SECRET ${weak} (HS256 needs a random secret of at least 32 bytes)`);
  }
  if (mode === 'production') {
    const weak = secretWeakness(secretKey);
    if (weak)
      problems.push(
        `SECRET_KEY ${weak}; production needs a random value of at least 32 bytes (e.g. openssl rand -base64 48)`,
      );
    if (env.DATABASE_URL === undefined || env.DATABASE_URL === '')
      problems.push('DATABASE_URL is required in production');
    if (env.ISSUER === undefined || env.ISSUER === '')
      problems.push('ISSUER (the public base URL) is required in production');
  }

  const config: Config = {
    mode,
    host,
    port,
    databaseUrl: str('DATABASE_URL', './data/jwtkit.sqlite'),
    baseDir: resolve(env.INIT_CWD || cwd),
    issuer,
    audience: str('AUDIENCE', issuer),
    clientId: str('CLIENT_ID', 'jwtkit-demo'),
    realm: str('REALM', 'jwtkit'),
    accessTokenTtl: duration('ACCESS_TOKEN_TTL', 600, 10, 86400),
    refreshTokenTtl: duration('REFRESH_TOKEN_TTL', 14 * 86400, 60, 365 * 86400),
    sessionMaxAge: duration('SESSION_MAX_AGE', 30 * 86400, 60, 365 * 86400),
    refreshReuseGrace: duration('REFRESH_REUSE_GRACE', 10, 0, 300),
    leeway: duration('CLOCK_LEEWAY', 5, 0, 300),
    jwtAlg,
    jwtSecret,
    secretKey,
    argon2: {
      memoryCost: int('ARGON2_MEMORY_KIB', OWASP_ARGON2.memoryCost, 8, 4 * 1024 * 1024),
      timeCost: int('ARGON2_ITERATIONS', OWASP_ARGON2.timeCost, 1, 100),
      parallelism: int('ARGON2_PARALLELISM', OWASP_ARGON2.parallelism, 1, 64),
    },
    rateLimits: {
      loginPerIp: limit('RATE_LIMIT_LOGIN_IP', 30, 60),
      loginPerAccountIp: limit('RATE_LIMIT_LOGIN_ACCOUNT', 5, 15 * 60),
      registerPerIp: limit('RATE_LIMIT_REGISTER_IP', 10, 3600),
      refreshPerIp: limit('RATE_LIMIT_REFRESH_IP', 120, 60),
    },
    bodyLimit: int('BODY_LIMIT', 16 * 1024, 1024, 1024 * 1024),
    logLevel: str('LOG_LEVEL', 'info'),
    trustProxy: bool('TRUST_PROXY', false),
    seedDemoUsers: bool('SEED_DEMO_USERS', mode === 'demo'),
    keyRotationMinAge: duration(
      'KEY_ROTATION_MIN_AGE',
      mode === 'production' ? JWKS_MAX_AGE : 0,
      0,
      30 * 86400,
    ),
    introspectionClients: [],
    redisUrl: env.REDIS_URL === '' ? undefined : env.REDIS_URL,
    redisFailurePolicy: str('REDIS_FAILURE_POLICY', 'closed') === 'open' ? 'open' : 'closed',
    redisPrefix: str('REDIS_PREFIX', 'jwtkit:'),
    shutdownDrainMs: int('SHUTDOWN_DRAIN_MS', 0, 0, 60_000),
    revocationSourceHeader: bool('JWTKIT_TEST_REVOCATION_SOURCE', false),
  };
  if (mode === 'production' && config.revocationSourceHeader)
    problems.push('JWTKIT_TEST_REVOCATION_SOURCE is for tests only and is refused in production');
  // "id:secret,id2:secret2": HTTP Basic credentials for RFC 7662 introspection.
  for (const entry of str('INTROSPECTION_CLIENTS', '')
    .split(',')
    .filter((x) => x.trim() !== '')) {
    const i = entry.indexOf(':');
    const id = entry.slice(0, i).trim();
    const secret = entry.slice(i + 1).trim();
    if (i <= 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(id) || secret === '') {
      problems.push('INTROSPECTION_CLIENTS must look like "client-id:secret,other-id:secret"');
      continue;
    }
    const weak = secretWeakness(secret);
    if (weak && mode === 'production') problems.push(`INTROSPECTION_CLIENTS secret of ${id} ${weak}`);
    config.introspectionClients.push({ id, secret });
  }
  if (!['closed', 'open'].includes(str('REDIS_FAILURE_POLICY', 'closed')))
    problems.push('REDIS_FAILURE_POLICY must be "closed" or "open"');
  if (config.redisUrl !== undefined && !/^rediss?:\/\//i.test(config.redisUrl))
    problems.push('REDIS_URL must start with redis:// or rediss://');
  if (mode === 'production' && config.seedDemoUsers)
    problems.push('SEED_DEMO_USERS cannot be enabled in production');
  if (config.argon2.memoryCost < 8 * config.argon2.parallelism)
    problems.push('ARGON2_MEMORY_KIB must be at least 8 x ARGON2_PARALLELISM');
  if (mode === 'production' && config.argon2.memoryCost < OWASP_ARGON2.memoryCost) {
    problems.push(
      `ARGON2_MEMORY_KIB below the OWASP minimum (${OWASP_ARGON2.memoryCost}) is refused in production`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
