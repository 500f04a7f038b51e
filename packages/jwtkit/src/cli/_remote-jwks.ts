/**
 * `--jwks URL`: one GET with a timeout and a size cap. Failures are key/I-O errors (exit 3) with a
 * one-line reason; the body is never echoed.
 */
import type { Jwks } from '../index.js';
import { ioError } from './_command.js';

export const MAX_JWKS_BYTES = 512 * 1024;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);

export async function fetchJwks(
  url: string,
  opts: { timeoutMs: number; maxBytes?: number; warn?: (m: string) => void },
): Promise<Jwks> {
  const max = opts.maxBytes ?? MAX_JWKS_BYTES;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ioError(`--jwks ${JSON.stringify(url)} is not a valid URL`);
  }
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    opts.warn?.(
      `fetching keys over plain http from ${parsed.host}: anyone on the path can substitute them; use https`,
    );
  }
  const where = `${parsed.origin}${parsed.pathname}`;
  let res: Response;
  try {
    res = await fetch(parsed, {
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'follow',
    });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw ioError(`fetching the JWKS from ${where} timed out after ${opts.timeoutMs} ms`, 'ERR_JWKS_FETCH');
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw ioError(
      `cannot fetch the JWKS from ${where}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      'ERR_JWKS_FETCH',
    );
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw ioError(`fetching the JWKS from ${where} failed: HTTP ${res.status}`, 'ERR_JWKS_FETCH');
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw ioError(`the JWKS at ${where} is larger than ${max} bytes`, 'ERR_JWKS_FETCH');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > max) {
          await reader.cancel().catch(() => {});
          throw ioError(`the JWKS at ${where} is larger than ${max} bytes`, 'ERR_JWKS_FETCH');
        }
        chunks.push(value);
      }
    }
  } catch (err) {
    if ((err as Error).name === 'CliError') throw err;
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw ioError(`fetching the JWKS from ${where} timed out after ${opts.timeoutMs} ms`, 'ERR_JWKS_FETCH');
    }
    throw ioError(`reading the JWKS from ${where} failed: ${(err as Error).message}`, 'ERR_JWKS_FETCH');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw ioError(`the response from ${where} is not JSON`, 'ERR_JWKS_FETCH');
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (
    !Array.isArray(keys) ||
    !keys.every(
      (k) => typeof k === 'object' && k !== null && typeof (k as { kty?: unknown }).kty === 'string',
    )
  ) {
    throw ioError(
      `the response from ${where} is not a JWKS (expected {"keys": [JWK, ...]})`,
      'ERR_JWKS_FETCH',
    );
  }
  return body as Jwks;
}
