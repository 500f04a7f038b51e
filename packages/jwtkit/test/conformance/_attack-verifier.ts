/**
 * Builds, from an attack case's `verifier` description, what an application would pass to jwtkit: the
 * key (in every form the case allows) and the decode options. Used by the attack harness and by the fuzzer.
 *
 * Key forms (`verifier.key` + `verifier.key_form`):
 * - `server_x` without key_form: EVERY form we have for that key is tried (raw secret text, bytes and
 *   the oct JWK for the HMAC key; public JWK, SPKI/PKCS#1/certificate PEM, SPKI DER bytes and a KeyObject
 *   for asymmetric keys), and each one must give the expected outcome.
 * - `key_form: 'string'` (+ `key_string_b64`): exactly that text as a string, and as bytes.
 * - `key_form: 'jwk'`: the public JWK as an object and as JSON text; `jwk_with_alg`: the JWK with `alg`.
 * - any other `key_form`: the member of that name (`spki_pem`, `cert_pem`, ...) or `<form>_b64` as bytes;
 *   an unknown form falls back to every form (never to nothing).
 * - `jwks:[a,b]`: a JWK Set of those keys; `raw:<hex>`: raw bytes; `password:<text>`: the text;
 *   an inline object: that JWK; null: no key at all (also tried as '' and undefined).
 */
import { createPublicKey } from 'node:crypto';
import type { DecodeOptions } from '../../src/index.js';

export interface CorpusKeys {
  [name: string]: Record<string, unknown>;
}

export interface Verifier {
  key?: unknown;
  key_form?: string;
  key_string_b64?: string;
  algorithms?: string[] | null;
  issuer?: string | string[];
  audience?: string | string[];
  now?: number;
  leeway_seconds?: number;
  required_typ?: string;
  enc?: string[];
  [k: string]: unknown;
}

export interface KeyForm {
  label: string;
  key: unknown;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

export function publicJwk(entry: Record<string, unknown>): Record<string, unknown> | null {
  const jwk = (entry.public_jwk ?? entry.private_jwk ?? entry.jwk) as Record<string, unknown> | undefined;
  if (!jwk || typeof jwk !== 'object') return null;
  if (jwk.kty === 'oct') return { ...jwk };
  const pub: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(jwk)) if (!PRIVATE_MEMBERS.includes(k)) pub[k] = v;
  return pub;
}

function allForms(name: string, entry: Record<string, unknown>): KeyForm[] {
  const forms: KeyForm[] = [];
  if (typeof entry.raw_utf8 === 'string') {
    forms.push({ label: `${name} secret text`, key: entry.raw_utf8 });
    forms.push({ label: `${name} secret bytes`, key: Buffer.from(entry.raw_utf8, 'utf8') });
  }
  if (typeof entry.raw_hex === 'string')
    forms.push({ label: `${name} secret bytes`, key: Buffer.from(entry.raw_hex, 'hex') });
  const jwk = publicJwk(entry);
  if (jwk) {
    // The bare key: a JWK's own `alg` pin is a separate form (`jwk_with_alg`), so it is dropped here.
    const { alg: _alg, ...bare } = jwk;
    forms.push({ label: `${name} JWK`, key: bare });
    if (jwk.kty !== 'oct') {
      try {
        // biome-ignore lint/suspicious/noExplicitAny: JWK import
        forms.push({ label: `${name} KeyObject`, key: createPublicKey({ key: jwk as any, format: 'jwk' }) });
      } catch {
        // a JWK node cannot import is still tried as a JWK above
      }
    }
  }
  for (const member of ['spki_pem', 'pkcs1_pem', 'cert_pem']) {
    if (typeof entry[member] === 'string') forms.push({ label: `${name} ${member}`, key: entry[member] });
  }
  for (const [member, value] of Object.entries(entry)) {
    if (member.endsWith('_der_b64') && typeof value === 'string') {
      forms.push({ label: `${name} ${member.slice(0, -4)} bytes`, key: Buffer.from(value, 'base64') });
    }
  }
  return forms;
}

