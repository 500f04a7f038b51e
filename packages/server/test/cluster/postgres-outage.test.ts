// Postgres connection loss through a TCP proxy this test cuts: storage calls (transactions included)
// reject with errors classified as "unavailable" (-> 503), the process does not crash, user reads are
// served from the outage cache, and everything works again once the proxy is restored.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { isUnavailableError } from '../../src/cluster/failure.js';
import { withOutageReads } from '../../src/cluster/outage-reads.js';
import { AuthService } from '../../src/services/auth.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { PG_URL, postgresUnavailable } from '../pg.js';
import { skipUnless } from './_redis.js';

class CutProxy {
  server: Server;
  sockets = new Set<Socket>();
  cutOff = false;
  constructor(host: string, port: number) {
    this.server = createServer((client) => {
      if (this.cutOff) return void client.destroy();
      const up = connect(port, host);
      this.sockets.add(client).add(up);
      const close = () => {
        client.destroy();
        up.destroy();
      };
      client.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
      client.pipe(up).pipe(client);
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as { port: number }).port;
  }
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}

test('postgres connection loss: typed unavailable errors, no crash, cached user reads, recovery', async (t) => {
  if (skipUnless(t, await postgresUnavailable())) return;
  const target = new URL(PG_URL);
  const proxy = new CutProxy(target.hostname, Number(target.port || 5432));
  const port = await proxy.listen();
  const via = new URL(PG_URL);
  via.port = String(port);
  const schema = `jwtkit_outage_${process.pid}_${randomBytes(3).toString('hex')}`;
  const raw = new PostgresStorage({ connectionString: via.href, schema, max: 4 });
  const storage = withOutageReads(raw);
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  try {
    await storage.migrate();
    const user = await storage.createUser({
      username: 'gina',
      passwordHash: 'h',
      role: 'user',
      now: Date.now(),
    });
    assert.equal((await storage.getUserById(user.id))?.username, 'gina');
    // GET /me's answer comes from AuthService.me alone (whatever storage reads it makes): nothing else is used.
    const n = undefined as never;
    const auth = new AuthService(n, storage, n, n, n, n, n, n, Date.now);
    const claims = { user_id: user.id, sid: 's', client_id: 'c', exp: Math.floor(Date.now() / 1000) + 60 };
    const meOf = async () => (await auth.me(claims as never)).username;
    assert.equal(await meOf(), 'gina');
    const session = {
      id: randomUUID(),
      userId: user.id,
      clientId: 'c',
      expiresAt: Date.now() + 60_000,
      userAgent: null,
      ip: null,
      now: Date.now(),
    };
    const first = { id: randomUUID(), tokenHash: randomUUID(), expiresAt: Date.now() + 60_000 };
    await storage.createSession(session, first);

    // A transaction holding a checked-out client when the connection drops, and calls made during the cut.
    const inflight = storage.rotateRefreshToken(
      first.id,
      { id: randomUUID(), tokenHash: randomUUID(), expiresAt: Date.now() + 60_000 },
      Date.now(),
    );
    proxy.cut();
    await inflight.catch((err: unknown) =>
      assert.ok(isUnavailableError(err), `in-flight error classified: ${String(err)}`),
    );
    const during = [
      storage.getUserByUsername('gina'),
      storage.rotateRefreshToken(
        first.id,
        { id: randomUUID(), tokenHash: randomUUID(), expiresAt: Date.now() + 60_000 },
        Date.now(),
      ),
      storage.createSession(
        { ...session, id: randomUUID() },
        { id: randomUUID(), tokenHash: randomUUID(), expiresAt: Date.now() + 60_000 },
      ),
    ];
    for (const p of during) {
      await assert.rejects(p, (err: unknown) => {
        assert.ok(isUnavailableError(err), `unavailable: ${String(err)}`);
        return true;
      });
    }
    // GET /me: served from the outage cache (its own read, and the full record other services read)
    assert.equal(await meOf(), 'gina');
    assert.equal((await storage.getUserById(user.id))?.username, 'gina');
    // ...but an unknown user is not invented
    await assert.rejects(storage.getUserById(999_999), (err: unknown) => isUnavailableError(err));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(crashes.length, 0, `uncaught: ${crashes.map(String).join('; ')}`);

    proxy.cutOff = false;
    let ok = false;
    const t0 = Date.now();
    while (!ok && Date.now() - t0 < 5000) {
      ok = await storage.ping().then(
        () => true,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ok, 'recovered within 5 s');
    const tokens = await storage.listRefreshTokens(session.id);
    assert.ok(tokens.filter((x) => x.status === 'active').length <= 1, 'never two active tokens in a family');
    assert.equal(tokens.filter((x) => x.status === 'active').length, 1);
  } finally {
    process.off('uncaughtException', onCrash);
    await raw.dropSchema().catch(() => {});
    await raw.close().catch(() => {});
    await proxy.close();
  }
});
