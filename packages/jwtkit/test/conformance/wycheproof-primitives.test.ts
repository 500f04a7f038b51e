/**
 * Wycheproof signature-primitive vectors through jwtkit's own algorithm layer (`verifyBytes`, the same
 * code `decode` uses after parsing), with the key given as the vector's JWK (PEM where no JWK exists).
 *
 * Result mapping (Wycheproof tests generic primitives; a JWS verifier is narrower):
 * - `valid` -> verifyBytes must return true, EXCEPT where RFC 7518 forbids the parameters, then it must reject:
 *     RSA keys below 2048 bits (RFC 7518 §3.3/§3.5); RSA-PSS with a salt length other than the hash length,
 *     an MGF1 hash other than the signature hash, or a hash other than SHA-256/384/512 (RFC 7518 §3.5);
 *     HMAC tags shorter than the hash output (RFC 7518 §3.2: full-length MACs only) and HMAC keys shorter
 *     than the hash output (RFC 7518 §3.2; the harness uses `strict: true`, the policy for such keys).
 * - `invalid` -> false, or a `JwtError` (e.g. InvalidKeyError for a key jwtkit refuses).
 * - `acceptable` -> either, but never a crash.
 * Any other exception (TypeError, OpenSSL error escaping, ...) is a crash and fails the vector.
 * HMAC being deterministic, `signBytes` must also reproduce the tag of every valid full-length HMAC vector.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type Algorithm, JwtError, signBytes, verifyBytes } from '../../src/index.js';
import { loadJson, printSummary, Tally } from './_corpus.js';

interface Vector {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig?: string;
  tag?: string;
  key?: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface Group {
  type: string;
  sha?: string;
  mgfSha?: string;
  sLen?: number;
  keySize?: number;
  tagSize?: number;
  publicKeyJwk?: Record<string, unknown>;
  keyJwk?: Record<string, unknown>;
  publicKeyPem?: string;
  tests: Vector[];
}
interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: Group[];
}

const tally = new Tally('wycheproof-primitives');
const HASH_BYTES: Record<string, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

type Expect = 'valid' | 'invalid' | 'acceptable';
interface Plan {
  algs: Algorithm[];
  key: unknown;
  expect: Expect;
  mapped?: string;
}

const FILES: Array<{ file: string; plan: (g: Group, v: Vector) => Plan }> = [];

function ecdsa(file: string, alg: Algorithm, sha: string): void {
  FILES.push({
    file,
    plan: (g, v) => ({
      algs: [alg],
      key: stripKid(g.publicKeyJwk) ?? g.publicKeyPem,
      expect: g.sha === sha ? v.result : 'invalid',
    }),
  });
}
ecdsa('ecdsa_secp256r1_sha256_p1363_test.json', 'ES256', 'SHA-256');
ecdsa('ecdsa_secp384r1_sha384_p1363_test.json', 'ES384', 'SHA-384');
ecdsa('ecdsa_secp521r1_sha512_p1363_test.json', 'ES512', 'SHA-512');
ecdsa('ecdsa_secp256k1_sha256_p1363_test.json', 'ES256K', 'SHA-256');
FILES.push({
  file: 'ed25519_test.json',
  plan: (g, v) => ({
    algs: ['EdDSA', 'Ed25519'],
    key: stripKid(g.publicKeyJwk) ?? g.publicKeyPem,
    expect: v.result,
  }),
});
FILES.push({
  file: 'ed448_test.json',
  plan: (g, v) => ({
    algs: ['EdDSA', 'Ed448'],
    key: stripKid(g.publicKeyJwk) ?? g.publicKeyPem,
    expect: v.result,
  }),
});

function rsaPkcs1(file: string): void {
  FILES.push({
    file,
    plan: (g, v) => {
      const alg = `RS${(g.sha ?? '').slice(4)}` as Algorithm;
      const small = (g.keySize ?? 0) < 2048;
      return {
        algs: [alg],
        key: stripKid(g.keyJwk ?? g.publicKeyJwk) ?? g.publicKeyPem,
        expect: small ? 'invalid' : v.result,
        ...(small ? { mapped: 'RSA key < 2048 bits' } : {}),
      };
    },
  });
}
for (const f of ['2048_sha256', '2048_sha384', '2048_sha512', '3072_sha256', '4096_sha256', '4096_sha512'])
  rsaPkcs1(`rsa_signature_${f}_test.json`);

function rsaPss(file: string): void {
  FILES.push({
    file,
    plan: (g, v) => {
      const hLen = HASH_BYTES[g.sha ?? ''];
      // The JWS algorithm a verifier would be configured with for this hash (PS256 for non-JWS hashes).
      const alg = (hLen ? `PS${(g.sha ?? '').slice(4)}` : 'PS256') as Algorithm;
      const reasons: string[] = [];
      if (!hLen) reasons.push(`hash ${g.sha} is not a JWS hash`);
      if (g.mgfSha !== g.sha) reasons.push(`MGF1 hash ${g.mgfSha} != ${g.sha}`);
      if (hLen && g.sLen !== hLen) reasons.push(`salt ${g.sLen} != hash length ${hLen}`);
      if ((g.keySize ?? 0) < 2048) reasons.push('RSA key < 2048 bits');
      const key = stripKid(g.publicKeyJwk) ?? g.publicKeyPem;
      return reasons.length > 0
        ? { algs: [alg], key, expect: 'invalid', mapped: reasons.join('; ') }
        : { algs: [alg], key, expect: v.result };
    },
  });
}
for (const f of [
  '2048_sha256_mgf1_32',
  '2048_sha384_mgf1_48',
  '3072_sha256_mgf1_32',
  '4096_sha256_mgf1_32',
  '4096_sha384_mgf1_48',
  '4096_sha512_mgf1_64',
  'misc',
]) {
  rsaPss(`rsa_pss_${f}_test.json`);
}

function hmac(file: string, alg: Algorithm, bits: number): void {
  FILES.push({
    file,
    plan: (g, v) => {
      const reasons: string[] = [];
      if ((g.tagSize ?? 0) < bits) reasons.push(`truncated ${g.tagSize}-bit tag`);
      if ((g.keySize ?? 0) < bits) reasons.push(`${g.keySize}-bit key < hash output`);
      const key = Buffer.from(v.key ?? '', 'hex');
      return reasons.length > 0
        ? { algs: [alg], key, expect: 'invalid', mapped: reasons.join('; ') }
        : { algs: [alg], key, expect: v.result };
    },
  });
}
hmac('hmac_sha256_test.json', 'HS256', 256);
hmac('hmac_sha384_test.json', 'HS384', 384);
hmac('hmac_sha512_test.json', 'HS512', 512);

/** Wycheproof JWKs carry `kid: "none"`; harmless, but keep the key to what the test is about. */
function stripKid(jwk: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!jwk) return undefined;
  const { kid: _kid, ...rest } = jwk;
  return rest;
}

