/**
 * `jwtkit/explain`: what a token says, in words, without verifying it.
 *
 * Browser-safe on purpose: no `node:*` import, no `Buffer`, no `process`. The same code runs in the
 * `jwtkit decode` CLI and in the web page served by the server (one implementation of "what does this
 * claim mean"). It never throws on bad input: structural problems are listed in `errors`.
 */
import { algorithmInfo } from './_lib/algorithms.js';
import { decodeStrict, encode as encodeB64 } from './_lib/base64url.js';
import { utf8TextStrict } from './_lib/bytes.js';
import {
  ALGORITHMS,
  type AlgorithmFamily,
  CLAIMS,
  HEADER_PARAMS,
  lookup,
  type ParamInfo,
  PRIVATE_CLAIM,
  PRIVATE_HEADER_PARAM,
} from './_lib/claims-info.js';
import { firstDuplicateMember, MAX_JSON_DEPTH } from './_lib/json.js';

/**
 * The library's one table of algorithm facts, for browser code that shows or checks algorithms (the
 * page's algorithm menu, its key advice): the same numbers `decode` enforces, from `_lib/algorithms.ts`.
 */
export {
  ALGORITHMS as ALGORITHM_NAMES,
  algorithmInfo,
  MIN_HMAC_SECRET_BYTES,
  MIN_RSA_BITS,
} from './_lib/algorithms.js';
export type { AlgorithmFamily } from './_lib/claims-info.js';

export interface ExplainOptions {
  /** Current time in seconds since the epoch (default: the clock). */
  now?: number;
  /** A lifetime (exp - iat) above this many seconds is reported as `long-lifetime`. Default 24 h. */
  longLifetime?: number;
}

export interface ClaimTime {
  /** The NumericDate itself (seconds since the epoch). */
  epoch: number;
  /** UTC date, ISO 8601. */
  iso: string;
  /** 'expires in 14 min', 'expired 3 h ago', 'issued 2 d ago', ... */
  relative: string;
}

export interface ParamExplanation {
  name: string;
  value: unknown;
  label: string;
  description: string;
  rfc: string;
  url: string;
  /** false for a private (unregistered) name. */
  registered: boolean;
}

export interface ClaimExplanation extends ParamExplanation {
  time?: ClaimTime;
}

export type WarningCode =
  | 'alg-none'
  | 'alg-unknown'
  | 'no-exp'
  | 'long-lifetime'
  | 'expired'
  | 'not-yet-valid'
  | 'iat-in-future'
  | 'bad-time-claim'
  | 'jku'
  | 'x5u'
  | 'jwk-header'
  | 'crit'
  | 'b64-false'
  | 'kid-suspicious'
  | 'duplicate-key'
  | 'signature-missing'
  | 'signature-with-none'
  | 'signature-length'
  | 'sensitive-claim'
  | 'jwe';

export interface ExplainWarning {
  code: WarningCode;
  message: string;
}

export interface Explanation {
  /** Raw base64url parts (for a JWE: protected header, encrypted key, iv, ciphertext, tag joined in `signature`). */
  segments: { header: string; payload: string; signature: string };
  /** 'jws' (3 parts), 'jwe' (5 parts, encrypted), or 'invalid'. */
  kind: 'jws' | 'jwe' | 'invalid';
  header: Record<string, unknown> | null;
  payload: unknown | null;
  /** Structural problems: wrong part count, bad base64url, bad UTF-8, bad JSON, non-object header. */
  errors: string[];
  algorithm: {
    name: string;
    description: string;
    family: AlgorithmFamily;
    rfc?: string;
    url?: string;
  } | null;
  claims: ClaimExplanation[];
  headerParams: ParamExplanation[];
  warnings: ExplainWarning[];
  /** Decoded signature length in bytes (null when undecodable). */
  signatureBytes: number | null;
}

// ---------------------------------------------------------------------------------------------
// Strict base64url, UTF-8 and JSON: the library's own (src/_lib), runtime-neutral, one implementation.

/**
 * Decodes canonical base64url (RFC 7515 §2): alphabet [A-Za-z0-9_-], no padding, no whitespace,
 * length % 4 != 1, unused trailing bits zero. Returns null for anything else. (`_lib/base64url.ts`)
 */
export function decodeBase64url(s: string): Uint8Array<ArrayBuffer> | null {
  const bytes = typeof s === 'string' ? decodeStrict(s) : null;
  return bytes ? new Uint8Array(bytes) : null;
}

