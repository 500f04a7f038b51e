// With REDIS_URL, one authenticated request costs one Redis command (one round trip) for its three
// revocation questions (jti, session, epoch), counted by the server itself (INFO commandstats on a
// private redis-server, so no other test's traffic is in the count). Revocations still hold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { ALICE, BOB, bearer, jwtPart, login, startApp, type TestApp } from '../helpers.js';
import { freePort, PrivateRedis, redisServerMissing, skipUnless } from './_redis.js';

/** Every command Redis receives from a client (MONITOR), not those a script runs (source `lua`). */
async function watchCommands(url: string): Promise<{ commands: string[]; stop(): void }> {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const commands: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua') commands.push(String(args[0]).toLowerCase());
  });
  return {
    commands,
    stop() {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

/** Two app instances sharing one Redis and one database directory, closed and removed afterwards. */
async function twoInstances(
  redisUrl: string,
  body: (a: TestApp, b: TestApp) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-rtt-'));
  const env = { REDIS_URL: redisUrl, ISSUER: 'http://cluster.test' };
  const a = await startApp(env, { dir });
  const b = await startApp(env, { dir });
  try {
    await body(a, b);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Redis round trips per authenticated request', () => {
  let redis: PrivateRedis | null = null;
  let missing: string | null = null;
  before(async () => {
    missing = redisServerMissing();
    if (missing) return;
    redis = new PrivateRedis(await freePort());
    await redis.start();
  });
  after(async () => {
    await redis?.stop();
  });

  test('GET /me: one Redis command (the script) per request; a logout on one instance still refuses on the other', async (t) => {
    if (skipUnless(t, missing)) return;
    await twoInstances(redis!.url, async (a, b) => {
      const tok = await login(a.app, BOB);
      const me = (app: typeof a.app) =>
        app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) });
      assert.equal((await me(b.app)).statusCode, 200); // first request: caches the epoch in Redis
      const N = 25;
      const watch = await watchCommands(redis!.url);
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < N; i++) assert.equal((await me(b.app)).statusCode, 200);
      await new Promise((r) => setTimeout(r, 50));
      watch.stop();
      // health pings aside, each request sent exactly one command: the script (EVALSHA)
      const sent = watch.commands.filter((c) => c !== 'ping');
      assert.deepEqual(sent, Array(N).fill('evalsha'));

      const out = await a.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(tok.access_token),
      });
      assert.equal(out.statusCode, 204);
      const t0 = Date.now();
      while ((await me(b.app)).statusCode !== 401) {
        assert.ok(Date.now() - t0 < 1000, 'the logout reached the other instance within 1 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    });
  });
  test('concurrent requests share one script call, and each gets its own answer (revoked in Redis only)', async (t) => {
    if (skipUnless(t, missing)) return;
    await twoInstances(redis!.url, async (a, b) => {
      const raw = new Redis(redis!.url);
      try {
        const tokens: string[] = [];
        for (let i = 0; i < 6; i++) tokens.push((await login(a.app, i % 2 ? BOB : ALICE)).access_token);
        const me = (token: string) => b.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
        for (const token of tokens) assert.equal((await me(token)).statusCode, 200); // epochs cached
        // Tokens 1, 2 and 4 denied in Redis only, as another instance whose message was lost would leave
        // them: b's own mirror does not know, so only the batched script's answers can refuse them.
        const link = b.services.cluster!.link;
        const denied = new Set([1, 2, 4]);
        for (const i of denied) {
          const jti = jwtPart(tokens[i]!, 1).jti as string;
          await raw.set(link.key(`deny:jti:${jti}`), '1', 'PX', 600_000);
        }
        const watch = await watchCommands(redis!.url);
        await new Promise((r) => setTimeout(r, 50));
        const order = Array.from({ length: 48 }, (_, k) => (k * 5) % tokens.length);
        const statuses = (await Promise.all(order.map((i) => me(tokens[i]!)))).map((r) => r.statusCode);
        await new Promise((r) => setTimeout(r, 50));
        watch.stop();
        assert.deepEqual(
          statuses,
          order.map((i) => (denied.has(i) ? 401 : 200)),
        );
        const scripts = watch.commands.filter((c) => c === 'evalsha').length;
        assert.ok(
          scripts >= 1 && scripts < order.length / 4,
          `${scripts} script calls for ${order.length} requests`,
        );
      } finally {
        raw.disconnect();
      }
    });
  });
});
