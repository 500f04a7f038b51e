/**
 * Shared by `jwtkit encrypt`, `jwtkit decrypt` and the JWE part of `jwtkit decode`: algorithm names, the
 * key a command was given (same flags as the signing commands: --key FILE, --secret, --secret-file,
 * JWT_SECRET), and an explanation of a JWE's header and parts without decrypting it.
 */
import { CONTENT_ENCRYPTION_ALGORITHMS, KEY_MANAGEMENT_ALGORITHMS } from '../_lib/jwe-algorithms.js';
import { parseJweUnverified } from '../_lib/jwe-core.js';
import { asymmetricKeyEntry } from '../_lib/keys.js';
import type { ContentEncryptionAlgorithm, KeyInput, KeyManagementAlgorithm } from '../index.js';
import { type CliIo, ioError, type Painter, usageError } from './_command.js';
import { readInputText } from './_input.js';
import { errMessage, type LoadedKey, loadKey, parseKeyText } from './_keys.js';

const KTY = new Map([
  ['rsa', 'RSA'],
  ['ec', 'EC'],
  ['x25519', 'OKP'],
  ['x448', 'OKP'],
]);
const CRV = new Map([
  ['x25519', 'X25519'],
  ['x448', 'X448'],
]);

/**
 * The key of a JWE command. `--key FILE` is read here (not by the signing commands' loader, which only
 * takes signing keys): a JWK is passed to the library as it is (its use/alg/key_ops are enforced there), a
 * PEM is parsed once into a KeyObject (X25519/X448 included). Secrets come from the shared loader.
 */
export async function loadJweKey(
  values: Record<string, unknown>,
  io: CliIo,
  warn: (m: string) => void,
): Promise<LoadedKey | undefined> {
  const keyFile = values.key as string | undefined;
  if (keyFile === undefined) return loadKey(values, io, warn, { allowJwks: false });
  for (const flag of ['secret', 'secret-file'])
    if (values[flag] !== undefined) throw usageError(`give only one key source, got --key and --${flag}`);
  const source = keyFile === '-' ? 'the key on stdin' : `key file ${JSON.stringify(keyFile)}`;
  const parsed = parseKeyText(await readInputText(keyFile, io, 'key file'), source);
  if (parsed.kind === 'jwks') throw usageError(`${source} is a key set: pass one key`);
  if (parsed.kind === 'jwk') {
    const j = parsed.jwk as Record<string, unknown>;
    if (j.kty === 'oct') {
      if (typeof j.k !== 'string' || j.k === '') throw ioError(`${source}: an "oct" JWK needs "k"`);
      return { kind: 'secret', secret: Buffer.from(j.k, 'base64url'), jwk: parsed.jwk, algs: [], source };
    }
    return { kind: 'key', key: parsed.jwk, jwk: parsed.jwk, algs: [], source };
  }
  let passphrase = io.env.JWT_KEY_PASSPHRASE || undefined;
  const pf = values['passphrase-file'] as string | undefined;
  if (pf !== undefined) passphrase = (await readInputText(pf, io, 'passphrase file')).replace(/\r?\n$/, '');
  try {
    const entry = asymmetricKeyEntry(parsed.pem, passphrase);
    const jwk = {
      kty: KTY.get(entry.type) ?? entry.type,
      ...(entry.curve || CRV.has(entry.type) ? { crv: entry.curve ?? CRV.get(entry.type) } : {}),
    };
    return { kind: 'key', key: entry.key, jwk: jwk as never, algs: [], source };
  } catch (err) {
    throw ioError(`${source} is not a usable key: ${errMessage(err)}`, 'ERR_JWK_INVALID');
  }
}

export function parseKeyAlg(value: string, flag = '--alg'): KeyManagementAlgorithm {
  const found = KEY_MANAGEMENT_ALGORITHMS.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (found === 'RSA1_5')
    throw usageError(`${flag} RSA1_5 is not offered by the CLI (Bleichenbacher attacks): use RSA-OAEP-256`);
  if (found) return found;
  throw usageError(
    `unknown key management algorithm ${JSON.stringify(value)} for ${flag}; one of: ${KEY_MANAGEMENT_ALGORITHMS.filter((a) => a !== 'RSA1_5').join(', ')}`,
  );
}

export function parseEnc(value: string, flag = '--enc'): ContentEncryptionAlgorithm {
  const found = CONTENT_ENCRYPTION_ALGORITHMS.find((a) => a.toLowerCase() === value.trim().toLowerCase());
  if (found) return found;
  throw usageError(
    `unknown content encryption algorithm ${JSON.stringify(value)} for ${flag}; one of: ${CONTENT_ENCRYPTION_ALGORITHMS.join(', ')}`,
  );
}

