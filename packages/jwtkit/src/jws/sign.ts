/**
 * JWS signing in every serialization: compact, flattened JSON and general JSON (several signatures),
 * with the unencoded-payload option (RFC 7797) and detached payloads (RFC 7515 Appendix F).
 */
import { algorithmInfo } from '../_lib/algorithms.js';
import { encode as b64url } from '../_lib/base64url.js';
import { checkHeaderShape } from '../_lib/compact.js';
import { type JsonObject, parseJsonObject, stringifyPython, stringifySortedHeader } from '../_lib/json.js';
import { keyFor } from '../_lib/keys.js';
import { ownOptions } from '../_lib/options.js';
import { createSignature } from '../_lib/signature.js';
import { quote } from '../_lib/text.js';
import { checkCrit } from '../_lib/verify.js';
import {
  DecodeError,
  InvalidOptionsError,
  InvalidPayloadError,
  UnsupportedAlgorithmError,
} from '../errors.js';
import { b64Of, isPlainObject, joinHeaders } from './header.js';
import type {
  FlattenedJws,
  GeneralJws,
  JwsPayloadInput,
  JwsSerialization,
  JwsSignatureJson,
  JwsSigner,
  SignJwsOptions,
} from './types.js';

function payloadBytes(payload: unknown): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array)
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (isPlainObject(payload)) {
    try {
      return Buffer.from(stringifyPython(payload), 'utf8');
    } catch (cause) {
      throw new InvalidPayloadError('The payload object cannot be serialized as JSON', { cause });
    }
  }
  throw new InvalidPayloadError('The JWS payload must be a string, bytes or a plain object');
}

interface PreparedSignature {
  protectedB64: string;
  unprotected: Record<string, unknown> | undefined;
  b64: boolean;
  sign: (signingInput: Buffer) => string;
}

/** Builds one signer's headers (checked) and its bound key. Options errors are reported before any signing. */
const SIGNER_MEMBERS: ReadonlySet<string> = new Set([
  'key',
  'algorithm',
  'protectedHeader',
  'unprotectedHeader',
  'keyId',
  'strict',
]);
const SIGN_JWS_OPTIONS: ReadonlySet<string> = new Set(['serialization', 'b64', 'detached']);

