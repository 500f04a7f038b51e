/**
 * Key material for the CLI: `--secret`, `--secret-file`, `JWT_SECRET`, `--key FILE` (PEM or JWK),
 * `--jwks FILE|URL`. A key file is never taken for an HMAC secret (the type of a key is never guessed
 * from its text, the fast-jwt CVE lesson): secrets only come from the secret flags.
 */
import { type AlgorithmFamily, algorithmInfo } from '../_lib/algorithms.js';
import type { Algorithm, Jwk, Jwks, KeyObject } from '../index.js';
import { ALGORITHMS, exportJwk, importKey } from '../index.js';
import { type CliIo, ioError, type OptionDef, usageError } from './_command.js';
import { readInputBytes, readInputText } from './_input.js';
import { fetchJwks } from './_remote-jwks.js';

/** Every algorithm, in the order of the library's one table of algorithm facts. */
export { ALGORITHMS };

/** The algorithms of one family, in table order (e.g. the HMAC ones for help texts). */
export function algorithmsOf(family: AlgorithmFamily): Algorithm[] {
  return ALGORITHMS.filter((a) => algorithmInfo(a)?.family === family);
}

/** The first algorithm of a family: the default for a key of that family (HMAC secret, RSA, RSA-PSS key). */
export function defaultOf(family: AlgorithmFamily): Algorithm {
  return algorithmsOf(family)[0] as Algorithm;
}

/** The algorithms of a family joined by `sep` (all HMAC ones, for hmac), for help and error texts. */
export function familyList(family: AlgorithmFamily, sep = '/'): string {
  return algorithmsOf(family).join(sep);
}

export function parseAlg(value: string, flag = '--alg'): Algorithm {
  const found = ALGORITHMS.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (found) return found;
  if (value.trim().toLowerCase() === 'none') {
    throw usageError(
      `${flag} none is not accepted here (unsecured tokens are for tests only: see docs/cli.md)`,
    );
  }
  throw usageError(
    `unknown algorithm ${JSON.stringify(value)} for ${flag}; one of: ${ALGORITHMS.join(', ')}`,
  );
}

export const isHmac = (alg: string): boolean => algorithmInfo(alg)?.family === 'hmac';

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export function minHmacBytes(alg: string): number {
  return algorithmInfo(alg)?.hashBytes ?? 0;
}

export const SECRET_OPTIONS: Record<string, OptionDef> = {
  secret: {
    type: 'string',
    short: 's',
    valueName: 'SECRET',
    description: 'HMAC secret (visible in `ps` and shell history: prefer JWT_SECRET or --secret-file)',
  },
  'secret-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'read the HMAC secret from FILE (`-` for stdin); one trailing newline is removed',
  },
  'secret-encoding': {
    type: 'string',
    valueName: 'ENC',
    description: 'how the secret is written: utf8 (default), base64, base64url or hex',
  },
  key: {
    type: 'string',
    short: 'k',
    valueName: 'FILE',
    description: 'a key file: PEM (SPKI/PKCS#8/PKCS#1/SEC1) or JWK (JSON)',
  },
  'passphrase-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'passphrase of an encrypted PEM --key (or set JWT_KEY_PASSPHRASE)',
  },
};

export type LoadedKey =
  | { kind: 'secret'; secret: Buffer; source: string; jwk?: Jwk; algs: Algorithm[] }
  | { kind: 'key'; key: KeyObject | Jwk; jwk: Jwk; algs: Algorithm[]; source: string }
  | { kind: 'jwks'; jwks: Jwks; algs: Algorithm[] | undefined; source: string };

function decodeSecret(text: string, encoding: string | undefined, source: string): Buffer {
  const enc = (encoding ?? 'utf8').toLowerCase();
  let out: Buffer;
  if (enc === 'utf8' || enc === 'utf-8') out = Buffer.from(text, 'utf8');
  else if (enc === 'hex') {
    if (!/^(?:[0-9a-f]{2})*$/i.test(text)) throw usageError(`${source} is not valid hex`);
    out = Buffer.from(text, 'hex');
  } else if (enc === 'base64' || enc === 'base64url') {
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw usageError(`${source} is not valid ${enc}`);
    out = Buffer.from(text, enc);
  } else
    throw usageError(
      `--secret-encoding must be utf8, base64, base64url or hex, got ${JSON.stringify(encoding)}`,
    );
  if (out.length === 0) throw usageError(`${source} is empty`);
  return out;
}

