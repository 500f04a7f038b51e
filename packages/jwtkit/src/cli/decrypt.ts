import { CONTENT_ENCRYPTION_ALGORITHMS } from '../_lib/jwe-algorithms.js';
import { type ContentEncryptionAlgorithm, decryptJwe, type KeyManagementAlgorithm } from '../index.js';
import { type CommandDef, EXIT, ioError, usageError } from './_command.js';
import { readToken } from './_input.js';
import { algsFixedByKey, keyInputOf, loadJweKey, parseEnc, parseKeyAlg } from './_jwe-cli.js';
import { errCode, errMessage, SECRET_OPTIONS } from './_keys.js';

export const command: CommandDef = {
  meta: {
    name: 'decrypt',
    summary: 'decrypt a JWE with your key; print the plaintext',
    description: [
      'Decrypts a compact JWE (or a flattened/general JSON serialization) and prints the plaintext.',
      'Invalid: exit 1 and one line on stderr (ERR_JWE_DECRYPTION_FAILED for every cryptographic failure).',
      '',
      'The key: --key FILE (a private RSA, EC or X25519/X448 key, PEM or JWK, or an "oct" JWK), or a secret',
      'from --secret-file, --secret or JWT_SECRET (raw key bytes for dir/A*KW, a password for PBES2).',
      '--alg is the allowlist of key management algorithms, required unless the key fixes it (a JWK "alg";',
      'an EC/X25519/X448 key allows the ECDH-ES family). --enc is the allowlist of content encryption',
      'algorithms (default: all six; each is authenticated encryption).',
      'A nested JWT (cty "JWT") is printed as the signed token: check it with `jwtkit verify`.',
    ].join('\n'),
    examples: [
      'jwtkit decrypt --key private.pem --alg RSA-OAEP-256 "$JWE"',
      'jwtkit decrypt --key x25519.json "$JWE" | jwtkit verify --key signer.pub.pem',
      'jwtkit decrypt --alg PBES2-HS512+A256KW --secret-file password.txt --json - < message.jwe',
    ],
  },
  positionals: [{ name: 'JWE', description: 'the JWE, or - to read stdin (default when piped)' }],
  options: {
    ...SECRET_OPTIONS,
    alg: {
      type: 'string',
      short: 'a',
      valueName: 'ALG',
      multiple: true,
      description: 'accepted key management algorithm',
    },
    enc: {
      type: 'string',
      short: 'e',
      valueName: 'ENC',
      multiple: true,
      description: 'accepted content encryption algorithm',
    },
    'max-p2c': { type: 'string', valueName: 'N', description: 'highest PBES2 p2c accepted (default 10000)' },
    json: {
      type: 'boolean',
      short: 'j',
      description: 'machine output: {"header":..,"plaintext":..} (base64url plaintext with "encoding")',
    },
  },
  async run({ values, positionals, io, out, warn }) {
    const text = await readToken(positionals[0], io);
    let jwe: unknown = text;
    if (text.startsWith('{')) {
      try {
        jwe = JSON.parse(text);
      } catch (err) {
        throw usageError(`the JWE looks like JSON but does not parse (${errMessage(err)})`);
      }
    }
    const loaded = await loadJweKey(values, io, warn);
    if (!loaded)
      throw usageError('no key: pass --key FILE, --secret-file FILE, --secret SECRET, or set JWT_SECRET');
    const given = ((values.alg as string[] | undefined) ?? []).map((a) => parseKeyAlg(a));
    const algs: KeyManagementAlgorithm[] = given.length > 0 ? [...new Set(given)] : algsFixedByKey(loaded);
    if (algs.length === 0)
      throw usageError(
        `the key from ${loaded.source} does not fix the algorithm, and the JWE's own "alg" must never choose it: pass --alg`,
      );
    const encs: ContentEncryptionAlgorithm[] = ((values.enc as string[] | undefined) ?? []).map((e) =>
      parseEnc(e),
    );
    let maxPbes2Count: number | undefined;
    if (values['max-p2c'] !== undefined) {
      maxPbes2Count = Number(values['max-p2c']);
      if (!Number.isInteger(maxPbes2Count) || maxPbes2Count <= 0)
        throw usageError('--max-p2c must be a positive integer');
    }
    const pbes2 = algs.some((a) => a.startsWith('PBES2'));
    if (pbes2 && algs.some((a) => !a.startsWith('PBES2')) && loaded.kind === 'secret' && !loaded.jwk)
      throw usageError(
        'a secret is either a password (PBES2) or key bytes: give PBES2 algorithms alone in --alg',
      );
    const key = keyInputOf(loaded, pbes2 ? 'PBES2-HS256+A128KW' : algs[0]);
    let r: ReturnType<typeof decryptJwe>;
    try {
      r = decryptJwe(jwe, key, {
        keyManagementAlgorithms: algs,
        contentEncryptionAlgorithms: encs.length > 0 ? [...new Set(encs)] : CONTENT_ENCRYPTION_ALGORITHMS,
        ...(maxPbes2Count !== undefined ? { maxPbes2Count } : {}),
      });
    } catch (err) {
      const code = errCode(err);
      if (code === 'ERR_JWK_INVALID') throw ioError(errMessage(err), code);
      throw err;
    }
    const utf8 = Buffer.from(r.plaintext.toString('utf8'), 'utf8').equals(r.plaintext);
    if (values.json) {
      out(
        JSON.stringify(
          {
            header: r.header,
            ...(utf8
              ? { plaintext: r.plaintext.toString('utf8') }
              : { plaintext: r.plaintext.toString('base64url'), encoding: 'base64url' }),
            ...(r.aad ? { aad: r.aad.toString('base64url') } : {}),
          },
          null,
          2,
        ),
      );
    } else {
      io.stdout.write(r.plaintext.toString(utf8 ? 'utf8' : 'latin1'));
      if (utf8 && !r.plaintext.toString('utf8').endsWith('\n') && io.isTTY) io.stdout.write('\n');
    }
    if (typeof r.header.cty === 'string' && /^(application\/)?jwt$/i.test(r.header.cty))
      warn(
        'the plaintext is a nested JWT (cty "JWT"): its signature is NOT verified here; use `jwtkit verify`',
      );
    return EXIT.ok;
  },
};
