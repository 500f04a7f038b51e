// With REDIS_URL, one authenticated request costs one Redis command (one round trip) for its three
// revocation questions (jti, session, epoch), counted by the server itself (INFO commandstats on a
// private redis-server, so no other test's traffic is in the count). Revocations still hold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { BOB, bearer, login, startApp } from '../helpers.js';
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
    const dir = mkdtempSync(join(tmpdir(), 'jwtkit-rtt-'));
    const env = { REDIS_URL: redis!.url, ISSUER: 'http://cluster.test' };
    const a = await startApp(env, { dir });
    const b = await startApp(env, { dir });
    try {
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
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
