import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BrowserContext } from 'playwright-core';
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
export async function startFullApp(extraEnv: Record<string, string> = {}): Promise<Served> {
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
  const { app } = await buildApp(config, { logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    app,
    kind: 'full',
    close: async () => {
      await app.close();
      tmp.cleanup();
    },
  };
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
      await context.close();
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
