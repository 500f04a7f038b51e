/**
 * The one place tests find the conformance corpus: `test/vectors/`, inside the repository (copied in by
 * `scripts/refresh-vectors.mjs`, provenance in `vectors/PROVENANCE.md`).
 *
 * Every file is checked against `vectors/SHA256SUMS` before it is used, so a missing, truncated or edited
 * vector fails the test that reads it, loudly. Nothing here ever skips.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const vectorsDir = resolve(dirname(fileURLToPath(import.meta.url)), 'vectors');

let sums: Map<string, string> | undefined;

/** `relative path -> sha256 hex`, as listed in SHA256SUMS. */
export function vectorSums(): Map<string, string> {
  if (sums) return sums;
  let text: string;
  try {
    text = readFileSync(resolve(vectorsDir, 'SHA256SUMS'), 'utf8');
  } catch {
    throw new Error(`test vectors: ${vectorsDir}/SHA256SUMS is missing (run scripts/refresh-vectors.mjs)`);
  }
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) throw new Error(`test vectors: malformed SHA256SUMS line: ${JSON.stringify(line.slice(0, 80))}`);
    map.set(m[2] as string, m[1] as string);
  }
  sums = map;
  return map;
}

/** The checked bytes of one vector file (path relative to `vectors/`, with `/`). */
export function readVector(rel: string): Buffer {
  const expected = vectorSums().get(rel);
  if (expected === undefined) throw new Error(`test vectors: ${rel} is not listed in vectors/SHA256SUMS`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(vectorsDir, rel));
  } catch {
    throw new Error(`test vectors: ${rel} is listed in SHA256SUMS but missing from ${vectorsDir}`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new Error(
      `test vectors: ${rel} does not match SHA256SUMS (truncated or edited: ${bytes.length} bytes)`,
    );
  }
  return bytes;
}

/** The parsed JSON of one checked vector file. */
// biome-ignore lint/suspicious/noExplicitAny: vector files are untyped JSON; each test narrows what it reads.
export function loadVector<T = any>(rel: string): T {
  return JSON.parse(readVector(rel).toString('utf8')) as T;
}

/** The absolute path of a vector file, after checking it (for code that must open the file itself). */
export function vectorPath(rel: string): string {
  readVector(rel);
  return resolve(vectorsDir, rel);
}
