import { writeFile } from 'node:fs/promises';
import type { Jwk } from '../index.js';
import { exportJwk, exportPem, generateKeyPair, generateSecret } from '../index.js';
import { type CommandDef, EXIT, ioError, usageError } from './_command.js';
import { publicJwkOf, publicPath, thumbprintOf } from './_jwk-util.js';
import { defaultOf, familyList, isHmac, parseAlg } from './_keys.js';

async function writeNew(path: string, text: string, mode: number, force: boolean): Promise<void> {
  try {
    await writeFile(path, text, { mode, flag: force ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw ioError(`${JSON.stringify(path)} already exists (use --force to overwrite)`);
    throw ioError(`cannot write ${JSON.stringify(path)}: ${code ?? (err as Error).message}`);
  }
}

export const command: CommandDef = {
  meta: {
    name: 'keygen',
    summary: 'generate a key pair or an HMAC secret (JWK or PEM)',
    description: [
      `ALG is the algorithm the key is for: ${familyList('hmac')} (a random secret of the hash size), RS*/PS*`,
      '(RSA, --bits, default 2048), ES256/ES384/ES512/ES256K, EdDSA or Ed25519 (Ed25519), Ed448.',
      '',
      'Without --out the private key goes to stdout: as a JWK (default; it holds the public part too)',
      'or as PEM (PKCS#8 private key followed by the SPKI public key). With --out FILE the private key',
      'is written to FILE (mode 600) and the public key next to it (key.json -> key.pub.json); existing',
      'files are kept unless --force. JWKs get "alg", "use": "sig" and a "kid" (default: the RFC 7638',
      'thumbprint). HMAC secrets have no PEM form: use --format jwk or --format base64url.',
    ].join('\n'),
    examples: [
      'jwtkit keygen ES256 --out es256.json && jwtkit jwks es256.pub.json > jwks.json',
      'jwtkit keygen RS256 --format pem --bits 3072 --out rsa.pem',
      'jwtkit keygen EdDSA --kid 2026-11',
      `export JWT_SECRET=$(jwtkit keygen ${defaultOf('hmac')} --format base64url)  # then --secret-encoding base64url`,
    ],
  },
  positionals: [{ name: 'ALG', description: 'the algorithm the key is for', required: true }],
  options: {
    kid: { type: 'string', valueName: 'KID', description: 'key id (default: the JWK thumbprint)' },
    format: {
      type: 'string',
      short: 'f',
      valueName: 'FORMAT',
      description: 'jwk (default), pem, or base64url (HMAC only)',
    },
    out: {
      type: 'string',
      short: 'o',
      valueName: 'FILE',
      description: 'write the private key to FILE and the public key to FILE.pub',
    },
    bits: { type: 'string', valueName: 'N', description: 'RSA modulus length (default 2048, at least 2048)' },
    force: { type: 'boolean', description: 'overwrite existing --out files' },
  },
  async run({ values, positionals, out, io }) {
    const alg = parseAlg(positionals[0]!, 'ALG');
    const format = ((values.format as string | undefined) ?? 'jwk').toLowerCase();
    if (format !== 'jwk' && format !== 'pem' && format !== 'base64url') {
      throw usageError(`--format must be jwk, pem or base64url, got ${JSON.stringify(values.format)}`);
    }
    const kidGiven = values.kid as string | undefined;
    const outPath = values.out as string | undefined;
    const force = Boolean(values.force);
    const done = (what: string): void => {
      io.stderr.write(`jwtkit keygen: ${what}\n`);
    };

    if (isHmac(alg)) {
      if (values.bits !== undefined) throw usageError('--bits is for RSA keys');
      if (format === 'pem')
        throw usageError('an HMAC secret has no PEM form: use --format jwk or --format base64url');
      const secret = generateSecret(alg);
      let text: string;
      if (format === 'base64url') text = `${secret.toString('base64url')}\n`;
      else {
        const jwk: Record<string, unknown> = { kty: 'oct', k: secret.toString('base64url') };
        jwk.kid = kidGiven ?? thumbprintOf(jwk as Jwk);
        jwk.alg = alg;
        jwk.use = 'sig';
        text = `${JSON.stringify(jwk, null, 2)}\n`;
      }
      if (outPath === undefined) io.stdout.write(text);
      else {
        await writeNew(outPath, text, 0o600, force);
        done(`wrote the ${alg} secret to ${outPath} (keep it private; it signs and verifies)`);
      }
      return EXIT.ok;
    }

    if (format === 'base64url') throw usageError('--format base64url is for HMAC secrets; use jwk or pem');
    let modulusLength: number | undefined;
    if (values.bits !== undefined) {
      if (!alg.startsWith('RS') && !alg.startsWith('PS')) throw usageError('--bits is for RSA keys');
      modulusLength = Number(values.bits);
      if (!Number.isInteger(modulusLength) || modulusLength < 2048 || modulusLength > 16384) {
        throw usageError('--bits must be an integer from 2048 to 16384');
      }
    }
    const { privateKey, publicKey } = generateKeyPair(
      alg,
      modulusLength !== undefined ? { modulusLength } : undefined,
    );
    let privText: string;
    let pubText: string;
    if (format === 'pem') {
      if (kidGiven !== undefined)
        throw usageError('--kid only applies to --format jwk (PEM has no place for it)');
      privText = exportPem(privateKey);
      pubText = exportPem(publicKey);
      if (!privText.endsWith('\n')) privText += '\n';
      if (!pubText.endsWith('\n')) pubText += '\n';
    } else {
      const pub = publicJwkOf(publicKey, undefined, 'the public key') as Record<string, unknown>;
      const kid = kidGiven ?? thumbprintOf(pub as Jwk);
      const meta = { kid, alg, use: 'sig' };
      privText = `${JSON.stringify({ ...exportJwk(privateKey), ...meta }, null, 2)}\n`;
      pubText = `${JSON.stringify({ ...pub, ...meta }, null, 2)}\n`;
    }
    if (outPath === undefined) {
      out(format === 'pem' ? `${privText}${pubText}`.trimEnd() : privText.trimEnd());
      return EXIT.ok;
    }
    const pubPath = publicPath(outPath);
    await writeNew(outPath, privText, 0o600, force);
    await writeNew(pubPath, pubText, 0o644, force);
    done(`wrote the ${alg} private key to ${outPath} (mode 600) and the public key to ${pubPath}`);
    return EXIT.ok;
  },
};
