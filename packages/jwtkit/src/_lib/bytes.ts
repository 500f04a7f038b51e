/**
 * Byte helpers for the runtime-neutral core. On Node (and Bun) the global `Buffer` does the work
 * (native, the sync hot path keeps its speed); elsewhere (browsers, Deno, workerd) plain JavaScript does.
 * No `node:*` import: this file is part of the WebCrypto build.
 */

// biome-ignore lint/suspicious/noExplicitAny: the Buffer global exists on Node and Bun only
const NodeBuffer: typeof Buffer | undefined = (globalThis as any).Buffer;

// Node's native UTF-8 validator, where the runtime offers it without an import (Node >= 20.16, Bun).
const nodeIsUtf8: ((b: Uint8Array) => boolean) | undefined = (
  (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule?.(
    'buffer',
  ) as { isUtf8?: (b: Uint8Array) => boolean } | undefined
)?.isUtf8;

/** The Buffer global, when the runtime has one (Node, Bun). */
export const hasBuffer = typeof NodeBuffer === 'function';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// Value of each character of either alphabet, -1 elsewhere.
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  VALUE[B64URL.charCodeAt(i)] = i;
  VALUE[B64STD.charCodeAt(i)] = i;
}

/**
 * Base64 or base64url to bytes, leniently, the way Node's `Buffer.from(s, 'base64')` reads it: characters
 * of either alphabet are read, anything else (padding, whitespace, ...) is skipped.
 */
export function fromBase64Lenient(s: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(s, 'base64');
  const out = new Uint8Array((s.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? VALUE[c]! : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** Base64url (no padding) of bytes. */
export function toBase64url(bytes: Uint8Array): string {
  if (NodeBuffer)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[v >> 18]! + B64URL[(v >> 12) & 63]! + B64URL[(v >> 6) & 63]! + B64URL[v & 63]!;
  }
  if (i < bytes.length) {
    const rest = bytes.length - i;
    const v = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out += B64URL[v >> 18]! + B64URL[(v >> 12) & 63]!;
    if (rest === 2) out += B64URL[(v >> 6) & 63]!;
  }
  return out;
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8Bytes(s: string): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(s, 'utf8') : encoder.encode(s);
}

/**
 * The text of UTF-8 bytes, or null when they are not valid UTF-8 (a BOM is kept, as text). Node's
 * decoder replaces every invalid sequence with U+FFFD, so text without U+FFFD proves the bytes valid; a
 * text with U+FFFD (a real one, or a replaced sequence) takes the exact check (Node's `isUtf8`, or the
 * fatal decoder where there is none).
 */
export function utf8TextStrict(bytes: Uint8Array): string | null {
  if (NodeBuffer) {
    const text = (
      NodeBuffer.isBuffer(bytes) ? bytes : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    ).toString('utf8');
    // An ASCII or Latin-1 text cannot hold U+FFFD, so V8 answers this without a scan (the common case).
    if (!text.includes('\ufffd')) return text;
    if (nodeIsUtf8) return nodeIsUtf8(bytes) ? text : null;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Whether bytes are valid UTF-8. */
export function isUtf8Bytes(bytes: Uint8Array): boolean {
  return utf8TextStrict(bytes) !== null;
}

/** Each byte as one character U+0000-U+00FF. */
export function latin1Text(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096)
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 4096, bytes.length)));
  return s;
}

/** Each character's low byte (the caller has checked the text is ASCII or latin1). */
export function latin1Bytes(s: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(s, 'latin1');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** UTF-16 little endian text of bytes (an odd last byte is dropped). */
export function utf16leText(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
  return s;
}

/** Bytes from hex text (the caller has checked it is hex of even length). */
export function fromHex(s: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(s, 'hex');
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** A copy of bytes that later changes to the caller's array cannot affect. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(bytes) : bytes.slice();
}

export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = NodeBuffer ? NodeBuffer.allocUnsafe(total) : new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Equal bytes (not constant time: for public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy of a string that does not keep a larger string alive (V8 slices share their parent). */
export function flatCopy(s: string): string {
  return NodeBuffer ? NodeBuffer.from(s, 'latin1').toString('latin1') : [...s].join('');
}
