/** Header rules shared by JWS signing and verification (RFC 7515 §4, §7.2; RFC 7797 §3, §6). */
import { decodeStrict } from '../_lib/base64url.js';
import { jsonProblemMessage } from '../_lib/compact.js';
import { type JsonObject, parseJsonObject } from '../_lib/json.js';
import { DecodeError } from '../errors.js';

/** Header parameters that must be integrity protected when present. */
const PROTECTED_ONLY = ['crit', 'b64'] as const;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value))
    return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Decodes a protected header segment: canonical base64url of a JSON object without duplicate members. */
export function parseProtectedHeader(b64: string): JsonObject {
  if (b64 === '') return {};
  const bytes = decodeStrict(b64);
  if (!bytes) throw new DecodeError('Invalid JWS: the protected header is not canonical base64url');
  const parsed = parseJsonObject(bytes);
  if (!parsed.ok) throw new DecodeError(jsonProblemMessage('header', parsed.problem).replace('token', 'JWS'));
  return parsed.value;
}

/**
 * The protected and unprotected headers may not share a member name (RFC 7515 §7.2.1); `crit` and `b64`
 * must be protected (RFC 7515 §4.1.11, RFC 7797 §3). Returns the merged JOSE header.
 */
export function joinHeaders(prot: JsonObject, unprotected: Record<string, unknown> | undefined): JsonObject {
  if (unprotected === undefined) return prot;
  if (!isPlainObject(unprotected))
    throw new DecodeError('Invalid JWS: the unprotected header must be a JSON object');
  for (const name of Object.keys(unprotected)) {
    if (Object.hasOwn(prot, name))
      throw new DecodeError('Invalid JWS: the protected and unprotected headers share a member name');
    if ((PROTECTED_ONLY as readonly string[]).includes(name)) {
      throw new DecodeError(`Invalid JWS: "${name}" must be in the protected header`);
    }
  }
  return { ...prot, ...unprotected };
}

/**
 * The `b64` value of a protected header (RFC 7797): true when absent. When present it must be a boolean
 * and be listed in `crit` (RFC 7797 §6), otherwise the JWS is refused rather than read two ways.
 */
export function b64Of(prot: JsonObject): boolean {
  if (!Object.hasOwn(prot, 'b64')) return true;
  const b64 = prot.b64;
  if (typeof b64 !== 'boolean') throw new DecodeError('Invalid JWS: "b64" must be a boolean');
  const crit = prot.crit;
  if (!Array.isArray(crit) || !crit.includes('b64'))
    throw new DecodeError('Invalid JWS: "b64" must be listed in "crit" (RFC 7797 §6)');
  return b64;
}
