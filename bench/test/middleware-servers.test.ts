// The middleware bench's servers (bench/src/http/middleware-server.ts), no timing: every variant, for
// HS256 and ES256, answers 200 with its token and 401 without one or with a tampered one, so that the
// bench compares servers doing the same work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('../src/http/middleware-server.ts', import.meta.url));
const VARIANTS = [
  'fastify-jwtkit',
  'fastify-peer',
  'express-jwtkit',
  'express-peer',
  'hono-jwtkit',
  'hono-peer',
];

async function start(variant: string, alg: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', server, variant, alg], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => {
      rl.close();
      child.stdout.resume();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`${variant} ${alg} exited (${code})`)));
  });
  const msg = JSON.parse(line) as { port: number; token: string };
  return { ...msg, stop: () => child.kill('SIGTERM') };
}

const get = async (port: number, token?: string) => {
  const res = await fetch(`http://127.0.0.1:${port}/me`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.text() };
};

for (const alg of ['HS256', 'ES256']) {
  for (const variant of VARIANTS) {
    test(`${variant} ${alg}: 200 with the token, 401 without and tampered`, async () => {
      const s = await start(variant, alg);
      try {
        const ok = await get(s.port, s.token);
        assert.equal(ok.status, 200, ok.body);
        assert.deepEqual(JSON.parse(ok.body), { sub: '1', scope: 'read' });
        assert.equal((await get(s.port)).status, 401);
        const i = s.token.lastIndexOf('.') + 3;
        const bad = s.token.slice(0, i) + (s.token[i] === 'A' ? 'B' : 'A') + s.token.slice(i + 1);
        assert.equal((await get(s.port, bad)).status, 401);
      } finally {
        s.stop();
      }
    });
  }
}
