// @ts-check
// The page's one door to JWT and crypto. Every other page module (debugger, Learn, the attack lab) decodes,
// verifies, signs and measures keys only through the functions below. Verifying and signing ARE the
// library: its WebCrypto build (jwtkit/webcrypto, served by web/index.ts from the package's exports), so
// the page applies the library's rules, in the library's order, with the library's errors and codes:
// nothing about JWS is re-implemented here. What stays here is page glue: turning what a person typed
// (text boxes) into the key inputs the library takes, two PEM spellings WebCrypto cannot import (PKCS#1 and
// certificates: re-wrapped as SPKI, no cryptography), key generation for the encoder, the raw HMAC the
// Learn tab shows and the lab's forgeries (a forger's tools, never used to verify), and fetchJwks(), the
// only network call: a plain GET to the URL the user typed (no token, no secret, no cookies).
import {
  ALGORITHM_NAMES,
  algorithmInfo,
  decodeBase64url,
  encodeBase64url,
  encodeBase64urlText,
  explainToken,
  MIN_HMAC_SECRET_BYTES,
} from './jwtkit/explain.js';
import * as jwtkit from './jwtkit/webcrypto.js';

export {
  ALGORITHM_NAMES,
  algorithmInfo,
  decodeBase64url,
  encodeBase64url,
  encodeBase64urlText,
  explainToken,
  MIN_HMAC_SECRET_BYTES,
};

/** Which implementation verifies and signs: the library's WebCrypto build. */
export const BACKEND = /** @type {const} */ ('jwtkit');

/** @typedef {'secret' | 'secret-b64' | 'pem' | 'jwk'} KeyKind */
/** @typedef {{kind: KeyKind | 'jwks', text?: string, value?: any, bytes?: Uint8Array<ArrayBuffer>}} KeySpec */
/**
 * @typedef {{algorithms: string[], audience?: string | string[], issuer?: string, leeway?: number,
 *   now?: number, crit?: string[]}} VerifyOptions
 */

const enc = new TextEncoder();

/** The library's error base class: every refusal has a stable `code` and a class `name`. */
export const JwtError = jwtkit.JwtError;
/** @param {string} m */ const keyError = (m) => new jwtkit.InvalidKeyError(m);

/** WebCrypto parameters of an algorithm, from the library's table (null: not in WebCrypto). @param {string} alg */
function webcryptoParams(alg) {
  const info = jwtkit.algorithmInfo(alg);
  if (!info?.webcrypto)
    throw new jwtkit.UnsupportedAlgorithmError(
      `${alg} is not available in this browser's WebCrypto; use \`jwtkit verify\``,
    );
  return { info, imp: info.webcrypto.importParams, sig: info.webcrypto.signParams, kty: info.kty };
}

/** The algorithms the page can sign and verify here: the library's table, minus what WebCrypto lacks. */
export const PAGE_ALGORITHMS = jwtkit.ALGORITHMS.filter((a) => jwtkit.algorithmInfo(a)?.webcrypto);

// ---------------------------------------------------------------------------------------------------
// PEM / DER (interim: the library's browser build parses keys itself)

/** @param {string} text @returns {{label: string, der: Uint8Array<ArrayBuffer>}} */
function parsePem(text) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw keyError('not a PEM block (expected -----BEGIN ...----- / -----END ...-----)');
  let bin;
  try {
    bin = atob((m[2] ?? '').replace(/\s+/g, ''));
  } catch {
    throw keyError('the PEM body is not valid base64');
  }
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return { label: m[1] ?? '', der };
}

