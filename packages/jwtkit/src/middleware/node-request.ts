/** Credentials from a Node `IncomingMessage` (Express, Fastify): every raw header value, never joined. */
import type { CredentialInput } from './core.js';

export interface NodeRequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders?: readonly string[];
  readonly method?: string | undefined;
  readonly url?: string | undefined;
}

function headerList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? [...v] : [v];
}

/**
 * Node keeps only the first of duplicated `Authorization` headers in `req.headers`: the raw list is read so
 * that two headers are seen as two credentials (a 400), not silently one.
 */
export function nodeCredentials(req: NodeRequestLike, url: string, native?: unknown): CredentialInput {
  const raw = req.rawHeaders;
  const authorization: string[] = [];
  const cookie: string[] = [];
  const dpop: string[] = [];
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] as string;
      const len = name.length;
      if (len === 13 && name.toLowerCase() === 'authorization') authorization.push(raw[i + 1] as string);
      else if (len === 6 && name.toLowerCase() === 'cookie') cookie.push(raw[i + 1] as string);
      else if (len === 4 && name.toLowerCase() === 'dpop') dpop.push(raw[i + 1] as string);
    }
  } else {
    authorization.push(...headerList(req.headers.authorization));
    cookie.push(...headerList(req.headers.cookie));
    dpop.push(...headerList(req.headers.dpop));
  }
  return { authorization, cookie, dpop, url, method: req.method ?? 'GET', native };
}
