/**
 * A cache keyed by short texts (JOSE header segments), bounded in characters: entries longer than
 * `maxEntry` are never kept, and when the next entry would pass `budget` characters in all the cache
 * starts again empty (no eviction bookkeeping on the hot path). Keys are fresh copies: the caller's
 * text is usually a slice of a whole token, which a Map key would keep alive. The last entry found or
 * kept is also kept aside (its copied key and value; at most `maxEntry` characters more, also after a
 * reset): a service sees the same header on almost every token, and comparing two short texts costs less
 * than hashing one for the Map.
 * Used by the compact JWS header parser and the JWE protected-header caches.
 */
import { flatCopy } from './bytes.js';

export class TextCache<V> {
  readonly #map = new Map<string, { readonly key: string; readonly value: V }>();
  readonly #maxEntry: number;
  readonly budget: number;
  #chars = 0;
  #lastKey: string | null = null;
  #lastValue: V | undefined;

  constructor(maxEntry: number, budget: number) {
    this.#maxEntry = maxEntry;
    this.budget = budget;
  }

  get(text: string): V | undefined {
    if (text === this.#lastKey) return this.#lastValue;
    const entry = this.#map.get(text);
    if (entry === undefined) return undefined;
    this.#lastKey = entry.key;
    this.#lastValue = entry.value;
    return entry.value;
  }

  /** Keeps `value` under a copy of `text`, unless the text is too long; false when not kept. */
  set(text: string, value: V): boolean {
    if (text.length > this.#maxEntry) return false;
    if (this.#map.has(text)) return true; // the same text parses to the same value
    if (this.#chars + text.length > this.budget) {
      this.#map.clear();
      this.#chars = 0;
    }
    const key = flatCopy(text);
    this.#map.set(key, { key, value });
    this.#chars += text.length;
    this.#lastKey = key;
    this.#lastValue = value;
    return true;
  }

  /** For tests: entries, characters of key text held, the longest key. */
  stats(): { entries: number; chars: number; largestEntry: number; budget: number } {
    let largestEntry = 0;
    for (const k of this.#map.keys()) largestEntry = Math.max(largestEntry, k.length);
    return { entries: this.#map.size, chars: this.#chars, largestEntry, budget: this.budget };
  }
}
