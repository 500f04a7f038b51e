import type { Algorithm, KeyInput } from '../index.js';
import { encode, encodeUnsecured } from '../index.js';
import { type CommandDef, EXIT, ioError, usageError } from './_command.js';
import {
  parseClaimTime,
  parseNow,
  parsePair,
  readInputText,
  readStdin,
  stdinIsTTY,
  truncate,
} from './_input.js';
import {
  defaultOf,
  defaultSigningAlg,
  errCode,
  errMessage,
  familyList,
  isHmac,
  loadKey,
  minHmacBytes,
  parseAlg,
  SECRET_OPTIONS,
} from './_keys.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parsePayloadJson(text: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(`${source} is not valid JSON (${errMessage(err)})`);
  }
  if (!isObject(value))
    throw usageError(
      `${source} must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  return value;
}

const STRING_CLAIMS = new Set(['iss', 'sub', 'jti', 'aud']);

export const command: CommandDef = {
  meta: {
    name: 'encode',
    summary: 'create a signed JWT from JSON or key=value claims',
    description: [
      'PAYLOAD is a JSON object, @FILE (a JSON file), - (JSON on stdin), or key=value pairs whose values',
      'are JSON-typed: user_id=101 is a number, admin=true a boolean, name=alice a string (iss, sub, jti',
      'and aud always stay strings: sub=101 is "101"). A JSON object or @FILE may be followed by key=value',
      'pairs, which override it. With no PAYLOAD and a pipe, stdin is read. Claims from flags (--exp,',
      '--iss, ...) override the payload. No iat is added unless --iat (PyJWT-compatible output).',
      '',
      'The key comes from --key FILE (PEM or JWK), --secret-file, --secret or the JWT_SECRET variable.',
      `--alg defaults to ${defaultOf('hmac')} for a secret and to the key's own algorithm for a key (JWK "alg", EC curve,`,
      'Ed25519 -> EdDSA, RSA -> RS256). The token is printed with a newline.',
      '',
      'Times (--exp, --nbf): a duration from now (900, 15m, 1h, 7d, -5m) or an absolute time',
      '(@1700000000 or 2026-01-01T00:00:00Z). --now fixes the clock for reproducible tokens.',
    ].join('\n'),
    examples: [
      'jwtkit encode --secret mysecret123 \'{"user_id":101,"username":"alice","role":"admin"}\'',
      'JWT_SECRET=mysecret123 jwtkit encode user_id=101 username=alice role=admin',
      'jwtkit encode --secret-file secret.txt --exp 15m --iat --iss https://api.example.com --sub 101',
      'jwtkit encode --key es256.json --kid k1 @claims.json scope=read',
      'echo \'{"sub":"42"}\' | jwtkit encode --key private.pem --alg PS256 --header typ=at+jwt',
    ],
  },
  positionals: [
    { name: 'PAYLOAD', description: 'JSON object, @FILE, - (stdin), or key=value pairs', variadic: true },
  ],
  options: {
    ...SECRET_OPTIONS,
    alg: {
      type: 'string',
      short: 'a',
      valueName: 'ALG',
      description: `signing algorithm (default: ${defaultOf('hmac')}, or the key's own)`,
    },
    header: {
      type: 'string',
      short: 'H',
      valueName: 'K=V',
      multiple: true,
      description: 'extra header parameter, JSON-typed value',
    },
    kid: {
      type: 'string',
      valueName: 'KID',
      description: 'key id header (`kid`); with a JWKS in --key, picks the key',
    },
    exp: {
      type: 'string',
      short: 'e',
      valueName: 'TIME',
      description: 'expiry: duration from now (15m) or absolute time',
    },
    nbf: {
      type: 'string',
      short: 'n',
      valueName: 'TIME',
      description: 'not before: duration from now or absolute time',
    },
    iat: { type: 'boolean', description: 'add an issued-at claim (`iat`) with the current time' },
    iss: { type: 'string', short: 'i', valueName: 'ISS', description: 'issuer claim' },
    aud: {
      type: 'string',
      valueName: 'AUD',
      multiple: true,
      description: 'audience claim (twice or more gives an array)',
    },
    sub: { type: 'string', valueName: 'SUB', description: 'subject claim' },
    jti: { type: 'string', valueName: 'JTI', description: 'token id claim' },
    now: {
      type: 'string',
      valueName: 'TIME',
      description: 'the current time, epoch seconds or ISO date (default: the clock)',
    },
    unsecured: {
      type: 'boolean',
      description: 'make an unsigned token (`alg: none`, for tests only; no key)',
    },
  },
  async run({ values, positionals, io, out, warn }) {
    // 1. The payload.
    let payload: Record<string, unknown> = {};
    let pairs = positionals;
    const first = positionals[0];
    if (first === undefined) {
      if (io.stdin !== undefined && !stdinIsTTY(io)) {
        payload = parsePayloadJson(await readStdin(io, 'payload'), 'the payload on stdin');
      } else {
        throw usageError(
          'no payload given: pass a JSON object, @FILE, key=value pairs, or pipe JSON on stdin',
        );
      }
    } else if (first === '-') {
      payload = parsePayloadJson(await readStdin(io, 'payload'), 'the payload on stdin');
      pairs = positionals.slice(1);
    } else if (first.startsWith('@')) {
      const path = first.slice(1);
      payload = parsePayloadJson(
        await readInputText(path, io, 'payload file'),
        `payload file ${JSON.stringify(path)}`,
      );
      pairs = positionals.slice(1);
    } else if (first.trimStart().startsWith('{')) {
      payload = parsePayloadJson(first, 'the payload argument');
      pairs = positionals.slice(1);
    }
    for (const arg of pairs) {
      if (arg === '-' || arg.startsWith('@') || arg.trimStart().startsWith('{')) {
        throw usageError(
          `a JSON payload, @FILE or - must come first, before key=value pairs (got ${JSON.stringify(truncate(arg))})`,
        );
      }
      const [k, v] = parsePair(arg, 'a payload claim');
      // iss, sub, jti and aud are StringOrURI (RFC 7519 §4.1): `sub=101` means the string "101".
      payload[k] =
        STRING_CLAIMS.has(k) && (typeof v === 'number' || typeof v === 'boolean')
          ? arg.slice(k.length + 1)
          : v;
    }

    // 2. Claims from flags.
    const now = parseNow(values.now as string | undefined);
    const setClaim = (name: string, value: unknown): void => {
      payload[name] = value;
    };
    if (values.iss !== undefined) setClaim('iss', values.iss);
    if (values.sub !== undefined) setClaim('sub', values.sub);
    const aud = values.aud as string[] | undefined;
    if (aud !== undefined) setClaim('aud', aud.length === 1 ? aud[0] : aud);
    if (values.jti !== undefined) setClaim('jti', values.jti);
    if (values.iat) setClaim('iat', now);
    if (values.nbf !== undefined) setClaim('nbf', parseClaimTime(values.nbf as string, now, '--nbf'));
    if (values.exp !== undefined) setClaim('exp', parseClaimTime(values.exp as string, now, '--exp'));
    for (const name of ['exp', 'nbf', 'iat'] as const) {
      const v = payload[name];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
        throw usageError(
          `the "${name}" claim must be a number of seconds since the epoch (NumericDate), got ${JSON.stringify(v)}`,
        );
      }
    }

    // 3. Header.
    const headers: Record<string, unknown> = {};
    for (const h of (values.header as string[] | undefined) ?? []) {
      const [k, v] = parsePair(h, '--header');
      if (k === 'alg') throw usageError('set the algorithm with --alg, not --header alg=...');
      headers[k] = v;
    }
    const kid = values.kid as string | undefined;

    if (values.unsecured) {
      if (values.alg !== undefined && String(values.alg).toLowerCase() !== 'none') {
        throw usageError('--unsecured makes an alg "none" token; drop --alg');
      }
      if (values.secret !== undefined || values['secret-file'] !== undefined || values.key !== undefined) {
        throw usageError('--unsecured takes no key');
      }
      warn('this token is unsigned (alg "none"): anyone can forge it; never accept one in production');
      if (kid !== undefined) headers.kid = kid;
      out(encodeUnsecured(payload, Object.keys(headers).length > 0 ? { headers } : undefined));
      return EXIT.ok;
    }

    // 4. Key and algorithm.
    const loaded = await loadKey(values, io, warn, { allowJwks: false });
    if (!loaded) {
      throw usageError('no key: pass --key FILE, --secret-file FILE, --secret SECRET, or set JWT_SECRET');
    }
    let keyInput: KeyInput;
    let alg: Algorithm | undefined = values.alg !== undefined ? parseAlg(values.alg as string) : undefined;
    if (loaded.kind === 'jwks') {
      const candidates =
        kid === undefined
          ? loaded.jwks.keys
          : loaded.jwks.keys.filter((k) => (k as { kid?: unknown }).kid === kid);
      if (candidates.length !== 1) {
        throw usageError(
          kid === undefined
            ? `${loaded.source} holds ${loaded.jwks.keys.length} keys: pick one with --kid`
            : `${loaded.source} has ${candidates.length === 0 ? 'no' : 'several'} keys with kid ${JSON.stringify(kid)}`,
        );
      }
      const jwk = candidates[0]!;
      keyInput = jwk;
      const fixed = (jwk as { alg?: unknown }).alg;
      alg ??= typeof fixed === 'string' ? parseAlg(fixed, 'the JWK "alg"') : undefined;
    } else if (loaded.kind === 'secret') {
      keyInput = loaded.jwk ?? loaded.secret;
      alg ??= loaded.algs[0] ?? defaultOf('hmac');
    } else {
      keyInput = loaded.key;
      alg ??= defaultSigningAlg(loaded);
      // A kid from the JWK is carried into the header unless --kid overrides it.
      const jwkKid = (loaded.jwk as { kid?: unknown }).kid;
      if (kid === undefined && typeof jwkKid === 'string') headers.kid = jwkKid;
    }
    if (alg === undefined) throw usageError(`cannot tell the algorithm from ${loaded.source}: pass --alg`);
    if (loaded.kind === 'secret' && !isHmac(alg)) {
      throw usageError(
        `--alg ${alg} needs a private key (--key FILE); a secret only works with ${familyList('hmac')}`,
      );
    }
    if (loaded.kind === 'secret' && loaded.secret.length < minHmacBytes(alg)) {
      warn(
        `the ${alg} secret is ${loaded.secret.length} bytes; RFC 7518 §3.2 asks for at least ${minHmacBytes(alg)} (try: jwtkit keygen ${alg})`,
      );
    }

    try {
      const token = encode(payload, keyInput, {
        algorithm: alg,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(kid !== undefined ? { keyId: kid } : {}),
      });
      out(token);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ERR_JWK_INVALID') throw ioError(errMessage(err), code);
      throw err;
    }
    return EXIT.ok;
  },
};
