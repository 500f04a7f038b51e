/**
 * A remote JWKS client (the PyJWKClient / jose createRemoteJWKSet use case), with safer defaults:
 * - https only (http needs `allowHttp: true`, or `'loopback'` for 127.0.0.0/8, ::1 and localhost only);
 * - no redirects followed; a request timeout covering the body; a byte limit enforced while reading;
 * - an in-memory cache with a max age; concurrent callers share one in-flight fetch;
 * - a cooldown between fetches, so an unknown `kid` triggers at most one refetch per cooldown (random
 *   kids cannot make us hammer the issuer);
 * - stale-on-error: a failed refresh keeps serving the last good set for `staleIfError` past its max age,
 *   instead of wiping the cache (a known PyJWKClient complaint);
 * - secret (`oct`) keys and private members in a published set are dropped: a key from a URL is public.
 */
import { type Algorithm, algorithmInfo } from '../_lib/algorithms.js';
import { concatBytes } from '../_lib/bytes.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type JwtHeader, parseCompact } from '../_lib/compact.js';
import { parseJsonObject } from '../_lib/json.js';
import { checkJwkMemberTypes, type Jwk, type Jwks } from '../_lib/jwk.js';
import { selectFromJwks } from '../_lib/key-selection.js';
import { ownOptions } from '../_lib/options.js';
import { parseDuration } from '../_lib/time.js';
import {
  InvalidAlgorithmError,
  InvalidOptionsError,
  JwksFetchError,
  JwksNoMatchingKeyError,
} from '../errors.js';

export interface RemoteJwksOptions {
  /** How long a fetched set is fresh (seconds or '10m'). Default 10 minutes. */
  maxAge?: number | string;
  /** Minimum time between two fetches (seconds or '30s'), also for unknown-kid refetches. Default 30 s. */
  cooldown?: number | string;
  /** Request timeout including the body (seconds or '5s'). Default 5 s. */
  timeout?: number | string;
  /** Largest response body accepted, in bytes. Default 512 KiB. */
  maxBytes?: number;
  /** Most keys accepted in the set. Default 100. */
  maxKeys?: number;
  /** How long past maxAge the last good set is still served while refreshes fail (seconds). Default 1 hour. */
  staleIfError?: number | string;
  /** Allow `http:` URLs: `true` for any host, `'loopback'` for loopback hosts only. Default: https only. */
  allowHttp?: boolean | 'loopback';
  /** Extra request headers (e.g. a user agent). */
  headers?: Record<string, string>;
  /** The fetch implementation (default: global fetch). */
  fetch?: typeof fetch;
  /** Clock in milliseconds (default Date.now), for tests. */
  clock?: () => number;
}

export interface RemoteJwksStats {
  /** Fetches started (successful or not). */
  fetches: number;
  /** Fetches that failed. */
  failures: number;
  /** When the current set was fetched (ms), or null. */
  fetchedAt: number | null;
  /** Whether the set being served is past its max age because refreshes failed. */
  stale: boolean;
}

export interface RemoteJwks {
  readonly url: string;
  /**
   * The key for a token (or a header): picked by kid/kty/alg from the set, refetching once (cooldown
   * permitting) when the kid is unknown. Give `algorithms` to refuse other algorithms before any fetch.
   */
  getSigningKey(
    tokenOrHeader: string | JwtHeader,
    options?: { algorithms?: readonly Algorithm[] },
  ): Promise<Jwk>;
  /** PyJWKClient-style alias of `getSigningKey(token)`. */
  getSigningKeyFromJwt(token: string, options?: { algorithms?: readonly Algorithm[] }): Promise<Jwk>;
  /** The key set, fetched if there is none or it is older than maxAge. */
  getKeySet(): Promise<Jwks>;
  /** The cached key set (possibly stale), without any fetch; null before the first successful fetch. */
  current(): Jwks | null;
  /** Fetches now unless a fetch ran within the cooldown (then the cached set is returned). */
  refresh(): Promise<Jwks>;
  stats(): RemoteJwksStats;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const REMOTE_OPTIONS: ReadonlySet<string> = new Set([
  'maxAge',
  'cooldown',
  'timeout',
  'maxBytes',
  'maxKeys',
  'staleIfError',
  'allowHttp',
  'headers',
  'fetch',
  'clock',
]);
const SIGNING_KEY_OPTIONS: ReadonlySet<string> = new Set(['algorithms']);
const PUBLIC_KTY = new Set(['RSA', 'EC', 'OKP']);

function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function seconds(value: number | string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const s = parseDuration(value, name);
  if (!(s >= 0)) throw new InvalidOptionsError(`${name} must not be negative`);
  return s;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidOptionsError(`${name} must be a positive integer`);
  return value;
}

/** Parses and sanitizes a fetched JWKS document. */
export function parseJwksDocument(bytes: Uint8Array, maxKeys: number): Jwks {
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) throw new JwksFetchError('The key set is not a JSON object (without duplicate members)');
  const keys = Object.hasOwn(parsed.value, 'keys') ? parsed.value.keys : undefined;
  if (!Array.isArray(keys)) throw new JwksFetchError('The key set has no "keys" array');
  if (keys.length > maxKeys) throw new JwksFetchError(`The key set holds more than ${maxKeys} keys`);
  const usable: Jwk[] = [];
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || Array.isArray(k) || typeof (k as Jwk).kty !== 'string')
      continue;
    if (!PUBLIC_KTY.has((k as Jwk).kty)) continue; // secrets and unknown types are never taken from a URL
    try {
      checkJwkMemberTypes(k as Jwk); // a key with a non-string alg/crv/kid/use is unusable: dropped
    } catch {
      continue;
    }
    const clean: Jwk = { ...(k as Jwk) };
    for (const m of PRIVATE_MEMBERS) delete clean[m];
    usable.push(Object.freeze(clean) as Jwk);
  }
  return Object.freeze({ keys: Object.freeze(usable) as Jwk[] });
}

