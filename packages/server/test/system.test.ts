// Health, readiness, OpenAPI, docs, the web page hook, log redaction, persistence across restarts,
// and the real process: banner, curl-style session, graceful SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALICE, assertProblem, BOB, bearer, login, refresh, startApp, TEST_ENV } from './helpers.js';

const ENDPOINTS = [
  'post /auth/register',
  'post /auth/login',
  'post /auth/refresh',
  'post /auth/logout',
  'post /auth/logout-all',
  'get /auth/sessions',
  'delete /auth/sessions/{id}',
  'post /auth/password',
  'get /me',
  'post /oauth/introspect',
  'post /oauth/revoke',
  'post /oauth/token',
  'get /admin/users',
  'patch /admin/users/{id}',
  'post /admin/users/{id}/revoke-sessions',
  'get /admin/audit-events',
  'get /admin/keys',
  'post /admin/keys/rotate',
  'get /.well-known/jwks.json',
  'get /.well-known/oauth-authorization-server',
  'get /healthz',
  'get /readyz',
  'get /openapi.json',
  'get /docs',
];

describe('system endpoints', () => {
  test('healthz, readyz, openapi.json (every endpoint), docs, web page', async () => {
    const t = await startApp();
    try {
      assert.deepEqual((await t.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().storage, 'sqlite');
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      assert.equal(doc.openapi, '3.1.0');
      const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, o]) =>
        Object.keys(o).map((m) => `${m} ${p}`),
      );
      for (const e of ENDPOINTS) assert.ok(ops.includes(e), `OpenAPI lacks ${e}`);
      assert.ok(
        doc.paths['/auth/login'].post.requestBody.content['application/json'].schema.properties.password,
      );
      assert.deepEqual(doc.paths['/me'].get.security, [{ bearerAuth: [] }, { dpopAuth: [] }]);
      assert.ok(doc.paths['/oauth/introspect'].post.requestBody.content['application/x-www-form-urlencoded']);
      const docs = await t.app.inject({ method: 'GET', url: '/docs' });
      assert.equal(docs.statusCode, 200);
      assert.match(String(docs.headers['content-type']), /text\/html/);
      assert.match(docs.body, /openapi\.json/);
      assert.equal((await t.app.inject({ method: 'GET', url: '/' })).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('readyz answers 503 problem+json when the database is gone', async () => {
    const t = await startApp();
    try {
      await t.services.storage.close();
      assertProblem(await t.app.inject({ method: 'GET', url: '/readyz' }), 503, 'not_ready');
    } finally {
      await t.close();
    }
  });

  test('logs are structured JSON and never carry passwords or tokens', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    const t = await startApp({ LOG_LEVEL: 'debug' }, { build: { logger: true, logStream: stream } });
    try {
      const tok = await login(t.app, BOB);
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) });
      await refresh(t.app, tok.refresh_token);
      await t.app.inject({ method: 'GET', url: `/me?access_token=${tok.access_token}` });
      await t.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'bob', password: 'a-wrong-password-x' },
      });
      await t.app.inject({ method: 'POST', url: '/oauth/revoke', payload: { token: tok.refresh_token } });
      assert.ok(lines.length > 5);
      for (const l of lines) JSON.parse(l);
      const all = lines.join('\n');
      for (const secret of [
        BOB.password,
        'a-wrong-password-x',
        tok.access_token,
        tok.refresh_token,
        tok.access_token.split('.')[2]!,
      ]) {
        assert.ok(!all.includes(secret), `log leaked ${secret.slice(0, 12)}…`);
      }
      // security events are lines of their own, named by the audit type
      assert.match(all, /"event":"user\.login_failed"[^\n]*"msg":"user\.login_failed"/);
    } finally {
      await t.close();
    }
  });

  test('data survives a restart: users, sessions, denylist, epochs', async () => {
    const first = await startApp();
    const dir = first.dir;
    const live = await login(first.app, ALICE);
    const loggedOut = await login(first.app, BOB);
    await first.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(loggedOut.access_token) });
    const reg = await first.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'henry', password: 'henry-long-password' },
    });
    assert.equal(reg.statusCode, 201);
    await first.app.close();
    const second = await startApp({}, { dir, clock: first.clock });
    try {
      assert.equal(
        (await second.app.inject({ method: 'GET', url: '/me', headers: bearer(live.access_token) }))
          .statusCode,
        200,
      );
      assertProblem(
        await second.app.inject({ method: 'GET', url: '/me', headers: bearer(loggedOut.access_token) }),
        401,
        'invalid_token',
      );
      await login(second.app, { username: 'henry', password: 'henry-long-password' });
      assert.equal((await refresh(second.app, live.refresh_token)).statusCode, 200);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the real process (src/main.ts)', () => {
  test('prints the banner, serves a curl-style session, exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-main-'));
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        ...TEST_ENV,
        LOG_LEVEL: 'warn',
        PORT: '0',
        INIT_CWD: dir,
        DATABASE_URL: '',
        NODE_ENV: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
        child.stdout.on('data', (d) => {
          out += String(d);
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m && out.includes('npm run demo')) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      assert.match(out, /demo mode/);
      assert.match(out, /alice-demo-password/);
      assert.ok(out.includes(join(dir, 'data', 'jwtkit.sqlite')), out);
      const loginRes = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: ALICE.username, password: ALICE.password }),
      });
      assert.equal(loginRes.status, 200);
      const tok = (await loginRes.json()) as { access_token: string; refresh_token: string };
      assert.equal((await fetch(`${url}/me`, { headers: bearer(tok.access_token) })).status, 200);
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses to start in demo mode with NODE_ENV=production (exit 2, clear message)', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, NODE_ENV: 'production', JWTKIT_MODE: 'demo', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(err, /demo mode refuses to run with NODE_ENV=production/);
  });
});

describe('npm run demo (src/demo.ts)', () => {
  test('walks login, /me, 403, refresh, replay detection, logout against a live server; every step as expected', async () => {
    const t = await startApp({}, { clock: { now: Date.now, advance: () => {} } });
    try {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const demo = fileURLToPath(new URL('../src/demo.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', demo, url], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stderr.on('data', (d) => (out += String(d)));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.equal(code, 0, out);
      assert.match(out, /insufficient_scope/);
      assert.match(out, /reuse detected/);
      assert.match(out, /typ=at\+jwt/);
      assert.match(out, /All \d+ steps answered as expected/);
      assert.ok(!out.includes('✗'), out);
    } finally {
      await t.close();
    }
  });
});