/** The key algorithms a JWK pins down by itself: its `alg`, or its curve. RSA and oct keys pin nothing. */
export function algsFixedByJwk(jwk: Jwk): Algorithm[] {
  const j = jwk as Record<string, unknown>;
  if (typeof j.alg === 'string') {
    const a = ALGORITHMS.find((x) => x === j.alg);
    return a ? [a] : [];
  }
  // An EC or OKP curve pins the algorithms whose table entry lists that curve (Ed25519 -> EdDSA, Ed25519).
  const family = j.kty === 'EC' ? 'ecdsa' : j.kty === 'OKP' ? 'eddsa' : null;
  if (family && typeof j.crv === 'string') {
    const crv = j.crv;
    return ALGORITHMS.filter((a) => {
      const info = algorithmInfo(a);
      return info?.family === family && (info.curves as readonly string[]).includes(crv);
    });
  }
  return [];
}

/** The algorithm `encode` uses for a key when `--alg` is absent (RSA -> RS256, RSA-PSS -> PS256). */
export function defaultSigningAlg(loaded: LoadedKey): Algorithm | undefined {
  if (loaded.kind === 'secret') return defaultOf('hmac');
  if (loaded.kind === 'jwks') return undefined;
  const fixed = loaded.algs[0];
  if (fixed) return fixed;
  const j = loaded.jwk as Record<string, unknown>;
  if (j.kty === 'RSA') {
    const keyType = (loaded.key as { asymmetricKeyType?: string }).asymmetricKeyType;
    return defaultOf(keyType === 'rsa-pss' ? 'rsa-pss' : 'rsa');
  }
  if (j.kty === 'oct') return defaultOf('hmac');
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a key file's text: a JWKS, a JWK, or PEM. */
export function parseKeyText(
  text: string,
  source: string,
): { kind: 'jwk'; jwk: Jwk } | { kind: 'jwks'; jwks: Jwks } | { kind: 'pem'; pem: string } {
  const t = text.trim();
  if (t.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      throw ioError(`${source} is not valid JSON (expected a JWK or a JWKS)`);
    }
    if (isObject(parsed) && Array.isArray(parsed.keys)) {
      if (!parsed.keys.every((k) => isObject(k) && typeof k.kty === 'string')) {
        throw ioError(`${source}: every entry of "keys" must be a JWK object with "kty"`);
      }
      return { kind: 'jwks', jwks: parsed as unknown as Jwks };
    }
    if (isObject(parsed) && typeof parsed.kty === 'string') return { kind: 'jwk', jwk: parsed as Jwk };
    throw ioError(`${source} is JSON but neither a JWK (no "kty") nor a JWKS (no "keys")`);
  }
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(t)) return { kind: 'pem', pem: t };
  throw ioError(`${source} is neither PEM nor JWK (HMAC secrets go in --secret-file, never --key)`);
}

/** Imports a PEM or JWK into a KeyObject and its JWK form; any failure is a key error (exit 3). */
export function importAny(
  input: string | Jwk,
  source: string,
  passphrase?: string,
): { key: KeyObject; jwk: Jwk } {
  if (
    typeof input === 'string' &&
    passphrase === undefined &&
    /-----BEGIN (?:ENCRYPTED|RSA PRIVATE KEY-----[\s\S]*Proc-Type: 4,ENCRYPTED)/.test(input)
  ) {
    throw ioError(
      `${source} is an encrypted key: give its passphrase with JWT_KEY_PASSPHRASE or --passphrase-file`,
    );
  }
  let key: KeyObject;
  try {
    key = importKey(input, passphrase === undefined ? {} : { passphrase });
  } catch (err) {
    throw ioError(`${source} is not a usable key: ${errMessage(err)}`, errCode(err));
  }
  let jwk: Jwk;
  try {
    jwk = exportJwk(key);
  } catch (err) {
    throw ioError(`${source}: cannot convert the key to a JWK: ${errMessage(err)}`, errCode(err));
  }
  return { key, jwk };
}

export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
export function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_JW') ? code : undefined;
}

/** Loads a single key file (PEM, JWK or JWKS). */
export async function loadKeyFile(path: string, io: CliIo, passphrase?: string): Promise<LoadedKey> {
  const source = path === '-' ? 'the key on stdin' : `key file ${JSON.stringify(path)}`;
  const text = await readInputText(path, io, 'key file');
  const parsed = parseKeyText(text, source);
  if (parsed.kind === 'jwks') return { kind: 'jwks', jwks: parsed.jwks, algs: jwksAlgs(parsed.jwks), source };
  if (parsed.kind === 'jwk') {
    const j = parsed.jwk as Record<string, unknown>;
    if (j.kty === 'oct') {
      // A symmetric JWK is explicit about being a key; the library enforces its alg/use/length.
      if (typeof j.k !== 'string' || j.k === '') throw ioError(`${source}: an "oct" JWK needs "k"`);
      return {
        kind: 'secret',
        secret: Buffer.from(j.k, 'base64url'),
        jwk: parsed.jwk,
        algs: algsFixedByJwk(parsed.jwk),
        source,
      };
    }
    const { key } = importAny(parsed.jwk, source);
    return { kind: 'key', key, jwk: parsed.jwk, algs: algsFixedByJwk(parsed.jwk), source };
  }
  const { key, jwk } = importAny(parsed.pem, source, passphrase);
  return { kind: 'key', key, jwk, algs: algsFixedByJwk(jwk), source };
}

