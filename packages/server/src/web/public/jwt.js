// @ts-check
// Signature verification and signing with WebCrypto, entirely in the page. Nothing here touches the network
// except fetchJwks(), which sends a plain GET to the URL the user typed (no token, no secret, no cookies).
import { decodeBase64url, encodeBase64url } from './jwtkit/explain.js';

/** @typedef {'secret' | 'secret-b64' | 'pem' | 'jwk'} KeyKind */

const enc = new TextEncoder();

/** WebCrypto parameters for each JWS alg. */
const ALGS = /** @type {Record<string, {imp: any, sig: any, kty: string, crv?: string}>} */ ({
  HS256: { imp: { name: 'HMAC', hash: 'SHA-256' }, sig: { name: 'HMAC' }, kty: 'oct' },
  HS384: { imp: { name: 'HMAC', hash: 'SHA-384' }, sig: { name: 'HMAC' }, kty: 'oct' },
  HS512: { imp: { name: 'HMAC', hash: 'SHA-512' }, sig: { name: 'HMAC' }, kty: 'oct' },
  RS256: {
    imp: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    sig: { name: 'RSASSA-PKCS1-v1_5' },
    kty: 'RSA',
  },
  RS384: {
    imp: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
    sig: { name: 'RSASSA-PKCS1-v1_5' },
    kty: 'RSA',
  },
  RS512: {
    imp: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
    sig: { name: 'RSASSA-PKCS1-v1_5' },
    kty: 'RSA',
  },
  PS256: { imp: { name: 'RSA-PSS', hash: 'SHA-256' }, sig: { name: 'RSA-PSS', saltLength: 32 }, kty: 'RSA' },
  PS384: { imp: { name: 'RSA-PSS', hash: 'SHA-384' }, sig: { name: 'RSA-PSS', saltLength: 48 }, kty: 'RSA' },
  PS512: { imp: { name: 'RSA-PSS', hash: 'SHA-512' }, sig: { name: 'RSA-PSS', saltLength: 64 }, kty: 'RSA' },
  ES256: {
    imp: { name: 'ECDSA', namedCurve: 'P-256' },
    sig: { name: 'ECDSA', hash: 'SHA-256' },
    kty: 'EC',
    crv: 'P-256',
  },
  ES384: {
    imp: { name: 'ECDSA', namedCurve: 'P-384' },
    sig: { name: 'ECDSA', hash: 'SHA-384' },
    kty: 'EC',
    crv: 'P-384',
  },
  ES512: {
    imp: { name: 'ECDSA', namedCurve: 'P-521' },
    sig: { name: 'ECDSA', hash: 'SHA-512' },
    kty: 'EC',
    crv: 'P-521',
  },
  EdDSA: { imp: { name: 'Ed25519' }, sig: { name: 'Ed25519' }, kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { imp: { name: 'Ed25519' }, sig: { name: 'Ed25519' }, kty: 'OKP', crv: 'Ed25519' },
});

export const SIGNABLE = Object.keys(ALGS);

/** An error whose message is safe and useful to show (never contains the key or token). */
export class KeyError extends Error {}

/** @param {string} alg */
function params(alg) {
  if (!Object.hasOwn(ALGS, alg)) {
    if (alg === 'ES256K')
      throw new KeyError('ES256K (secp256k1) is not available in browser WebCrypto; use `jwtkit verify`.');
    if (alg === 'Ed448')
      throw new KeyError("Ed448 is not available in this browser's WebCrypto; use `jwtkit verify`.");
    if (alg.toLowerCase() === 'none') throw new KeyError('alg "none": the token has no signature to verify.');
    throw new KeyError(`unsupported algorithm "${alg}"`);
  }
  return /** @type {{imp: any, sig: any, kty: string, crv?: string}} */ (ALGS[alg]);
}

/** Lenient base64url/base64 for typed secrets: accepts padding and + / too. @param {string} s */
function secretBytes(s) {
  const t = s.trim().replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const b = decodeBase64url(t);
  if (!b) throw new KeyError('the secret is not valid base64url');
  return b;
}

// ---------------------------------------------------------------------------------------------------
// PEM / DER

/** @param {string} text @returns {{label: string, der: Uint8Array<ArrayBuffer>}} */
export function parsePem(text) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw new KeyError('not a PEM block (expected -----BEGIN ...----- / -----END ...-----)');
  const b64 = (m[2] ?? '').replace(/\s+/g, '');
  let bin;
  try {
    bin = atob(b64);
  } catch {
    throw new KeyError('the PEM body is not valid base64');
  }
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return { label: m[1] ?? '', der };
}

