// Regenerates docs/screenshots/*.png from the real page (Debian Chromium, real app in-process).
// Usage: npx tsx packages/server/test/web/screenshots.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, SEED_SECRET, SEED_TOKEN, startFullApp } from './_harness.js';

const OUT = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

if (!chromiumAvailable()) {
  console.error('chromium not installed at /usr/bin/chromium');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const served = await startFullApp();
const browser = await launchChromium({ width: 1280, height: 900 });
const page = await browser.context.newPage();
const state = (sel: string, st: string) =>
  page.waitForFunction(([s, v]) => document.querySelector(s!)?.getAttribute('data-state') === v, [sel, st]);

async function stepClick(p: Page, sel: string): Promise<void> {
  const n = await p.locator('#flow-history li').count();
  await p.click(sel);
  await p.waitForFunction((k) => document.querySelectorAll('#flow-history li').length > k, n);
}

try {
  await page.goto(`${served.url}/`);
  await page.waitForSelector('body[data-ready="true"]');

  // Debugger: the seed token, verified with its secret.
  await page.fill('#token-input', SEED_TOKEN);
  await page.fill('#verify-key', SEED_SECRET);
  await state('#verify-status', 'valid');
  await page.screenshot({ path: `${OUT}debugger.png`, fullPage: true });

  // Encoder: an ES256 token signed with a key generated in the page.
  await page.click('#tab-encode');
  await page.selectOption('#enc-alg', 'ES256');
  await page.click('#enc-generate');
  await state('#enc-status', 'valid');
  await page.screenshot({ path: `${OUT}encoder.png`, fullPage: true });

  // Flow: alice logs in, calls /me and the admin route, refreshes, replays the old refresh token.
  await page.click('#tab-flow');
  for (const sel of ['#flow-login-alice', '#flow-me', '#flow-admin', '#flow-refresh', '#flow-replay']) {
    await stepClick(page, sel);
  }
  await page.screenshot({ path: `${OUT}flow.png`, fullPage: true });

  // The flow's access token in the debugger, verified against the service's JWKS URL.
  await page.click('#flow-login-alice');
  await page.waitForFunction(() => !document.querySelector('#flow-inspect')?.hasAttribute('hidden'));
  await page.click('#flow-inspect');
  await state('#verify-status', 'valid');
  await page.screenshot({ path: `${OUT}debugger-access-token.png`, fullPage: true });
  await page.click('#tab-flow');

  // Bob's 403, then logout and the denied /me.
  await page.click('#flow-reset');
  for (const sel of ['#flow-login-bob', '#flow-admin']) await stepClick(page, sel);
  await page.screenshot({ path: `${OUT}flow-bob-403.png`, fullPage: true });

  // Phone-sized screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#tab-debugger');
  await page.click('#tab-decode');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${OUT}phone-debugger.png` });
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await served.close();
}