describe('Wycheproof primitives through verifyBytes (the JWS algorithm layer)', () => {
  after(() => printSummary([tally]));
  for (const { file, plan } of FILES) {
    test(file, () => {
      const data = loadJson<WycheproofFile>(`wycheproof/${file}`);
      const failures: string[] = [];
      let count = 0;
      let mapped = 0;
      let signed = 0;
      for (const g of data.testGroups) {
        for (const v of g.tests) {
          count++;
          const p = plan(g, v);
          if (p.mapped && v.result !== 'invalid') mapped++;
          const msg = Buffer.from(v.msg, 'hex');
          const sig = Buffer.from(v.sig ?? v.tag ?? '', 'hex');
          let problem: string | null = null;
          for (const alg of p.algs) {
            let verdict: 'valid' | 'invalid';
            try {
              verdict = verifyBytes(alg, p.key as never, msg, sig, { strict: true }) ? 'valid' : 'invalid';
            } catch (error) {
              if (!(error instanceof JwtError)) {
                problem = `${alg}: crashed with ${(error as Error)?.name}: ${(error as Error)?.message}`;
                break;
              }
              verdict = 'invalid';
            }
            if (p.expect !== 'acceptable' && verdict !== p.expect) {
              problem = `${alg}: expected ${p.expect}${p.mapped ? ` (${p.mapped})` : ''}, got ${verdict} [${v.comment}]`;
              break;
            }
            // HMAC is deterministic: for valid full-length vectors the signing side must produce the tag itself.
            if (!problem && alg.startsWith('HS') && p.expect === 'valid') {
              try {
                const tag = signBytes(alg, p.key as never, msg, { strict: true });
                if (!tag.equals(sig)) problem = `${alg}: signBytes produced a different tag [${v.comment}]`;
                else signed++;
              } catch (error) {
                problem = `${alg}: signBytes threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
              }
            }
          }
          if (problem) {
            failures.push(`tcId ${v.tcId}: ${problem}`);
            tally.fail(`${file}#${v.tcId}`, problem, file);
          } else {
            tally.pass(file);
          }
        }
      }
      assert.equal(count, data.numberOfTests, `${file}: ran ${count} of ${data.numberOfTests} vectors`);
      if (file.startsWith('hmac_'))
        assert.ok(signed >= 25, `${file}: only ${signed} tags reproduced by signBytes`);
      assert.deepEqual(
        failures.slice(0, 25),
        [],
        `${file}: ${failures.length} failures (${mapped} valid vectors mapped to reject)`,
      );
    });
  }
});
