import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { registerWeb } from '../../src/web/index.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SEED_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDEsInVzZXJuYW1lIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ.XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548';
export const SEED_SECRET = 'mysecret123';

export interface Served {
  url: string;
  app: FastifyInstance;
  /** 'full': the real app (REST routes + page); 'web-only': a bare Fastify with just the page. */
  kind: 'full' | 'web-only';
  close(): Promise<void>;
}

function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A bare Fastify instance serving only the page (the Debugger needs nothing else). */
export async function startWebOnly(): Promise<Served> {
  const app = Fastify({ logger: false });
  await registerWeb(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, kind: 'web-only', close: () => app.close() };
}

/**
 * The real service in-process on a random 127.0.0.1 port with a temp SQLite file and the demo users.
 * Cheap argon2 parameters keep it fast; a zero refresh grace makes a replay detectable immediately.
 */
/**
 * A service clock a test can stop and move (milliseconds): `pause()` freezes it, `advance(ms)` moves it on,
 * `resume()` lets it run again from where it stands (never backwards). A test of a time window (the refresh
 * grace) then does not depend on how fast a loaded machine clicks through the steps.
 */
export function testClock(): { now(): number; pause(): void; advance(ms: number): void; resume(): void } {
  let offset = 0;
  let frozen: number | null = null;
  return {
    now: () => frozen ?? Date.now() + offset,
    pause() {
      frozen ??= Date.now() + offset;
    },
    advance(ms: number) {
      if (frozen !== null) frozen += ms;
      else offset += ms;
    },
    resume() {
      if (frozen === null) return;
      offset = frozen - Date.now();
      frozen = null;
    },
  };
}

export async function startFullApp(
  extraEnv: Record<string, string> = {},
  options: { clock?: () => number } = {},
): Promise<Served> {
  const tmp = tempDir('jwtkit-web-');
  const config = loadConfig(
    {
      JWTKIT_MODE: 'demo',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: join(tmp.dir, 'jwtkit.sqlite'),
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_ITERATIONS: '1',
      REFRESH_REUSE_GRACE: '0',
      RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
      RATE_LIMIT_LOGIN_IP: '1000/1m',
      LOG_LEVEL: 'silent',
      ...extraEnv,
    },
    tmp.dir,
  );
  const { app } = await buildApp(config, {
    logger: false,
    ...(options.clock ? { infra: { clock: options.clock } } : {}),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    app,
    kind: 'full',
    close: async () => {
      // A connection the browser keeps busy must not hold the test forever: cut them after 5 s.
      const cut = setTimeout(() => app.server.closeAllConnections(), 5000);
      await app.close();
      clearTimeout(cut);
      tmp.cleanup();
    },
  };
}

/** Resolves true when `p` settled within `ms`, false when it did not (it keeps running). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const done = p.then(
    () => true as const,
    () => true as const,
  );
  const ok = await Promise.race([done, late]);
  clearTimeout(timer);
  return ok;
}

/** SIGKILLs every process whose command line names `marker` (a stuck browser's processes). */
function killProcessesNaming(marker: string): void {
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours
    }
  }
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** Debian's Chromium, headless, with a fresh temp profile. Never downloads a browser. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const { chromium } = await import('playwright-core');
  const profile = tempDir('jwtkit-chromium-');
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      // A Chromium that does not close within 10 s is killed (its processes carry the profile's path).
      if (!(await within(context.close(), 10_000))) killProcessesNaming(profile.dir);
      profile.cleanup();
    },
  };
}

/**
 * Runs in the page: every visible text whose contrast with its background is below WCAG AA
 * (4.5:1, or 3:1 for large text). Disabled controls are exempt (WCAG 1.4.3).
 */
export function contrastProblems(): string[] {
  type Rgba = { r: number; g: number; b: number; a: number };
  const parse = (c: string): Rgba | null => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1]!
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    return { r: p[0]!, g: p[1]!, b: p[2]!, a: p[3] ?? 1 };
  };
  const lum = ({ r, g, b }: Rgba) => {
    const f = (v: number) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bgOf = (el: Element): Rgba => {
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const bad: string[] = [];
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    if (el.closest('svg') && el.tagName !== 'text') continue;
    if (!Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent?.trim())) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.closest('[hidden], :disabled, .sr-only')) continue;
    const cs = getComputedStyle(el);
    const fg = parse(el.tagName === 'text' ? cs.fill : cs.color);
    if (!fg) continue;
    const [l1, l2] = [lum(fg), lum(bgOf(el))];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = Number.parseFloat(cs.fontSize);
    const min = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66) ? 3 : 4.5;
    if (ratio < min)
      bad.push(
        `${el.tagName}.${el.getAttribute('class')} "${el.textContent?.trim().slice(0, 30)}" ${ratio.toFixed(2)}`,
      );
  }
  return Array.from(new Set(bad));
}

/** Where `shot()` writes: docs/screenshots/ of this repository. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url));

/**
 * The README screenshots are taken by the browser tests themselves, at the moment a test has checked
 * what they show: `JWTKIT_SCREENSHOTS=1` (see screenshots.ts) writes docs/screenshots/<name>.png;
 * otherwise this does nothing. `target` is a page (full-page shot) or one element.
 */
export async function shot(
  target: Page | Locator,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  if (process.env.JWTKIT_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  if ('goto' in target) await target.screenshot({ path, fullPage: options.fullPage ?? true });
  else await target.screenshot({ path });
}

/**
 * Runs in the page: the distinct characters of its visible text that no installed font can draw (they
 * would show as an empty box). Each non-ASCII character is drawn in its element's font on a canvas
 * and compared with a code point no font has: identical pixels mean the .notdef box.
 */
export function missingGlyphs(): string[] {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return ['(no canvas)'];
  const draw = (ch: string, font: string) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = font;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'top';
    ctx.fillText(ch, 8, 8);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
  };
  const seen = new Map<string, string>(); // char|font -> verdict key
  const missing = new Set<string>();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style, [hidden]')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    const cs = getComputedStyle(el);
    const font = `${cs.fontWeight} 20px ${cs.fontFamily}`;
    for (const ch of n.textContent ?? '') {
      if ((ch.codePointAt(0) ?? 0) < 0x7f || /\s/.test(ch)) continue;
      const key = `${ch}|${font}`;
      if (seen.has(key)) continue;
      seen.set(key, '');
      // U+0378 is unassigned: every font draws it as its .notdef box.
      if (draw(ch, font) === draw('\u0378', font))
        missing.add(`${ch} U+${ch.codePointAt(0)?.toString(16).toUpperCase()}`);
    }
  }
  return [...missing];
}