const ECDH_FAMILY: KeyManagementAlgorithm[] = [
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
];

/** The key management algorithms a loaded key fixes by itself: a JWK's JWE `alg`, or an ECDH key's family. */
export function algsFixedByKey(loaded: LoadedKey): KeyManagementAlgorithm[] {
  const jwk = (loaded.kind === 'jwks' ? undefined : loaded.jwk) as Record<string, unknown> | undefined;
  if (jwk && typeof jwk.alg === 'string') {
    const a = KEY_MANAGEMENT_ALGORITHMS.find((x) => x === jwk.alg);
    return a && a !== 'RSA1_5' ? [a] : [];
  }
  if (loaded.kind === 'key') {
    const kty = (loaded.jwk as { kty?: unknown }).kty;
    const crv = (loaded.jwk as { crv?: unknown }).crv;
    if (kty === 'EC' && (crv === 'P-256' || crv === 'P-384' || crv === 'P-521')) return ECDH_FAMILY;
    if (kty === 'OKP' && (crv === 'X25519' || crv === 'X448')) return ECDH_FAMILY;
  }
  return [];
}

/** What to pass to the library for a loaded key (a JWK keeps its use/alg/key_ops constraints). */
export function keyInputOf(loaded: LoadedKey, alg: KeyManagementAlgorithm | undefined): KeyInput {
  if (loaded.kind === 'jwks') throw usageError(`${loaded.source} is a key set: pass one key with --key`);
  if (loaded.kind === 'secret') {
    if (loaded.jwk) return loaded.jwk;
    // A secret from --secret/--secret-file/JWT_SECRET: text is a PBES2 password, bytes otherwise.
    return alg?.startsWith('PBES2') ? loaded.secret.toString('utf8') : new Uint8Array(loaded.secret);
  }
  return loaded.key;
}

export interface JweExplanation {
  serialization: 'compact';
  parts: { name: string; base64url: string; bytes: number | null; note: string }[];
  alg: { name: string; description: string } | null;
  enc: { name: string; description: string } | null;
  notes: string[];
  problems: string[];
}

const KM_TEXT: Record<string, string> = {
  dir: 'direct: the shared key is the content encryption key (no encrypted key)',
  'RSA-OAEP': 'RSAES-OAEP with SHA-1 wraps a random CEK to the RSA public key',
  'RSA-OAEP-256': 'RSAES-OAEP with SHA-256 wraps a random CEK to the RSA public key',
  'RSA-OAEP-384': 'RSAES-OAEP with SHA-384 wraps a random CEK to the RSA public key',
  'RSA-OAEP-512': 'RSAES-OAEP with SHA-512 wraps a random CEK to the RSA public key',
  RSA1_5: 'RSAES-PKCS1-v1_5 (open to Bleichenbacher attacks: refused unless explicitly allowed)',
  'ECDH-ES': 'ECDH-ES key agreement with the ephemeral key "epk"; Concat KDF gives the CEK directly',
};
function kmText(alg: string): string {
  if (Object.hasOwn(KM_TEXT, alg)) return KM_TEXT[alg] as string;
  let m = /^A(128|192|256)KW$/.exec(alg);
  if (m) return `AES-${m[1]} key wrap (RFC 3394) of a random CEK with the shared key`;
  m = /^A(128|192|256)GCMKW$/.exec(alg);
  if (m) return `AES-${m[1]}-GCM wrap of a random CEK with the shared key ("iv" and "tag" in the header)`;
  m = /^ECDH-ES\+A(128|192|256)KW$/.exec(alg);
  if (m)
    return `ECDH-ES key agreement with the ephemeral key "epk", then AES-${m[1]} key wrap of a random CEK`;
  m = /^PBES2-HS(256|384|512)\+A(128|192|256)KW$/.exec(alg);
  if (m) return `a password: PBKDF2-HMAC-SHA${m[1]} ("p2s" salt, "p2c" iterations) then AES-${m[2]} key wrap`;
  return 'not a JWE key management algorithm jwtkit knows';
}
function encText(enc: string): string {
  let m = /^A(128|192|256)GCM$/.exec(enc);
  if (m) return `AES-${m[1]}-GCM authenticated encryption (96-bit IV, 128-bit tag)`;
  m = /^A(128|192|256)CBC-HS(256|384|512)$/.exec(enc);
  if (m) return `AES-${m[1]}-CBC encryption with an HMAC-SHA${m[2]} tag (encrypt-then-MAC, RFC 7518 §5.2)`;
  return 'not a JWE content encryption algorithm jwtkit knows';
}