/** @param {string} label @param {Uint8Array} der */
function toPem(label, der) {
  let bin = '';
  for (const b of der) bin += String.fromCharCode(b);
  return `-----BEGIN ${label}-----\n${btoa(bin).replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

/** @param {Uint8Array} d @param {number} pos */
function tlv(d, pos) {
  const tag = d[pos];
  let len = d[pos + 1];
  if (tag === undefined || len === undefined) throw keyError('truncated DER');
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw keyError('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (d[pos + 2 + i] ?? 0);
    hdr += n;
  }
  const start = pos + hdr;
  if (start + len > d.length) throw keyError('truncated DER');
  return { tag, start, end: start + len };
}

/** @param {Uint8Array} cert */
function spkiFromCertificate(cert) {
  const tbs = tlv(cert, tlv(cert, 0).start);
  let pos = tbs.start;
  let field = tlv(cert, pos);
  if (field.tag === 0xa0) {
    pos = field.end;
    field = tlv(cert, pos);
  }
  for (let i = 0; i < 5; i++) {
    pos = field.end;
    field = tlv(cert, pos);
  }
  return cert.slice(pos, field.end);
}

/** @param {number} n */
function derLen(n) {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  if (n < 0x10000) return [0x82, n >> 8, n & 0xff];
  return [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
}

/** @param {Uint8Array} pkcs1 */
function spkiFromPkcs1(pkcs1) {
  const algId = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const body = [...algId, 0x03, ...derLen(pkcs1.length + 1), 0x00, ...pkcs1];
  return new Uint8Array([0x30, ...derLen(body.length), ...body]);
}

// ---------------------------------------------------------------------------------------------------
// What a person typed -> the library's key input

/** Lenient base64url/base64 for typed secrets: padding and + / accepted (the CLI's --secret-encoding). @param {string} s */
function secretBytes(s) {
  const b = decodeBase64url(s.trim().replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
  if (!b) throw keyError('the secret is not valid base64url');
  return b;
}

/** PEM text as the WebCrypto build reads it: PKCS#1 and certificates re-wrapped as SPKI (no cryptography). @param {string} text */
function pemForLibrary(text) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m || (m[1] !== 'RSA PUBLIC KEY' && m[1] !== 'CERTIFICATE')) return text;
  const { label, der } = parsePem(text);
  return toPem('PUBLIC KEY', label === 'CERTIFICATE' ? spkiFromCertificate(der) : spkiFromPkcs1(der));
}

/** @param {KeySpec} spec @returns {any} */
function libraryKey(spec) {
  switch (spec.kind) {
    case 'secret':
      return spec.bytes ?? spec.text ?? '';
    case 'secret-b64':
      return spec.bytes ?? secretBytes(spec.text ?? '');
    case 'pem':
      return pemForLibrary(spec.text ?? '');
    default:
      return spec.value;
  }
}

/**
 * Verifies a compact JWT with the library's `decodeComplete`: resolves to `{header, payload, kid}` or
 * rejects with the library's JwtError (its `code`).
 * @param {string} token @param {KeySpec} spec @param {VerifyOptions} options
 * @returns {Promise<{header: Record<string, unknown>, payload: Record<string, unknown>, kid?: string}>}
 */
export async function verify(token, spec, options) {
  const r = /** @type {any} */ (
    await jwtkit.decodeComplete(token, libraryKey(spec), /** @type {any} */ (options))
  );
  const kid = spec.kind === 'jwks' && typeof r.header?.kid === 'string' ? r.header.kid : undefined;
  return { header: r.header, payload: r.payload, ...(kid ? { kid } : {}) };
}

/**
 * Decrypts a compact JWE with the library's `decryptJwe` (its WebCrypto build: the same pipeline, rules and
 * errors as `jwtkit decrypt`), allowing exactly the `alg` and `enc` its header names: the person is looking
 * at this one token. A typed secret is a PBES2 password; a base64url secret is the raw key (`dir`, AES key
 * wrap); a JWK or a PEM is a private key. Resolves to the plaintext, also as JSON when it is a JSON object,
 * and as a nested token when it is one (`cty: "JWT"`); rejects with the library's JwtError. Nothing is sent.
 * @param {string} token @param {KeySpec} spec @param {{alg?: unknown, enc?: unknown, cty?: unknown}} header
 * @returns {Promise<{text: string, json: Record<string, unknown> | null, nested: string | null, alg: string, enc: string}>}
 */
export async function decrypt(token, spec, header) {
  const alg = String(header.alg ?? '');
  const encName = String(header.enc ?? '');
  const r = await jwtkit.decryptJwe(
    token,
    libraryKey(spec),
    /** @type {any} */ ({
      keyManagementAlgorithms: [alg],
      contentEncryptionAlgorithms: [encName],
    }),
  );
  const text = new TextDecoder('utf-8', { fatal: false }).decode(r.plaintext);
  let json = null;
  try {
    const v = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) json = v;
  } catch {
    // not JSON: shown as text
  }
  const cty = typeof header.cty === 'string' ? header.cty.toUpperCase() : '';
  const nested = json === null && (cty === 'JWT' || cty === 'APPLICATION/JWT') ? text.trim() : null;
  return { text, json, nested, alg, enc: encName };
}

/**
 * Signs `payload` with the library's `encode` (PyJWT byte-compatible).
 * @param {Record<string, unknown>} payload @param {KeySpec} spec
 * @param {{algorithm: string, header?: Record<string, unknown>}} options
 */
export async function sign(payload, spec, options) {
  const { alg: _alg, ...headers } = options.header ?? {};
  return jwtkit.encode(
    payload,
    libraryKey(spec),
    /** @type {any} */ ({ algorithm: options.algorithm, headers }),
  );
}

/**
 * Signs `payload` with a CryptoKey the page made itself (the Flow's DPoP step: a non-extractable private
 * key), through the library's `encode`: the same header handling and key checks as every other token.
 * @param {Record<string, unknown>} payload @param {CryptoKey} key
 * @param {{algorithm: string, header?: Record<string, unknown>}} options
 */
export async function signWithCryptoKey(payload, key, options) {
  const { alg: _alg, ...headers } = options.header ?? {};
  return jwtkit.encode(payload, key, /** @type {any} */ ({ algorithm: options.algorithm, headers }));
}

/** HMAC of `text` with `secret` (raw bytes), for "what just happened" and the lab's forgeries. */
export async function hmac(
  /** @type {string} */ alg,
  /** @type {Uint8Array<ArrayBuffer>} */ secret,
  /** @type {string} */ text,
) {
  const p = webcryptoParams(alg);
  if (p.kty !== 'oct') throw new jwtkit.InvalidOptionsError(`${alg} is not an HMAC`);
  const k = await crypto.subtle.importKey('raw', secret, p.imp, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(text)));
}

/** A forger's raw signature (no checks: the lab uses it to make tokens the library must refuse). */
export async function forgeSignature(
  /** @type {string} */ alg,
  /** @type {CryptoKey} */ key,
  /** @type {string} */ input,
) {
  return new Uint8Array(await crypto.subtle.sign(webcryptoParams(alg).sig, key, enc.encode(input)));
}

/** The public members of a JWK. @param {any} jwk */
function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, oth, key_ops, ext, ...pub } = jwk;
  return pub;
}

/** A fresh key pair for `alg` as CryptoKeys plus the public JWK (for the lab). @param {string} alg */
export async function generateKeyPair(alg) {
  const p = webcryptoParams(alg);
  const spec =
    p.kty === 'RSA' ? { ...p.imp, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } : p.imp;
  const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey(spec, true, ['sign', 'verify']));
  return { ...pair, publicJwk: publicJwk(await crypto.subtle.exportKey('jwk', pair.publicKey)) };
}

/** A random secret of the hash size for an HMAC algorithm (the library's generateSecret), as base64url text. @param {string} alg */
export function generateSecret(alg) {
  return encodeBase64url(jwtkit.generateSecret(/** @type {any} */ (alg)));
}

/**
 * A fresh key for `alg`: a random secret for HMAC, a key pair (PEM) otherwise.
 * @param {string} alg @returns {Promise<{kind: KeyKind, signing: string, public?: string}>}
 */
export async function generateKey(alg) {
  const p = webcryptoParams(alg);
  if (p.kty === 'oct') return { kind: 'secret-b64', signing: generateSecret(alg) };
  const pair = await generateKeyPair(alg);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return { kind: 'pem', signing: toPem('PRIVATE KEY', pkcs8), public: toPem('PUBLIC KEY', spki) };
}

/** GET a JWK Set: no credentials, no referrer, nothing but the URL. @param {string} url */
export async function fetchJwks(url) {
  let u;
  try {
    u = new URL(url, location.href);
  } catch {
    throw keyError('not a valid URL');
  }
  if (u.protocol !== 'https:' && u.origin !== location.origin)
    throw keyError('JWKS URLs must be https (or this site)');
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
    throw new jwtkit.JwksFetchError(
      'could not fetch the JWKS (network error, CORS or Content-Security-Policy)',
    );
  }
  if (!res.ok) throw new jwtkit.JwksFetchError(`the JWKS URL answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new jwtkit.JwksFetchError('the JWKS URL did not return JSON');
  }
}

