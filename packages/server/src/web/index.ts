import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The page at `/`: a JWT debugger (decode, verify, encode, all in the browser with WebCrypto) and an
 * interactive walk through this service's own REST flow. Plain ES modules, no framework, no build
 * step for the page itself; the token explanation code is the library's own `jwtkit/explain`
 * (compiled to packages/jwtkit/dist), served as-is so the CLI and the page share one implementation.
 */

/** Strict CSP: only our own scripts and styles, no inline script, no eval. JWKS URLs may be fetched over https. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' https:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'x-frame-options': 'DENY',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  mtimeMs: number;
  body: Buffer;
  type: string;
  etag: string;
}

/** Where the page's own files live: next to this module (src/web/public), or back in src when running from dist. */
function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'public'), join(here, '..', '..', 'src', 'web', 'public')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

/**
 * The library's browser-safe public entry points the page imports. Each is resolved through the package's
 * own `exports` (never a path into its private `_lib`); the files they import are found by following their
 * relative imports, so whatever the library splits its modules into is served without being named here.
 */
export const PAGE_ENTRY_POINTS = ['jwtkit/explain', 'jwtkit/learn', 'jwtkit/webcrypto'] as const;

const RELATIVE_IMPORT = /^(?:import|export)\b[^;]*?\bfrom\s*['"](\.{1,2}\/[^'"]+\.js)['"]/gms;

/**
 * URL path (relative to /assets/jwtkit/) -> file, for every module reachable from the entry points.
 * `null` when the library is not built (or a entry point is missing).
 */
export function libraryModules(): Map<string, string> | null {
  const require = createRequire(import.meta.url);
  const files = new Map<string, string>();
  let root: string | null = null;
  const queue: string[] = [];
  for (const entry of PAGE_ENTRY_POINTS) {
    let file: string;
    try {
      file = require.resolve(entry);
    } catch {
      return null;
    }
    if (!existsSync(file)) return null;
    queue.push(file);
  }
  // Served paths are relative to the common dist directory (the package's main export's directory).
  try {
    root = dirname(require.resolve('jwtkit/explain'));
  } catch {
    return null;
  }
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const rel = relative(root, file).split(sep).join('/');
    if (rel.startsWith('..') || files.has(rel)) continue;
    files.set(rel, file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null;
    }
    for (const m of text.matchAll(RELATIVE_IMPORT)) queue.push(join(dirname(file), m[1] as string));
  }
  return files;
}

function load(path: string, mtimeMs: number): Asset {
  const body = readFileSync(path);
  const ext = path.slice(path.lastIndexOf('.'));
  return {
    mtimeMs,
    body,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function send(req: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.headers(SECURITY_HEADERS);
  reply.header('cache-control', 'no-cache');
  reply.header('etag', asset.etag);
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

/**
 * Registers the web page (`/`) and its static assets. Owned by the web-page work (issue 8);
 * the app calls this once while it is being built.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const dir = publicDir();
  const files = new Map<string, string>(); // URL path -> file path
  for (const name of readdirSync(dir)) {
    if (name === 'index.html') files.set('/', join(dir, name));
    else if (/^[a-z0-9-]+\.(js|css|svg)$/.test(name)) files.set(`/assets/${name}`, join(dir, name));
  }
  // The library's own modules the page imports (explanations, the table of algorithm facts, the lesson
  // texts), compiled by the library's build and served as-is: one implementation for the CLI and the page.
  const modules = libraryModules();
  if (!modules) {
    app.log.warn('web: jwtkit is not built (run `npm run build -w packages/jwtkit`); the page will not work');
    for (const entry of PAGE_ENTRY_POINTS)
      files.set(`/assets/jwtkit/${entry.slice('jwtkit/'.length)}.js`, '');
  } else for (const [rel, path] of modules) files.set(`/assets/jwtkit/${rel}`, path);

  const cache = new Map<string, Asset>();
  for (const [url, path] of files) {
    app.get(url, async (req, reply) => {
      // Cached, re-read when the file changes (a rebuild of jwtkit or an edit while developing).
      let asset = cache.get(url);
      let mtimeMs = -1;
      try {
        mtimeMs = path ? statSync(path).mtimeMs : -1;
      } catch {
        /* missing */
      }
      if (!asset || asset.mtimeMs !== mtimeMs) {
        if (mtimeMs < 0) {
          reply.headers(SECURITY_HEADERS);
          return reply
            .code(503)
            .type('text/plain; charset=utf-8')
            .send('jwtkit is not built: run `npm run build -w packages/jwtkit`\n');
        }
        asset = load(path, mtimeMs);
        cache.set(url, asset);
      }
      return send(req, reply, asset);
    });
  }
}