export function encodeBase64url(bytes: Uint8Array): string {
  return encodeB64(bytes);
}

/** base64url of the UTF-8 bytes of `text`. */
export function encodeBase64urlText(text: string): string {
  return encodeB64(text);
}

/** The first object key that occurs twice in the same object of (already valid) JSON text, else null. */
export function findDuplicateKey(json: string): string | null {
  return firstDuplicateMember(json);
}

type Parsed = { ok: true; value: unknown; text: string } | { ok: false; error: string };

/**
 * The library's JSON depth limit. Deeper JSON is reported instead of parsed: whoever walks it next
 * (JSON.stringify, a renderer) would throw RangeError.
 */
const MAX_DEPTH = MAX_JSON_DEPTH;

/** Nesting depth of (valid) JSON text, without recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

const UNSAFE_TEXT = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/g;
/**
 * Token text for a message: quoted, at most `max` characters, everything outside printable ASCII written
 * as \uXXXX (no newline, ANSI escape or bidi control reaches a terminal, a log or the page).
 */
export function showText(value: string, max = 40): string {
  const cut = value.length > max ? `${value.slice(0, max)}...` : value;
  return `"${cut.replace(UNSAFE_TEXT, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
}

/** A JSON value for a message: its JSON text, shortened and escaped like showText (never throws). */
function showValue(value: unknown, max = 60): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) return typeof value;
  const cut = json.length > max ? `${json.slice(0, max)}...` : json;
  return cut.replace(UNSAFE_TEXT, (c) =>
    c === '"' || c === '\\' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function parseSegment(segment: string, what: 'header' | 'payload'): Parsed {
  if (segment === '') return { ok: false, error: `${what} is empty` };
  const bytes = decodeBase64url(segment);
  if (!bytes) {
    const why = /[=]/.test(segment)
      ? 'has "=" padding'
      : /[+/]/.test(segment)
        ? 'uses "+" or "/" (base64, not base64url)'
        : /\s/.test(segment)
          ? 'contains whitespace'
          : /[^A-Za-z0-9_-]/.test(segment)
            ? 'contains characters outside the base64url alphabet'
            : 'has an impossible length or non-zero trailing bits';
    return { ok: false, error: `${what} is not valid base64url: it ${why}` };
  }
  const text = utf8TextStrict(bytes);
  if (text === null) return { ok: false, error: `${what} is not valid UTF-8` };
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, error: `${what} is not valid JSON` };
  }
  if (jsonDepth(text) > MAX_DEPTH)
    return { ok: false, error: `${what} is nested more than ${MAX_DEPTH} levels deep` };
  return { ok: true, value, text };
}

// ---------------------------------------------------------------------------------------------
// Times

const MAX_DATE_MS = 8.64e15;

function span(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  if (s < 730 * 86400) return `${Math.round(s / 86400)} d`;
  return `${Math.round(s / (365.25 * 86400))} years`;
}

function relative(name: string, value: number, now: number): string {
  const d = value - now;
  switch (name) {
    case 'exp':
      return d > 0 ? `expires in ${span(d)}` : `expired ${span(d)} ago`;
    case 'nbf':
      return d > 0 ? `not valid for another ${span(d)}` : `became valid ${span(d)} ago`;
    default: {
      const verb =
        name === 'iat'
          ? 'issued'
          : name === 'auth_time'
            ? 'authenticated'
            : name === 'updated_at'
              ? 'updated'
              : 'happened';
      return d > 0 ? `${verb} in ${span(d)} (in the future)` : `${verb} ${span(d)} ago`;
    }
  }
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v * 1000) <= MAX_DATE_MS;
}

// ---------------------------------------------------------------------------------------------

/** Exact signature length of `alg` where the algorithm fixes it (the one table's `signatureBytes`). */
function fixedSignatureBytes(alg: string): number | undefined {
  const n = algorithmInfo(alg)?.signatureBytes; // own-property lookup: `alg` is the token's text
  return n ? n : undefined;
}
const SENSITIVE =
  /^(pass(word|wd)?|pwd|secret|client_secret|private_?key|ssn|credit_?card|card_?number|cvv)$/i;
const SUSPICIOUS_KID = /\.\.|[/\\'";|`$]|\0/;

