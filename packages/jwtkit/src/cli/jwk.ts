import type { Jwk } from '../index.js';
import { type CommandDef, EXIT, ioError, usageError } from './_command.js';
import { readInputText } from './_input.js';
import { publicJwkOf, thumbprintOf } from './_jwk-util.js';
import { importAny, parseKeyText } from './_keys.js';

export const command: CommandDef = {
  meta: {
    name: 'jwk',
    summary: 'convert a PEM key to a JWK, or print its thumbprint',
    description: [
      'Reads a PEM (or JWK) key from FILE (`-` for stdin) and prints it as a JWK. A private key stays',
      'private unless --public. --thumbprint prints only the RFC 7638 thumbprint (base64url of the',
      'SHA-256 of the required public members), the usual "kid".',
    ].join('\n'),
    examples: [
      'jwtkit jwk private.pem --public --kid k1',
      'jwtkit jwk public.pem --thumbprint',
      'cat key.json | jwtkit jwk - --thumbprint --hash sha512',
    ],
  },
  positionals: [{ name: 'FILE', description: 'a PEM or JWK file, or - for stdin', required: true }],
  options: {
    public: { type: 'boolean', short: 'p', description: 'print only the public key' },
    thumbprint: {
      type: 'boolean',
      short: 't',
      description: 'print the RFC 7638 thumbprint instead of the JWK',
    },
    hash: {
      type: 'string',
      valueName: 'HASH',
      description: 'thumbprint hash: sha256 (default), sha384, sha512',
    },
    kid: {
      type: 'string',
      valueName: 'KID',
      description: 'set "kid" (use --kid-thumbprint to use the thumbprint)',
    },
    'kid-thumbprint': { type: 'boolean', description: 'set "kid" to the SHA-256 thumbprint' },
    alg: { type: 'string', valueName: 'ALG', description: 'set "alg"' },
    use: { type: 'string', valueName: 'USE', description: 'set "use" (sig or enc)' },
  },
  async run({ values, positionals, io, out }) {
    const path = positionals[0]!;
    const hash = ((values.hash as string | undefined) ?? 'sha256').toLowerCase();
    if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') {
      throw usageError('--hash must be sha256, sha384 or sha512');
    }
    if (values.kid !== undefined && values['kid-thumbprint'])
      throw usageError('give --kid or --kid-thumbprint, not both');
    const source = path === '-' ? 'the key on stdin' : `key file ${JSON.stringify(path)}`;
    const parsed = parseKeyText(await readInputText(path, io, 'key file'), source);
    if (parsed.kind === 'jwks') throw ioError(`${source} is a JWKS; jwtkit jwk takes one key`);
    let jwk: Record<string, unknown>;
    if (parsed.kind === 'jwk' && (parsed.jwk as { kty?: unknown }).kty === 'oct') {
      if (values.public) throw ioError(`${source} is a symmetric key: it has no public part`);
      jwk = { ...(parsed.jwk as Record<string, unknown>) };
    } else {
      const input = parsed.kind === 'pem' ? parsed.pem : parsed.jwk;
      const { key, jwk: exported } = importAny(input, source);
      const meta = parsed.kind === 'jwk' ? parsed.jwk : undefined;
      jwk = values.public
        ? (publicJwkOf(key, meta, source) as Record<string, unknown>)
        : { ...(exported as Record<string, unknown>), ...pick(meta) };
    }
    if (values.thumbprint) {
      out(thumbprintOf(jwk as Jwk, hash));
      return EXIT.ok;
    }
    if (values['kid-thumbprint']) jwk.kid = thumbprintOf(jwk as Jwk);
    if (values.kid !== undefined) jwk.kid = values.kid;
    if (values.alg !== undefined) jwk.alg = values.alg;
    if (values.use !== undefined) {
      if (values.use !== 'sig' && values.use !== 'enc') throw usageError('--use must be sig or enc');
      jwk.use = values.use;
    }
    out(JSON.stringify(jwk, null, 2));
    return EXIT.ok;
  },
};

function pick(meta: Jwk | undefined): Record<string, unknown> {
  if (!meta) return {};
  const m = meta as Record<string, unknown>;
  const outp: Record<string, unknown> = {};
  for (const k of ['kid', 'use', 'alg', 'key_ops']) if (m[k] !== undefined) outp[k] = m[k];
  return outp;
}