/** @param {string} label @param {Uint8Array} der @returns {string} */
export function toPem(label, der) {
  let bin = '';
  for (const b of der) bin += String.fromCharCode(b);
  const b64 = btoa(bin).replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** Reads one DER TLV at `pos`. @param {Uint8Array} d @param {number} pos */
function tlv(d, pos) {
  const tag = d[pos];
  let len = d[pos + 1];
  if (tag === undefined || len === undefined) throw new KeyError('truncated DER');
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new KeyError('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (d[pos + 2 + i] ?? 0);
    hdr += n;
  }
  const start = pos + hdr;
  if (start + len > d.length) throw new KeyError('truncated DER');
  return { tag, start, end: start + len };
}

/** SubjectPublicKeyInfo of an X.509 certificate. @param {Uint8Array} cert */
function spkiFromCertificate(cert) {
  const c = tlv(cert, 0); // Certificate SEQUENCE
  const tbs = tlv(cert, c.start); // TBSCertificate SEQUENCE
  let pos = tbs.start;
  let field = tlv(cert, pos);
  if (field.tag === 0xa0) {
    pos = field.end; // [0] version
    field = tlv(cert, pos);
  }
  // serialNumber, signature, issuer, validity, subject, then subjectPublicKeyInfo
  for (let i = 0; i < 5; i++) {
    pos = field.end;
    field = tlv(cert, pos);
  }
  return cert.slice(pos, field.end);
}

/** DER length octets. @param {number} n */
function derLen(n) {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  if (n < 0x10000) return [0x82, n >> 8, n & 0xff];
  return [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
}

/** Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo. @param {Uint8Array} pkcs1 */
function spkiFromPkcs1(pkcs1) {
  const algId = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const bitString = [0x03, ...derLen(pkcs1.length + 1), 0x00, ...pkcs1];
  const body = [...algId, ...bitString];
  return new Uint8Array([0x30, ...derLen(body.length), ...body]);
}

// ---------------------------------------------------------------------------------------------------
// Key import

/** Drops the private members of a JWK so it can be imported for verification. @param {any} jwk */
function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, oth, key_ops, ext, ...pub } = jwk;
  return pub;
}

/**
 * Imports the verification key. A private key (PKCS#8 PEM or private JWK) is accepted too: its public
 * half is used. @param {string} alg @param {KeyKind} kind @param {string} text @param {any} [jwkOverride]
 */
export async function importVerifyKey(alg, kind, text, jwkOverride) {
  const p = params(alg);
  if (kind === 'secret' || kind === 'secret-b64') {
    if (p.kty !== 'oct') throw new KeyError(`${alg} needs a public key, not a secret`);
    const bytes = kind === 'secret' ? enc.encode(text) : secretBytes(text);
    if (bytes.length === 0) throw new KeyError('the secret is empty');
    return crypto.subtle.importKey('raw', bytes, p.imp, false, ['verify']);
  }
  if (kind === 'pem') {
    if (p.kty === 'oct') throw new KeyError(`${alg} uses a shared secret, not a PEM key`);
    const { label, der } = parsePem(text);
    try {
      if (label === 'PUBLIC KEY') return await crypto.subtle.importKey('spki', der, p.imp, false, ['verify']);
      if (label === 'RSA PUBLIC KEY')
        return await crypto.subtle.importKey('spki', spkiFromPkcs1(der), p.imp, false, ['verify']);
      if (label === 'CERTIFICATE')
        return await crypto.subtle.importKey('spki', spkiFromCertificate(der), p.imp, false, ['verify']);
      if (label === 'PRIVATE KEY') {
        const priv = await crypto.subtle.importKey('pkcs8', der, p.imp, true, ['sign']);
        const jwk = await crypto.subtle.exportKey('jwk', priv);
        return await crypto.subtle.importKey('jwk', publicJwk(jwk), p.imp, false, ['verify']);
      }
    } catch (e) {
      if (e instanceof KeyError) throw e;
      throw new KeyError(`this ${label.toLowerCase()} does not fit ${alg} (${describe(e)})`);
    }
    throw new KeyError(
      `unsupported PEM "${label}": use PUBLIC KEY, CERTIFICATE, RSA PUBLIC KEY or PRIVATE KEY (PKCS#8)`,
    );
  }
  const jwk = jwkOverride ?? parseJson(text, 'JWK');
  if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string')
    throw new KeyError('a JWK is a JSON object with "kty"');
  if (jwk.kty !== p.kty) throw new KeyError(`${alg} needs a "${p.kty}" key; this JWK is "${jwk.kty}"`);
  if (p.crv && jwk.crv !== p.crv)
    throw new KeyError(`${alg} needs curve ${p.crv}; this JWK is on ${jwk.crv}`);
  try {
    const { key_ops, ...rest } = p.kty === 'oct' ? jwk : publicJwk(jwk);
    return await crypto.subtle.importKey('jwk', { ...rest, ext: true }, p.imp, false, ['verify']);
  } catch (e) {
    throw new KeyError(`this JWK does not fit ${alg} (${describe(e)})`);
  }
}

