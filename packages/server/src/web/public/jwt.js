// @ts-check
// The page's one door to JWT and crypto. Every other page module (debugger, Learn, the attack lab) decodes,
// verifies, signs and measures keys only through the functions below, so the page applies exactly one
// implementation of the rules. The algorithm facts, explanations and lesson texts are the library's own
// compiled modules (jwtkit/explain, jwtkit/learn), served by web/index.ts.
//
// BACKEND says which implementation answers verify()/sign(): 'jwtkit' when the library's WebCrypto build
// is served (then verify is the library's own decode), 'page' for the interim WebCrypto code below, which
// follows the library's order and error codes (strict decode -> allowlist -> key type -> signature ->
// crit -> claims) and its numbers (from the library's table), until that build lands. Switching is a
// change of this one file. Nothing here touches the network except fetchJwks(), which sends a plain GET
// to the URL the user typed (no token, no secret, no cookies).
import {
  ALGORITHM_NAMES,
  algorithmInfo,
  decodeBase64url,
  encodeBase64url,
  encodeBase64urlText,
  explainToken,
  MIN_HMAC_SECRET_BYTES,
  MIN_RSA_BITS,
} from './jwtkit/explain.js';

export {
  ALGORITHM_NAMES,
  algorithmInfo,
  decodeBase64url,
  encodeBase64url,
  encodeBase64urlText,
  explainToken,
  MIN_HMAC_SECRET_BYTES,
};

/** @type {'jwtkit' | 'page'} */
export const BACKEND = 'page';

/** @typedef {'secret' | 'secret-b64' | 'pem' | 'jwk'} KeyKind */
/** @typedef {{kind: KeyKind | 'jwks', text?: string, value?: any, bytes?: Uint8Array<ArrayBuffer>}} KeySpec */
/**
 * @typedef {{algorithms: string[], audience?: string | string[], issuer?: string, leeway?: number,
 *   now?: number, crit?: string[]}} VerifyOptions
 */

const enc = new TextEncoder();

/** An error with the library's stable `code` and class `name`; its message never quotes the token or key. */
export class JwtError extends Error {
  /** @param {string} name @param {string} code @param {string} message */
  constructor(name, code, message) {
    super(message);
    this.name = name;
    this.code = code;
  }
}
/** @param {string} m */ const malformed = (m) => new JwtError('DecodeError', 'ERR_JWT_MALFORMED', m);
/** @param {string} m */ const keyError = (m) => new JwtError('InvalidKeyError', 'ERR_JWK_INVALID', m);
/** @param {string} m */ const algError = (m) =>
  new JwtError('InvalidAlgorithmError', 'ERR_JWS_ALG_NOT_ALLOWED', m);
const badSignature = () =>
  new JwtError('InvalidSignatureError', 'ERR_JWS_SIGNATURE_INVALID', 'Signature verification failed');

/** Kept for the debugger's messages: an error whose message is safe and useful to show. */
export const KeyError = JwtError;

// ---------------------------------------------------------------------------------------------------
// WebCrypto parameters, derived from the library's table (family, hash, curve).

/** @param {string} alg */
function webcryptoParams(alg) {
  const info = algorithmInfo(alg);
  if (!info)
    throw algError(alg.toLowerCase() === 'none' ? 'alg "none" is never verified' : 'unknown algorithm');
  const hash = info.hash ? `SHA-${info.hash.slice(3)}` : undefined;
  const curve = info.curves.length === 1 ? info.curves[0] : undefined;
  switch (info.family) {
    case 'hmac':
      return { info, imp: { name: 'HMAC', hash }, sig: { name: 'HMAC' }, kty: 'oct' };
    case 'rsa':
      return {
        info,
        imp: { name: 'RSASSA-PKCS1-v1_5', hash },
        sig: { name: 'RSASSA-PKCS1-v1_5' },
        kty: 'RSA',
      };
    case 'rsa-pss':
      return {
        info,
        imp: { name: 'RSA-PSS', hash },
        sig: { name: 'RSA-PSS', saltLength: info.hashBytes },
        kty: 'RSA',
      };
    case 'ecdsa':
      if (curve === 'secp256k1')
        throw new JwtError(
          'InvalidAlgorithmError',
          'ERR_JWS_ALG_NOT_ALLOWED',
          `${alg} (secp256k1) is not available in browser WebCrypto; use \`jwtkit verify\``,
        );
      return {
        info,
        imp: { name: 'ECDSA', namedCurve: curve },
        sig: { name: 'ECDSA', hash },
        kty: 'EC',
        crv: curve,
      };
    default: {
      const crv = curve ?? 'Ed25519';
      if (crv === 'Ed448')
        throw new JwtError(
          'InvalidAlgorithmError',
          'ERR_JWS_ALG_NOT_ALLOWED',
          `${alg} (Ed448) is not available in this browser's WebCrypto; use \`jwtkit verify\``,
        );
      return { info, imp: { name: crv }, sig: { name: crv }, kty: 'OKP', crv };
    }
  }
}