function prepare(input: JwsSigner, options: SignJwsOptions, index: number): PreparedSignature {
  const where = `signers[${index}]`;
  if (!isPlainObject(input))
    throw new InvalidOptionsError(`${where} must be an object with key and algorithm`);
  const signer = ownOptions(input, SIGNER_MEMBERS, `signJws() ${where}`) as unknown as JwsSigner;
  const info = algorithmInfo(signer.algorithm);
  if (!info)
    throw new UnsupportedAlgorithmError(`${where}: unsupported algorithm ${quote(signer.algorithm, 20)}`);
  const unprotected = signer.unprotectedHeader;
  if (unprotected !== undefined && !isPlainObject(unprotected))
    throw new InvalidOptionsError(`${where}.unprotectedHeader must be a plain object`);

  let prot: JsonObject;
  let protText: string | null = null;
  if (typeof signer.protectedHeader === 'string') {
    protText = signer.protectedHeader;
    const parsed = parseJsonObject(Buffer.from(protText, 'utf8'));
    if (!parsed.ok)
      throw new InvalidOptionsError(
        `${where}.protectedHeader is not the JSON text of an object without duplicate members`,
      );
    prot = parsed.value;
  } else if (signer.protectedHeader === undefined || isPlainObject(signer.protectedHeader)) {
    prot = { ...(signer.protectedHeader ?? {}) };
  } else {
    throw new InvalidOptionsError(`${where}.protectedHeader must be a plain object or JSON text`);
  }

  const algUnprotected = unprotected !== undefined && Object.hasOwn(unprotected, 'alg');
  if (algUnprotected && unprotected.alg !== info.name)
    throw new InvalidOptionsError(`${where}: unprotectedHeader.alg differs from the algorithm`);
  if (Object.hasOwn(prot, 'alg') && prot.alg !== info.name)
    throw new InvalidOptionsError(`${where}: protectedHeader.alg differs from the algorithm`);
  const editable = protText === null;
  if (!algUnprotected && !Object.hasOwn(prot, 'alg')) {
    if (!editable) throw new InvalidOptionsError(`${where}: the protected header text has no "alg"`);
    prot.alg = info.name;
  }
  if (signer.keyId !== undefined) {
    if (typeof signer.keyId !== 'string') throw new InvalidOptionsError(`${where}.keyId must be a string`);
    if (!editable) throw new InvalidOptionsError(`${where}: put kid into the protected header text`);
    if (
      (unprotected && Object.hasOwn(unprotected, 'kid')) ||
      (Object.hasOwn(prot, 'kid') && prot.kid !== signer.keyId)
    ) {
      throw new InvalidOptionsError(`${where}: keyId conflicts with a kid header member`);
    }
    prot.kid = signer.keyId;
  }
  if (options.b64 === false && prot.b64 !== false) {
    if (!editable)
      throw new InvalidOptionsError(`${where}: b64 is false but the protected header text does not say so`);
    if (Object.hasOwn(prot, 'b64'))
      throw new InvalidOptionsError(`${where}: protectedHeader.b64 conflicts with the b64 option`);
    prot.b64 = false;
  }
  if (Object.hasOwn(prot, 'b64') && editable) {
    const crit = prot.crit === undefined ? [] : prot.crit;
    if (!Array.isArray(crit))
      throw new InvalidOptionsError(`${where}: protectedHeader.crit must be an array`);
    if (!crit.includes('b64')) prot.crit = [...crit, 'b64'];
  }
  if (options.b64 === true && prot.b64 === false)
    throw new InvalidOptionsError(`${where}: protectedHeader.b64 conflicts with the b64 option`);

  let b64: boolean;
  try {
    const joined = joinHeaders(prot, unprotected);
    checkHeaderShape(joined);
    b64 = b64Of(prot);
    if (Object.hasOwn(prot, 'crit'))
      checkCrit(prot as never, Array.isArray(prot.crit) ? (prot.crit as string[]) : []);
  } catch (cause) {
    if (cause instanceof DecodeError)
      throw new InvalidOptionsError(
        `${where}: ${cause.message.replace('Invalid JWS: ', '').replace('Invalid token: ', '')}`,
        { cause },
      );
    throw cause;
  }

  let protectedB64: string;
  if (protText !== null) protectedB64 = b64url(protText);
  else if (Object.keys(prot).length === 0) protectedB64 = '';
  else {
    try {
      protectedB64 = b64url(stringifySortedHeader(prot));
    } catch (cause) {
      throw new InvalidOptionsError(`${where}.protectedHeader cannot be serialized as JSON`, { cause });
    }
  }
  const material = keyFor(signer.key, info, 'sign', { strict: signer.strict === true });
  return {
    protectedB64,
    unprotected: unprotected === undefined ? undefined : { ...unprotected },
    b64,
    sign: (signingInput) => createSignature(info, material, signingInput).toString('base64url'),
  };
}

/** Signs a compact JWS (one signer, protected header only). */
export function signJws(
  payload: JwsPayloadInput | object,
  signers: JwsSigner | readonly JwsSigner[],
  options?: SignJwsOptions & { serialization?: 'compact' },
): string;
/** Signs a flattened JSON JWS (one signer). */
export function signJws(
  payload: JwsPayloadInput | object,
  signers: JwsSigner | readonly JwsSigner[],
  options: SignJwsOptions & { serialization: 'flattened' },
): FlattenedJws;
/** Signs a general JSON JWS (one or more signers). */
export function signJws(
  payload: JwsPayloadInput | object,
  signers: JwsSigner | readonly JwsSigner[],
  options: SignJwsOptions & { serialization: 'general' },
): GeneralJws;
export function signJws(
  payload: JwsPayloadInput | object,
  signers: JwsSigner | readonly JwsSigner[],
  options?: SignJwsOptions,
): string | FlattenedJws | GeneralJws;
/**
 * Signs `payload` (a string, bytes, or a plain object serialized as compact JSON) with one or more signers.
 *
 * ```ts
 * signJws('hello', { key: secret, algorithm: 'HS256' })                                       // compact
 * signJws(doc, [{ key: rsa, algorithm: 'RS256' }, { key: ec, algorithm: 'ES256' }], { serialization: 'general' })
 * signJws('$.02', { key, algorithm: 'HS256' }, { b64: false, detached: true })                 // RFC 7797
 * ```
 */
