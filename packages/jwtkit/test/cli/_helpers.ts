import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

// The library reports short HMAC keys with process.emitWarning; the CLI prints its own warning.
const defaults = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'JwtKitWarning') for (const h of defaults) h(w);
});

export const SEED_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDEsInVzZXJuYW1lIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ.XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548';
export const SEED_SECRET = 'mysecret123';
export const STRONG_SECRET = 'a-32-byte-secret-for-hs256-tests!';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string | (AsyncIterable<string> & { isTTY?: boolean });
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
}

/** Runs the CLI in-process, capturing stdout/stderr. No stdin means "a terminal" (nothing piped). */
export async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const stdin = opts.stdin ?? Object.assign((async function* () {})(), { isTTY: true });
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin,
    env: opts.env ?? {},
    isTTY: opts.isTTY ?? false,
  });
  return { code, stdout, stderr };
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(): {
  dir: string;
  file(name: string, content?: string | Buffer): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-cli-'));
  return {
    dir,
    file(name, content) {
      const p = join(dir, name);
      if (content !== undefined) writeFileSync(p, content);
      return p;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Payload part of a token, parsed (no verification). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.trim().split('.')[1]!, 'base64url').toString('utf8'));
}
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.trim().split('.')[0]!, 'base64url').toString('utf8'));
}

export const ESC = '\u001b[';
