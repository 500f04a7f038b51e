/**
 * Text from a token, a key set or a caller, made safe for an error message: never raw. Everything outside
 * printable ASCII (newlines, ANSI escapes, U+2028, bidi controls, ...) and the quote and backslash are
 * written as `\uXXXX` / `\"` / `\\`, and the text is cut to a short length, so a message is one line that a
 * log parser or a terminal reads exactly as written.
 */
const UNSAFE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/g;
const escapeChar = (c: string) =>
  c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A quoted, escaped, shortened rendering of `value` for a message; never throws, whatever `value` is. */
export function quote(value: unknown, max = 32): string {
  if (typeof value !== 'string') return describeType(value);
  const cut = value.length > max ? value.slice(0, max) : value;
  UNSAFE.lastIndex = 0;
  const safe = UNSAFE.test(cut) ? cut.replace(UNSAFE, escapeChar) : cut;
  return `"${safe}${value.length > max ? '...' : ''}"`;
}

/** `a number`, `an object`, `an array`, `null`, ... (no value). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof value}`;
  }
}