/** Explains a compact JWE (5 parts) without any key: what each part is and whether its size fits. */
export function explainJwe(token: string): JweExplanation {
  const segs = token.split('.');
  const names = [
    'protected header',
    'encrypted key',
    'initialization vector',
    'ciphertext',
    'authentication tag',
  ];
  const size = (s: string | undefined) => {
    if (s === undefined || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
    return Buffer.from(s, 'base64url').length;
  };
  let header: Record<string, unknown> | null = null;
  const problems: string[] = [];
  try {
    header = parseJweUnverified(token).protectedHeader as Record<string, unknown> | null;
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
    try {
      header = JSON.parse(Buffer.from(segs[0] ?? '', 'base64url').toString('utf8'));
    } catch {
      header = null;
    }
  }
  const alg = typeof header?.alg === 'string' ? header.alg : null;
  const enc = typeof header?.enc === 'string' ? header.enc : null;
  const notes: string[] = [];
  const ek = size(segs[1]);
  const ivBytes = size(segs[2]);
  const tagBytes = size(segs[4]);
  const partNote = [
    'JSON, integrity-protected (it is the AAD of the content encryption)',
    alg === 'dir' || alg === 'ECDH-ES'
      ? `empty for ${alg}`
      : 'the CEK, encrypted or wrapped for the recipient',
    enc?.includes('GCM') ? 'must be 96 bits for AES-GCM' : enc ? 'must be 128 bits for AES-CBC' : '',
    'the encrypted (and, with zip, compressed) plaintext',
    enc?.includes('GCM')
      ? 'must be 128 bits for AES-GCM'
      : enc
        ? 'the truncated HMAC, half of the MAC output'
        : '',
  ];
  const parts = names.map((name, i) => ({
    name,
    base64url: segs[i] ?? '',
    bytes: size(segs[i]),
    note: partNote[i] ?? '',
  }));
  if (header?.zip === 'DEF')
    notes.push(
      'zip "DEF": the plaintext was DEFLATE-compressed before encryption; decrypt limits the inflated size',
    );
  if (typeof header?.p2c === 'number')
    notes.push(
      `PBES2 iterations p2c = ${header.p2c}${header.p2c > 10_000 ? ' (above the default decryption cap of 10,000)' : ''}`,
    );
  const epk = header?.epk as { kty?: unknown; crv?: unknown } | undefined;
  if (epk && typeof epk === 'object')
    notes.push(
      `ephemeral public key (epk): ${String(epk.kty)} ${String(epk.crv)}; it must be on the recipient key's curve`,
    );
  if (header?.cty !== undefined && /^(application\/)?jwt$/i.test(String(header.cty)))
    notes.push('cty "JWT": a nested JWT (signed, then encrypted); decrypt, then verify the inner signature');
  if (alg === 'RSA1_5') notes.push('RSA1_5 is refused by jwtkit unless explicitly allowed (Bleichenbacher)');
  if (ek !== null && ek > 0 && (alg === 'dir' || alg === 'ECDH-ES'))
    problems.push(`${alg} must have an empty encrypted key`);
  if (ivBytes !== null && enc !== null) {
    const want = enc.includes('GCM') ? 12 : 16;
    if (ivBytes !== want) problems.push(`the IV is ${ivBytes} bytes; ${enc} needs ${want}`);
  }
  if (tagBytes !== null && enc !== null) {
    const m = /HS(256|384|512)$/.exec(enc);
    const want = m ? Number(m[1]) / 16 : 16;
    if (tagBytes !== want) problems.push(`the tag is ${tagBytes} bytes; ${enc} needs ${want}`);
  }
  return {
    serialization: 'compact',
    parts,
    alg: alg === null ? null : { name: alg, description: kmText(alg) },
    enc: enc === null ? null : { name: enc, description: encText(enc) },
    notes,
    problems: [...new Set(problems)],
  };
}

/** The explanation as text lines for `jwtkit decode`. */
export function renderJwe(x: JweExplanation, c: Painter): string {
  const lines = ['', '', c.cyan(c.bold('JWE'))];
  if (x.alg) lines.push(`  ${c.bold('alg')}  ${x.alg.name}: ${x.alg.description}`);
  if (x.enc) lines.push(`  ${c.bold('enc')}  ${x.enc.name}: ${x.enc.description}`);
  for (const p of x.parts)
    lines.push(
      `  ${c.bold(p.name.padEnd(21))} ${p.bytes === null ? 'not base64url' : `${p.bytes} bytes`}${p.note ? c.dim(`  ${p.note}`) : ''}`,
    );
  for (const n of x.notes) lines.push(`  ${c.dim('-')} ${n}`);
  for (const p of x.problems) lines.push(`  ${c.red('x')} ${p}`);
  lines.push(`  ${c.dim('decrypt it with: jwtkit decrypt --key FILE (or --secret-file) TOKEN')}`);
  return lines.join('\n');
}
