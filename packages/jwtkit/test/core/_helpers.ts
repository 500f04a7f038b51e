import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const conformanceDir = resolve(repoRoot, '..', 'shared', 'conformance');

/** The shared conformance folder, or a loud skip (a failure under CI). */
export function requireConformance(t: TestContext): string | null {
  if (existsSync(conformanceDir)) return conformanceDir;
  if (process.env.CI) throw new Error(`conformance data missing at ${conformanceDir}`);
  t.skip(`conformance data missing at ${conformanceDir} (../shared/conformance)`);
  return null;
}

export const SEED_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDEsInVzZXJuYW1lIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ.XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548';

/** A 32-byte secret for tests that do not test short keys. */
export const SECRET = 'k'.repeat(32);
