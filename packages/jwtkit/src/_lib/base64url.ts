/**
 * Strict base64url (RFC 7515 §2, RFC 4648 §5): alphabet [A-Za-z0-9_-] only, no padding, no whitespace,
 * length % 4 != 1, and the unused bits of the last character must be zero (one canonical spelling per
 * byte string). Node's `Buffer.from(s, 'base64url')` accepts all of those, so we check before decoding.
 */

import { toBase64url, utf8Bytes } from './bytes.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;
// biome-ignore lint/suspicious/noExplicitAny: the Buffer global exists on Node and Bun only
const NodeBuffer: typeof Buffer | undefined = (globalThis as any).Buffer;

// Value of each base64url character, -1 elsewhere.
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
}

/** True when `s` is the canonical base64url spelling of some byte string. */
export function isStrictBase64url(s: string): boolean {
  const rem = s.length & 3;
  if (rem === 1 || !ALPHABET.test(s)) return false;
  if (rem === 0) return true;
  const last = VALUE[s.charCodeAt(s.length - 1)]!;
  // 2 chars carry 12 bits for 8 (4 unused); 3 chars carry 18 bits for 16 (2 unused).
  return (last & (rem === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Decodes canonical base64url without a scan of the whole text, for the verify hot path. The caller must
 * have checked that the text is ASCII (see `splitCompact`): Node's decoder would read a character above
 * U+00FF by its low byte. Node's decoder accepts `+` and `/` and skips any other character outside the
 * alphabet (whitespace, `=`, `?`, `%`, ...), and every skipped character makes the output shorter than
 * 3/4 of the text length (length % 4 == 1 aside, refused first), so the length check is exact; the
 * unused bits of the last character are checked directly.
 */
export function decodeCanonicalAscii(s: string): Uint8Array | null {
  if (!NodeBuffer) return decodeStrict(s);
  const n = s.length;
  const rem = n & 3;
  if (rem === 1 || s.includes('+') || s.includes('/')) return null;
  const bytes = NodeBuffer.from(s, 'base64url');
  if (bytes.length !== (n * 3) >> 2) return null;
  if (rem !== 0) {
    const last = VALUE[s.charCodeAt(n - 1)];
    if (last === undefined || last < 0 || (last & (rem === 2 ? 0x0f : 0x03)) !== 0) return null;
  }
  return bytes;
}

/** True when every character of `s` is ASCII (one native call, no allocation). */
export function isAscii(s: string): boolean {
  return NodeBuffer ? NodeBuffer.byteLength(s, 'utf8') === s.length : !NON_ASCII.test(s);
}
const NON_ASCII = /[\u0080-\uffff]/;

/** Decodes strict base64url; `null` when the text is not canonical base64url. */
export function decodeStrict(s: string): Uint8Array | null {
  if (!isStrictBase64url(s)) return null;
  if (NodeBuffer) return NodeBuffer.from(s, 'base64url');
  const out = new Uint8Array((s.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    acc = ((acc << 6) | VALUE[s.charCodeAt(i)]!) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function encode(data: Uint8Array | string): string {
  if (NodeBuffer)
    return (
      typeof data === 'string'
        ? NodeBuffer.from(data, 'utf8')
        : NodeBuffer.from(data.buffer, data.byteOffset, data.byteLength)
    ).toString('base64url');
  return toBase64url(typeof data === 'string' ? utf8Bytes(data) : data);
}
