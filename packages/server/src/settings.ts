// Over 300 lines: a declarative table, one entry per environment setting (the README table is generated from it).
/**
 * Every environment setting of the service, declared once: name, type (with its range), default, the
 * demo/production rule and a description. `loadConfig` (config.ts) reads each setting through its entry
 * here (the parser, the range and the default all come from it), and the configuration table of
 * packages/server/README.md is generated from it (`npm run config-table -w packages/server`; a test fails
 * when the README is stale).
 */

export type SettingType =
  | { type: 'integer'; min: number; max: number }
  /** Seconds; written `600`, `10m`, `1h`, `7d` (the library's parseDuration). */
  | { type: 'duration'; min: number; max: number }
  | { type: 'boolean' }
  /** `<max>/<window>`, e.g. `5/15m`. */
  | { type: 'limit' }
  | { type: 'choice'; values: readonly string[] }
  | { type: 'text' }
  | { type: 'secret' }
  | { type: 'url' }
  | { type: 'list' };

export type Setting = SettingType & {
  env: string;
  /**
   * The default as environment text (parsed like a value the operator set), or undefined when there is
   * none or it is computed; `defaultText` then says what it is.
   */
  default?: string;
  /** Default in production when it differs (environment text). */
  productionDefault?: string;
  defaultText?: string;
  /** What production mode requires or refuses, if anything beyond the type. */
  production?: string;
  description: string;
};

const limitText = (what: string) => `${what} per window (\`<max>/<window>\`).`;

