import { explainToken } from '../explain.js';
import type { Algorithm, VerifyKey } from '../index.js';
import { decodeComplete } from '../index.js';
import { type CommandDef, EXIT, usageError } from './_command.js';
import { parseNow, parseSeconds, readToken } from './_input.js';
import {
  algorithmsOf,
  defaultOf,
  errCode,
  errMessage,
  familyList,
  isHmac,
  loadKey,
  minHmacBytes,
  parseAlg,
  SECRET_OPTIONS,
} from './_keys.js';

/** The default HMAC algorithm (first of its family in the one table), for help texts. */
const HS = defaultOf('hmac');

const HMAC_WITHOUT_ALG =
  'an HMAC secret does not say which algorithm it is for, and the token\'s own "alg" header must never ' +
  `choose it (that is how algorithm-confusion attacks work): pass --alg ${HS} (or ${algorithmsOf('hmac').slice(1).join('/')})`;

export const command: CommandDef = {
  meta: {
    name: 'verify',
    summary: "verify a token's signature and claims; print the payload",
    description: [
      'Checks the signature, then exp/nbf (with --leeway) and any --iss/--aud/--sub/--max-age/--require.',
      'Valid: exit 0 and the payload as JSON on stdout. Invalid: exit 1 and one line on stderr with the',
      'error code (ERR_JWS_SIGNATURE_INVALID, ERR_JWT_EXPIRED, ...) and the reason.',
      '',
      'The key: --key FILE (PEM or JWK), --jwks FILE|URL, --secret-file, --secret or JWT_SECRET.',
      '--alg is the allowlist of algorithms and is required unless the key fixes it: a JWK with "alg",',
      'an EC key (P-256 -> ES256, P-384 -> ES384, P-521 -> ES512, secp256k1 -> ES256K), an Ed25519 or',
      'Ed448 key (EdDSA), or a JWKS whose every key does. With an HMAC secret and no --alg the command',
      'exits 2: the algorithm must come from you, never from the token header. RSA keys need --alg too',
      '(RS* or PS*).',
    ].join('\n'),
    examples: [
      `JWT_SECRET=mysecret123 jwtkit verify --alg ${HS} "$TOKEN"`,
      'jwtkit verify --key public.pem --alg RS256 --iss https://auth.example.com --aud api "$TOKEN"',
      'jwtkit verify --key es256.pub.json "$TOKEN"            # EC P-256 key: ES256 implied',
      'jwtkit verify --jwks https://auth.example.com/.well-known/jwks.json --alg RS256 "$TOKEN"',
      `jwtkit verify --secret-file secret.txt --alg ${HS} --leeway 30 --max-age 1h --json - < token.txt`,
    ],
  },
  positionals: [{ name: 'TOKEN', description: 'the token, or - to read stdin (default when piped)' }],
  options: {
    ...SECRET_OPTIONS,
    jwks: {
      type: 'string',
      valueName: 'FILE|URL',
      description: 'a JWK Set file, or an http(s) URL to fetch it from',
    },
    'allow-http': {
      type: 'boolean',
      description: 'allow --jwks over plain http to a non-loopback host (keys can be substituted in transit)',
    },
    'jwks-timeout': {
      type: 'string',
      valueName: 'MS',
      description: 'timeout for fetching --jwks URL (default 5000)',
    },
    alg: { type: 'string', short: 'a', valueName: 'ALG', multiple: true, description: 'accepted algorithm' },
    iss: {
      type: 'string',
      short: 'i',
      valueName: 'ISS',
      multiple: true,
      description: 'required issuer (any of)',
    },
    aud: { type: 'string', valueName: 'AUD', multiple: true, description: 'required audience (any of)' },
    sub: { type: 'string', valueName: 'SUB', description: 'required subject' },
    typ: { type: 'string', valueName: 'TYP', description: 'required "typ" header, e.g. at+jwt' },
    require: {
      type: 'string',
      valueName: 'CLAIM',
      multiple: true,
      description: 'claim that must be present (e.g. exp)',
    },
    leeway: {
      type: 'string',
      short: 'l',
      valueName: 'SECONDS',
      description: 'clock skew allowed for exp/nbf/iat (e.g. 30, 1m)',
    },
    'max-age': {
      type: 'string',
      valueName: 'AGE',
      description: 'reject tokens issued (iat) longer ago than AGE (e.g. 1h)',
    },
    now: {
      type: 'string',
      valueName: 'TIME',
      description: 'verify as of this moment (epoch seconds or ISO date)',
    },
    json: {
      type: 'boolean',
      short: 'j',
      description:
        'machine output: {"valid":true,"header":..,"payload":..} or {"valid":false,"code":..,"error":..}',
    },
    quiet: { type: 'boolean', short: 'q', description: 'no warnings on stderr' },
  },
  async run({ values, positionals, io, out, warn: rawWarn }) {
    const warn = values.quiet ? () => {} : rawWarn;
    const token = await readToken(positionals[0], io);
    const given = ((values.alg as string[] | undefined) ?? []).map((a) => parseAlg(a));
    const timeoutText = values['jwks-timeout'] as string | undefined;
    let jwksTimeoutMs = 5000;
    if (timeoutText !== undefined) {
      jwksTimeoutMs = Number(timeoutText);
      if (!Number.isInteger(jwksTimeoutMs) || jwksTimeoutMs <= 0) {
        throw usageError('--jwks-timeout must be a positive number of milliseconds');
      }
    }
    const nowSeconds = parseNow(values.now as string | undefined);
    const leeway =
      values.leeway !== undefined ? parseSeconds(values.leeway as string, '--leeway') : undefined;
    const maxAge =
      values['max-age'] !== undefined ? parseSeconds(values['max-age'] as string, '--max-age') : undefined;

    const loaded = await loadKey(values, io, warn, { allowJwks: true, jwksTimeoutMs });
    if (!loaded)
      throw usageError(
        'no key: pass --key FILE, --jwks FILE|URL, --secret-file FILE, --secret SECRET, or set JWT_SECRET',
      );

    let algorithms: Algorithm[];
    if (given.length > 0) algorithms = [...new Set(given)];
    else if (loaded.algs && loaded.algs.length > 0) algorithms = loaded.algs;
    else if (loaded.kind === 'secret') throw usageError(HMAC_WITHOUT_ALG);
    else if (loaded.kind === 'jwks') {
      throw usageError(
        `some keys in ${loaded.source} have no "alg" or curve that fixes the algorithm: pass --alg`,
      );
    } else {
      throw usageError(
        `an RSA key can verify RS256/RS384/RS512/PS256/PS384/PS512: pass --alg to say which one to accept`,
      );
    }

    let key: VerifyKey;
    if (loaded.kind === 'secret') {
      if (!algorithms.every(isHmac)) {
        throw usageError(
          `a secret only verifies ${familyList('hmac')}; --alg ${algorithms.filter((a) => !isHmac(a)).join(', ')} needs --key or --jwks`,
        );
      }
      const weakest = Math.max(...algorithms.map(minHmacBytes));
      if (loaded.secret.length < weakest) {
        warn(
          `the HMAC secret is only ${loaded.secret.length} bytes (RFC 7518 §3.2 asks for at least ${weakest}); short secrets can be brute-forced offline from any token`,
        );
      }
      key = loaded.jwk ?? loaded.secret;
    } else if (loaded.kind === 'jwks') key = loaded.jwks;
    else key = loaded.key;

    const audience = values.aud as string[] | undefined;
    const issuer = values.iss as string[] | undefined;
    let result: { header: Record<string, unknown>; payload: unknown };
    try {
      result = decodeComplete(token, key, {
        algorithms,
        now: new Date(nowSeconds * 1000),
        ...(audience ? { audience: audience.length === 1 ? audience[0]! : audience } : {}),
        ...(issuer ? { issuer: issuer.length === 1 ? issuer[0]! : issuer } : {}),
        ...(values.sub !== undefined ? { subject: values.sub as string } : {}),
        ...(values.typ !== undefined ? { typ: values.typ as string } : {}),
        ...(values.require ? { requiredClaims: values.require as string[] } : {}),
        ...(leeway !== undefined ? { leeway } : {}),
        ...(maxAge !== undefined ? { maxAge } : {}),
      }) as unknown as { header: Record<string, unknown>; payload: unknown };
    } catch (err) {
      if (errCode(err) === 'ERR_JWT_AUDIENCE_INVALID' && audience === undefined && err instanceof Error) {
        err.message += ' (pass --aud with the audience you expect)';
      }
      if (values.json) {
        out(JSON.stringify({ valid: false, code: errCode(err) ?? 'ERR_JWT', error: errMessage(err) }));
      }
      throw err;
    }
    if (values.json)
      out(JSON.stringify({ valid: true, header: result.header, payload: result.payload }, null, 2));
    else out(JSON.stringify(result.payload, null, 2));
    // The token is valid; still say what is risky about it (no exp, long lifetime, jku...).
    for (const w of explainToken(token, { now: nowSeconds }).warnings) {
      if (w.code === 'expired' || w.code === 'not-yet-valid') continue;
      warn(`${w.message} (${w.code})`);
    }
    return EXIT.ok;
  },
};