/** @param {string} alg @param {KeyKind} kind @param {string} text */
export async function importSignKey(alg, kind, text) {
  const p = params(alg);
  if (kind === 'secret' || kind === 'secret-b64') {
    if (p.kty !== 'oct') throw new KeyError(`${alg} signs with a private key, not a secret`);
    const bytes = kind === 'secret' ? enc.encode(text) : secretBytes(text);
    if (bytes.length === 0) throw new KeyError('the secret is empty');
    return crypto.subtle.importKey('raw', bytes, p.imp, false, ['sign']);
  }
  if (p.kty === 'oct') throw new KeyError(`${alg} uses a shared secret`);
  try {
    if (kind === 'pem') {
      const { label, der } = parsePem(text);
      if (label !== 'PRIVATE KEY')
        throw new KeyError(`signing needs a PKCS#8 "PRIVATE KEY" PEM, got "${label}"`);
      return await crypto.subtle.importKey('pkcs8', der, p.imp, false, ['sign']);
    }
    const jwk = parseJson(text, 'JWK');
    if (!jwk || typeof jwk !== 'object' || typeof jwk.d !== 'string')
      throw new KeyError('signing needs a private JWK (with "d")');
    const { key_ops, ...rest } = jwk;
    return await crypto.subtle.importKey('jwk', { ...rest, ext: true }, p.imp, false, ['sign']);
  } catch (e) {
    if (e instanceof KeyError) throw e;
    throw new KeyError(`this key does not fit ${alg} (${describe(e)})`);
  }
}

/** @param {unknown} e */
function describe(e) {
  return e instanceof Error
    ? e.name === 'DataError'
      ? 'wrong key type or curve'
      : e.message || e.name
    : String(e);
}

/** @param {string} text @param {string} what */
function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyError(`the ${what} is not valid JSON`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Verify / sign

/**
 * @param {string} alg @param {CryptoKey} key
 * @param {{header: string, payload: string, signature: string}} segments
 */
export async function verifySegments(alg, key, segments) {
  const sig = decodeBase64url(segments.signature);
  if (!sig) return false;
  return crypto.subtle.verify(
    params(alg).sig,
    key,
    sig,
    enc.encode(`${segments.header}.${segments.payload}`),
  );
}

/**
 * Verifies with a JWK Set: picks by kid (and kty/crv), else tries every key of the right type.
 * @param {string} alg @param {{header: string, payload: string, signature: string}} segments
 * @param {any} jwks @param {string | undefined} kid
 * @returns {Promise<{valid: boolean, kid?: string, tried: number}>}
 */
export async function verifyWithJwks(alg, segments, jwks, kid) {
  if (!jwks || !Array.isArray(jwks.keys))
    throw new KeyError('a JWK Set is a JSON object with a "keys" array');
  const p = params(alg);
  let candidates = jwks.keys.filter(
    /** @param {any} k */ (k) =>
      k &&
      k.kty === p.kty &&
      (!p.crv || k.crv === p.crv) &&
      (!k.alg || k.alg === alg) &&
      (!k.use || k.use === 'sig'),
  );
  if (kid !== undefined) candidates = candidates.filter(/** @param {any} k */ (k) => k.kid === kid);
  if (candidates.length === 0) {
    throw new KeyError(
      kid !== undefined
        ? `no ${p.kty} key with kid "${kid}" in the JWK Set`
        : `no ${p.kty} key for ${alg} in the JWK Set`,
    );
  }
  for (const k of candidates) {
    const key = await importVerifyKey(alg, 'jwk', '', k);
    if (await verifySegments(alg, key, segments))
      return { valid: true, kid: k.kid, tried: candidates.length };
  }
  return { valid: false, tried: candidates.length };
}

/** GET a JWK Set: no credentials, no referrer, nothing but the URL. @param {string} url */
export async function fetchJwks(url) {
  let u;
  try {
    u = new URL(url, location.href);
  } catch {
    throw new KeyError('not a valid URL');
  }
  if (u.protocol !== 'https:' && u.origin !== location.origin)
    throw new KeyError('JWKS URLs must be https (or this site)');
  let res;
  try {
    res = await fetch(u, {
      method: 'GET',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new KeyError('could not fetch the JWKS (network error, CORS or Content-Security-Policy)');
  }
  if (!res.ok) throw new KeyError(`the JWKS URL answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new KeyError('the JWKS URL did not return JSON');
  }
}

/** @param {string} alg @param {CryptoKey} key @param {string} signingInput */
export async function signInput(alg, key, signingInput) {
  const sig = await crypto.subtle.sign(params(alg).sig, key, enc.encode(signingInput));
  return encodeBase64url(new Uint8Array(sig));
}

/**
 * A fresh key for `alg`: a random secret for HS*, a key pair (PEM) otherwise.
 * @param {string} alg @returns {Promise<{kind: KeyKind, signing: string, public?: string}>}
 */
export async function generateKey(alg) {
  const p = params(alg);
  if (p.kty === 'oct') {
    const bytes = crypto.getRandomValues(new Uint8Array(Number(String(p.imp.hash).slice(4)) / 8));
    return { kind: 'secret-b64', signing: encodeBase64url(bytes) };
  }
  const spec =
    p.kty === 'RSA' ? { ...p.imp, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } : p.imp;
  const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey(spec, true, ['sign', 'verify']));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return { kind: 'pem', signing: toPem('PRIVATE KEY', pkcs8), public: toPem('PUBLIC KEY', spki) };
}