export const SETTINGS: readonly Setting[] = [
  {
    env: 'JWTKIT_MODE',
    type: 'choice',
    values: ['demo', 'production'],
    defaultText: '`demo` (`production` when `NODE_ENV=production`)',
    production: 'demo mode refuses to run with `NODE_ENV=production`',
    description:
      '`demo` seeds alice/bob and generates missing secrets; `production` enforces the start-up checks of SECURITY.md.',
  },
  { env: 'HOST', type: 'text', default: '127.0.0.1', description: 'Listen address.' },
  { env: 'PORT', type: 'integer', min: 0, max: 65535, default: '3000', description: 'Listen port.' },
  {
    env: 'DATABASE_URL',
    type: 'url',
    default: './data/jwtkit.sqlite',
    production: 'required',
    description:
      '`postgres://...` selects PostgreSQL; `sqlite:<path>`, `file:<path>` or a path selects SQLite (relative to the directory `npm start` ran in).',
  },
  {
    env: 'ISSUER',
    type: 'url',
    defaultText: '`http://HOST:PORT`',
    production: 'required',
    description: '`iss` of every token, base of the discovery URLs; `https://` turns on HSTS.',
  },
  { env: 'AUDIENCE', type: 'text', defaultText: 'ISSUER', description: '`aud` of access tokens.' },
  { env: 'CLIENT_ID', type: 'text', default: 'jwtkit-demo', description: '`client_id` claim.' },
  { env: 'REALM', type: 'text', default: 'jwtkit', description: '`WWW-Authenticate` realm.' },
  {
    env: 'SECRET_KEY',
    type: 'secret',
    defaultText: 'generated and stored (demo only)',
    production: 'required: base64/hex of >= 32 random bytes',
    description: 'Seals signing keys at rest and keys refresh-token derivation.',
  },
  {
    env: 'JWT_ALG',
    type: 'choice',
    values: ['ES256', 'HS256'],
    defaultText: '`ES256` (`HS256` if `JWT_SECRET` is set)',
    description: 'Access-token signing algorithm.',
  },
  {
    env: 'JWT_SECRET',
    type: 'secret',
    production: 'HS256: base64/hex of >= 32 random bytes (low-entropy text refused)',
    description: 'HS256 shared secret.',
  },
  {
    env: 'ACCESS_TOKEN_TTL',
    type: 'duration',
    min: 10,
    max: 86400,
    default: '10m',
    description:
      'Access-token lifetime; tokens living longer than this + `CLOCK_LEEWAY` are refused, whoever signed them.',
  },
  {
    env: 'REFRESH_TOKEN_TTL',
    type: 'duration',
    min: 60,
    max: 365 * 86400,
    default: '14d',
    description: 'Lifetime of each refresh token (sliding).',
  },
  {
    env: 'SESSION_MAX_AGE',
    type: 'duration',
    min: 60,
    max: 365 * 86400,
    default: '30d',
    description: 'Absolute lifetime of a session.',
  },
  {
    env: 'REFRESH_REUSE_GRACE',
    type: 'duration',
    min: 0,
    max: 300,
    default: '10s',
    description: 'Grace window for the previous refresh token; `0` disables it.',
  },
  {
    env: 'CLOCK_LEEWAY',
    type: 'duration',
    min: 0,
    max: 300,
    default: '5s',
    description: 'Clock skew accepted when verifying access tokens.',
  },
  {
    env: 'KEY_ROTATION_MIN_AGE',
    type: 'duration',
    min: 0,
    max: 30 * 86400,
    default: '0',
    productionDefault: '60s',
    description:
      'How long the next key must have been in the JWKS (`max-age=60`) before a rotation may promote it.',
  },
  {
    env: 'ARGON2_MEMORY_KIB',
    type: 'integer',
    min: 8,
    max: 4 * 1024 * 1024,
    default: '19456',
    production: '>= 19456 (OWASP)',
    description: 'Argon2id memory (KiB).',
  },
  {
    env: 'ARGON2_ITERATIONS',
    type: 'integer',
    min: 1,
    max: 100,
    default: '2',
    description: 'Argon2id iterations.',
  },
  {
    env: 'ARGON2_PARALLELISM',
    type: 'integer',
    min: 1,
    max: 64,
    default: '1',
    description: 'Argon2id lanes.',
  },
  {
    env: 'RATE_LIMIT_LOGIN_ACCOUNT',
    type: 'limit',
    default: '5/15m',
    description: `${limitText('Login attempts on one account from one address')} Counted before the password check; a success resets it.`,
  },
  {
    env: 'RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP',
    type: 'limit',
    default: '20/5m',
    description: `${limitText('Login attempts on one account from all addresses it has not logged in from in 30 days')} Slows a distributed guesser; the owner's known addresses are exempt.`,
  },
  {
    env: 'RATE_LIMIT_LOGIN_IP',
    type: 'limit',
    default: '30/1m',
    description: limitText('Login attempts per address (IPv6: per /64)'),
  },
  {
    env: 'RATE_LIMIT_REGISTER_IP',
    type: 'limit',
    default: '10/1h',
    description: limitText('Registrations per address'),
  },
  {
    env: 'RATE_LIMIT_REFRESH_IP',
    type: 'limit',
    default: '120/1m',
    description: limitText('Refreshes per address'),
  },
  {
    env: 'RATE_LIMIT_PASSWORD_IP',
    type: 'limit',
    default: '10/15m',
    description: `${limitText('Password changes per address')} Per account, \`RATE_LIMIT_LOGIN_ACCOUNT\` applies too.`,
  },
  {
    env: 'RATE_LIMIT_REVOKE_IP',
    type: 'limit',
    default: '60/1m',
    description: limitText('`/oauth/revoke` calls per address'),
  },
  {
    env: 'RATE_LIMIT_CLIENT_AUTH',
    type: 'limit',
    default: '10/5m',
    description: `${limitText('Client authentications at `/oauth/token` for one client_id from one address')} Counted before the secret or the assertion is checked; a success resets it.`,
  },
  {
    env: 'RATE_LIMIT_CLIENT_AUTH_IP',
    type: 'limit',
    default: '300/1m',
    description: limitText('Client authentications at `/oauth/token` per address (all client_ids)'),
  },
  {
    env: 'AUDIT_RETENTION',
    type: 'duration',
    min: 86400,
    max: 10 * 365 * 86400,
    default: '180d',
    description: 'Audit events older than this are deleted (at start, then hourly).',
  },
  {
    env: 'BODY_LIMIT',
    type: 'integer',
    min: 1024,
    max: 1024 * 1024,
    default: '16384',
    description: 'Maximum request body (bytes); more is a 413 problem.',
  },
  {
    env: 'TRUST_PROXY',
    type: 'list',
    default: 'false',
    description:
      'Which `X-Forwarded-For` hops to believe: `false`, a hop count (`1`), or proxy addresses/CIDRs (`10.0.0.0/8,127.0.0.1`). `true` (every hop) is refused.',
  },
  {
    env: 'LOG_LEVEL',
    type: 'choice',
    values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    description:
      '`info`: one line per request and one per security event (docs/operations.md); `silent` mutes.',
  },
  {
    env: 'LOG_FORMAT',
    type: 'choice',
    values: ['json', 'pretty'],
    defaultText: '`pretty` when stdout is a terminal, else `json`',
    description: '`json`: one JSON object per line (for machines); `pretty`: one readable line per entry.',
  },
  {
    env: 'METRICS_PORT',
    type: 'integer',
    min: 0,
    max: 65535,
    defaultText: 'unset (no metrics listener)',
    description:
      'Serve Prometheus `GET /metrics` on a listener of its own at `METRICS_HOST:METRICS_PORT` (never on the public one).',
  },
  {
    env: 'METRICS_HOST',
    type: 'text',
    default: '127.0.0.1',
    description: 'Address of the metrics listener (keep it private: loopback or an internal interface).',
  },
  {
    env: 'METRICS_TOKEN',
    type: 'secret',
    defaultText: 'unset',
    production: '>= 32 random bytes when set',
    description:
      'Also serve `/metrics` on the public listener, only to `Authorization: Bearer <METRICS_TOKEN>` (without it: 404).',
  },
  {
    env: 'SEED_DEMO_USERS',
    type: 'boolean',
    default: 'true',
    productionDefault: 'false',
    production: 'refused',
    description: 'Seed alice and bob.',
  },
  {
    env: 'INTROSPECTION_CLIENTS',
    type: 'list',
    production: 'strong secrets',
    description: '`id:secret,id2:secret2`: HTTP Basic credentials that may call `/oauth/introspect`.',
  },
  {
    env: 'REDIS_URL',
    type: 'url',
    description:
      '`redis://...`: denylist, epochs, rate limits and change signals shared by several instances. Unset: one instance per database (a lease refuses a second).',
  },
  {
    env: 'REDIS_FAILURE_POLICY',
    type: 'choice',
    values: ['closed', 'open'],
    default: 'closed',
    description: 'While Redis is unreachable: `closed` answers 503, `open` falls back to local knowledge.',
  },
  { env: 'REDIS_PREFIX', type: 'text', default: 'jwtkit:', description: 'Redis key and channel prefix.' },
  {
    env: 'SHUTDOWN_DRAIN_MS',
    type: 'integer',
    min: 0,
    max: 60_000,
    default: '0',
    description:
      'On SIGTERM, keep serving (readiness 503, `Connection: close`) this long (ms) before closing; the exit is 0 either way.',
  },
  {
    env: 'DPOP_NONCE',
    type: 'boolean',
    default: 'false',
    description:
      'DPoP proofs (RFC 9449) must carry a server nonce: a proof without one is answered `use_dpop_nonce` with a `DPoP-Nonce` header (token endpoint, login, refresh, protected routes).',
  },
  {
    env: 'JWTKIT_TEST_REVOCATION_SOURCE',
    type: 'boolean',
    default: 'false',
    production: 'refused',
    description: 'Tests only: each answer names where its revocation check came from.',
  },
];