async function readLimited(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new JwksFetchError(`The key set response is larger than ${maxBytes} bytes`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new JwksFetchError(`The key set response is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

/**
 * A cached, rate-limited view of a remote JWKS.
 *
 * ```ts
 * const jwks = createRemoteJwks('https://issuer.example/.well-known/jwks.json')
 * const key = await jwks.getSigningKey(token)
 * const claims = decode(token, key, { algorithms: ['RS256'], issuer: 'https://issuer.example' })
 * // or in one call: await decodeAsync(token, jwks, { algorithms: ['RS256'] })
 * ```
 */
export function createRemoteJwks(url: string | URL, input: RemoteJwksOptions = {}): RemoteJwks {
  const options = ownOptions(input, REMOTE_OPTIONS, 'createRemoteJwks()') as RemoteJwksOptions;
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(String(url));
  } catch (cause) {
    throw new InvalidOptionsError('The JWKS URL is not a valid absolute URL', { cause });
  }
  if (parsedUrl.username || parsedUrl.password)
    throw new InvalidOptionsError('The JWKS URL must not carry credentials');
  if (parsedUrl.protocol === 'http:') {
    const allow = options.allowHttp;
    if (!(allow === true || (allow === 'loopback' && isLoopback(parsedUrl.hostname)))) {
      throw new InvalidOptionsError(
        allow === 'loopback'
          ? 'allowHttp: "loopback" permits http only for loopback hosts'
          : 'The JWKS URL must use https (set allowHttp to permit http)',
      );
    }
  } else if (parsedUrl.protocol !== 'https:') {
    throw new InvalidOptionsError('The JWKS URL must use https');
  }
  const href = parsedUrl.href;
  const maxAgeMs = seconds(options.maxAge, 600, 'maxAge') * 1000;
  const cooldownMs = seconds(options.cooldown, 30, 'cooldown') * 1000;
  const timeoutMs = Math.max(1, seconds(options.timeout, 5, 'timeout') * 1000);
  // AbortSignal.timeout takes a 32-bit millisecond count; a larger one would fail at the first fetch.
  if (timeoutMs > 0xffffffff) throw new InvalidOptionsError('timeout must be at most 49 days');
  const staleMs = seconds(options.staleIfError, 3600, 'staleIfError') * 1000;
  const maxBytes = positiveInt(options.maxBytes, 512 * 1024, 'maxBytes');
  const maxKeys = positiveInt(options.maxKeys, 100, 'maxKeys');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new InvalidOptionsError('No fetch implementation is available');
  const clock = options.clock ?? Date.now;
  const extraHeaders = { ...(options.headers ?? {}) };

  let cached: Jwks | null = null;
  let fetchedAt = 0;
  let lastAttemptAt: number | null = null;
  let lastError: unknown = null;
  let inflight: Promise<Jwks> | null = null;
  let fetches = 0;
  let failures = 0;

  async function fetchOnce(): Promise<Jwks> {
    fetches++;
    let res: Response;
    try {
      res = await fetchImpl(href, {
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/jwk-set+json, application/json', ...extraHeaders },
      });
    } catch (cause) {
      const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError';
      throw new JwksFetchError(
        timedOut ? `The key set request timed out after ${timeoutMs} ms` : 'The key set could not be fetched',
        { cause },
      );
    }
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
      await res.body?.cancel().catch(() => {});
      throw new JwksFetchError(
        `The key set URL answered with a redirect (HTTP ${res.status}); redirects are not followed`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new JwksFetchError(`The key set URL answered HTTP ${res.status}`);
    }
    let body: Uint8Array;
    try {
      body = await readLimited(res, maxBytes);
    } catch (cause) {
      if (cause instanceof JwksFetchError) throw cause;
      const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError';
      throw new JwksFetchError(
        timedOut
          ? `The key set request timed out after ${timeoutMs} ms`
          : 'The key set response could not be read',
        { cause },
      );
    }
    return parseJwksDocument(body, maxKeys);
  }

  function servable(now: number): boolean {
    return cached !== null && now - fetchedAt <= maxAgeMs + staleMs;
  }

  /** Starts (or joins) a fetch. Falls back to the cached set within the stale window. */
  function startFetch(): Promise<Jwks> {
    if (inflight) return inflight;
    lastAttemptAt = clock();
    inflight = fetchOnce()
      .then((set) => {
        cached = set;
        fetchedAt = clock();
        lastError = null;
        return set;
      })
      .catch((error: unknown) => {
        failures++;
        lastError = error;
        if (servable(clock())) return cached as Jwks;
        throw error;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  function coolingDown(now: number): boolean {
    return lastAttemptAt !== null && now - lastAttemptAt < cooldownMs;
  }

  async function getKeySet(): Promise<Jwks> {
    const now = clock();
    if (cached && now - fetchedAt < maxAgeMs) return cached;
    if (inflight) return inflight;
    if (coolingDown(now)) {
      if (servable(now)) return cached as Jwks;
      throw new JwksFetchError(
        'The key set is unavailable: the last fetch failed and the cooldown has not passed',
        { cause: lastError },
      );
    }
    return startFetch();
  }

  async function refresh(): Promise<Jwks> {
    if (inflight) return inflight;
    const now = clock();
    if (coolingDown(now)) {
      if (servable(now)) return cached as Jwks;
      throw new JwksFetchError(
        'The key set is unavailable: the last fetch failed and the cooldown has not passed',
        { cause: lastError },
      );
    }
    return startFetch();
  }

  async function getSigningKey(
    tokenOrHeader: string | JwtHeader,
    input: { algorithms?: readonly Algorithm[] } = {},
  ): Promise<Jwk> {
    const opts = ownOptions(input, SIGNING_KEY_OPTIONS, 'getSigningKey()') as {
      algorithms?: readonly Algorithm[];
    };
    const header =
      typeof tokenOrHeader === 'string'
        ? parseCompact(tokenOrHeader, DEFAULT_MAX_TOKEN_LENGTH).header
        : tokenOrHeader;
    if (typeof header !== 'object' || header === null)
      throw new InvalidOptionsError('Expected a token or a JOSE header');
    if (
      opts.algorithms !== undefined &&
      !(Array.isArray(opts.algorithms) && opts.algorithms.includes(header.alg as Algorithm))
    ) {
      throw new InvalidAlgorithmError("The token's algorithm is not allowed");
    }
    const info = algorithmInfo(header.alg);
    if (!info) throw new InvalidAlgorithmError("The token's algorithm is not supported");
    const set = await getKeySet();
    try {
      return selectFromJwks(set, header, info);
    } catch (error) {
      // An unknown kid may mean the issuer rotated keys: refetch once, if the cooldown allows.
      const unknownKid =
        error instanceof JwksNoMatchingKeyError &&
        header.kid !== undefined &&
        !set.keys.some((k) => k.kid === header.kid);
      if (!unknownKid) throw error;
      if (!inflight && coolingDown(clock())) throw error;
      const fresh = await startFetch();
      if (fresh === set) throw error;
      return selectFromJwks(fresh, header, info);
    }
  }

  return {
    url: href,
    getSigningKey,
    getSigningKeyFromJwt: (token, opts) => {
      if (typeof token !== 'string')
        return Promise.reject(new InvalidOptionsError('Expected a token string'));
      return getSigningKey(token, opts);
    },
    getKeySet,
    current: () => cached,
    refresh,
    stats: () => ({
      fetches,
      failures,
      fetchedAt: cached ? fetchedAt : null,
      stale: cached !== null && clock() - fetchedAt >= maxAgeMs,
    }),
  };
}

/** True for an object made by createRemoteJwks (duck-typed). */
export function isRemoteJwks(value: unknown): value is RemoteJwks {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RemoteJwks).getSigningKey === 'function' &&
    typeof (value as RemoteJwks).getKeySet === 'function'
  );
}