// ---------------------------------------------------------------------------------------------------
// Key advice: what the library says about an HMAC key (warning below the hash size, refusal below the minimum)

/** @typedef {{code: 'short-secret' | 'secret-refused', message: string}} KeyWarning */

/**
 * @param {string} alg @param {string} kind 'secret' | 'secret-b64' | 'pem' | 'jwk' @param {string} text
 * @returns {KeyWarning[]}
 */
export function hmacKeyWarnings(alg, kind, text) {
  const info = algorithmInfo(alg);
  if (info?.family !== 'hmac' || text === '') return [];
  const need = info.hashBytes;
  const advice = `short secrets can be brute-forced offline from any token signed with them (jwtkit keygen ${alg} makes a good one)`;
  if (kind === 'secret' || kind === 'secret-b64') {
    let n;
    try {
      n = kind === 'secret' ? enc.encode(text).length : secretBytes(text).length;
    } catch {
      return [];
    }
    if (n === 0 || n >= need) return [];
    if (n < MIN_HMAC_SECRET_BYTES)
      return [
        {
          code: 'secret-refused',
          message: `the HMAC secret is only ${n} bytes: jwtkit refuses HMAC secrets under ${MIN_HMAC_SECRET_BYTES} bytes, and RFC 7518 §3.2 asks for at least ${need} for ${alg}; ${advice}.`,
        },
      ];
    return [
      {
        code: 'short-secret',
        message: `the HMAC secret is only ${n} bytes (RFC 7518 §3.2 asks for at least ${need} for ${alg}); ${advice}. jwtkit accepts it with a warning.`,
      },
    ];
  }
  if (kind !== 'jwk') return [];
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  const keys = v && typeof v === 'object' && Array.isArray(v.keys) ? v.keys : [v];
  /** @type {KeyWarning[]} */
  const out = [];
  for (const k of keys) {
    if (!k || typeof k !== 'object' || k.kty !== 'oct' || typeof k.k !== 'string') continue;
    const b = decodeBase64url(k.k);
    if (b && b.length < need)
      out.push({
        code: 'secret-refused',
        message: `the JWK${typeof k.kid === 'string' ? ` "${k.kid}"` : ''} holds only ${b.length} bytes: jwtkit refuses an HMAC JWK under ${need} bytes for ${alg} (RFC 7518 §3.2)`,
      });
  }
  return out;
}
