/** The algorithm layer: sign and verify raw bytes for one JWS algorithm (used by JWT and JWS code alike). */
import type { AlgorithmInfo } from './algorithms.js';
import {
  asymmetricSign,
  asymmetricVerify,
  constantTimeEqual,
  hmacBase64url,
  hmacBytes,
  type KeyObject,
} from './crypto.js';

/** Creates the raw JWS signature of `signingInput` (an ASCII string or bytes). */
export function createSignature(
  info: AlgorithmInfo,
  key: Buffer | KeyObject,
  signingInput: string | Buffer,
): Buffer {
  if (info.family === 'hmac') {
    return hmacBytes(
      info.hash!,
      key as Buffer,
      typeof signingInput === 'string' ? signingInput : signingInput.toString('latin1'),
    );
  }
  const data = typeof signingInput === 'string' ? Buffer.from(signingInput, 'latin1') : signingInput;
  return asymmetricSign(info, key as KeyObject, data);
}

/**
 * Checks a raw JWS signature. HMAC tags are compared in constant time and must be full length;
 * ECDSA signatures must be exactly r||s of the curve's size (DER is refused); RSA signatures exactly
 * the modulus length.
 */
export function checkSignature(
  info: AlgorithmInfo,
  key: Buffer | KeyObject,
  signingInput: string | Buffer,
  signature: Buffer,
): boolean {
  if (info.family === 'hmac') {
    const expected = hmacBytes(
      info.hash!,
      key as Buffer,
      typeof signingInput === 'string' ? signingInput : signingInput.toString('latin1'),
    );
    return constantTimeEqual(expected, signature);
  }
  if (info.signatureBytes !== 0 && signature.length !== info.signatureBytes) return false;
  // RFC 8017 §8.1.2 step 1 / §8.2.2 step 1: an RSA signature is exactly k bytes (the modulus length).
  // OpenSSL's PSS path accepts a shorter one, which would give a token a second valid spelling.
  if (
    (info.family === 'rsa' || info.family === 'rsa-pss') &&
    signature.length !== (((key as KeyObject).asymmetricKeyDetails?.modulusLength ?? 0) + 7) >> 3
  )
    return false;
  if (
    info.family === 'eddsa' &&
    signature.length !== ((key as KeyObject).asymmetricKeyType === 'ed448' ? 114 : 64)
  )
    return false;
  const data = typeof signingInput === 'string' ? Buffer.from(signingInput, 'latin1') : signingInput;
  return asymmetricVerify(info, key as KeyObject, data, signature);
}

/** The JWS signature of an ASCII signing input, base64url-encoded (HMAC written straight to base64url). */
export function signatureBase64url(
  info: AlgorithmInfo,
  key: Buffer | KeyObject,
  signingInput: string,
): string {
  if (info.family === 'hmac') return hmacBase64url(info.hash!, key as Buffer, signingInput);
  return asymmetricSign(info, key as KeyObject, Buffer.from(signingInput, 'latin1')).toString('base64url');
}