function namedForm(name: string, entry: Record<string, unknown>, v: Verifier): KeyForm[] {
  const form = v.key_form;
  if (!form) return allForms(name, entry);
  if (form === 'string' || form === 'text') {
    if (typeof v.key_string_b64 === 'string') {
      const bytes = Buffer.from(v.key_string_b64, 'base64');
      return [
        { label: `${name} as the exact string`, key: bytes.toString('utf8') },
        { label: `${name} as the exact bytes`, key: bytes },
      ];
    }
    return allForms(name, entry);
  }
  if (form === 'jwk' || form === 'jwk_text') {
    const jwk = publicJwk(entry);
    if (!jwk) return allForms(name, entry);
    return [
      { label: `${name} JWK object`, key: jwk },
      { label: `${name} JWK JSON text`, key: JSON.stringify(jwk) },
    ];
  }
  if (form === 'jwk_with_alg') {
    const jwk = publicJwk(entry);
    if (!jwk) return allForms(name, entry);
    if (jwk.alg === undefined && Array.isArray(v.algorithms) && v.algorithms[0]) jwk.alg = v.algorithms[0];
    return [{ label: `${name} JWK with alg ${String(jwk.alg)}`, key: jwk }];
  }
  if (form === 'keyobject' || form === 'key_object') {
    return allForms(name, entry).filter((f) => f.label.endsWith('KeyObject'));
  }
  const direct = entry[form];
  if (typeof direct === 'string' || (typeof direct === 'object' && direct !== null))
    return [{ label: `${name} ${form}`, key: direct }];
  const b64 = entry[`${form}_b64`];
  if (typeof b64 === 'string') return [{ label: `${name} ${form} bytes`, key: Buffer.from(b64, 'base64') }];
  return allForms(name, entry).map((f) => ({
    ...f,
    label: `${f.label} (key_form ${form} unknown: all forms)`,
  }));
}

/** Every key an application could have configured for this case. Never empty. */
export function keyForms(v: Verifier, keys: CorpusKeys): KeyForm[] {
  const k = v.key;
  if (k === null || k === undefined) {
    return [
      { label: 'no key (undefined)', key: undefined },
      { label: 'null key', key: null },
      { label: 'empty-string key', key: '' },
    ];
  }
  if (typeof k === 'object') return [{ label: 'inline JWK', key: k }];
  if (typeof k !== 'string') return [{ label: `key ${String(k)}`, key: k }];
  if (k.startsWith('raw:'))
    return [{ label: `raw bytes ${k.slice(4, 20)}`, key: Buffer.from(k.slice(4), 'hex') }];
  if (k.startsWith('password:')) return [{ label: 'password text', key: k.slice('password:'.length) }];
  const jwks = /^jwks:\[(.*)\]$/.exec(k);
  if (jwks) {
    const names = (jwks[1] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const set = names.map((n) => {
      const entry = keys[n];
      const jwk = entry ? publicJwk(entry) : null;
      if (!jwk) throw new Error(`harness: no JWK for key ${n}`);
      return jwk;
    });
    return [{ label: `JWKS [${names.join(', ')}]`, key: { keys: set } }];
  }
  const entry = keys[k];
  if (!entry) throw new Error(`harness: unknown corpus key "${k}"`);
  return namedForm(k, entry, v);
}

/** The decode options the verifier description asks for. `algorithms` is passed as given (null stays null). */
export function decodeOptions(v: Verifier): DecodeOptions {
  const opts: Record<string, unknown> = { algorithms: v.algorithms ?? undefined };
  if (v.issuer !== undefined) opts.issuer = v.issuer;
  if (v.audience !== undefined) opts.audience = v.audience;
  if (v.now !== undefined) opts.now = v.now;
  if (v.leeway_seconds !== undefined) opts.leeway = v.leeway_seconds;
  if (v.leeway !== undefined) opts.leeway = v.leeway;
  if (v.required_typ !== undefined) opts.typ = v.required_typ;
  else if (typeof v.typ === 'string') opts.typ = v.typ;
  if (v.subject !== undefined) opts.subject = v.subject;
  const required = v.required_claims ?? v.requiredClaims;
  if (required !== undefined) opts.requiredClaims = required;
  const maxAge = v.max_age ?? v.max_age_seconds ?? v.maxAge;
  if (maxAge !== undefined) opts.maxAge = maxAge;
  const crit = v.crit ?? v.understood_crit ?? v.critical_headers;
  if (crit !== undefined) opts.crit = crit;
  if (v.max_token_length !== undefined) opts.maxTokenLength = v.max_token_length;
  return opts as unknown as DecodeOptions;
}
