/** The one table of algorithm facts. Everything else looks algorithms up here; no scattered `if`s. */

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
}

const hs = (name: HmacAlgorithm, bits: 256 | 384 | 512): AlgorithmInfo => ({
  name,
  family: 'hmac',
  hash: `sha${bits}`,
  hashBytes: bits / 8,
  curves: [],
  signatureBytes: bits / 8,
});
const rs = (name: RsaAlgorithm | RsaPssAlgorithm, bits: 256 | 384 | 512): AlgorithmInfo => ({
  name,
  family: name.startsWith('PS') ? 'rsa-pss' : 'rsa',
  hash: `sha${bits}`,
  hashBytes: bits / 8,
  curves: [],
  signatureBytes: 0,
});
const es = (name: EcAlgorithm, bits: 256 | 384 | 512, curve: CurveName, sigBytes: number): AlgorithmInfo => ({
  name,
  family: 'ecdsa',
  hash: `sha${bits}`,
  hashBytes: bits / 8,
  curves: [curve],
  signatureBytes: sigBytes,
});
const ed = (name: EdAlgorithm, curves: CurveName[], sigBytes: number): AlgorithmInfo => ({
  name,
  family: 'eddsa',
  hash: null,
  hashBytes: 0,
  curves,
  signatureBytes: sigBytes,
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

export function isAlgorithm(name: unknown): name is Algorithm {
  return algorithmInfo(name) !== undefined;
}

/** RSA keys below this size are refused for every RS and PS algorithm (RFC 7518 §3.3, §3.5). */
export const MIN_RSA_BITS = 2048;
/** Raw (non-JWK) HMAC secrets shorter than this are always refused; shorter than the hash, a warning. */
export const MIN_HMAC_SECRET_BYTES = 8;

// ---- Added by the page work (issue 15), additive: where each algorithm is specified, so that explain,
// the CLI's help and the page describe algorithms from this table instead of keeping their own lists.
/** The RFC (and section, when it has one) that defines each algorithm name. */
export const ALGORITHM_SPECS: Readonly<
  Record<Algorithm, { readonly rfc: number; readonly section: string | null }>
> = Object.freeze({
  HS256: { rfc: 7518, section: '3.2' },
  HS384: { rfc: 7518, section: '3.2' },
  HS512: { rfc: 7518, section: '3.2' },
  RS256: { rfc: 7518, section: '3.3' },
  RS384: { rfc: 7518, section: '3.3' },
  RS512: { rfc: 7518, section: '3.3' },
  PS256: { rfc: 7518, section: '3.5' },
  PS384: { rfc: 7518, section: '3.5' },
  PS512: { rfc: 7518, section: '3.5' },
  ES256: { rfc: 7518, section: '3.4' },
  ES384: { rfc: 7518, section: '3.4' },
  ES512: { rfc: 7518, section: '3.4' },
  ES256K: { rfc: 8812, section: '3.2' },
  EdDSA: { rfc: 8037, section: '3.1' },
  Ed25519: { rfc: 9864, section: null },
  Ed448: { rfc: 9864, section: null },
});
