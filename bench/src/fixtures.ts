// Shared bench fixtures: keys (generated once per process), payloads, claim options.
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

export type BenchAlg = 'HS256' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
export const ALGS: readonly BenchAlg[] = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];

export const ISSUER = 'https://auth.example.com';
export const AUDIENCE = 'api.example.com';
/** Lifetime of signed tokens, seconds. */
export const LIFETIME = 900;

/** The seed payload of the demo (examples/seed). */
export const SEED_PAYLOAD = { user_id: 101, username: 'alice', role: 'admin' } as const;

/**
 * A typical OAuth2/OIDC access token payload: once iat/exp/iss/aud are added by the signer the JSON is
 * ~600 bytes (asserted in bench-smoke.test.ts).
 */
export const ACCESS_PAYLOAD = {
  sub: 'f3a9c1e2-7b4d-4e8a-9c1f-2d3e4f5a6b7c',
  jti: '8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c5d',
  client_id: 'jwtkit-web-dashboard',
  scope: 'openid profile email offline_access orders:read orders:write invoices:read users:read',
  auth_time: 1764300000,
  amr: ['pwd', 'otp'],
  email: 'alice.anderson@example.com',
  email_verified: true,
  name: 'Alice Anderson',
  preferred_username: 'alice',
  locale: 'en-GB',
  roles: ['admin', 'billing-manager', 'support-agent'],
  tenant: { id: 'tn_4c2f9a', plan: 'enterprise', region: 'eu-west-1' },
} as const;

export type PayloadName = 'seed' | 'access-600B';
export const PAYLOADS: Record<PayloadName, Record<string, unknown>> = {
  seed: SEED_PAYLOAD,
  'access-600B': ACCESS_PAYLOAD,
};

export interface KeySet {
  alg: BenchAlg;
  /** What "most users" pass: the secret string (HS) or the PEM string of the private key. */
  signString: string;
  /** Secret string (HS) or SPKI PEM of the public key. */
  verifyString: string;
  signKey: KeyObject;
  verifyKey: KeyObject;
}

export const HS_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz!';

function pair(alg: BenchAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    default:
      throw new Error(`no key pair for ${alg}`);
  }
}

const keyCache = new Map<BenchAlg, KeySet>();
/** Keys are generated once per process; RS256 and PS256 share one RSA key (as they may in practice). */
export function keysFor(alg: BenchAlg): KeySet {
  const hit = keyCache.get(alg);
  if (hit) return hit;
  let ks: KeySet;
  if (alg === 'HS256') {
    const k = createSecretKey(Buffer.from(HS_SECRET, 'utf8'));
    ks = { alg, signString: HS_SECRET, verifyString: HS_SECRET, signKey: k, verifyKey: k };
  } else if (alg === 'PS256' && keyCache.has('RS256')) {
    ks = { ...keyCache.get('RS256')!, alg };
  } else {
    const { privateKey } = pair(alg);
    const signString = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const verifyString = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    // Re-import from PEM like an application would.
    ks = {
      alg,
      signString,
      verifyString,
      signKey: createPrivateKey(signString),
      verifyKey: createPublicKey(verifyString),
    };
  }
  keyCache.set(alg, ks);
  return ks;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
