/**
 * Text that can safely reach a query parameter or a JSON column. Postgres refuses NUL in TEXT and
 * JSONB and refuses lone surrogates in JSONB (\u escapes of unpaired surrogates); SQLite stores them
 * but turns lone surrogates into U+FFFD. Requests carrying such text are refused at the HTTP edge
 * (http.ts); what still has to be recorded (an audit row about that request) is escaped with
 * `escapeUnsafeText`.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when `text` has no lone UTF-16 surrogate (it is well-formed Unicode). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** True when `text` holds a NUL or a lone surrogate. */
export function hasUnsafeText(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/** NUL and lone surrogates replaced by the visible text `\u0000`, `\ud800`... (for logs and audit rows). */
export function escapeUnsafeText(text: string): string {
  UNSAFE.lastIndex = 0;
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A deep copy of a JSON-like value with every string (and key) passed through `escapeUnsafeText`. */
export function escapeUnsafeDeep(value: unknown): unknown {
  if (typeof value === 'string') return escapeUnsafeText(value);
  if (Array.isArray(value)) return value.map(escapeUnsafeDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[escapeUnsafeText(k)] = escapeUnsafeDeep(v);
    return out;
  }
  return value;
}

/** The first path (e.g. `body/username`) in a parsed request part whose string holds unsafe text. */
export function findUnsafeText(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return hasUnsafeText(value) ? path : null;
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}/${escapeUnsafeText(k).slice(0, 40)}`;
    if (hasUnsafeText(k)) return p;
    const found = findUnsafeText(v, p, depth + 1);
    if (found) return found;
  }
  return null;
}
