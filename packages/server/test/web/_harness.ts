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