export function signJws(
  payload: JwsPayloadInput | object,
  signers: JwsSigner | readonly JwsSigner[],
  input: SignJwsOptions = {},
): string | FlattenedJws | GeneralJws {
  if (!isPlainObject(input)) throw new InvalidOptionsError('options must be an object');
  const options = ownOptions(input, SIGN_JWS_OPTIONS, 'signJws()') as SignJwsOptions;
  const list = Array.isArray(signers) ? (signers as readonly JwsSigner[]) : [signers as JwsSigner];
  if (list.length === 0) throw new InvalidOptionsError('signJws needs at least one signer');
  const serialization = (options.serialization ??
    (list.length > 1 ? 'general' : 'compact')) as JwsSerialization;
  if (!['compact', 'flattened', 'general'].includes(serialization)) {
    throw new InvalidOptionsError('serialization must be "compact", "flattened" or "general"');
  }
  if (serialization !== 'general' && list.length !== 1)
    throw new InvalidOptionsError(`The ${serialization} serialization holds exactly one signature`);
  const bytes = payloadBytes(payload);
  const prepared = list.map((s, i) => prepare(s, options, i));
  const b64 = prepared[0]!.b64;
  if (prepared.some((p) => p.b64 !== b64))
    throw new InvalidOptionsError('All signatures of a JWS must agree on b64 (RFC 7797 §3)');

  let payloadSegment: string;
  if (b64) payloadSegment = b64url(bytes);
  else {
    payloadSegment = bytes.toString('utf8');
    if (!Buffer.from(payloadSegment, 'utf8').equals(bytes))
      throw new InvalidPayloadError('An unencoded (b64: false) payload must be valid UTF-8 text');
  }
  const payloadPart = b64 ? Buffer.from(payloadSegment, 'latin1') : bytes;

  const signatures: JwsSignatureJson[] = prepared.map((p) => {
    const signature = p.sign(Buffer.concat([Buffer.from(`${p.protectedB64}.`, 'latin1'), payloadPart]));
    const entry: Partial<JwsSignatureJson> = {};
    if (p.protectedB64 !== '') entry.protected = p.protectedB64;
    if (p.unprotected !== undefined) entry.header = p.unprotected;
    entry.signature = signature;
    return entry as JwsSignatureJson;
  });

  if (serialization === 'compact') {
    const p = prepared[0]!;
    if (p.unprotected !== undefined)
      throw new InvalidOptionsError('The compact serialization has no unprotected header: use "flattened"');
    if (p.protectedB64 === '')
      throw new InvalidOptionsError('The compact serialization needs a protected header with alg');
    if (!b64 && !options.detached && payloadSegment.includes('.')) {
      throw new InvalidPayloadError(
        'An unencoded compact payload cannot contain "." (RFC 7797 §5.2): use detached: true or a JSON serialization',
      );
    }
    return `${p.protectedB64}.${options.detached ? '' : payloadSegment}.${signatures[0]!.signature}`;
  }
  if (serialization === 'flattened') {
    const { protected: prot, header, signature } = signatures[0]!;
    const out: FlattenedJws = options.detached
      ? ({} as FlattenedJws)
      : ({ payload: payloadSegment } as FlattenedJws);
    if (prot !== undefined) out.protected = prot;
    if (header !== undefined) out.header = header;
    out.signature = signature;
    return out;
  }
  return options.detached ? { signatures } : { payload: payloadSegment, signatures };
}
