// Every contender of the library bench, each used the way its docs recommend for speed
// (keys imported once, signer/verifier created once), plus the "how most users call it" string-key path.
import { createRequire } from 'node:module';
import { createSigner as fjCreateSigner, createVerifier as fjCreateVerifier } from 'fast-jwt';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { AUDIENCE, type BenchAlg, ISSUER, type KeySet, keysFor, LIFETIME } from './fixtures.js';
import { rawSigner, rawVerifier, withClaims } from './raw.js';

export type Lib = 'raw' | 'jwtkit' | 'jose' | 'jsonwebtoken' | 'fast-jwt' | '@node-rs/jsonwebtoken';
export type Op = 'sign' | 'verify';

export interface Contender {
  /** Unique label, e.g. `jwtkit createVerifier (key)`. */
  id: string;
  lib: Lib;
  /** `string`: secret string / PEM string passed on every call; `key`: imported once. */
  input: 'string' | 'key';
  /** Verification cache enabled. */
  cached?: boolean;
  /** The jwtkit contender the targets are judged on. */
  primary?: boolean;
  sign?: (payload: Record<string, unknown>) => unknown;
  verify?: (token: string) => unknown;
}

/** The subset of the jwtkit API the bench uses (structural, so the bench compiles before jwtkit lands). */
export interface JwtkitApi {
  encode(payload: object, key: unknown, options?: Record<string, unknown>): string;
  decode(token: string, key: unknown, options: Record<string, unknown>): Record<string, unknown>;
  createSigner(key: unknown, options?: Record<string, unknown>): (payload: object) => string;
  createVerifier(key: unknown, options: Record<string, unknown>): (token: string) => Record<string, unknown>;
}

let jwtkitApi: JwtkitApi | null | undefined;
let jwtkitLoadError = '';
/** Loads the built jwtkit (packages/jwtkit/dist). Null (with a reason) when it does not export the API yet. */
export async function loadJwtkit(): Promise<JwtkitApi | null> {
  if (jwtkitApi !== undefined) return jwtkitApi;
  try {
    const m = (await import('jwtkit')) as Record<string, unknown>;
    const missing = ['encode', 'decode', 'createSigner', 'createVerifier'].filter(
      (n) => typeof m[n] !== 'function',
    );
    if (missing.length) {
      jwtkitLoadError = `jwtkit dist does not export ${missing.join(', ')} yet`;
      jwtkitApi = null;
    } else jwtkitApi = m as unknown as JwtkitApi;
  } catch (e) {
    jwtkitLoadError = `cannot import jwtkit: ${(e as Error).message}`;
    jwtkitApi = null;
  }
  return jwtkitApi;
}
export function jwtkitUnavailableReason(): string {
  return jwtkitLoadError;
}

interface NodeRs {
  signSync(
    claims: Record<string, unknown>,
    key: string | Uint8Array,
    header?: { algorithm?: string },
  ): string;
  verifySync(token: string, key: string | Uint8Array, validation?: Record<string, unknown>): unknown;
}
let nodeRs: NodeRs | null | undefined;
export function loadNodeRs(): NodeRs | null {
  if (nodeRs !== undefined) return nodeRs;
  try {
    nodeRs = createRequire(import.meta.url)('@node-rs/jsonwebtoken') as NodeRs;
  } catch {
    nodeRs = null;
  }
  return nodeRs;
}

const iatNow = () => Math.floor(Date.now() / 1000);

async function joseKeys(
  ks: KeySet,
): Promise<{ sign: jose.CryptoKey | Uint8Array; verify: jose.CryptoKey | Uint8Array }> {
  if (ks.alg === 'HS256') {
    const secret = new TextEncoder().encode(ks.signString);
    return { sign: secret, verify: secret };
  }
  return {
    sign: await jose.importPKCS8(ks.signString, ks.alg),
    verify: await jose.importSPKI(ks.verifyString, ks.alg),
  };
}