/** The algorithms a whole key set pins down, or undefined when some key pins nothing (then --alg is needed). */
export function jwksAlgs(jwks: Jwks): Algorithm[] | undefined {
  const out = new Set<Algorithm>();
  for (const k of jwks.keys) {
    const algs = algsFixedByJwk(k);
    if (algs.length === 0) return undefined;
    for (const a of algs) out.add(a);
  }
  return out.size > 0 ? [...out] : undefined;
}

/**
 * The key from the flags, in this order: --key, --jwks, --secret, --secret-file, then JWT_SECRET.
 * Giving two explicit sources is a usage error.
 */
export async function loadKey(
  values: Record<string, unknown>,
  io: CliIo,
  warn: (m: string) => void,
  opts: { allowJwks: boolean; jwksTimeoutMs?: number },
): Promise<LoadedKey | undefined> {
  const secret = values.secret as string | undefined;
  const secretFile = values['secret-file'] as string | undefined;
  const keyFile = values.key as string | undefined;
  const jwks = opts.allowJwks ? (values.jwks as string | undefined) : undefined;
  const given = [
    secret !== undefined && '--secret',
    secretFile !== undefined && '--secret-file',
    keyFile !== undefined && '--key',
    jwks !== undefined && '--jwks',
  ].filter(Boolean);
  if (given.length > 1) throw usageError(`give only one key source, got ${given.join(' and ')}`);
  const encoding = values['secret-encoding'] as string | undefined;
  if (encoding !== undefined && (keyFile !== undefined || jwks !== undefined)) {
    throw usageError('--secret-encoding only applies to --secret, --secret-file and JWT_SECRET');
  }

  const passphraseFile = values['passphrase-file'] as string | undefined;
  if (passphraseFile !== undefined && keyFile === undefined)
    throw usageError('--passphrase-file only applies to --key');
  if (keyFile !== undefined) {
    let passphrase = io.env.JWT_KEY_PASSPHRASE || undefined;
    if (passphraseFile !== undefined) {
      passphrase = (await readInputText(passphraseFile, io, 'passphrase file')).replace(/\r?\n$/, '');
    }
    return loadKeyFile(keyFile, io, passphrase);
  }
  if (jwks !== undefined) {
    if (/^https?:\/\//i.test(jwks)) {
      const set = await fetchJwks(jwks, {
        timeoutMs: opts.jwksTimeoutMs ?? 5000,
        allowHttp: Boolean(values['allow-http']),
      });
      return { kind: 'jwks', jwks: set, algs: jwksAlgs(set), source: `JWKS ${jwks}` };
    }
    const loaded = await loadKeyFile(jwks, io);
    if (loaded.kind !== 'jwks') throw ioError(`${loaded.source} is not a JWKS (expected {"keys": [...]})`);
    return loaded;
  }
  if (secret !== undefined) {
    warn(
      'a secret passed with --secret is visible to other users in `ps` and stays in your shell history; use the JWT_SECRET environment variable or --secret-file',
    );
    return {
      kind: 'secret',
      secret: decodeSecret(secret, encoding, '--secret'),
      source: '--secret',
      algs: [],
    };
  }
  if (secretFile !== undefined) {
    let bytes = await readInputBytes(secretFile, io, 'secret file');
    // One trailing newline (`echo secret > file`) is not part of the secret.
    if (bytes.at(-1) === 0x0a) bytes = bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1);
    const source = `secret file ${JSON.stringify(secretFile)}`;
    if (encoding === undefined || /^utf-?8$/i.test(encoding)) {
      if (bytes.length === 0) throw usageError(`${source} is empty`);
      return { kind: 'secret', secret: Buffer.from(bytes), source, algs: [] };
    }
    return {
      kind: 'secret',
      secret: decodeSecret(bytes.toString('latin1').trim(), encoding, source),
      source,
      algs: [],
    };
  }
  const env = io.env.JWT_SECRET;
  if (env !== undefined && env !== '') {
    return {
      kind: 'secret',
      secret: decodeSecret(env, encoding, 'JWT_SECRET'),
      source: 'JWT_SECRET',
      algs: [],
    };
  }
  return undefined;
}
