// Over 300 lines: the documented Config type (one field per setting), the secret-strength and TRUST_PROXY checks, and the cross-setting production rules; per-setting parsing comes from settings.ts.
/**
 * Configuration from environment variables (documented in packages/server/README.md). `loadConfig`
 * never reads process.env itself: pass it an env object, so tests can build any configuration.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseDuration as libraryParseDuration } from 'jwtkit';
import { type Setting, setting } from './settings.js';

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
    /** Login attempts on one account from addresses it has not logged in from recently (all such addresses together). */
    loginPerAccount: LimitRule;
    registerPerIp: LimitRule;
    refreshPerIp: LimitRule;
    passwordPerIp: LimitRule;
    revokePerIp: LimitRule;
    /** Client authentications at /oauth/token per client_id + address (a success resets it). */
    clientAuth: LimitRule;
    /** Client authentications at /oauth/token per address. */
    clientAuthPerIp: LimitRule;
  };
  /** AUDIT_RETENTION: audit events older than this (seconds) are purged. */
  auditRetention: number;
  bodyLimit: number;
  logLevel: string;
  /**
   * TRUST_PROXY: which X-Forwarded-For hops are believed: false (none), a hop count, or the addresses /
   * CIDRs of the proxies in front of the service. Never "every hop" (the client would choose its own IP).
   */
  trustProxy: TrustProxy;
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
  /** DPOP_NONCE: DPoP proofs must carry a server nonce (RFC 9449 §8, §9). */
  dpopNonce: boolean;
  /** LOG_FORMAT: json lines, or one readable line per entry (default: pretty on a terminal). */
  logFormat: 'json' | 'pretty';
  /** METRICS_PORT / METRICS_HOST: the private Prometheus listener (undefined port: none). */
  metricsPort: number | undefined;
  metricsHost: string;
  /** METRICS_TOKEN: bearer credential for /metrics on the public listener (undefined: not served there). */
  metricsToken: string | undefined;
}

export type TrustProxy = false | number | string[];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Cache lifetime of /.well-known/jwks.json (seconds). */
export const JWKS_MAX_AGE = 60;

export const OWASP_ARGON2: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * '600', '600s', '10m', '1h', '14d', '7 days' -> whole seconds, or null: the library's parseDuration
 * (the one duration parser of the project), restricted to non-negative whole seconds.
 */
