/** Shared by the keys/JWS tests: where the conformance corpus lives, and how to react when it is missing. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const conformanceDir = path.resolve(repoRoot, '..', 'shared', 'conformance');

/**
 * The parsed conformance file, or null after reporting loudly: under CI a missing corpus fails the test,
 * elsewhere the test is skipped with the path it looked for.
 */
export function loadConformance<T = any>(t: TestContext, rel: string): T | null {
  const file = path.join(conformanceDir, rel);
  if (!existsSync(file)) {
    const msg = `conformance data missing: ${file} (expected ../shared/conformance next to the repo)`;
    if (process.env.CI) throw new Error(msg);
    t.skip(msg);
    return null;
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Same, without a test context (for building test lists at load time). */
export function readConformance<T = any>(rel: string): T | null {
  const file = path.join(conformanceDir, rel);
  if (!existsSync(file)) {
    if (process.env.CI) throw new Error(`conformance data missing: ${file}`);
    return null;
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export const b64u = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
export const fromB64u = (s: string) => Buffer.from(s, 'base64url');