/** The algorithms the page can sign and verify here (the table, minus what WebCrypto lacks). */
export const PAGE_ALGORITHMS = ALGORITHM_NAMES.filter((a) => {
  try {
    webcryptoParams(a);
    return true;
  } catch {
    return false;
  }
});

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

/** @param {unknown} e */
function describe(e) {
  return e instanceof Error
    ? e.name === 'DataError'
      ? 'wrong key type or curve'
      : e.message || e.name
    : String(e);
}

// ---------------------------------------------------------------------------------------------------
// Keys: the library's rules (minimum HMAC and RSA sizes, key type bound to the algorithm)

/** Lenient base64url/base64 for typed secrets: padding and + / accepted. @param {string} s */
function secretBytes(s) {
  const b = decodeBase64url(s.trim().replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
  if (!b) throw keyError('the secret is not valid base64url');
  return b;
}

/** Text that is key material, never an HMAC secret (the algorithm-confusion rule). @param {string} text */
function looksLikeKeyText(text) {
  const t = text.trim();
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(t) || /^(ssh|ecdsa-sha2)-[a-z0-9-]+ [A-Za-z0-9+/=]+/.test(t))
    return true;
  if (t.startsWith('{')) {
    try {
      const v = JSON.parse(t);
      return v && typeof v === 'object' && (typeof v.kty === 'string' || Array.isArray(v.keys));
    } catch {
      return false;
    }
  }
  return false;
}

/** A DER SEQUENCE spanning exactly these bytes (an encoded key, never a secret). @param {Uint8Array} b */
function looksLikeDer(b) {
  try {
    return b[0] === 0x30 && tlv(b, 0).end === b.length && b.length > 16;
  } catch {
    return false;
  }
}

/** Secret bytes that are key material in another spelling: refused as an HMAC secret. @param {Uint8Array} b */
function keyMaterialBytes(b) {
  if (looksLikeDer(b)) return true;
  try {
    return looksLikeKeyText(new TextDecoder('utf-8', { fatal: true }).decode(b));
  } catch {
    return false;
  }
}

/** @param {any} jwk */
function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, oth, key_ops, ext, ...pub } = jwk;
  return pub;
}

/** RSA modulus size in bits from a JWK `n`. @param {any} jwk */
function rsaBits(jwk) {
  const n = typeof jwk?.n === 'string' ? decodeBase64url(jwk.n) : null;
  if (!n) return 0;
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  const first = n[i] ?? 0;
  return (n.length - i - 1) * 8 + (first ? 32 - Math.clz32(first) : 0);
}

/** @param {Uint8Array} bytes @param {any} p @param {boolean} fromJwk */
function checkHmacLength(bytes, p, fromJwk) {
  if (bytes.length === 0) throw keyError('the HMAC secret is empty');
  const need = fromJwk ? p.info.hashBytes : MIN_HMAC_SECRET_BYTES;
  if (bytes.length < need)
    throw keyError(
      `The HMAC key is ${bytes.length} bytes; ${p.info.name} needs at least ${need} (RFC 7518 §3.2 asks for ${p.info.hashBytes})`,
    );
}