function param(
  name: string,
  value: unknown,
  info: ParamInfo | undefined,
  fallback: ParamInfo,
): ParamExplanation {
  const i = info ?? fallback;
  return {
    name,
    value,
    label: info ? i.label : name,
    description: i.description,
    rfc: i.rfc,
    url: i.url,
    registered: info !== undefined,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits, decodes and describes a compact JWS/JWT (or the protected header of a JWE). Never throws. */
export function explainToken(token: string, options: ExplainOptions = {}): Explanation {
  try {
    return explain(token, options);
  } catch {
    // Not expected (every input above is handled); the promise "never throws" holds regardless.
    return {
      segments: { header: '', payload: '', signature: '' },
      kind: 'invalid',
      header: null,
      payload: null,
      errors: ['the token could not be explained'],
      algorithm: null,
      claims: [],
      headerParams: [],
      warnings: [],
      signatureBytes: null,
    };
  }
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function explain(token: string, input: ExplainOptions): Explanation {
  const options: ExplainOptions = typeof input === 'object' && input !== null ? input : {};
  const now = finiteOr(options.now, Date.now() / 1000);
  const longLifetime = finiteOr(options.longLifetime, 24 * 3600);
  const t = typeof token === 'string' ? token.trim() : '';
  const parts = t.split('.');
  const out: Explanation = {
    segments: { header: parts[0] ?? '', payload: parts[1] ?? '', signature: parts.slice(2).join('.') },
    kind: 'invalid',
    header: null,
    payload: null,
    errors: [],
    algorithm: null,
    claims: [],
    headerParams: [],
    warnings: [],
    signatureBytes: null,
  };
  const warn = (code: WarningCode, message: string) => out.warnings.push({ code, message });

  if (t === '') {
    out.errors.push('the token is empty');
    return out;
  }
  if (parts.length !== 3 && parts.length !== 5) {
    out.errors.push(
      `a compact JWT has 3 dot-separated parts (header.payload.signature); this one has ${parts.length}`,
    );
  }
  if (parts.length === 5) {
    out.kind = 'jwe';
    out.segments = { header: parts[0]!, payload: '', signature: parts.slice(1).join('.') };
    warn('jwe', 'this is an encrypted token (JWE, 5 parts): only its header can be read without the key');
  } else if (parts.length === 3) {
    out.kind = 'jws';
  }

  // Header
  const h = parseSegment(out.segments.header, 'header');
  if (!h.ok) out.errors.push(h.error);
  else if (!isObject(h.value)) out.errors.push('header is not a JSON object');
  else {
    out.header = h.value;
    const dup = findDuplicateKey(h.text);
    if (dup !== null)
      warn('duplicate-key', `header has the key ${showText(dup)} twice; parsers disagree on which one wins`);
    for (const [name, value] of Object.entries(h.value)) {
      out.headerParams.push(param(name, value, lookup(HEADER_PARAMS, name), PRIVATE_HEADER_PARAM));
    }
    explainHeader(out, h.value, warn);
  }

  // Payload
  if (out.kind !== 'jwe' && parts.length >= 2) {
    const b64 = out.header?.b64;
    if (b64 === false) {
      out.payload = out.segments.payload;
    } else {
      const pl = parseSegment(out.segments.payload, 'payload');
      if (!pl.ok) out.errors.push(pl.error);
      else if (!isObject(pl.value)) {
        out.payload = pl.value;
        out.errors.push('payload is JSON but not an object (a JWT claims set is a JSON object)');
      } else {
        out.payload = pl.value;
        const dup = findDuplicateKey(pl.text);
        if (dup !== null)
          warn(
            'duplicate-key',
            `payload has the claim ${showText(dup)} twice; parsers disagree on which one wins`,
          );
        explainClaims(out, pl.value, now, longLifetime, warn);
      }
    }
  }

  // Signature
  if (out.kind === 'jws') {
    const sig = out.segments.signature;
    const bytes = decodeBase64url(sig);
    if (!bytes) out.errors.push('signature is not valid base64url');
    else out.signatureBytes = bytes.length;
    const name = out.algorithm?.name;
    if (name !== undefined && out.algorithm?.family !== 'none') {
      const shown = out.algorithm?.family === 'unknown' ? showText(name) : name;
      if (sig === '') warn('signature-missing', `alg is ${shown} but the signature part is empty`);
      else if (
        bytes &&
        fixedSignatureBytes(name) !== undefined &&
        bytes.length !== fixedSignatureBytes(name)
      ) {
        // The hint must fit the algorithm: only ECDSA signatures have a DER form to confuse with r||s.
        const hint =
          out.algorithm?.family === 'ecdsa'
            ? 'ES* signatures must be raw r||s, not DER'
            : 'truncated, or made with another algorithm';
        warn(
          'signature-length',
          `a ${name} signature is ${fixedSignatureBytes(name)} bytes; this one is ${bytes.length} (${hint})`,
        );
      }
    }
  }
  return out;
}

function explainHeader(
  out: Explanation,
  header: Record<string, unknown>,
  warn: (code: WarningCode, message: string) => void,
): void {
  const alg = header.alg;
  if (alg === undefined) out.errors.push('header has no "alg" parameter');
  else if (typeof alg !== 'string') out.errors.push('header "alg" is not a string');
  else if (alg.toLowerCase() === 'none') {
    out.algorithm = { ...ALGORITHMS.none!, name: alg };
    warn('alg-none', 'alg is "none": the token is not signed, anyone can forge it; never accept it');
    if (out.segments.signature !== '' && out.kind === 'jws') {
      warn('signature-with-none', 'alg is "none" but a signature is present');
    }
  } else {
    const info = lookup(ALGORITHMS, alg);
    if (info) out.algorithm = { ...info };
    else if (out.kind === 'jwe')
      out.algorithm = { name: alg, description: 'JWE key management algorithm', family: 'unknown' };
    else {
      out.algorithm = {
        name: alg,
        description: 'Not a JWS algorithm registered by RFC 7518',
        family: 'unknown',
      };
      warn('alg-unknown', `alg ${showText(alg)} is not a registered JWS algorithm`);
    }
  }
  if (header.jku !== undefined) {
    warn('jku', 'header has "jku": a verifier that fetches keys from it lets the token choose its own key');
  }
  if (header.x5u !== undefined) {
    warn(
      'x5u',
      'header has "x5u": a verifier that fetches certificates from it lets the token choose its own key',
    );
  }
  if (header.jwk !== undefined) {
    warn(
      'jwk-header',
      'header embeds a "jwk": verifying with it proves nothing unless that key is already trusted',
    );
  }
  if (header.crit !== undefined) {
    warn(
      'crit',
      `header has "crit" ${showValue(header.crit)}: a verifier must reject it unless it understands those`,
    );
  }
  if (header.b64 === false) warn('b64-false', 'header has "b64": false (RFC 7797 unencoded payload)');
  if (typeof header.kid === 'string' && SUSPICIOUS_KID.test(header.kid)) {
    warn('kid-suspicious', '"kid" contains path or quote characters; never use it in a file path or a query');
  }
}

function explainClaims(
  out: Explanation,
  payload: Record<string, unknown>,
  now: number,
  longLifetime: number,
  warn: (code: WarningCode, message: string) => void,
): void {
  for (const [name, value] of Object.entries(payload)) {
    const info = lookup(CLAIMS, name);
    const claim: ClaimExplanation = param(name, value, info, PRIVATE_CLAIM);
    if (info?.time) {
      if (isNumericDate(value)) {
        claim.time = {
          epoch: value,
          iso: new Date(value * 1000).toISOString(),
          relative: relative(name, value, now),
        };
      } else {
        warn(
          'bad-time-claim',
          `${showText(name)} must be a NumericDate (a number of seconds), got ${showValue(value)}`,
        );
      }
    }
    if (SENSITIVE.test(name)) {
      warn(
        'sensitive-claim',
        `claim ${showText(name)} looks secret: a JWT payload is only encoded, anyone with the token can read it`,
      );
    }
    out.claims.push(claim);
  }
  const { exp, nbf, iat } = payload;
  if (exp === undefined) warn('no-exp', 'no "exp" claim: the token never expires');
  if (isNumericDate(exp) && exp <= now) warn('expired', `the token expired ${span(exp - now)} ago`);
  if (isNumericDate(nbf) && nbf > now)
    warn('not-yet-valid', `the token is not valid for another ${span(nbf - now)}`);
  if (isNumericDate(iat) && iat > now + 60)
    warn('iat-in-future', `"iat" is ${span(iat - now)} in the future`);
  if (isNumericDate(exp)) {
    const from = isNumericDate(iat) ? iat : isNumericDate(nbf) ? nbf : null;
    if (from !== null && exp - from > longLifetime) {
      warn(
        'long-lifetime',
        `long lifetime: valid for ${span(exp - from)} (exp - ${from === iat ? 'iat' : 'nbf'}); prefer short-lived tokens`,
      );
    } else if (from === null && exp - now > longLifetime) {
      warn('long-lifetime', `long lifetime: still valid for ${span(exp - now)}; prefer short-lived tokens`);
    }
  }
}