const BY_NAME = new Map(SETTINGS.map((s) => [s.env, s]));

/** The declared setting `env` (throws for an undeclared name: every read must be declared). */
export function setting(env: string): Setting {
  const s = BY_NAME.get(env);
  if (!s) throw new Error(`setting ${env} is not declared in settings.ts`);
  return s;
}

/** 86400 -> '1d', 900 -> '15m', 45 -> '45s'. */
const seconds = (n: number): string => {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  return `${n}s`;
};

const typeText = (s: Setting): string => {
  switch (s.type) {
    case 'integer':
      return `integer ${s.min}..${s.max}`;
    case 'duration':
      return `duration ${seconds(s.min)}..${seconds(s.max)}`;
    case 'choice':
      return s.values.map((v) => `\`${v}\``).join(' \\| ');
    case 'limit':
      return 'limit';
    default:
      return s.type;
  }
};

const defaultCell = (s: Setting): string => {
  if (s.defaultText) return s.defaultText;
  if (s.default === undefined) return '-';
  const d = `\`${s.default}\``;
  return s.productionDefault === undefined ? d : `${d} (production: \`${s.productionDefault}\`)`;
};

/** The README configuration table (Markdown), generated from SETTINGS. */
export function configTableMarkdown(): string {
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.env}\` | ${typeText(s)} | ${defaultCell(s)} | ${s.production ?? '-'} | ${s.description} |`,
  );
  return [
    '| Variable | Type | Default | Production | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export const CONFIG_TABLE_START =
  '<!-- config-table:start (generated from src/settings.ts; npm run config-table -w packages/server) -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

/** `readme` with the text between the markers replaced by the current table. */
export function withConfigTable(readme: string): string {
  const a = readme.indexOf(CONFIG_TABLE_START);
  const b = readme.indexOf(CONFIG_TABLE_END);
  if (a < 0 || b < a) throw new Error('config-table markers not found in the README');
  return `${readme.slice(0, a + CONFIG_TABLE_START.length)}\n\n${configTableMarkdown()}\n\n${readme.slice(b)}`;
}
