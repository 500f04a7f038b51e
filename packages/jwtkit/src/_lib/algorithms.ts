/** The one table of algorithm facts. Everything else looks algorithms up here; no scattered `if`s. */
import { InvalidAlgorithmError, type JwtError, UnsupportedAlgorithmError } from '../errors.js';
import { quote } from './text.js';

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
export type RsaAlgorithm = 'RS256' | 'RS384' | 'RS512';
export type RsaPssAlgorithm = 'PS256' | 'PS384' | 'PS512';
export type EcAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'ES256K';
export type EdAlgorithm = 'EdDSA' | 'Ed25519' | 'Ed448';
export type Algorithm = HmacAlgorithm | RsaAlgorithm | RsaPssAlgorithm | EcAlgorithm | EdAlgorithm;

export type AlgorithmFamily = 'hmac' | 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa';
export type HashName = 'sha256' | 'sha384' | 'sha512';
export type CurveName = 'P-256' | 'P-384' | 'P-521' | 'secp256k1' | 'Ed25519' | 'Ed448';

export interface AlgorithmInfo {
  readonly name: Algorithm;
  readonly family: AlgorithmFamily;
  /** Hash for the signature; null for EdDSA (the curve fixes it). */
  readonly hash: HashName | null;
  /** Hash output length in bytes (HMAC minimum key size, PSS salt length). */
  readonly hashBytes: number;
  /** EC/OKP curves this algorithm may use. */
  readonly curves: readonly CurveName[];
  /** Exact JWS signature length in bytes, where fixed (ECDSA r||s, EdDSA, HMAC). 0 = depends on the key. */
  readonly signatureBytes: number;
  /** The JWK `kty` of its keys (RFC 7518 §6, RFC 8037 §2). */
  readonly kty: 'oct' | 'RSA' | 'EC' | 'OKP';
  /** One line for people (CLI help, explain, the web page). */
  readonly description: string;
  /** The RFC (and section) that defines it, and its address. */
  readonly spec: string;
  readonly specUrl: string;
  /** WebCrypto parameters (importKey / sign / verify), or null where WebCrypto has no such algorithm. */
  readonly webcrypto: WebCryptoParams | null;
}

/** How the WebCrypto backend names an algorithm: `importKey` parameters and `sign`/`verify` parameters. */
export interface WebCryptoParams {
  readonly importParams: Readonly<{ name: string; hash?: string; namedCurve?: string }>;
  readonly signParams: Readonly<{ name: string; hash?: string; saltLength?: number }>;
}

const SHA = (bits: number) => `SHA-${bits}`;
const rfc = (n: number, section: string) => ({
  spec: `RFC ${n} §${section}`,
  specUrl: `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}`,
});

/** RSA keys below this size are refused for every RS and PS algorithm (RFC 7518 §3.3, §3.5). */
export const MIN_RSA_BITS = 2048;
/** Raw (non-JWK) HMAC secrets shorter than this are always refused; shorter than the hash, a warning. */
export const MIN_HMAC_SECRET_BYTES = 8;