/** @param {CryptoKey} key @param {any} p */
async function checkRsaSize(key, p) {
  if (p.kty !== 'RSA') return;
  const bits = /** @type {any} */ (key.algorithm).modulusLength;
  if (typeof bits === 'number' && bits < MIN_RSA_BITS)
    throw keyError(`RSA keys must be at least ${MIN_RSA_BITS} bits; this one is ${bits}`);
}

/**
 * A verification CryptoKey for `alg` from what the person typed. A private key (PKCS#8 PEM or private JWK)
 * is accepted too: its public half is used.
 * @param {string} alg @param {KeySpec} spec
 */
async function verifyKey(alg, spec) {
  const p = webcryptoParams(alg);
  let key;
  if (spec.kind === 'secret' || spec.kind === 'secret-b64') {
    const text = spec.text ?? '';
    const bytes = spec.bytes ?? (spec.kind === 'secret' ? enc.encode(text) : secretBytes(text));
    if (p.kty !== 'oct') {
      // Raw bytes for an asymmetric algorithm are read as a DER public key (as the library reads a Buffer).
      if (spec.bytes && looksLikeDer(bytes)) {
        try {
          key = await crypto.subtle.importKey('spki', bytes, p.imp, false, ['verify']);
        } catch (e) {
          throw keyError(`these DER bytes do not fit ${alg} (${describe(e)})`);
        }
        await checkRsaSize(key, p);
        return key;
      }
      throw keyError(`${alg} needs a public key, not a shared secret`);
    }
    if (keyMaterialBytes(bytes))
      throw keyError('this is public-key material, which is never used as an HMAC secret');
    checkHmacLength(bytes, p, false);
    return crypto.subtle.importKey('raw', bytes, p.imp, false, ['verify']);
  }
  if (spec.kind === 'pem') {
    if (p.kty === 'oct') throw keyError(`${alg} uses a shared secret, not a PEM key`);
    const { label, der } = parsePem(spec.text ?? '');
    try {
      if (label === 'PUBLIC KEY') key = await crypto.subtle.importKey('spki', der, p.imp, false, ['verify']);
      else if (label === 'RSA PUBLIC KEY')
        key = await crypto.subtle.importKey('spki', spkiFromPkcs1(der), p.imp, false, ['verify']);
      else if (label === 'CERTIFICATE')
        key = await crypto.subtle.importKey('spki', spkiFromCertificate(der), p.imp, false, ['verify']);
      else if (label === 'PRIVATE KEY') {
        const priv = await crypto.subtle.importKey('pkcs8', der, p.imp, true, ['sign']);
        const jwk = await crypto.subtle.exportKey('jwk', priv);
        key = await crypto.subtle.importKey('jwk', publicJwk(jwk), p.imp, false, ['verify']);
      }
    } catch (e) {
      if (e instanceof JwtError) throw e;
      throw keyError(`this ${label.toLowerCase()} does not fit ${alg} (${describe(e)})`);
    }
    if (!key)
      throw keyError(
        `unsupported PEM "${label}": use PUBLIC KEY, CERTIFICATE, RSA PUBLIC KEY or PRIVATE KEY (PKCS#8)`,
      );
    await checkRsaSize(key, p);
    return key;
  }
  const jwk = spec.value;
  if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string')
    throw keyError('a JWK is a JSON object with "kty"');
  if (jwk.kty !== p.kty) throw keyError(`${alg} needs a "${p.kty}" key; this JWK is "${jwk.kty}"`);
  if (p.crv && jwk.crv !== p.crv) throw keyError(`${alg} needs curve ${p.crv}; this JWK is on ${jwk.crv}`);
  if (typeof jwk.alg === 'string' && jwk.alg !== alg)
    throw keyError(`this JWK is for ${jwk.alg}, not ${alg}`);
  if (p.kty === 'oct') {
    const k = typeof jwk.k === 'string' ? decodeBase64url(jwk.k) : null;
    if (!k) throw keyError('the JWK "k" is not valid base64url');
    checkHmacLength(k, p, true);
    return crypto.subtle.importKey('raw', k, p.imp, false, ['verify']);
  }
  if (p.kty === 'RSA' && rsaBits(jwk) < MIN_RSA_BITS)
    throw keyError(`RSA keys must be at least ${MIN_RSA_BITS} bits; this one is ${rsaBits(jwk)}`);
  try {
    const { key_ops, use, ...rest } = publicJwk(jwk);
    return await crypto.subtle.importKey('jwk', { ...rest, ext: true }, p.imp, false, ['verify']);
  } catch (e) {
    throw keyError(`this JWK does not fit ${alg} (${describe(e)})`);
  }
}

