// The page's HTTP side without a browser: headers (strict CSP), assets, the shared explain module, caching,
// and static checks of the browser code (no inline script, no eval/innerHTML, type-checks against jwtkit/explain).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { CONTENT_SECURITY_POLICY, libraryModules, registerWeb } from '../../src/web/index.js';

const PUBLIC = fileURLToPath(new URL('../../src/web/public/', import.meta.url));
// The library's build the page's modules import (served at /assets/jwtkit/ by web/index.ts).
const JWTKIT_DIST = dirname(createRequire(import.meta.url).resolve('jwtkit/explain'));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('web routes', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify({ logger: false });
    await registerWeb(app);
    await app.ready();
  });
  after(() => app.close());

  test('GET / serves the page with a strict CSP and security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    assert.equal(csp, CONTENT_SECURITY_POLICY);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.match(res.body, /<title>jwtkit/);
  });

  test('every asset is served with its type and the same CSP', async () => {
    const html = (await app.inject({ method: 'GET', url: '/' })).body;
    const referenced = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(referenced.sort(), ['/assets/app.css', '/assets/main.js']);
    const js = readdirSync(PUBLIC).filter((f) => f.endsWith('.js'));
    for (const url of [
      ...referenced,
      ...js.map((f) => `/assets/${f}`),
      ...[...(libraryModules() ?? new Map()).keys()].map((rel) => `/assets/jwtkit/${rel}`),
    ]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(
        String(res.headers['content-type']),
        url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
        url,
      );
      assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, url);
    }
  });

  test('the library modules are the library build itself, found from its public exports (one implementation shared with the CLI)', async () => {
    const modules = libraryModules();
    assert.ok(modules, 'jwtkit is built');
    // The entry points the page imports, and what they import: the explanations, the one table of
    // algorithm facts, the lesson texts. Reached from the public exports, never named by a private path.
    for (const rel of ['explain.js', 'learn/index.js', '_lib/algorithms.js', '_lib/claims-info.js'])
      assert.ok(modules.has(rel), rel);
    const src = readFileSync(join(ROOT, 'packages/server/src/web/index.ts'), 'utf8');
    assert.doesNotMatch(src, /_lib\//, 'web/index.ts names no private file of the library');
    for (const [rel, file] of modules) {
      const res = await app.inject({ method: 'GET', url: `/assets/jwtkit/${rel}` });
      assert.equal(res.statusCode, 200, rel);
      assert.equal(res.body, readFileSync(file, 'utf8'), rel);
      assert.doesNotMatch(res.body, /from 'node:|require\(/, rel);
    }
    const explain = await app.inject({ method: 'GET', url: '/assets/jwtkit/explain.js' });
    assert.match(explain.body, /export function explainToken/);
  });

  test('the served build is not older than the source (else: npm run build -w packages/jwtkit)', () => {
    for (const [rel, built] of libraryModules() ?? new Map<string, string>()) {
      const srcFile = join(ROOT, 'packages/jwtkit/src', rel.replace(/\.js$/, '.ts'));
      assert.ok(
        statSync(built).mtimeMs >= statSync(srcFile).mtimeMs,
        `packages/jwtkit/dist/${rel} is older than its source: run \`npm run build -w packages/jwtkit\``,
      );
    }
  });

  test('ETag revalidation answers 304', async () => {
    const first = await app.inject({ method: 'GET', url: '/assets/main.js' });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[\w-]{22}"$/);
    const again = await app.inject({
      method: 'GET',
      url: '/assets/main.js',
      headers: { 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
  });

  test('unknown assets and traversal attempts are 404, never files from elsewhere', async () => {
    for (const url of [
      '/assets/nope.js',
      '/assets/../package.json',
      '/assets/%2e%2e/index.ts',
      '/assets/jwtkit/index.js',
      '/assets/jwtkit/../../package.json',
      '/assets/index.html',
      '/index.ts',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.doesNotMatch(res.body, /"name":|registerWeb/, url);
    }
  });

  test('HEAD / works', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
  });
});

describe('browser code, statically', () => {
  const html = readFileSync(join(PUBLIC, 'index.html'), 'utf8');
  const scripts = readdirSync(PUBLIC)
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ f, src: readFileSync(join(PUBLIC, f), 'utf8') }));

  test('no inline script, inline style or inline event handler in the HTML', () => {
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(m[1]!, /\bsrc="/, 'inline <script>');
      assert.equal(m[2]!.trim(), '');
    }
    assert.doesNotMatch(html, /<style\b/);
    assert.doesNotMatch(html, /\sstyle="/);
    assert.doesNotMatch(html, /\son[a-z]+="/);
  });

  test('no eval, Function, innerHTML or document.write; fetch called only by flow.js, jwt.js (fetchJwks), lab.js and dpop-step.js, once each', () => {
    for (const { f, src } of scripts) {
      const banned =
        /\beval\(|new Function|innerHTML|outerHTML|document\.write|insertAdjacentHTML|localStorage|sessionStorage|document\.cookie|sendBeacon|XMLHttpRequest|WebSocket/.exec(
          src,
        );
      assert.equal(banned, null, `${f} uses ${banned?.[0]}`);
      // What each call sends is checked by behaviour: fetchJwks below; flow.js's, lab.js's and dpop-step.js's
      // requests in page.test.ts, learn.test.ts and dpop-step.test.ts (every request the page makes is recorded).
      const calls = src.match(/\bfetch\(/g)?.length ?? 0;
      assert.equal(calls, ['flow.js', 'jwt.js', 'lab.js', 'dpop-step.js'].includes(f) ? 1 : 0, f);
    }
  });

  test('fetchJwks sends a bare GET to the URL typed (no credentials, referrer, headers or body); refuses http elsewhere', async () => {
    // The module runs in Node from a copy next to the library build it imports, with fetch and
    // location stubbed: what it asks fetch() for is what the browser would send.
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-web-fetch-'));
    const saved = {
      fetch: globalThis.fetch,
      location: Object.getOwnPropertyDescriptor(globalThis, 'location'),
    };
    try {
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'jwt.js'), readFileSync(join(PUBLIC, 'jwt.js')));
      symlinkSync(JWTKIT_DIST, join(dir, 'jwtkit'));
      const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
      globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
        calls.push({ url: String(input), init });
        return Response.json({ keys: [] });
      };
      Object.defineProperty(globalThis, 'location', {
        value: new URL('https://jwtkit.example/page'),
        configurable: true,
      });
      const { fetchJwks } = (await import(join(dir, 'jwt.js'))) as {
        fetchJwks: (url: string) => Promise<unknown>;
      };
      assert.deepEqual(await fetchJwks('https://issuer.example/.well-known/jwks.json'), { keys: [] });
      assert.deepEqual(await fetchJwks('/.well-known/jwks.json'), { keys: [] }); // this site, relative
      assert.deepEqual(
        calls.map((c) => c.url),
        ['https://issuer.example/.well-known/jwks.json', 'https://jwtkit.example/.well-known/jwks.json'],
      );
      for (const { init } of calls) {
        assert.equal(init?.method, 'GET');
        assert.equal(init?.credentials, 'omit');
        assert.equal(init?.referrerPolicy, 'no-referrer');
        assert.equal(init?.headers, undefined);
        assert.equal(init?.body, undefined);
      }
      await assert.rejects(fetchJwks('http://issuer.example/jwks.json'), /must be https/);
      await assert.rejects(fetchJwks('https://'), /not a valid URL/);
      assert.equal(calls.length, 2, 'a refused URL is never fetched');
    } finally {
      globalThis.fetch = saved.fetch;
      if (saved.location) Object.defineProperty(globalThis, 'location', saved.location);
      else Reflect.deleteProperty(globalThis, 'location');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the debugger and Learn modules never fetch (the token and key typed there stay in the page)', () => {
    for (const f of ['debugger.js', 'learn.js'])
      assert.doesNotMatch(scripts.find((s) => s.f === f)!.src, /\bfetch\(/, f);
  });

  test('the browser code type-checks (checkJs, the repo strictness) against the shared explain module', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-web-tsc-'));
    try {
      for (const { f } of scripts) symlinkSync(join(PUBLIC, f), join(dir, f));
      // The library as the page gets it: its build (the declarations type the page's calls; the library's
      // own sources are type-checked by its own project, with Node's types where its Node build needs them).
      symlinkSync(join(ROOT, 'packages/jwtkit/dist'), join(dir, 'jwtkit'));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            allowJs: true,
            checkJs: true,
            noEmit: true,
            // The repository's own strictness (tsconfig.base.json), not a looser one for the page.
            strict: true,
            noUncheckedIndexedAccess: true,
            noImplicitOverride: true,
            noFallthroughCasesInSwitch: true,
            noUnusedLocals: true,
            noUnusedParameters: true,
            target: 'ES2022',
            module: 'ES2022',
            moduleResolution: 'bundler',
            lib: ['ES2023', 'DOM', 'DOM.Iterable'],
            types: [],
            skipLibCheck: true,
            preserveSymlinks: true,
          },
          include: ['*.js'],
        }),
      );
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      const out = await promisify(execFile)(process.execPath, [tsc, '-p', dir]).catch(
        (e: { stdout?: string }) => ({
          stdout: e.stdout ?? String(e),
        }),
      );
      assert.equal(out.stdout.trim(), '', out.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
