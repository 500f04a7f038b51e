// The raw node:crypto baseline: the least work an honest JWT sign/verify can do.
// sign:   Object.assign + JSON.stringify + base64url + createHmac / crypto.sign (keys are KeyObjects, imported once;
//         the constant header is encoded once)
// verify: split + (HS) createHmac + timingSafeEqual / crypto.verify (KeyObject) + JSON.parse of header and
//         payload (a header equal to the usual one is recognised by its text) + alg/exp/iss/aud checks
//         (the same checks every contender is asked to do).
import { constants, createHmac, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto';
import { AUDIENCE, type BenchAlg, ISSUER, type KeySet, LIFETIME } from './fixtures.js';

const PSS = constants.RSA_PKCS1_PSS_PADDING;

function b64u(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

type SignFn = (data: string) => Buffer;
type VerifyFn = (data: string, sig: Buffer) => boolean;

function signerFor(alg: BenchAlg, key: KeyObject): SignFn {
  switch (alg) {
    case 'HS256':
      return (data) => createHmac('sha256', key).update(data).digest();
    case 'RS256':
      return (data) => sign('sha256', Buffer.from(data), key);
    case 'PS256':
      return (data) => sign('sha256', Buffer.from(data), { key, padding: PSS, saltLength: 32 });
    case 'ES256':
      return (data) => sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return (data) => sign(null, Buffer.from(data), key);
  }
}

function verifierFor(alg: BenchAlg, key: KeyObject): VerifyFn {
  switch (alg) {
    case 'HS256':
      return (data, sig) => {
        const mac = createHmac('sha256', key).update(data).digest();
        return sig.length === mac.length && timingSafeEqual(sig, mac);
      };
    case 'RS256':
      return (data, sig) => verify('sha256', Buffer.from(data), key, sig);
    case 'PS256':
      return (data, sig) => verify('sha256', Buffer.from(data), { key, padding: PSS, saltLength: 32 }, sig);
    case 'ES256':
      return (data, sig) => verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, sig);
    case 'EdDSA':
      return (data, sig) => verify(null, Buffer.from(data), key, sig);
  }
}

/**
 * The payload plus iat/exp/iss/aud. `Object.assign({}, payload)` and then named stores: on Node 20 (V8 11.3)
 * `{ ...payload, iat, ... }` or `{ ...payload }` followed by stores is ~2.5 us slower per token
 * (bench/src/micro/build-payload.ts; FINDINGS F1).
 */
export function withClaims(payload: Record<string, unknown>, iat: number): Record<string, unknown> {
  const c: Record<string, unknown> = Object.assign({}, payload);
  c.iat = iat;
  c.exp = iat + LIFETIME;
  c.iss = ISSUER;
  c.aud = AUDIENCE;
  return c;
}

export function rawSigner(ks: KeySet): (payload: Record<string, unknown>) => string {
  const alg = ks.alg;
  // The header is constant: a hand-written signer encodes it once.
  const header = b64u(JSON.stringify({ alg, typ: 'JWT' }));
  if (alg === 'HS256') {
    const key = ks.signKey;
    return (payload) => {
      const iat = Math.floor(Date.now() / 1000);
      const input = header + '.' + b64u(JSON.stringify(withClaims(payload, iat)));
      return input + '.' + createHmac('sha256', key).update(input).digest('base64url');
    };
  }
  const s = signerFor(alg, ks.signKey);
  return (payload) => {
    const iat = Math.floor(Date.now() / 1000);
    const input = header + '.' + b64u(JSON.stringify(withClaims(payload, iat)));
    return input + '.' + s(input).toString('base64url');
  };
}

export class RawVerifyError extends Error {}

export function rawVerifier(ks: KeySet): (token: string) => Record<string, unknown> {
  const v = verifierFor(ks.alg, ks.verifyKey);
  const alg = ks.alg;
  // The usual header is recognised by its exact text (as "caching parsed headers" does); others are parsed.
  const usualHeader = b64u(JSON.stringify({ alg, typ: 'JWT' }));
  return (token) => {
    const d1 = token.indexOf('.');
    const d2 = token.indexOf('.', d1 + 1);
    if (d1 < 0 || d2 < 0 || token.indexOf('.', d2 + 1) !== -1) throw new RawVerifyError('malformed');
    const h = token.slice(0, d1);
    if (h !== usualHeader && JSON.parse(Buffer.from(h, 'base64url').toString('utf8')).alg !== alg)
      throw new RawVerifyError('alg');
    if (!v(token.slice(0, d2), Buffer.from(token.slice(d2 + 1), 'base64url')))
      throw new RawVerifyError('sig');
    const payload = JSON.parse(Buffer.from(token.slice(d1 + 1, d2), 'base64url').toString('utf8'));
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= now) throw new RawVerifyError('exp');
    if (payload.iss !== ISSUER) throw new RawVerifyError('iss');
    const aud = payload.aud;
    if (aud !== AUDIENCE && !(Array.isArray(aud) && aud.includes(AUDIENCE))) throw new RawVerifyError('aud');
    return payload;
  };
}

/** Signs exactly `claims` (no iat/exp/iss/aud added): used to build valid and invalid test tokens. */
export function rawSignClaims(ks: KeySet, claims: Record<string, unknown>): string {
  const s = signerFor(ks.alg, ks.signKey);
  const input = b64u(JSON.stringify({ alg: ks.alg, typ: 'JWT' })) + '.' + b64u(JSON.stringify(claims));
  return input + '.' + s(input).toString('base64url');
}