/** Picks the key of a JWK Set the way the library does: by kid when the token has one. @param {any} jwks @param {any} header @param {any} p */
function selectJwks(jwks, header, p) {
  if (!jwks || !Array.isArray(jwks.keys)) throw keyError('a JWK Set is a JSON object with a "keys" array');
  const kid = header.kid;
  const fits = jwks.keys.filter(
    /** @param {any} k */ (k) =>
      k &&
      k.kty === p.kty &&
      (!p.crv || k.crv === p.crv) &&
      (!k.alg || k.alg === p.info.name) &&
      (!k.use || k.use === 'sig'),
  );
  const candidates = kid !== undefined ? fits.filter(/** @param {any} k */ (k) => k.kid === kid) : fits;
  if (candidates.length === 0)
    throw new JwtError(
      'JwksNoMatchingKeyError',
      'ERR_JWKS_NO_MATCHING_KEY',
      kid !== undefined
        ? `No key in the set has this kid for ${p.info.name}`
        : `No key in the set fits ${p.info.name}`,
    );
  if (candidates.length > 1 && kid === undefined)
    throw new JwtError(
      'JwksMultipleMatchingKeysError',
      'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
      'More than one key in the set fits and the token has no kid',
    );
  return candidates[0];
}

// ---------------------------------------------------------------------------------------------------
// Verify: the library's order and codes

/** @param {unknown} v */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Verifies a compact JWS/JWT like the library's `decode`: returns `{header, payload, kid}` or throws a
 * JwtError with the library's code.
 * @param {string} token @param {KeySpec} spec @param {VerifyOptions} options
 * @returns {Promise<{header: Record<string, unknown>, payload: Record<string, unknown>, kid?: string}>}
 */
export async function verify(token, spec, options) {
  if (!options || !Array.isArray(options.algorithms) || options.algorithms.length === 0)
    throw new JwtError(
      'InvalidOptionsError',
      'ERR_JWT_OPTIONS_INVALID',
      'The "algorithms" option is required',
    );
  if (typeof token !== 'string' || token !== token.trim())
    throw malformed('Invalid token: whitespace around the token');
  const e = explainToken(token);
  if (e.kind !== 'jws' || e.errors.length > 0 || !e.header)
    throw malformed(`Invalid token: ${e.errors[0] ?? 'not a compact JWS'}`);
  if (e.warnings.some((w) => w.code === 'duplicate-key'))
    throw malformed('Invalid token: a duplicate member name');
  if (!isObject(e.payload)) throw malformed('Invalid token: the payload is not a JSON object');
  const header = e.header;
  checkHeaderShape(header);
  const alg = header.alg;
  if (typeof alg !== 'string' || !algorithmInfo(alg) || !options.algorithms.includes(alg))
    throw algError("The token's algorithm is not allowed");
  const p = webcryptoParams(alg);
  let kid;
  let key;
  if (spec.kind === 'jwks') {
    const jwk = selectJwks(spec.value, header, p);
    kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    key = await verifyKey(alg, { kind: 'jwk', value: jwk });
  } else key = await verifyKey(alg, spec);
  const sig = decodeBase64url(e.segments.signature);
  if (!sig || (p.info.signatureBytes && sig.length !== p.info.signatureBytes)) throw badSignature();
  const ok = await crypto.subtle.verify(
    p.sig,
    key,
    sig,
    enc.encode(`${e.segments.header}.${e.segments.payload}`),
  );
  if (!ok) throw badSignature();
  if (header.crit !== undefined) {
    const crit = header.crit;
    const known = options.crit ?? [];
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((c) => typeof c !== 'string' || !known.includes(c))
    )
      throw malformed('Invalid token: "crit" lists an extension this application does not understand');
  }
  checkClaims(/** @type {Record<string, unknown>} */ (e.payload), options);
  return { header, payload: /** @type {Record<string, unknown>} */ (e.payload), ...(kid ? { kid } : {}) };
}

