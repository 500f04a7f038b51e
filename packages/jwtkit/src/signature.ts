/**
 * The algorithm layer, public: sign or verify raw bytes with one JWS algorithm and a key, with the same
 * key/algorithm binding as `encode`/`decode`. For JWS code that is not JWT, and for conformance tests.
 */
import { type Algorithm, algorithmInfo } from './_lib/algorithms.js';
import { type KeyInput, keyFor } from './_lib/keys.js';
import { ownOptions } from './_lib/options.js';
import { checkSignature, createSignature } from './_lib/signature.js';
import { quote } from './_lib/text.js';
import { UnsupportedAlgorithmError } from './errors.js';

function info(alg: Algorithm) {
  const i = algorithmInfo(alg);
  if (!i) throw new UnsupportedAlgorithmError(`Unsupported algorithm: ${quote(alg, 20)}`);
  return i;
}

const BYTES_OPTIONS: ReadonlySet<string> = new Set(['strict']);

const toBuffer = (data: Uint8Array | string) =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** The raw JWS signature of `data` (for ES*: r||s). */
export function signBytes(
  alg: Algorithm,
  key: KeyInput,
  data: Uint8Array | string,
  options: { strict?: boolean } = {},
): Buffer {
  const i = info(alg);
  const o = ownOptions(options, BYTES_OPTIONS, 'signBytes()');
  return createSignature(i, keyFor(key, i, 'sign', { strict: o.strict === true }), toBuffer(data));
}

/** Whether `signature` is a valid raw JWS signature of `data`; key/algorithm mismatches throw `InvalidKeyError`. */
export function verifyBytes(
  alg: Algorithm,
  key: KeyInput,
  data: Uint8Array | string,
  signature: Uint8Array,
  options: { strict?: boolean } = {},
): boolean {
  const i = info(alg);
  const o = ownOptions(options, BYTES_OPTIONS, 'verifyBytes()');
  return checkSignature(
    i,
    keyFor(key, i, 'verify', { strict: o.strict === true }),
    toBuffer(data),
    toBuffer(signature),
  );
}
