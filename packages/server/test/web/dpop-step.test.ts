// The Flow's DPoP step in Chromium (playwright-core, Debian's /usr/bin/chromium, never downloaded): the page
// makes a non-extractable WebCrypto key, gets a DPoP-bound token for bob, calls /me with a proof, and shows
// the stolen token failing (as Bearer, and with a proof of another key). The service runs with DPOP_NONCE,
// so the page's nonce retry is exercised too. The proofs the page sent are checked with jose (the oracle).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, jwtVerify } from 'jose';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { chromiumAvailable, launchChromium } from './_harness.js';

const missing = !chromiumAvailable();
if (missing && process.env.CI)
  throw new Error('Chromium is missing at /usr/bin/chromium (required under CI)');
const SKIP = missing ? 'chromium not installed at /usr/bin/chromium (apt-get install chromium)' : false;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('Flow: the DPoP step in Chromium', { skip: SKIP, timeout: 180_000 }, () => {
  let close: () => Promise<void>;
  let origin: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const sent: { url: string; method: string; headers: Record<string, string>; status?: number }[] = [];
  const problems: string[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-web-dpop-'));
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const config = loadConfig(
      {
        JWTKIT_MODE: 'demo',
        HOST: '127.0.0.1',
        PORT: String(port),
        ISSUER: origin,
        DATABASE_URL: join(dir, 'jwtkit.sqlite'),
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_ITERATIONS: '1',
        RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
        RATE_LIMIT_LOGIN_IP: '1000/1m',
        DPOP_NONCE: 'true',
        LOG_LEVEL: 'silent',
      },
      dir,
    );
    const { app } = await buildApp(config, { logger: false });
    await app.listen({ port, host: '127.0.0.1' });
    close = async () => {
      const cut = setTimeout(() => app.server.closeAllConnections(), 5000);
      await app.close();
      clearTimeout(cut);
      rmSync(dir, { recursive: true, force: true });
    };
    browser = await launchChromium();
    context = browser.context;
    page = await context.newPage();
    page.on('request', (r: Request) => sent.push({ url: r.url(), method: r.method(), headers: r.headers() }));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: .* (400|401)/.test(m.text()))
        problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    await page.click('#tab-flow');
  });
  after(async () => {
    await browser?.close();
    await close?.();
  });

  const resultOf = (id: string) => page.locator(`#dpop-results li[data-result="${id}"]`);

  test('login with a proof: a DPoP-bound token for a key the page cannot export', async () => {
    await page.click('#dpop-login');
    await resultOf('login').waitFor({ timeout: 20_000 });
    assert.equal(
      await resultOf('login').getAttribute('class'),
      'ok',
      (await resultOf('login').textContent()) ?? '',
    );
    const key = (await page.textContent('#dpop-key')) ?? '';
    assert.match(key, /private key extractable: false \(export refused\)/);
    const jkt = /jkt\) ([A-Za-z0-9_-]{43})/.exec(key)?.[1];
    // The login proofs: the first had no nonce (the server asked for one), the retry had it.
    const logins = sent.filter((r) => r.url === `${origin}/auth/login`);
    assert.equal(logins.length, 2, 'one use_dpop_nonce answer, one retry');
    const [first, retry] = await Promise.all(
      logins.map((r) => jwtVerify(r.headers.dpop!, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] })),
    );
    assert.equal(first!.payload.nonce, undefined);
    assert.equal(typeof retry!.payload.nonce, 'string');
    assert.equal(retry!.payload.htm, 'POST');
    assert.equal(retry!.payload.htu, `${origin}/auth/login`);
    assert.equal(await calculateJwkThumbprint(retry!.protectedHeader.jwk!), jkt);
    assert.equal(
      (retry!.protectedHeader.jwk as Record<string, unknown>).d,
      undefined,
      'only the public key is embedded',
    );
  });

  test('GET /me with a proof of that key: 200', async () => {
    await page.click('#dpop-me');
    await resultOf('me').waitFor({ timeout: 20_000 });
    assert.equal(
      await resultOf('me').getAttribute('class'),
      'ok',
      (await resultOf('me').textContent()) ?? '',
    );
    const me = sent.filter((r) => r.url === `${origin}/me`).at(-1)!;
    const token = me.headers.authorization!.replace(/^DPoP /, '');
    assert.match(me.headers.authorization!, /^DPoP /);
    const proof = await jwtVerify(me.headers.dpop!, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    assert.equal(proof.payload.htm, 'GET');
    assert.equal(proof.payload.htu, `${origin}/me`);
    const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString(
      'base64url',
    );
    assert.equal(proof.payload.ath, ath);
    const claims = decodeJwt(token) as { cnf?: { jkt?: string } };
    assert.equal(claims.cnf?.jkt, await calculateJwkThumbprint(proof.protectedHeader.jwk!));
  });

  test('the stolen token without the key: refused as Bearer and with a proof of another key', async () => {
    await page.click('#dpop-stolen');
    await resultOf('stolen-other-key').waitFor({ timeout: 20_000 });
    assert.equal(await resultOf('stolen-bearer').getAttribute('class'), 'ok');
    assert.equal(await resultOf('stolen-other-key').getAttribute('class'), 'ok');
    assert.match((await page.textContent('#dpop-status')) ?? '', /refused both ways/);
    assert.match((await page.textContent('#dpop-exchange')) ?? '', /HTTP\/1\.1 401/);
    assert.deepEqual(problems, []);
  });
});
