/**
 * `--jwks URL`: one fetch through the library's remote JWKS client (`createRemoteJwks`: timeout,
 * size cap enforced while streaming, no redirects, private members and secret keys dropped).
 * Failures are key/I-O errors (exit 3) with a one-line reason; the body is never echoed.
 */
import type { Jwks } from '../index.js';
import { createRemoteJwks } from '../index.js';
import { ioError, usageError } from './_command.js';

export const MAX_JWKS_BYTES = 512 * 1024;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('ERR_JW')) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function fetchJwks(
  url: string,
  opts: { timeoutMs: number; maxBytes?: number; allowHttp?: boolean },
): Promise<Jwks> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--jwks ${JSON.stringify(url)} is not a valid URL`);
  }
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname) && !opts.allowHttp) {
    throw usageError(
      `--jwks ${parsed.origin}: plain http lets anyone on the path substitute the keys; use https (or --allow-http)`,
    );
  }
  const where = `${parsed.origin}${parsed.pathname}`;
  try {
    const client = createRemoteJwks(parsed, {
      timeout: opts.timeoutMs / 1000,
      maxBytes: opts.maxBytes ?? MAX_JWKS_BYTES,
      allowHttp: parsed.protocol === 'http:',
      cooldown: 0,
      staleIfError: 0,
    });
    const set = await client.getKeySet();
    if (set.keys.length === 0) {
      throw ioError(
        `the JWKS at ${where} has no usable public keys (secret and unknown key types are ignored)`,
        'ERR_JWKS_FETCH',
      );
    }
    return set;
  } catch (err) {
    if (err instanceof Error && err.name === 'CliError') throw err;
    const message = err instanceof Error ? err.message : String(err);
    const code = causeCode(err);
    throw ioError(
      `fetching the JWKS from ${where} failed: ${message}${code ? ` (${code})` : ''}`,
      'ERR_JWKS_FETCH',
    );
  }
}