const hs = (name: HmacAlgorithm, bits: 256 | 384 | 512): AlgorithmInfo => ({
  name,
  family: 'hmac',
  hash: `sha${bits}`,
  hashBytes: bits / 8,
  curves: [],
  signatureBytes: bits / 8,
  kty: 'oct',
  description: `HMAC using SHA-${bits} (shared secret)`,
  ...rfc(7518, '3.2'),
  webcrypto: { importParams: { name: 'HMAC', hash: SHA(bits) }, signParams: { name: 'HMAC' } },
});
const rs = (name: RsaAlgorithm | RsaPssAlgorithm, bits: 256 | 384 | 512): AlgorithmInfo => ({
  name,
  family: name.startsWith('PS') ? 'rsa-pss' : 'rsa',
  hash: `sha${bits}`,
  hashBytes: bits / 8,
  curves: [],
  signatureBytes: 0,
  kty: 'RSA',
  description: name.startsWith('PS')
    ? `RSASSA-PSS using SHA-${bits} and MGF1 with SHA-${bits} (RSA key pair)`
    : `RSASSA-PKCS1-v1_5 using SHA-${bits} (RSA key pair)`,
  ...rfc(7518, name.startsWith('PS') ? '3.5' : '3.3'),
  webcrypto: name.startsWith('PS')
    ? {
        importParams: { name: 'RSA-PSS', hash: SHA(bits) },
        signParams: { name: 'RSA-PSS', saltLength: bits / 8 },
      }
    : {
        importParams: { name: 'RSASSA-PKCS1-v1_5', hash: SHA(bits) },
        signParams: { name: 'RSASSA-PKCS1-v1_5' },
      },
});
const es = (name: EcAlgorithm, bits: 256 | 384 | 512, curve: CurveName, sigBytes: number): AlgorithmInfo => ({
  name,
  family: 'ecdsa',
  hash: `sha${bits}`,
  hashBytes: bits / 8,
  curves: [curve],
  signatureBytes: sigBytes,
  kty: 'EC',
  description: `ECDSA using ${curve} and SHA-${bits} (elliptic-curve key pair)`,
  ...(name === 'ES256K' ? rfc(8812, '3.2') : rfc(7518, '3.4')),
  // WebCrypto has no secp256k1.
  webcrypto:
    curve === 'secp256k1'
      ? null
      : {
          importParams: { name: 'ECDSA', namedCurve: curve },
          signParams: { name: 'ECDSA', hash: SHA(bits) },
        },
});
const ed = (name: EdAlgorithm, curves: CurveName[], sigBytes: number): AlgorithmInfo => ({
  name,
  family: 'eddsa',
  hash: null,
  hashBytes: 0,
  curves,
  signatureBytes: sigBytes,
  kty: 'OKP',
  description:
    name === 'EdDSA'
      ? 'Edwards-curve signature, Ed25519 or Ed448 (key pair)'
      : `EdDSA using the ${curves[0]} curve (key pair)`,
  ...(name === 'EdDSA'
    ? rfc(8037, '3.1')
    : { spec: 'RFC 9864', specUrl: 'https://www.rfc-editor.org/rfc/rfc9864' }),
  // WebCrypto has Ed25519 (browsers, Deno, Bun, workerd, Node) but not Ed448 outside Node. The EdDSA
  // name is bound to Ed25519 there: an Ed448 key is refused with UnsupportedAlgorithmError.
  webcrypto: curves.includes('Ed25519')
    ? { importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } }
    : null,
});

const TABLE: Readonly<Record<Algorithm, AlgorithmInfo>> = {
  HS256: hs('HS256', 256),
  HS384: hs('HS384', 384),
  HS512: hs('HS512', 512),
  RS256: rs('RS256', 256),
  RS384: rs('RS384', 384),
  RS512: rs('RS512', 512),
  PS256: rs('PS256', 256),
  PS384: rs('PS384', 384),
  PS512: rs('PS512', 512),
  ES256: es('ES256', 256, 'P-256', 64),
  ES384: es('ES384', 384, 'P-384', 96),
  ES512: es('ES512', 512, 'P-521', 132),
  ES256K: es('ES256K', 256, 'secp256k1', 64),
  // RFC 8037 EdDSA (curve from the key), and the fully specified names of RFC 9864.
  EdDSA: ed('EdDSA', ['Ed25519', 'Ed448'], 0),
  Ed25519: ed('Ed25519', ['Ed25519'], 64),
  Ed448: ed('Ed448', ['Ed448'], 114),
};

export const ALGORITHMS: readonly Algorithm[] = Object.freeze(Object.keys(TABLE) as Algorithm[]);

/** Looks an algorithm up by exact, case-sensitive name. `undefined` for anything else (incl. `none`). */
export function algorithmInfo(name: unknown): AlgorithmInfo | undefined {
  return typeof name === 'string' && Object.hasOwn(TABLE, name) ? TABLE[name as Algorithm] : undefined;
}

/** Every algorithm with its facts, in table order (for CLI help, explain and the page). */
export function algorithmTable(): readonly AlgorithmInfo[] {
  return ALGORITHMS.map((a) => TABLE[a]);
}

export function isAlgorithm(name: unknown): name is Algorithm {
  return algorithmInfo(name) !== undefined;
}

/**
 * The error for an algorithm name that is not in the table, given in options: `none` (any case) is the
 * classic attack configuration and stays an InvalidAlgorithmError (as in PyJWT); any other unknown name is
 * a misconfiguration, UnsupportedAlgorithmError.
 */
export function unknownAlgorithm(name: unknown, what = 'Unsupported algorithm'): JwtError {
  if (typeof name === 'string' && name.toLowerCase() === 'none')
    return new InvalidAlgorithmError('alg "none" is never accepted: tokens must be signed');
  return new UnsupportedAlgorithmError(`${what}: ${quote(name, 20)}`);
}
