/**
 * JSON the way JOSE needs it.
 * - `parseJsonObject`: UTF-8 bytes -> a plain object; rejects invalid UTF-8, a BOM, non-objects and
 *   duplicate member names at any depth (RFC 7515 §4 / RFC 7519 §4 let us reject them, and rejecting
 *   removes any disagreement between parsers). Never recursive, so deep nesting cannot blow the stack.
 * - `stringifyPython`: JSON.stringify, then every character outside printable ASCII escaped as
 *   `\uXXXX` (lower-case hex), which is what Python's `json.dumps(..., separators=(",", ":"))` prints
 *   with its default `ensure_ascii=True`. Numbers follow JavaScript's format (Python prints `1.0`).
 */
import { utf8TextStrict } from './bytes.js';

export type JsonObject = { [key: string]: unknown };

/** Why a byte string is not an acceptable JSON object. */
export type JsonProblem = 'utf8' | 'syntax' | 'not-object' | 'duplicate' | 'depth';

/**
 * Deepest nesting accepted (objects and arrays, the top-level object being depth 1). JOSE headers need 3 or
 * 4 and claim sets rarely more than 5; a 10,000-deep value is an attack on whoever walks it next (a
 * recursive validator, a logger: V8's own JSON.stringify and structuredClone throw RangeError on a
 * 10,000-deep array), so it is refused at parse time. Applied to JOSE headers (parsed before any
 * signature check), JWT payloads and JSON documents such as key sets.
 */
export const MAX_JSON_DEPTH = 64;

export type ParseResult = { ok: true; value: JsonObject } | { ok: false; problem: JsonProblem };

export function parseJsonObject(bytes: Uint8Array, maxDepth: number = MAX_JSON_DEPTH): ParseResult {
  const text = utf8TextStrict(bytes);
  if (text === null) return { ok: false, problem: 'utf8' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'syntax' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'not-object' };
  }
  // Flat object (no nested object or array): one level deep, and its members are its own keys.
  const flat = text.indexOf('{', 1) === -1 && text.indexOf('[') === -1;
  const members = flat ? Object.keys(value).length : countMembers(value, 1, maxDepth);
  if (members < 0) return { ok: false, problem: 'depth' };
  if (hasDuplicateMembers(text, members)) return { ok: false, problem: 'duplicate' };
  return { ok: true, value: value as JsonObject };
}

/**
 * Counts the members of every object in a parsed JSON value; -1 when the value is nested deeper than
 * `maxDepth`. Recursive, but the recursion stops at `maxDepth` (64): a deep value is refused before its
 * depth can matter to the stack, so this is as safe as an explicit stack and about twice as fast.
 */
function countMembers(v: object, depth: number, maxDepth: number): number {
  if (depth > maxDepth) return -1;
  // Own enumerable members only (Object.values, like Object.keys): an enumerable member on
  // Object.prototype (set by any package) must not be counted, or it would stand in for a duplicate name
  // in the colon count below. Values, not names: the count needs no lookups (half the time of keys).
  const items: readonly unknown[] = Array.isArray(v) ? v : Object.values(v);
  let count = Array.isArray(v) ? 0 : items.length;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item === 'object' && item !== null) {
      const n = countMembers(item, depth + 1, maxDepth);
      if (n < 0) return -1;
      count += n;
    }
  }
  return count;
}

/**
 * Fast path, a proof that no member name is repeated. In JSON text every member name is a string token
 * followed by optional whitespace (space, tab, CR, LF) and then `:`. When no `:` in the text follows
 * whitespace, every name's `:` comes right after the name's closing `"`, so
 *   (colons right after a `"`) >= (names in the text) >= (members after parsing),
 * and equality of the outer two proves that no name was repeated (a repeated name leaves one member for
 * two names). A `:` after whitespace (possibly inside a string value: we cannot tell without tokenizing),
 * or more colons than members (`":` inside a string value), sends the text to the exact scanner: slower,
 * never wrong. One native `indexOf(':')` per colon; the `"`-colon `indexOf` loop and the whitespace regex
 * that this replaces cost 3x as much on a 600-byte claim set (bench/FINDINGS.md F6b).
 */
function hasDuplicateMembers(text: string, members: number): boolean {
  let tight = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (before === 0x22 /* " */) tight++;
    else if (before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09) {
      return scanForDuplicates(text);
    }
  }
  return tight === members ? false : scanForDuplicates(text);
}

/** Exact check: tokenizes the (already valid) JSON text and tracks member names per open object. */
function scanForDuplicates(text: string): boolean {
  return firstDuplicateMember(text) !== null;
}

/**
 * The first member name that occurs twice in one object of (already valid) JSON text, or null: the exact
 * scanner behind the duplicate check, also used by `explainToken` to name the duplicate (issue 18: one
 * scanner, not two).
 */
export function firstDuplicateMember(text: string): string | null {
  // One entry per open container: a Set of names for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let expectName = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectName = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectName = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectName = false;
    } else if (c === 0x2c /* , */) {
      expectName = stack.length > 0 && stack[stack.length - 1] !== null;
    } else if (c === 0x22 /* " */) {
      let j = i + 1;
      let hasEscape = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          hasEscape = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      if (expectName) {
        const raw = text.slice(i + 1, j);
        const name = hasEscape ? (JSON.parse(`"${raw}"`) as string) : raw;
        const names = stack[stack.length - 1];
        if (names) {
          if (names.has(name)) return name;
          names.add(name);
        }
        expectName = false;
      }
      i = j;
    }
  }
  return null;
}

// Printable ASCII is 0x20-0x7e; Python escapes everything else (control characters are already
// escaped by JSON.stringify, so what is left to do is 0x7f and above, one UTF-16 unit at a time).
const NON_ASCII = /[\u007f-\uffff]/g;
const escapeUnit = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON.stringify writes NaN and Infinity as `null`, silently: a value that changed is refused instead. */
export class NonFiniteNumberError extends RangeError {
  constructor() {
    super('NaN and Infinity cannot be written as JSON (JSON.stringify would write null)');
    this.name = 'NonFiniteNumberError';
  }
}

function refuseNonFinite(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new NonFiniteNumberError();
  return v;
}

export function stringifyPython(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('value is not JSON-serializable');
  // Only text with a `null` can hide a NaN/Infinity; the exact check (after toJSON) runs only then.
  if (json.includes('null')) JSON.stringify(value, refuseNonFinite);
  NON_ASCII.lastIndex = 0;
  return NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeUnit) : json;
}

/** JSON.stringify with keys sorted at the top level (PyJWT sorts header keys). */
export function stringifySortedHeader(header: JsonObject): string {
  const sorted: JsonObject = {};
  for (const k of Object.keys(header).sort()) {
    if (header[k] !== undefined) sorted[k] = header[k];
  }
  return stringifyPython(sorted);
}
