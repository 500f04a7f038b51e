import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/** packages/jwtkit/dist, found through the package's own "./explain" export. */
function jwtkitDist(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('jwtkit/explain'));
  } catch {
    return null;
  }
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
  const dist = jwtkitDist();
  // The shared explanation module and its one dependency, and the library's one table of algorithm
  // facts (the page's HMAC key-length advice reads the same numbers the library enforces), compiled
  // by the library's build. All three are pure data/logic modules with no imports beyond each other.
  for (const rel of ['explain.js', '_lib/claims-info.js', '_lib/algorithms.js']) {
    const path = dist ? join(dist, rel) : '';
    if (!dist || !existsSync(path)) {
      app.log.warn(
        `web: jwtkit/${rel} is not built (run \`npm run build -w packages/jwtkit\`); the page will not work`,
      );
    }
    files.set(`/assets/jwtkit/${rel}`, path);
  }

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