export function parseDuration(text: string): number | null {
  let n: number;
  try {
    n = libraryParseDuration(text, 'duration');
  } catch {
    return null;
  }
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
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

/** The most frequent letter pairs of English text. */
const ENGLISH_PAIRS = new Set(
  'th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur'.split(
    ' ',
  ),
);

/**
 * Why `secret` is not (the base64, base64url or hex text of) at least 32 random bytes, or null. Random
 * text is recognised statistically, with false-refusal odds far below one in a million for real
 * `openssl rand -base64 32` / `-hex 32` output: enough distinct symbols, no class of characters
 * dominating (English words are lower case), and no repeated run (repeated words).
 */
export function randomSecretWeakness(secret: string | undefined): string | null {
  if (secret === undefined || secret === '') return 'is missing';
  const hex = /^[0-9a-f]+$/.test(secret) || /^[0-9A-F]+$/.test(secret);
  const b64 = /^[A-Za-z0-9+/_-]+={0,2}$/.test(secret);
  if (!hex && !b64)
    return 'is not base64, base64url or hex text (generate one with: openssl rand -base64 32)';
  const body = secret.replace(/=+$/, '');
  const bits = hex ? body.length * 4 : body.length * 6;
  if (bits < 256)
    return `carries at most ${bits} bits; at least 256 are required (32 random bytes: openssl rand -base64 32)`;
  const distinct = new Set(body).size;
  // 64 random hex digits show 16 distinct symbols almost surely; 43 random base64 symbols ~31 (sd ~2.5).
  const minDistinct = hex ? 12 : Math.min(20, Math.floor(body.length / 3));
  if (distinct < minDistinct) return 'has too few distinct characters to be random';
  if (!hex) {
    const classes = [/[a-z]/g, /[A-Z]/g, /[0-9]/g];
    for (const re of classes)
      if ((body.match(re)?.length ?? 0) > body.length * 0.8)
        return 'looks like text, not random bytes (one kind of character dominates)';
    // Words: 43 random base64 symbols hold ~2.5 common English letter pairs (14+ in under 1e-6), text ~1 in 3.
    const lower = body.toLowerCase();
    let pairs = 0;
    for (let i = 0; i + 2 <= lower.length; i++) if (ENGLISH_PAIRS.has(lower.slice(i, i + 2))) pairs++;
    if (pairs >= Math.max(14, Math.ceil((lower.length - 1) * 0.3)))
      return 'looks like words, not random bytes';
  }
  // The encoding of text (base64 of a passphrase) is not random bytes: 32 random bytes are all printable
  // ASCII with odds of 1e-14.
  const decoded = hex
    ? Buffer.from(body, 'hex')
    : Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (decoded.every((b) => b >= 0x20 && b <= 0x7e)) return 'encodes readable text, not random bytes';
  const run = hex ? 8 : 5;
  for (let i = 0; i + run <= body.length; i++) {
    if (body.indexOf(body.slice(i, i + run), i + 1) !== -1) return 'repeats itself (a random value does not)';
  }
  return null;
}

/** Why a secret is too weak for production, or null. */
export function secretWeakness(secret: string | undefined): string | null {
  if (secret === undefined || secret === '') return 'is missing';
  if (Buffer.byteLength(secret) < 32) return 'is shorter than 32 bytes';
  const lower = secret.toLowerCase();
  for (const w of WEAK_SECRETS) if (lower.replaceAll(w, '').length < 8) return 'is a well-known placeholder';
  if (new Set(secret).size < 10) return 'has fewer than 10 distinct characters';
  return null;
}

/** proxy-addr's named ranges (loopback 127.0.0.1/8 + ::1/128, linklocal, uniquelocal). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: unset/false/0 -> false; a positive integer -> that many hops; else a comma-separated list
 * of proxy addresses, CIDRs or the names loopback/linklocal/uniquelocal. `true` is refused: trusting
 * every hop lets the client pick the address rate limits and the audit log see.
 */
export function parseTrustProxy(text: string | undefined): { value: TrustProxy } | { problem: string } {
  const v = (text ?? '').trim();
  if (v === '' || /^(0|false|no|off)$/i.test(v)) return { value: false };
  if (/^(true|yes|on|\*|all)$/i.test(v)) {
    return {
      problem:
        'TRUST_PROXY=true would trust every X-Forwarded-For hop, so a client could choose its own address (rate limits, audit log); set the number of proxies in front of the service (e.g. TRUST_PROXY=1) or their addresses/CIDRs (e.g. TRUST_PROXY=10.0.0.0/8,127.0.0.1)',
    };
  }
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n >= 1 && n <= 10) return { value: n };
    return { problem: `TRUST_PROXY hop count must be between 1 and 10, got ${v}` };
  }
  const entries = v.split(',').map((x) => x.trim());
  for (const e of entries) {
    if (PROXY_RANGE_NAMES.has(e)) continue;
    const [addr = '', bits, extra] = e.split('/');
    const family = isIP(addr);
    const okBits =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !okBits || extra !== undefined) {
      return {
        problem: `TRUST_PROXY must be a hop count (e.g. 1) or a comma-separated list of proxy addresses/CIDRs (e.g. 10.0.0.0/8,127.0.0.1); ${JSON.stringify(e.slice(0, 60))} is neither`,
      };
    }
  }
  return { value: entries };
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  // Every read goes through the setting's declaration in settings.ts: its type, range and default.
  let production = false;
  const raw = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const declared = <T extends Setting['type']>(name: string, type: T): Extract<Setting, { type: T }> => {
    const s = setting(name);
    if (s.type !== type) throw new Error(`setting ${name} is declared as ${s.type}, read as ${type}`);
    return s as Extract<Setting, { type: T }>;
  };
  const defaultText = (s: Setting): string | undefined =>
    production && s.productionDefault !== undefined ? s.productionDefault : s.default;
  const str = (name: string, fallback?: string): string => {
    const s = setting(name);
    return raw(name) ?? fallback ?? defaultText(s) ?? '';
  };
  const int = (name: string): number => {
    const s = declared(name, 'integer');
    const fallback = Number(defaultText(s));
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isInteger(n) || n < s.min || n > s.max) {
      problems.push(
        `${name} must be an integer in [${s.min}, ${s.max}], got ${JSON.stringify(v.slice(0, 40))}`,
      );
      return fallback;
    }
    return n;
  };
  const duration = (name: string): number => {
    const s = declared(name, 'duration');
    const fallback = parseDuration(defaultText(s) ?? '0') ?? 0;
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = parseDuration(v);
    if (n === null || n < s.min || n > s.max) {
      problems.push(`${name} must be a duration like 600, 10m, 1h or 7d within [${s.min}s, ${s.max}s]`);
      return fallback;
    }
    return n;
  };
  const parseBool = (v: string): boolean | null =>
    /^(1|true|yes|on)$/i.test(v) ? true : /^(0|false|no|off)$/i.test(v) ? false : null;
  const bool = (name: string): boolean => {
    const s = declared(name, 'boolean');
    const fallback = parseBool(defaultText(s) ?? 'false') ?? false;
    const v = raw(name);
    if (v === undefined) return fallback;
    const b = parseBool(v);
    if (b === null) {
      problems.push(`${name} must be true or false`);
      return fallback;
    }
    return b;
  };
  const parseLimit = (v: string): LimitRule | null => {
    const m = /^\s*(\d+)\s*\/\s*(.+)$/.exec(v);
    const w = m ? parseDuration(m[2]!) : null;
    if (!m || w === null || w < 1 || Number(m[1]) < 1) return null;
    return { max: Number(m[1]), windowSeconds: w };
  };
  const limit = (name: string): LimitRule => {
    const s = declared(name, 'limit');
    const fallback = parseLimit(defaultText(s) ?? '') ?? { max: 1, windowSeconds: 60 };
    const v = raw(name);
    if (v === undefined) return fallback;
    const rule = parseLimit(v);
    if (!rule) {
      problems.push(`${name} must look like 5/15m (attempts per window)`);
      return fallback;
    }
    return rule;
  };

  const nodeEnv = env.NODE_ENV;
  const modeText = str('JWTKIT_MODE', nodeEnv === 'production' ? 'production' : 'demo');
  let mode: Mode = 'demo';
  if (modeText === 'production' || modeText === 'demo') mode = modeText;
  else problems.push(`JWTKIT_MODE must be "demo" or "production", got ${JSON.stringify(modeText)}`);
  production = mode === 'production';
  if (mode === 'demo' && nodeEnv === 'production') {
    problems.push(
      'demo mode refuses to run with NODE_ENV=production (it seeds well-known demo passwords); set JWTKIT_MODE=production and real secrets',
    );
  }

  const host = str('HOST');
  const port = int('PORT');
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
    if (mode === 'production') {
      const weak = randomSecretWeakness(jwtSecret);
      if (weak)
        problems.push(
          `JWT_SECRET ${weak}; production HS256 needs at least 256 bits from a random source: the base64 or hex text of 32+ random bytes (openssl rand -base64 32)`,
        );
    } else if (jwtSecret === undefined) {
      problems.push('JWT_SECRET is missing (HS256 needs a random secret of at least 32 bytes)');
    }
  }
  if (mode === 'production') {
    const weak = randomSecretWeakness(secretKey);
    if (weak)
      problems.push(
        `SECRET_KEY ${weak}; production needs the base64 or hex text of at least 32 random bytes (e.g. openssl rand -base64 48)`,
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
    databaseUrl: str('DATABASE_URL'),
    baseDir: resolve(env.INIT_CWD || cwd),
    issuer,
    audience: str('AUDIENCE', issuer),
    clientId: str('CLIENT_ID'),
    realm: str('REALM'),
    accessTokenTtl: duration('ACCESS_TOKEN_TTL'),
    refreshTokenTtl: duration('REFRESH_TOKEN_TTL'),
    sessionMaxAge: duration('SESSION_MAX_AGE'),
    refreshReuseGrace: duration('REFRESH_REUSE_GRACE'),
    leeway: duration('CLOCK_LEEWAY'),
    jwtAlg,
    jwtSecret,
    secretKey,
    argon2: {
      memoryCost: int('ARGON2_MEMORY_KIB'),
      timeCost: int('ARGON2_ITERATIONS'),
      parallelism: int('ARGON2_PARALLELISM'),
    },
    rateLimits: {
      loginPerIp: limit('RATE_LIMIT_LOGIN_IP'),
      loginPerAccountIp: limit('RATE_LIMIT_LOGIN_ACCOUNT'),
      loginPerAccount: limit('RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP'),
      registerPerIp: limit('RATE_LIMIT_REGISTER_IP'),
      refreshPerIp: limit('RATE_LIMIT_REFRESH_IP'),
      passwordPerIp: limit('RATE_LIMIT_PASSWORD_IP'),
      revokePerIp: limit('RATE_LIMIT_REVOKE_IP'),
      clientAuth: limit('RATE_LIMIT_CLIENT_AUTH'),
      clientAuthPerIp: limit('RATE_LIMIT_CLIENT_AUTH_IP'),
    },
    auditRetention: duration('AUDIT_RETENTION'),
    bodyLimit: int('BODY_LIMIT'),
    logLevel: str('LOG_LEVEL'),
    trustProxy: (() => {
      const r = parseTrustProxy(env.TRUST_PROXY);
      if ('problem' in r) {
        problems.push(r.problem);
        return false;
      }
      return r.value;
    })(),
    seedDemoUsers: bool('SEED_DEMO_USERS'),
    keyRotationMinAge: duration('KEY_ROTATION_MIN_AGE'),
    introspectionClients: [],
    redisUrl: env.REDIS_URL === '' ? undefined : env.REDIS_URL,
    redisFailurePolicy: str('REDIS_FAILURE_POLICY') === 'open' ? 'open' : 'closed',
    redisPrefix: str('REDIS_PREFIX'),
    shutdownDrainMs: int('SHUTDOWN_DRAIN_MS'),
    revocationSourceHeader: bool('JWTKIT_TEST_REVOCATION_SOURCE'),
    dpopNonce: bool('DPOP_NONCE'),
    logFormat: str('LOG_FORMAT', process.stdout.isTTY ? 'pretty' : 'json') === 'pretty' ? 'pretty' : 'json',
    metricsPort: raw('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT'),
    metricsHost: str('METRICS_HOST'),
    metricsToken: str('METRICS_TOKEN') || undefined,
  };
  for (const name of ['LOG_LEVEL', 'LOG_FORMAT']) {
    const s = declared(name, 'choice');
    const v = raw(name);
    if (v !== undefined && !s.values.includes(v))
      problems.push(`${name} must be one of ${s.values.join(', ')}`);
  }
  if (config.metricsToken !== undefined) {
    const weak = secretWeakness(config.metricsToken);
    if (weak && mode === 'production') problems.push(`METRICS_TOKEN ${weak}`);
  }
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
  if (!declared('REDIS_FAILURE_POLICY', 'choice').values.includes(str('REDIS_FAILURE_POLICY')))
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
