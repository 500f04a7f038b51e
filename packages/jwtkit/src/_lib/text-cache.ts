/**
 * A cache keyed by short texts (JOSE header segments), bounded in characters: entries longer than
 * `maxEntry` are never kept, and when the next entry would pass `budget` characters in all the cache
 * starts again empty (no eviction bookkeeping on the hot path). Keys are fresh copies: the caller's
 * text is usually a slice of a whole token, which a Map key would keep alive.
 * Used by the compact JWS header parser and the JWE protected-header caches.
 */
import { flatCopy } from './bytes.js';

export class TextCache<V> {
  readonly #map = new Map<string, V>();
  readonly #maxEntry: number;
  readonly budget: number;
  #chars = 0;

  constructor(maxEntry: number, budget: number) {
    this.#maxEntry = maxEntry;
    this.budget = budget;
  }

  get(text: string): V | undefined {
    return this.#map.get(text);
  }

  /** Keeps `value` under a copy of `text`, unless the text is too long; false when not kept. */
  set(text: string, value: V): boolean {
    if (text.length > this.#maxEntry) return false;
    if (this.#map.has(text)) return true; // the same text parses to the same value
    if (this.#chars + text.length > this.budget) {
      this.#map.clear();
      this.#chars = 0;
    }
    this.#map.set(flatCopy(text), value);
    this.#chars += text.length;
    return true;
  }

  /** For tests: entries, characters of key text held, the longest key. */
  stats(): { entries: number; chars: number; largestEntry: number; budget: number } {
    let largestEntry = 0;
    for (const k of this.#map.keys()) largestEntry = Math.max(largestEntry, k.length);
    return { entries: this.#map.size, chars: this.#chars, largestEntry, budget: this.budget };
  }
}
