/**
 * One Wycheproof JWE vector through the public JWE API (shared by test/jwe/vectors.test.ts and the
 * conformance harness). The application is configured the way the vector's key says: its `alg` is the one
 * allowed key management algorithm (a `dir` key may name its `enc`, RFC 7520 Figure 136), every `enc` is
 * allowed. Returns null when the outcome is right, else why not.
 *
 * - valid: decrypts (to `pt` when the vector has one). RSA1_5 keys are the exception: RSA1_5 is refused by
 *   default (Bleichenbacher), so those valid vectors must be refused (listing RSA1_5 without `unsafeAllowRsa1_5` is an InvalidOptionsError).
 * - invalid: a JwtError (anything else is a crash), with `unsafeAllowRsa1_5` on for RSA1_5 keys so that the
 *   padding checks themselves are exercised where the runtime still allows PKCS#1 v1.5 decryption.
 * - `JsonSerialization` (a valid JSON serialization, "invalid" for compact-only APIs): the compact API (a
 *   string, and decodeEncrypted) refuses it; the same JWE as an object decrypts.
 */
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  decodeEncrypted,
  decryptJwe,
  InvalidOptionsError,
  JwtError,
  type KeyManagementAlgorithm,
} from '../../src/index.js';

export interface WycheproofJweVector {
  tcId: number;
  comment: string;
  flags: string[];
  jwe?: unknown;
  pt?: string;
  result: string;
}

const ENCS = CONTENT_ENCRYPTION_ALGORITHMS as readonly string[];

function attempt(fn: () => unknown): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const what = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export function checkWycheproofJwe(key: Record<string, unknown>, v: WycheproofJweVector): string | null {
  const keyAlg = String(key.alg);
  const alg = (ENCS.includes(keyAlg) ? 'dir' : keyAlg) as KeyManagementAlgorithm;
  const opts = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: CONTENT_ENCRYPTION_ALGORITHMS };
  const rsa15 = alg === 'RSA1_5';
  if (v.flags.includes('JsonSerialization')) {
    const text = typeof v.jwe === 'string' ? v.jwe : JSON.stringify(v.jwe);
    const asString = attempt(() => decryptJwe(text, key as never, opts));
    if (asString.ok || !(asString.error instanceof JwtError))
      return `a JSON serialization as a string: ${asString.ok ? 'accepted' : what(asString.error)}`;
    const compact = attempt(() => decodeEncrypted(text, key as never, opts));
    if (compact.ok || !(compact.error instanceof JwtError))
      return `decodeEncrypted: ${compact.ok ? 'accepted' : what(compact.error)}`;
    const obj = attempt(() => decryptJwe(JSON.parse(text), key as never, opts));
    if (!obj.ok) return `the JSON serialization object did not decrypt: ${what(obj.error)}`;
    return null;
  }
  if (v.result === 'valid') {
    if (rsa15) {
      const r = attempt(() => decryptJwe(v.jwe, key as never, opts));
      return !r.ok && r.error instanceof InvalidOptionsError
        ? null
        : `RSA1_5 must be refused by default: ${r.ok ? 'accepted' : what(r.error)}`;
    }
    const r = attempt(() => decryptJwe(v.jwe, key as never, opts));
    if (!r.ok) return `expected valid: ${what(r.error)}`;
    const pt = (r.value as { plaintext: Buffer }).plaintext.toString('hex');
    if (v.pt !== undefined && pt !== v.pt)
      return `decrypted to ${pt.slice(0, 40)}, expected ${v.pt.slice(0, 40)}`;
    return null;
  }
  const r = attempt(() =>
    decryptJwe(v.jwe, key as never, rsa15 ? { ...opts, unsafeAllowRsa1_5: true } : opts),
  );
  if (r.ok) return 'expected invalid: decrypted';
  if (!(r.error instanceof JwtError)) return `crash: ${what(r.error)}`;
  return null;
}
