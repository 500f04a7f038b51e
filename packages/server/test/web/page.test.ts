// Browser tests of the page at `/` with playwright-core and Debian's Chromium (never downloaded).
// The real app runs in-process on 127.0.0.1 (temp SQLite, demo users); every request the page makes is recorded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';
import { encodeEncrypted } from 'jwtkit/jwe';
import type { BrowserContext, Page, Request } from 'playwright-core';
import {
  chromiumAvailable,
  contrastProblems,
  launchChromium,
  SEED_SECRET,
  SEED_TOKEN,
  type Served,
  shot,
  startFullApp,
} from './_harness.js';

interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

const missing = !chromiumAvailable();
if (missing && process.env.CI)
  throw new Error('Chromium is missing at /usr/bin/chromium (required under CI)');
const SKIP = missing ? 'chromium not installed at /usr/bin/chromium (apt-get install chromium)' : false;

describe('web page in Chromium', { skip: SKIP, timeout: 180_000 }, () => {
  let served: Served;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  const requests: Recorded[] = [];
  const problems: string[] = [];

  before(async () => {
    served = await startFullApp();
    browser = await launchChromium();
    context = browser.context;
    page = await context.newPage();
    page.on('request', (r: Request) => {
      requests.push({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() ?? '' });
    });
    page.on('console', (m) => {
      // The flow's 401/403 answers are expected; Chromium logs every non-2xx fetch.
      if (m.type() === 'error' && !/Failed to load resource: .* (401|403)/.test(m.text()))
        problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${served.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  });

  after(async () => {
    await browser?.close();
    await served?.close();
  });

  const text = (sel: string) => page.locator(sel).innerText();
  const waitState = (sel: string, state: string) =>
    page.waitForFunction(
      ([s, st]) => document.querySelector(s!)?.getAttribute('data-state') === st,
      [sel, state],
      {
        timeout: 10_000,
      },
    );

  test('page loads under its strict CSP without errors', async () => {
    const res = await page.request.get(`${served.url}/`);
    assert.match(res.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    assert.equal(await page.title(), 'jwtkit: JWT debugger and auth flow');
    assert.deepEqual(problems, []);
  });

  test('debugger: the seed token is split, decoded and explained as it is typed', async () => {
    await page.fill('#token-input', SEED_TOKEN);
    const [h, p, s] = SEED_TOKEN.split('.');
    assert.equal(await text('#token-colored .seg-h'), h);
    assert.equal(await text('#token-colored .seg-p'), p);
    assert.equal(await text('#token-colored .seg-s'), s);
    const header = await text('#header-json');
    assert.match(header, /"alg": "HS256"/);
    const payload = await text('#payload-json');
    assert.match(payload, /"username": "alice"/);
    assert.match(payload, /"role": "admin"/);
    assert.doesNotMatch(payload, /HS256/);
    assert.equal(await text('#alg-name'), 'HS256');
    assert.match(await text('#claims-table tr[data-claim="username"]'), /alice/);
    assert.match(await text('#claims-table tr[data-claim="role"]'), /admin/);
    assert.match(await text('#header-table tr[data-claim="alg"]'), /HS256[\s\S]*RFC 7515 §4\.1\.1/);
    assert.deepEqual(
      await page
        .locator('#token-warnings li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))),
      ['no-exp'],
    );
    // typing character by character also splits live
    await page.fill('#token-input', '');
    await page.locator('#token-input').pressSequentially('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    assert.equal(await text('#alg-name'), 'none');
    const codes = await page
      .locator('#token-warnings li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    assert.deepEqual(codes, ['alg-none', 'no-exp']);
    await page.fill('#token-input', 'not-a-token');
    assert.match(await text('#token-errors'), /3 dot-separated parts/);
  });

  test('debugger: registered time claims show local dates and relative times with RFC links', async () => {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    await page.fill(
      '#token-input',
      `${enc({ alg: 'HS256' })}.${enc({ iat: now - 300, exp: now + 14 * 60 + 20 })}.${'A'.repeat(43)}`,
    );
    const exp = await text('#claims-table tr[data-claim="exp"]');
    assert.match(exp, /Expiration time/);
    assert.match(exp, /expires in 14 min/);
    assert.match(exp, /RFC 7519 §4\.1\.4/);
    assert.equal(
      await page.locator('#claims-table tr[data-claim="exp"] a').getAttribute('href'),
      'https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4',
    );
    const dt = await page.locator('#claims-table tr[data-claim="exp"] time').getAttribute('datetime');
    assert.equal(dt, new Date((now + 14 * 60 + 20) * 1000).toISOString());
    assert.match(await text('#claims-table tr[data-claim="iat"]'), /issued 5 min ago/);
  });

  test('debugger: a JWE (made by the Node build) is decrypted in the page with the key typed, nothing sent', async () => {
    const before = requests.length;
    // dir + A256GCM with a base64url key
    const raw = randomBytes(32);
    const dirToken = encodeEncrypted({ sub: 'jwe-user', n: 1 }, raw, { alg: 'dir', enc: 'A256GCM' });
    await page.fill('#token-input', dirToken);
    assert.match(await text('#token-warnings'), /encrypted token \(JWE, 5 parts\)/);
    await page.check('input[name="key-kind"][value="secret-b64"]');
    await page.fill('#verify-key', raw.toString('base64url'));
    await waitState('#verify-status', 'valid');
    assert.match(await text('#verify-status'), /Decrypted \(dir \/ A256GCM\)/);
    assert.match(await text('#payload-json'), /jwe-user/);
    // the wrong key: the library's one decryption error, and the plaintext is gone
    await page.fill('#verify-key', randomBytes(32).toString('base64url'));
    await waitState('#verify-status', 'invalid');
    assert.match(await text('#verify-status'), /ERR_JWE_DECRYPTION_FAILED/);
    assert.doesNotMatch(await text('#payload-json'), /jwe-user/);
    // PBES2 with a typed password
    const pbes2 = encodeEncrypted({ sub: 'pbes2-user' }, 'correct horse battery staple', {
      alg: 'PBES2-HS256+A128KW',
      enc: 'A128CBC-HS256',
    });
    await page.fill('#token-input', pbes2);
    await page.check('input[name="key-kind"][value="secret"]');
    await page.fill('#verify-key', 'correct horse battery staple');
    await waitState('#verify-status', 'valid');
    assert.match(await text('#payload-json'), /pbes2-user/);
    // RSA-OAEP-256 with a PKCS#8 PEM private key
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const oaep = encodeEncrypted({ sub: 'rsa-user' }, rsa.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    await page.fill('#token-input', oaep);
    await page.check('input[name="key-kind"][value="pem"]');
    await page.fill('#verify-key', rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    await waitState('#verify-status', 'valid');
    assert.match(await text('#payload-json'), /rsa-user/);
    // The library's rules hold in the page: the public key never decrypts
    await page.fill('#verify-key', rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    await waitState('#verify-status', 'error');
    assert.match(await text('#verify-status'), /Cannot decrypt: .*\[ERR_/);
    assert.equal(requests.length, before, 'decrypting sent nothing');
  });

  test('debugger: verifies the seed token with mysecret123 (valid) and wrong (invalid)', async () => {
    await page.fill('#token-input', SEED_TOKEN);
    await page.check('input[name="key-kind"][value="secret"]');
    await page.fill('#verify-key', SEED_SECRET);
    await waitState('#verify-status', 'valid');
    assert.match(await text('#verify-status'), /Signature verified/);
    await page.fill('#verify-key', 'wrong-secret-123');
    await waitState('#verify-status', 'invalid');
    assert.match(await text('#verify-status'), /Invalid signature/);
    // A secret the library refuses (under 8 bytes) is refused here too, with the library's code (issue 15).
    await page.fill('#verify-key', 'wrong');
    await waitState('#verify-status', 'error');
    assert.match(await text('#verify-status'), /ERR_JWK_INVALID/);
    // a correct signature on an expired token says both
    const hdr = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const body = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) - 7200 })).toString(
      'base64url',
    );
    const sig = createHmac('sha256', SEED_SECRET).update(`${hdr}.${body}`).digest('base64url');
    await page.fill('#verify-key', SEED_SECRET);
    await page.fill('#token-input', `${hdr}.${body}.${sig}`);
    await waitState('#verify-status', 'valid');
    assert.match(await text('#verify-status'), /Signature verified \(HS256\), but the token expired 2 h ago/);
    await page.fill('#token-input', SEED_TOKEN);
    // base64url form of the same secret
    await page.check('input[name="key-kind"][value="secret-b64"]');
    await page.fill('#verify-key', Buffer.from(SEED_SECRET).toString('base64url'));
    await waitState('#verify-status', 'valid');
    // a PEM where a secret is needed is a clear error, not a crash
    await page.check('input[name="key-kind"][value="pem"]');
    await page.fill('#verify-key', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----');
    await waitState('#verify-status', 'error');
    assert.match(await text('#verify-status'), /cannot be used as an HMAC secret \[ERR_JWK_INVALID\]/);
  });

  test('debugger: verifies ES256 and RS256 with PEM, JWK and JWKS public keys', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ecToken = await new SignJWT({ sub: 'carol' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k2' })
      .setExpirationTime('10m')
      .sign(ec.privateKey);
    const rsToken = await new SignJWT({ sub: 'dave' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(rsa.privateKey);
    const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ecJwk = await exportJWK(ec.publicKey);
    const other = await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);

    await page.fill('#token-input', ecToken);
    await page.check('input[name="key-kind"][value="pem"]');
    await page.fill('#verify-key', ecPem);
    await waitState('#verify-status', 'valid');
    await page.fill('#verify-key', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await waitState('#verify-status', 'error');

    await page.check('input[name="key-kind"][value="jwk"]');
    await page.fill('#verify-key', JSON.stringify(ecJwk));
    await waitState('#verify-status', 'valid');
    await page.fill('#verify-key', JSON.stringify(other));
    await waitState('#verify-status', 'invalid');
    await page.fill(
      '#verify-key',
      JSON.stringify({
        keys: [
          { ...other, kid: 'k1' },
          { ...ecJwk, kid: 'k2' },
        ],
      }),
    );
    await waitState('#verify-status', 'valid');
    assert.match(await text('#verify-status'), /key "k2"/);
    await page.fill('#verify-key', '{not json');
    await waitState('#verify-status', 'error');

    await page.fill('#token-input', rsToken);
    await page.check('input[name="key-kind"][value="pem"]');
    await page.fill(
      '#verify-key',
      createPublicKey(rsa.privateKey).export({ type: 'pkcs1', format: 'pem' }).toString(),
    );
    await waitState('#verify-status', 'valid');
    const tampered = rsToken.replace(/\.[^.]+\./, `.${Buffer.from('{"sub":"eve"}').toString('base64url')}.`);
    await page.fill('#token-input', tampered);
    await waitState('#verify-status', 'invalid');
  });

  test('debugger: verifies with an X.509 certificate PEM (public key taken from the certificate)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-cert-'));
    try {
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:P-256',
            '-keyout',
            join(dir, 'k.pem'),
            '-out',
            join(dir, 'c.pem'),
            '-nodes',
            '-subj',
            '/CN=jwtkit test',
            '-days',
            '1',
          ],
          { stdio: 'ignore' },
        );
      } catch {
        t.skip('openssl not available to make a test certificate');
        return;
      }
      const key = await importPKCS8(readFileSync(join(dir, 'k.pem'), 'utf8'), 'ES256');
      const token = await new SignJWT({ sub: 'cert' }).setProtectedHeader({ alg: 'ES256' }).sign(key);
      await page.fill('#token-input', token);
      await page.check('input[name="key-kind"][value="pem"]');
      await page.fill('#verify-key', readFileSync(join(dir, 'c.pem'), 'utf8'));
      await waitState('#verify-status', 'valid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('encoder: signs with WebCrypto (HS256 secret, ES256 generated key) and the tokens verify in Node', async () => {
    await page.click('#tab-encode');
    await page.selectOption('#enc-alg', 'HS256');
    await page.check('input[name="enc-key-kind"][value="secret"]');
    await page.fill('#enc-payload', JSON.stringify({ sub: 'alice', role: 'admin' }));
    await page.fill('#enc-key', 'encoder-secret-0123456789abcdef!!');
    await waitState('#enc-status', 'valid');
    const hsToken = await text('#enc-output');
    const hs = await jwtVerify(hsToken, new TextEncoder().encode('encoder-secret-0123456789abcdef!!'));
    assert.deepEqual(hs.payload, { sub: 'alice', role: 'admin' });
    assert.deepEqual(
      await page
        .locator('#enc-warnings li')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))),
      ['no-exp'],
    );

    await page.selectOption('#enc-alg', 'ES256');
    await page.click('#enc-generate');
    await waitState('#enc-status', 'valid');
    const esToken = await text('#enc-output');
    const pub = await page.inputValue('#enc-public');
    const es = await jwtVerify(esToken, await importSPKI(pub, 'ES256'));
    assert.equal(es.protectedHeader.alg, 'ES256');
    const priv = await page.inputValue('#enc-key');
    await importPKCS8(priv, 'ES256');

    await page.click('#enc-to-decoder');
    assert.equal(await page.locator('#tab-decode').getAttribute('aria-selected'), 'true');
    await waitState('#verify-status', 'valid');
    assert.equal(await page.inputValue('#token-input'), esToken);

    await page.click('#tab-encode');
    await page.fill('#enc-header', '{"alg":');
    await waitState('#enc-status', 'error');
    await page.click('#tab-decode');
  });

  /** Runs one flow step and returns the response status badge. */
  async function step(button: string): Promise<string> {
    const before = await page.locator('#flow-history li').count();
    await page.click(button);
    await page.waitForFunction((n) => document.querySelectorAll('#flow-history li').length > n, before, {
      timeout: 15_000,
    });
    return text('#flow-response-status');
  }
  const current = () => page.locator('#flow-diagram g.step.current').getAttribute('data-step');

  test('flow as alice: login, /me, admin 200, refresh rotation, replay 401, logout, /me 401', async () => {
    await page.click('#tab-flow');
    assert.equal(await page.locator('#panel-flow').isVisible(), true);
    assert.equal(await page.locator('#flow-me').isDisabled(), true);

    assert.equal(await step('#flow-login-alice'), '200');
    assert.equal(await current(), 'login');
    assert.match(await text('#flow-request'), /^POST \/auth\/login HTTP\/1\.1[\s\S]*"username": "alice"/);
    assert.match(
      await text('#flow-response'),
      /HTTP\/1\.1 200 OK[\s\S]*"access_token"[\s\S]*"refresh_token"/,
    );
    assert.match(await text('#flow-access'), /username alice · role admin/);
    const refresh1 = await text('#flow-refresh-token');

    assert.equal(await step('#flow-me'), '200');
    assert.equal(await current(), 'me');
    assert.match(await text('#flow-request'), /GET \/me HTTP\/1\.1[\s\S]*Authorization: Bearer ey/);
    assert.match(await text('#flow-response'), /"username": "alice"/);

    assert.equal(await step('#flow-admin'), '200');
    assert.equal(await current(), 'admin');
    assert.match(await text('#flow-response'), /"users"/);

    assert.equal(await step('#flow-refresh'), '200');
    assert.equal(await current(), 'refresh');
    const refresh2 = await text('#flow-refresh-token');
    assert.notEqual(refresh2, refresh1, 'the refresh token rotates');
    assert.match(await text('#flow-old-refresh'), new RegExp(refresh1.slice(0, 16)));

    assert.equal(await step('#flow-replay'), '401');
    assert.equal(await current(), 'replay');
    assert.match(await text('#flow-request'), new RegExp(`"refresh_token": "${refresh1}"`));
    assert.match(await text('#flow-status'), /revoked the whole session/);
    assert.equal(await page.locator('#flow-logout').isDisabled(), true);
    assert.equal(await step('#flow-me'), '401', 'the session revocation kills its access tokens too');

    assert.equal(await step('#flow-login-alice'), '200');
    assert.equal(await step('#flow-logout'), '204');
    assert.equal(await current(), 'logout');
    assert.match(
      await text('#flow-request'),
      /POST \/auth\/logout HTTP\/1\.1[\s\S]*Authorization: Bearer ey[\s\S]*"refresh_token"/,
    );
    assert.equal(await step('#flow-me-after'), '401');
    assert.equal(await current(), 'me-after');
    assert.match(await text('#flow-response'), /HTTP\/1\.1 401 Unauthorized/);
    // the second login started a new session: only its own steps are marked as done
    assert.deepEqual(
      await page
        .locator('#flow-diagram g.step.done, #flow-diagram g.step.current')
        .evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-step')}:${g.getAttribute('class')}`)),
      ['login:step done ran', 'logout:step done ran', 'me-after:step current ran'],
    );
  });

  test('flow as bob: admin route is 403, refresh, logout, /me 401', async () => {
    await page.click('#flow-reset');
    assert.equal(await page.locator('#flow-history li').count(), 0);
    assert.equal(await page.locator('#flow-diagram g.step.done, #flow-diagram g.step.current').count(), 0);
    assert.match(
      (await page.locator('#flow-diagram g.step[data-step="admin"]').textContent()) ?? '',
      /200 users \(admin\) · 403 \(user\)/,
    );
    assert.equal(await step('#flow-login-bob'), '200');
    assert.match(await text('#flow-access'), /username bob · role user/);
    assert.equal(await step('#flow-me'), '200');
    assert.match(await text('#flow-response'), /"username": "bob"/);
    assert.equal(await step('#flow-admin'), '403');
    assert.match(await text('#flow-status'), /not authorized/);
    assert.match(await page.locator('#flow-diagram g.step[data-step="admin"]').innerHTML(), /403 Forbidden/);
    assert.equal(await step('#flow-refresh'), '200');
    assert.equal(await step('#flow-logout'), '204');
    assert.equal(await step('#flow-me-after'), '401');
  });

  test('flow hands its access token to the debugger, verified against the service JWKS URL', async () => {
    await page.click('#flow-reset');
    await step('#flow-login-alice');
    await page.click('#flow-inspect');
    assert.equal(await page.locator('#tab-debugger').getAttribute('aria-selected'), 'true');
    await waitState('#verify-status', 'valid');
    assert.match(await text('#verify-status'), /Signature verified \(ES256\) with key/);
    await shot(page, 'debugger-access-token');
    assert.equal(await text('#alg-name'), 'ES256');
    assert.ok(requests.some((r) => r.url === `${served.url}/.well-known/jwks.json` && r.method === 'GET'));
    // editing the token re-verifies against the JWK Set already fetched: no new request
    const jwksFetches = () => requests.filter((r) => r.url.endsWith('/.well-known/jwks.json')).length;
    const fetched = jwksFetches();
    const token = await page.inputValue('#token-input');
    await page.fill(
      '#token-input',
      `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}${token.slice(-1)}`,
    );
    await waitState('#verify-status', 'invalid');
    await page.fill('#token-input', token);
    await waitState('#verify-status', 'valid');
    assert.equal(jwksFetches(), fetched);
    assert.deepEqual(problems, []);
  });

  test('keyboard: tabs move with arrow keys; phone-sized screen has no horizontal scroll', async () => {
    await page.focus('#tab-debugger');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('#tab-flow').getAttribute('aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-flow');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator('#tab-debugger').getAttribute('aria-selected'), 'true');
    await page.setViewportSize({ width: 375, height: 740 });
    for (const tab of ['#tab-debugger', '#tab-flow']) {
      await page.click(tab);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      const culprits = await page.evaluate(() =>
        Array.from(document.querySelectorAll('body *'))
          .filter((el) => el.getBoundingClientRect().right > 376)
          .slice(0, 8)
          .map((el) => `${el.tagName}#${el.id}.${el.getAttribute('class')}`),
      );
      assert.ok(width <= 375, `${tab}: page is ${width}px wide on a 375px screen (${culprits.join(', ')})`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.click('#tab-debugger');
    // every form control has an accessible label
    const unlabeled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, textarea, select'))
        .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.outerHTML),
    );
    assert.deepEqual(unlabeled, []);
  });

  test('text contrast meets WCAG AA in light and dark schemes, on both tabs', async () => {
    // tsx compiles with keepNames: give the serialized function the helper it references.
    await page.evaluate('globalThis.__name = (f) => f');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const tab of ['#tab-debugger', '#tab-flow']) {
        await page.click(tab);
        assert.deepEqual(await page.evaluate(contrastProblems), [], `${colorScheme} ${tab}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test("flow: a replay inside the server's grace window is explained, not shown as theft", async () => {
    const graceful = await startFullApp({ REFRESH_REUSE_GRACE: '60' });
    const other = await context.newPage();
    try {
      await other.goto(`${graceful.url}/`);
      await other.waitForSelector('body[data-ready="true"]');
      await other.click('#tab-flow');
      const run = async (sel: string) => {
        const n = await other.locator('#flow-history li').count();
        await other.click(sel);
        await other.waitForFunction((k) => document.querySelectorAll('#flow-history li').length > k, n);
        return other.locator('#flow-response-status').innerText();
      };
      assert.equal(await run('#flow-login-alice'), '200');
      assert.equal(await run('#flow-refresh'), '200');
      const current = await other.locator('#flow-refresh-token').innerText();
      assert.equal(await run('#flow-replay'), '200');
      assert.match(await other.locator('#flow-status').innerText(), /grace window/);
      assert.equal(await other.locator('#flow-refresh-token').innerText(), current);
      assert.equal(await other.locator('#flow-logout').isDisabled(), false);
    } finally {
      await other.close();
      await graceful.close();
    }
  });

  test('no request ever carried the pasted token or the secret', () => {
    assert.ok(requests.length > 10);
    const secrets = [
      SEED_SECRET,
      SEED_TOKEN,
      SEED_TOKEN.split('.')[1]!,
      SEED_TOKEN.split('.')[2]!,
      'encoder-secret-0123456789abcdef',
    ];
    for (const r of requests) {
      assert.equal(new URL(r.url).origin, served.url, `request left the origin: ${r.url}`);
      const wire = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
      for (const s of secrets)
        assert.ok(!wire.includes(s), `${r.method} ${r.url} carried a secret or the pasted token`);
    }
    const debuggerRequests = requests.filter((r) => !/\/(auth|me|admin)\b/.test(new URL(r.url).pathname));
    for (const r of debuggerRequests) assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
  });
});
