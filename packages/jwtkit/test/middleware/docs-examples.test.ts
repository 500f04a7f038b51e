// docs/middleware.md's three-line examples, run as written against tokens from our service
// (packages/server buildApp through its test helpers, listening on 127.0.0.1 so that the JWKS is fetched
// over HTTP). Each `<!-- example: NAME -->` block is extracted from the document; the only changes are the
// module specifiers (`jwtkit/x` -> this checkout's source) and the JWKS URL (-> the test server's port).
// The generated files are also compiled with tsc (the examples must type-check), together with a
// fixture that checks the `Register` claims type of Express and Fastify.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../core/_helpers.js';
import { httpGet } from './_harness.js';

const here = join(repoRoot, 'packages/jwtkit/test/middleware');
const doc = readFileSync(join(repoRoot, 'docs/middleware.md'), 'utf8');

function example(name: string): string {
  const m = new RegExp(`<!-- example: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(doc);
  assert.ok(m, `docs/middleware.md has no "example: ${name}" block`);
  return m[1] as string;
}

const DOC_JWKS = 'http://localhost:3000/.well-known/jwks.json';
const DOC_ISSUER = 'http://localhost:3000';

const PRELUDES: Record<string, string> = {
  express:
    "import express from 'express';\nimport { options } from './options.js';\nconst app = express();\n",
  fastify:
    "import Fastify from 'fastify';\nimport { options } from './options.js';\nconst app = Fastify();\n",
  hono: "import { Hono } from 'hono';\nimport { options } from './options.js';\nconst app = new Hono();\n",
  fetch: "import { options } from './options.js';\n",
};
const EPILOGUES: Record<string, string> = {
  express: 'export { app };\n',
  fastify: 'export { app };\n',
  hono: 'export { app };\n',
  fetch: '',
};

interface TestApp {
  app: { listen(o: { host: string; port: number }): Promise<string> };
  close(): Promise<void>;
}
interface Helpers {
  startApp(env: Record<string, string>): Promise<TestApp>;
  login(app: unknown): Promise<{ access_token: string }>;
}

let dir: string;
let service: TestApp;
let serviceBase: string;
let accessToken: string;

function lines(code: string): number {
  return code.trim().split('\n').length;
}

before(async () => {
  dir = mkdtempSync(join(here, '.docs-examples-'));
  const helpers = (await import(
    pathToFileURL(join(repoRoot, 'packages/server/test/helpers.ts')).href
  )) as Helpers;
  // The service as the docs describe it: ISSUER = AUDIENCE = http://localhost:3000 (the demo default).
  service = await helpers.startApp({ ISSUER: DOC_ISSUER });
  serviceBase = (await service.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  accessToken = (await helpers.login(service.app)).access_token;

  const src = (m: string) => `../../../src/middleware/${m}.js`;
  const options = example('options').replace(DOC_JWKS, `${serviceBase}/.well-known/jwks.json`);
  assert.notEqual(options, example('options'), 'the options example names the service JWKS URL');
  writeFileSync(join(dir, 'options.ts'), options);
  for (const name of ['express', 'fastify', 'hono', 'fetch']) {
    const snippet = example(name);
    assert.equal(lines(snippet), 3, `the ${name} example is three lines`);
    const code = snippet.replace(/'jwtkit\/(\w+)'/g, (_m, sub: string) => `'${src(sub)}'`);
    writeFileSync(join(dir, `${name}.ts`), PRELUDES[name] + code + EPILOGUES[name]);
  }
  writeFileSync(
    join(dir, 'register.ts'),
    [
      "import express from 'express';",
      "import Fastify from 'fastify';",
      `import { jwtAuth } from '${src('express')}';`,
      `import { jwtAuth as plugin } from '${src('fastify')}';`,
      `declare module '${src('fetch')}' {`,
      '  interface Register { claims: { sub: string; tenant: string } }',
      '}',
      'const opts = { key: "k".repeat(32), algorithms: ["HS256"], issuer: "i", audience: "a" } as const;',
      'express().get("/", jwtAuth(opts), (req, res) => { const t: string | undefined = req.auth?.tenant; res.json(t); });',
      'const f = Fastify();',
      'await f.register(plugin, opts);',
      'f.get("/", { preHandler: f.authenticate }, async (r) => { const t: string | undefined = r.auth?.tenant; return t; });',
      // The expectation below fails to compile if req.auth were `any` (an unused @ts-expect-error is an error).
      'express().get("/", (req, res) => {',
      '  // @ts-expect-error the registered claims type says tenant is a string',
      '  const n: number | undefined = req.auth?.tenant;',
      '  res.json(n);',
      '});',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.json',
      compilerOptions: { rootDir: '../../..' },
      include: ['*.ts'],
    }),
  );
});

after(async () => {
  await service?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the examples (and the Register fixture) type-check', () => {
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc failed:\n${(error as { stdout?: string }).stdout ?? error}`);
  }
});

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ base: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function check(base: string): Promise<void> {
  const ok = await httpGet(base, '/api/me', [['authorization', `Bearer ${accessToken}`]]);
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body, { user: '101' }, 'alice (id 101) from the service token');
  const none = await httpGet(base, '/api/me');
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="api"');
  const tampered = await httpGet(base, '/api/me', [
    ['authorization', `Bearer ${accessToken.slice(0, -4)}AAAA`],
  ]);
  assert.equal(tampered.status, 401);
}

test('Express: the three-line example accepts a service token', async () => {
  const { app } = (await import(pathToFileURL(join(dir, 'express.ts')).href)) as {
    app: Parameters<typeof createServer>[1];
  };
  const { base, server } = await listen(app);
  try {
    await check(base);
  } finally {
    server.close();
  }
});

test('Fastify: the three-line example accepts a service token', async () => {
  const { app } = (await import(pathToFileURL(join(dir, 'fastify.ts')).href)) as {
    app: { listen(o: object): Promise<string>; close(): Promise<void> };
  };
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await check(base);
  } finally {
    await app.close();
  }
});

test('Hono: the three-line example accepts a service token', async () => {
  const { app } = (await import(pathToFileURL(join(dir, 'hono.ts')).href)) as {
    app: { fetch(r: Request): Promise<Response> };
  };
  const { serve } = await import('@hono/node-server');
  const { base, close } = await new Promise<{ base: string; close: () => void }>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve({ base: `http://127.0.0.1:${info.port}`, close: () => s.close() }),
    );
  });
  try {
    await check(base);
  } finally {
    close();
  }
});

test('fetch: the three-line example accepts a service token', async () => {
  const { handler } = (await import(pathToFileURL(join(dir, 'fetch.ts')).href)) as {
    handler: (r: Request) => Promise<Response>;
  };
  const call = async (headers: Record<string, string>) =>
    handler(new Request('http://127.0.0.1/api/me', { headers }));
  const ok = await call({ authorization: `Bearer ${accessToken}` });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { user: '101' });
  const none = await call({});
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
});
