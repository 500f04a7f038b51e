// /docs under its strict CSP (hashes, no 'unsafe-inline'), in Debian's Chromium: the page still renders
// every operation from /openapi.json and the browser reports no CSP violation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from './helpers.js';
import { chromiumAvailable, launchChromium } from './web/_harness.js';

const missing = !chromiumAvailable();
if (missing && process.env.CI)
  throw new Error('Chromium is missing at /usr/bin/chromium (required under CI)');

test('/docs renders under its hashed CSP without violations', {
  skip: missing ? 'chromium not installed at /usr/bin/chromium' : false,
  timeout: 120_000,
}, async () => {
  const t = await startApp();
  const browser = await launchChromium();
  try {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(String(e)));
    await page.goto(`${address}/docs`);
    await page.waitForSelector('#ops h2', { timeout: 20_000 });
    const text = await page.locator('#ops').textContent();
    assert.match(String(text), /\/auth\/login/);
    assert.match(String(text), /\/oauth\/revoke/);
    // the stylesheet applied (a hashed inline <style>): the method badges are bold
    const weight = await page
      .locator('.m')
      .first()
      .evaluate((el) => getComputedStyle(el).fontWeight);
    assert.equal(weight, '700');
    assert.deepEqual(violations, []);
  } finally {
    await browser.close();
    await t.close();
  }
});