/** The header members whose type every reader relies on (the library's header shape rules). @param {Record<string, unknown>} header */
function checkHeaderShape(header) {
  if (typeof header.alg !== 'string') throw malformed('Invalid token: the header has no "alg" string');
  for (const name of ['enc', 'zip'])
    if (Object.hasOwn(header, name))
      throw malformed(`Invalid token: "${name}" is a JWE header parameter; this is not a JWS`);
  for (const name of ['typ', 'cty', 'kid', 'jku', 'x5u', 'x5t', 'x5t#S256'])
    if (Object.hasOwn(header, name) && typeof header[name] !== 'string')
      throw malformed(`Invalid token: the "${name}" header parameter must be a string`);
  if (Object.hasOwn(header, 'jwk') && !isObject(header.jwk))
    throw malformed('Invalid token: the "jwk" header parameter must be a JSON object');
  const x5c = header.x5c;
  if (
    Object.hasOwn(header, 'x5c') &&
    (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string'))
  )
    throw malformed('Invalid token: the "x5c" header parameter must be a non-empty array of strings');
}

/** @param {Record<string, unknown>} c @param {VerifyOptions} o */
function checkClaims(c, o) {
  const now = o.now ?? Date.now() / 1000;
  const leeway = o.leeway ?? 0;
  /** @param {string} n */
  const num = (n) => {
    const v = c[n];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw malformed(`Invalid token: "${n}" must be a number`);
    return v;
  };
  const exp = num('exp');
  if (exp !== undefined && now >= exp + leeway)
    throw new JwtError('ExpiredSignatureError', 'ERR_JWT_EXPIRED', 'Signature has expired');
  const nbf = num('nbf');
  if (nbf !== undefined && now < nbf - leeway)
    throw new JwtError('ImmatureSignatureError', 'ERR_JWT_NOT_YET_VALID', 'The token is not yet valid (nbf)');
  const iat = num('iat');
  if (iat !== undefined && iat > now + leeway)
    throw new JwtError(
      'ImmatureSignatureError',
      'ERR_JWT_NOT_YET_VALID',
      'The token was issued in the future (iat)',
    );
  const aud = c.aud;
  if (o.audience !== undefined && (!Object.hasOwn(c, 'aud') || aud === null))
    throw new JwtError(
      'MissingRequiredClaimError',
      'ERR_JWT_CLAIM_MISSING',
      'Token is missing the "aud" claim',
    );
  if (o.audience !== undefined || aud !== undefined) {
    const want = o.audience === undefined ? [] : Array.isArray(o.audience) ? o.audience : [o.audience];
    const have = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : null;
    if (
      !have ||
      have.length === 0 ||
      have.some((a) => typeof a !== 'string') ||
      !have.some((a) => want.includes(a))
    )
      throw new JwtError('InvalidAudienceError', 'ERR_JWT_AUDIENCE_INVALID', 'Audience does not match');
  }
  if (o.issuer !== undefined && c.iss !== o.issuer)
    throw new JwtError('InvalidIssuerError', 'ERR_JWT_ISSUER_INVALID', 'Issuer does not match');
}

// ---------------------------------------------------------------------------------------------------
// Sign

/** @param {string} alg @param {KeySpec} spec */
async function signKey(alg, spec) {
  const p = webcryptoParams(alg);
  if (spec.kind === 'secret' || spec.kind === 'secret-b64') {
    if (p.kty !== 'oct') throw keyError(`${alg} signs with a private key, not a secret`);
    const text = spec.text ?? '';
    const bytes = spec.bytes ?? (spec.kind === 'secret' ? enc.encode(text) : secretBytes(text));
    if (keyMaterialBytes(bytes))
      throw keyError('this is public-key material, which is never used as an HMAC secret');
    checkHmacLength(bytes, p, false);
    return crypto.subtle.importKey('raw', bytes, p.imp, false, ['sign']);
  }
  if (p.kty === 'oct') throw keyError(`${alg} uses a shared secret`);
  let key;
  try {
    if (spec.kind === 'pem') {
      const { label, der } = parsePem(spec.text ?? '');
      if (label !== 'PRIVATE KEY') throw keyError(`signing needs a PKCS#8 "PRIVATE KEY" PEM, got "${label}"`);
      key = await crypto.subtle.importKey('pkcs8', der, p.imp, false, ['sign']);
    } else {
      const jwk = spec.value;
      if (!jwk || typeof jwk !== 'object' || typeof jwk.d !== 'string')
        throw keyError('signing needs a private JWK (with "d")');
      const { key_ops, use, ...rest } = jwk;
      key = await crypto.subtle.importKey('jwk', { ...rest, ext: true }, p.imp, false, ['sign']);
    }
  } catch (e) {
    if (e instanceof JwtError) throw e;
    throw keyError(`this key does not fit ${alg} (${describe(e)})`);
  }
  await checkRsaSize(key, p);
  return key;
}

/**
 * Signs `payload` (an object) like the library's `encode`: header keys sorted, compact JSON.
 * @param {Record<string, unknown>} payload @param {KeySpec} spec
 * @param {{algorithm: string, header?: Record<string, unknown>}} options
 */
export async function sign(payload, spec, options) {
  const alg = options.algorithm;
  const p = webcryptoParams(alg);
  const key = await signKey(alg, spec);
  const h = { ...(options.header ?? {}), alg, typ: options.header?.typ ?? 'JWT' };
  /** @type {Record<string, unknown>} */
  const sorted = {};
  for (const k of Object.keys(h).sort()) sorted[k] = /** @type {any} */ (h)[k];
  const input = `${encodeBase64urlText(pyJson(sorted))}.${encodeBase64urlText(pyJson(payload))}`;
  const sig = new Uint8Array(await crypto.subtle.sign(p.sig, key, enc.encode(input)));
  return `${input}.${encodeBase64url(sig)}`;
}

/** JSON as the library (and PyJWT) writes it: compact, non-ASCII as \uXXXX. @param {unknown} v */
function pyJson(v) {
  return JSON.stringify(v).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** HMAC of `text` with `secret` (raw bytes), for "what just happened" and the lab's forgeries. */
export async function hmac(
  /** @type {string} */ alg,
  /** @type {Uint8Array<ArrayBuffer>} */ secret,
  /** @type {string} */ text,
) {
  const p = webcryptoParams(alg);
  if (p.kty !== 'oct') throw algError(`${alg} is not an HMAC`);
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

/** A fresh key pair for `alg` as CryptoKeys plus the public JWK (for the lab). @param {string} alg */
export async function generateKeyPair(alg) {
  const p = webcryptoParams(alg);
  const spec =
    p.kty === 'RSA' ? { ...p.imp, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } : p.imp;
  const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey(spec, true, ['sign', 'verify']));
  return { ...pair, publicJwk: publicJwk(await crypto.subtle.exportKey('jwk', pair.publicKey)) };
}

/** A random secret of the hash size for an HMAC algorithm, base64url (the library's generateSecret). @param {string} alg */
export function generateSecret(alg) {
  const info = algorithmInfo(alg);
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(info?.hashBytes || 32)));
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
    throw new JwtError(
      'JwksFetchError',
      'ERR_JWKS_FETCH',
      'could not fetch the JWKS (network error, CORS or Content-Security-Policy)',
    );
  }
  if (!res.ok) throw new JwtError('JwksFetchError', 'ERR_JWKS_FETCH', `the JWKS URL answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new JwtError('JwksFetchError', 'ERR_JWKS_FETCH', 'the JWKS URL did not return JSON');
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