export async function buildContenders(alg: BenchAlg, op: Op): Promise<Contender[]> {
  const ks = keysFor(alg);
  const out: Contender[] = [];
  const jk = await loadJwtkit();
  const rs = loadNodeRs();
  const jk_sign_opts = {
    algorithm: alg,
    issuedAt: true,
    expiresIn: LIFETIME,
    issuer: ISSUER,
    audience: AUDIENCE,
  };
  const jk_verify_opts = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
  const jkeys = await joseKeys(ks);

  if (op === 'sign') {
    out.push({ id: 'raw node:crypto', lib: 'raw', input: 'key', sign: rawSigner(ks) });
    if (jk) {
      const signer = jk.createSigner(ks.signKey, jk_sign_opts);
      out.push({ id: 'jwtkit createSigner (key)', lib: 'jwtkit', input: 'key', primary: true, sign: signer });
      out.push({
        id: 'jwtkit encode (key)',
        lib: 'jwtkit',
        input: 'key',
        sign: (p) => jk.encode(p, ks.signKey, jk_sign_opts),
      });
      out.push({
        id: 'jwtkit encode (string)',
        lib: 'jwtkit',
        input: 'string',
        sign: (p) => jk.encode(p, ks.signString, jk_sign_opts),
      });
    }
    out.push({
      id: 'jose SignJWT (key)',
      lib: 'jose',
      input: 'key',
      sign: (p) =>
        new jose.SignJWT(p)
          .setProtectedHeader({ alg, typ: 'JWT' })
          .setIssuedAt()
          .setExpirationTime(`${LIFETIME}s`)
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .sign(jkeys.sign),
    });
    const fj = fjCreateSigner({
      key: ks.signString,
      algorithm: alg,
      expiresIn: LIFETIME * 1000,
      iss: ISSUER,
      aud: AUDIENCE,
    });
    out.push({ id: 'fast-jwt createSigner (string)', lib: 'fast-jwt', input: 'string', sign: (p) => fj(p) });
    if (alg !== 'EdDSA') {
      const jwOpts = { algorithm: alg, expiresIn: LIFETIME, issuer: ISSUER, audience: AUDIENCE } as const;
      out.push({
        id: 'jsonwebtoken sign (string)',
        lib: 'jsonwebtoken',
        input: 'string',
        sign: (p) => jsonwebtoken.sign(p, ks.signString, jwOpts),
      });
      out.push({
        id: 'jsonwebtoken sign (key)',
        lib: 'jsonwebtoken',
        input: 'key',
        sign: (p) => jsonwebtoken.sign(p, ks.signKey, jwOpts),
      });
    } // jsonwebtoken 9 does not support EdDSA
    if (rs) {
      const header = { algorithm: alg };
      out.push({
        id: '@node-rs/jsonwebtoken signSync (string)',
        lib: '@node-rs/jsonwebtoken',
        input: 'string',
        sign: (p) => {
          const iat = iatNow();
          return rs.signSync(withClaims(p, iat), ks.signString, header);
        },
      });
    }
    return out;
  }

  // verify
  out.push({ id: 'raw node:crypto', lib: 'raw', input: 'key', verify: rawVerifier(ks) });
  if (jk) {
    const v = jk.createVerifier(ks.verifyKey, jk_verify_opts);
    out.push({ id: 'jwtkit createVerifier (key)', lib: 'jwtkit', input: 'key', primary: true, verify: v });
    out.push({
      id: 'jwtkit decode (key)',
      lib: 'jwtkit',
      input: 'key',
      verify: (t) => jk.decode(t, ks.verifyKey, jk_verify_opts),
    });
    out.push({
      id: 'jwtkit decode (string)',
      lib: 'jwtkit',
      input: 'string',
      verify: (t) => jk.decode(t, ks.verifyString, jk_verify_opts),
    });
    if (alg === 'HS256') {
      const vc = jk.createVerifier(ks.verifyKey, { ...jk_verify_opts, cache: true });
      out.push({
        id: 'jwtkit createVerifier cache (key)',
        lib: 'jwtkit',
        input: 'key',
        cached: true,
        verify: vc,
      });
    }
  }
  out.push({
    id: 'jose jwtVerify (key)',
    lib: 'jose',
    input: 'key',
    verify: (t) => jose.jwtVerify(t, jkeys.verify, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE }),
  });
  const fjv = fjCreateVerifier({
    key: ks.verifyString,
    algorithms: [alg],
    allowedIss: ISSUER,
    allowedAud: AUDIENCE,
  });
  out.push({
    id: 'fast-jwt createVerifier (string)',
    lib: 'fast-jwt',
    input: 'string',
    verify: (t) => fjv(t),
  });
  if (alg === 'HS256') {
    const fjc = fjCreateVerifier({
      key: ks.verifyString,
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      cache: true,
    });
    out.push({
      id: 'fast-jwt createVerifier cache (string)',
      lib: 'fast-jwt',
      input: 'string',
      cached: true,
      verify: (t) => fjc(t),
    });
  }
  if (alg !== 'EdDSA') {
    const jwv = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
    out.push({
      id: 'jsonwebtoken verify (string)',
      lib: 'jsonwebtoken',
      input: 'string',
      verify: (t) => jsonwebtoken.verify(t, ks.verifyString, jwv),
    });
    out.push({
      id: 'jsonwebtoken verify (key)',
      lib: 'jsonwebtoken',
      input: 'key',
      verify: (t) => jsonwebtoken.verify(t, ks.verifyKey, jwv),
    });
  } // jsonwebtoken 9 does not support EdDSA
  if (rs) {
    const validation = { algorithms: [alg], iss: [ISSUER], aud: [AUDIENCE] };
    out.push({
      id: '@node-rs/jsonwebtoken verifySync (string)',
      lib: '@node-rs/jsonwebtoken',
      input: 'string',
      verify: (t) => rs.verifySync(t, ks.verifyString, validation),
    });
  }
  return out;
}

export function unwrapPayload(lib: Lib, result: unknown): Record<string, unknown> {
  if (lib === 'jose') return (result as { payload: Record<string, unknown> }).payload;
  return result as Record<string, unknown>;
}
