import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerWeb } from '../../src/web/index.js';

export const CHROMIUM = '/usr/bin/chromium';

export interface Served {
  url: string;
  app: FastifyInstance;
  /** 'full': the real app (REST routes + page); 'web-only': a bare Fastify with just the page. */
  kind: 'full' | 'web-only';
  close(): Promise<void>;
}

/** A bare Fastify instance serving only the page (the Debugger needs nothing else). */
export async function startWebOnly(): Promise<Served> {
  const app = Fastify({ logger: false });
  await registerWeb(app);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, app, kind: 'web-only', close: () => app.close() };
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}
