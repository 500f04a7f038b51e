import { encodeEncrypted, encryptJwe, type KeyManagementAlgorithm } from '../index.js';
import { type CommandDef, EXIT, ioError, usageError } from './_command.js';
import { parsePair, readInputBytes, readStdin, stdinIsTTY } from './_input.js';
import { algsFixedByKey, keyInputOf, loadJweKey, parseEnc, parseKeyAlg } from './_jwe-cli.js';
import { errCode, errMessage, SECRET_OPTIONS } from './_keys.js';

export const command: CommandDef = {
  meta: {
    name: 'encrypt',
    summary: 'encrypt data (or JWT claims) as a JWE for a recipient key',
    description: [
      'Encrypts PLAINTEXT (text, @FILE, or - / a pipe for stdin) as a compact JWE (--json: flattened JSON).',
      'With --claims the plaintext must be a JSON object and becomes an encrypted JWT (typ JWT).',
      '',
      "The recipient's key: --key FILE (a public RSA, EC P-256/384/521 or X25519/X448 key, PEM or JWK; or",
      'an "oct" JWK for dir / A*KW / A*GCMKW), or a secret from --secret-file, --secret or JWT_SECRET:',
      'raw key bytes for dir and A*KW (use --secret-encoding base64url/hex), a password for PBES2.',
      '--alg defaults to the key\'s: a JWK "alg", ECDH-ES+A256KW for an EC/X25519/X448 key, RSA-OAEP-256 for',
      'an RSA key; with a secret, pass it. --enc defaults to A256GCM.',
    ].join('\n'),
    examples: [
      'jwtkit encrypt --key recipient.pub.pem "secret message"',
      'jwtkit encrypt --key x25519.pub.json --claims \'{"sub":"u1"}\'',
      'JWT_SECRET=$(jwtkit keygen A256KW --raw) jwtkit encrypt --alg A256KW --secret-encoding base64url @data.bin',
      'jwtkit encrypt --alg PBES2-HS512+A256KW --secret-file password.txt --zip @notes.txt',
    ],
  },
  positionals: [{ name: 'PLAINTEXT', description: 'text, @FILE, or - (stdin; default when piped)' }],
  options: {
    ...SECRET_OPTIONS,
    alg: {
      type: 'string',
      short: 'a',
      valueName: 'ALG',
      description: 'key management algorithm (see above)',
    },
    enc: {
      type: 'string',
      short: 'e',
      valueName: 'ENC',
      description: 'content encryption (default A256GCM)',
    },
    kid: { type: 'string', valueName: 'KID', description: 'key id header (`kid`) of the recipient key' },
    header: {
      type: 'string',
      short: 'H',
      valueName: 'K=V',
      multiple: true,
      description: 'extra protected header parameter, JSON-typed value',
    },
    zip: { type: 'boolean', description: 'compress the plaintext (zip "DEF") before encrypting' },
    claims: { type: 'boolean', description: 'the plaintext is a JSON claims set: make an encrypted JWT' },
    p2c: { type: 'string', valueName: 'N', description: 'PBES2 iteration count (default 10000)' },
    json: { type: 'boolean', short: 'j', description: 'output the flattened JSON serialization' },
  },
  async run({ values, positionals, io, out, warn }) {
    const arg = positionals[0];
    let data: Buffer;
    if (arg === undefined || arg === '-') {
      if (arg === undefined && (io.stdin === undefined || stdinIsTTY(io)))
        throw usageError('no plaintext given (pass it, @FILE, or pipe it)');
      data = Buffer.from(await readStdin(io, 'plaintext'), 'utf8');
    } else if (arg.startsWith('@')) data = await readInputBytes(arg.slice(1), io, 'plaintext file');
    else data = Buffer.from(arg, 'utf8');

    const loaded = await loadJweKey(values, io, warn);
    if (!loaded)
      throw usageError('no key: pass --key FILE, --secret-file FILE, --secret SECRET, or set JWT_SECRET');
    let alg: KeyManagementAlgorithm | undefined =
      values.alg !== undefined ? parseKeyAlg(values.alg as string) : undefined;
    if (alg === undefined) {
      const fixed = algsFixedByKey(loaded);
      if (fixed.length === 1) alg = fixed[0];
      else if (fixed.includes('ECDH-ES+A256KW')) alg = 'ECDH-ES+A256KW';
      else if (loaded.kind === 'key' && (loaded.jwk as { kty?: unknown }).kty === 'RSA') alg = 'RSA-OAEP-256';
      else
        throw usageError(
          `cannot tell the key management algorithm from ${loaded.source}: pass --alg (e.g. A256KW, dir, PBES2-HS512+A256KW)`,
        );
    }
    const enc = parseEnc((values.enc as string | undefined) ?? 'A256GCM');
    const headers: Record<string, unknown> = {};
    for (const h of (values.header as string[] | undefined) ?? []) {
      const [k, v] = parsePair(h, '--header');
      headers[k] = v;
    }
    const kid = values.kid as string | undefined;
    if (
      kid === undefined &&
      loaded.kind !== 'jwks' &&
      typeof (loaded.jwk as { kid?: unknown } | undefined)?.kid === 'string'
    )
      headers.kid = (loaded.jwk as { kid: string }).kid;
    let p2c: number | undefined;
    if (values.p2c !== undefined) {
      p2c = Number(values.p2c);
      if (!Number.isInteger(p2c) || p2c < 1000) throw usageError('--p2c must be an integer of at least 1000');
    }
    const key = keyInputOf(loaded, alg);
    const common = {
      alg: alg as KeyManagementAlgorithm,
      enc,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(kid !== undefined ? { keyId: kid } : {}),
      ...(values.zip ? { zip: 'DEF' as const } : {}),
      ...(p2c !== undefined ? { p2c } : {}),
    };
    try {
      if (values.claims) {
        if (values.json)
          throw usageError('--claims makes a compact encrypted JWT; it does not combine with --json');
        let claims: unknown;
        try {
          claims = JSON.parse(data.toString('utf8'));
        } catch (err) {
          throw usageError(`--claims: the plaintext is not JSON (${errMessage(err)})`);
        }
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
          throw usageError('--claims: the plaintext must be a JSON object');
        out(encodeEncrypted(claims, key, { ...common, headers: { typ: 'JWT', ...headers } }));
      } else if (values.json) {
        out(JSON.stringify(encryptJwe(data, key, { ...common, serialization: 'flattened' })));
      } else {
        out(encryptJwe(data, key, common));
      }
    } catch (err) {
      const code = errCode(err);
      if (code === 'ERR_JWK_INVALID') throw ioError(errMessage(err), code);
      throw err;
    }
    return EXIT.ok;
  },
};
