// @ts-check
// What jwtkit itself would say about an HMAC key, shown next to the key the person typed. The numbers come
// from the library's one table of algorithm facts (its compiled `_lib/algorithms.js`), so the page, the
// CLI and the library apply one rule: a raw secret shorter than the hash is a warning, shorter than
// MIN_HMAC_SECRET_BYTES is refused, and a JWK shorter than the hash is refused (RFC 7518 §3.2).
// This module only measures the key: signing and verifying stay in webcrypto.js.
import { algorithmInfo, MIN_HMAC_SECRET_BYTES } from './jwtkit/_lib/algorithms.js';
import { decodeBase64url } from './jwtkit/explain.js';

/** @typedef {{code: 'short-secret' | 'secret-refused', message: string}} KeyWarning */

const enc = new TextEncoder();

/** Byte length of a base64url (or base64) secret as the page imports it; null if it does not decode. @param {string} s */
function b64Length(s) {
  const b = decodeBase64url(s.trim().replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
  return b ? b.length : null;
}

/** @param {string} text @returns {Array<{bytes: number, kid?: string}>} the oct keys of a JWK or JWK Set */
function jwkSecrets(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  const keys = v && typeof v === 'object' && Array.isArray(v.keys) ? v.keys : [v];
  /** @type {Array<{bytes: number, kid?: string}>} */
  const out = [];
  for (const k of keys) {
    if (!k || typeof k !== 'object' || k.kty !== 'oct' || typeof k.k !== 'string') continue;
    const b = decodeBase64url(k.k);
    if (b) out.push(typeof k.kid === 'string' ? { bytes: b.length, kid: k.kid } : { bytes: b.length });
  }
  return out;
}

/**
 * Warnings about the HMAC key typed for `alg` (none for a non-HMAC algorithm or an empty key).
 * @param {string} alg @param {string} kind 'secret' | 'secret-b64' | 'pem' | 'jwk' @param {string} text
 * @returns {KeyWarning[]}
 */
export function hmacKeyWarnings(alg, kind, text) {
  const info = algorithmInfo(alg);
  if (info?.family !== 'hmac' || text === '') return [];
  const need = info.hashBytes;
  const advice = `short secrets can be brute-forced offline from any token signed with them (jwtkit keygen ${alg} makes a good one)`;
  if (kind === 'secret' || kind === 'secret-b64') {
    const n = kind === 'secret' ? enc.encode(text).length : b64Length(text);
    if (n === null || n === 0 || n >= need) return [];
    if (n < MIN_HMAC_SECRET_BYTES) {
      return [
        {
          code: 'secret-refused',
          message: `the HMAC secret is only ${n} bytes: jwtkit refuses HMAC secrets under ${MIN_HMAC_SECRET_BYTES} bytes, and RFC 7518 §3.2 asks for at least ${need} for ${alg}; ${advice}.`,
        },
      ];
    }
    return [
      {
        code: 'short-secret',
        message: `the HMAC secret is only ${n} bytes (RFC 7518 §3.2 asks for at least ${need} for ${alg}); ${advice}. jwtkit accepts it with a warning.`,
      },
    ];
  }
  if (kind === 'jwk') {
    return jwkSecrets(text)
      .filter((k) => k.bytes < need)
      .map((k) => ({
        code: /** @type {const} */ ('secret-refused'),
        message: `the JWK${k.kid !== undefined ? ` "${k.kid}"` : ''} holds only ${k.bytes} bytes: jwtkit refuses an HMAC JWK under ${need} bytes for ${alg} (RFC 7518 §3.2)`,
      }));
  }
  return [];
}
