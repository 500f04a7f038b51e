// The real process (`src/main.ts`): a busy port is explained (not a raw EADDRINUSE), the banner's demo
// command targets the port actually used, and SIGTERM under keep-alive traffic answers what is in
// flight (Connection: close), closes idle sockets, closes the database and exits 0.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BOB, TEST_ENV } from './helpers.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function listening(p: Proc, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!/listening on/.test(p.out())) {
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.err()}`);
    if (Date.now() - t0 > ms) throw new Error(`not listening after ${ms} ms: ${p.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('busy port, banner, and SIGTERM under keep-alive traffic (exit 0, database closed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-proc-'));
  const port = await freePort();
  const db = join(dir, 'a.sqlite');
  // real Argon2 cost, so logins are in flight long enough to be caught by the SIGTERM
  const env = { PORT: String(port), DATABASE_URL: db, ARGON2_MEMORY_KIB: '19456', ARGON2_ITERATIONS: '2' };
  // LOG_LEVEL=info: the test sees the process's own "shutting down" line (when it handled the signal).
  const a = start({ ...env, SHUTDOWN_DRAIN_MS: '0', LOG_LEVEL: 'info' });
  try {
    await listening(a);
    assert.match(a.out(), new RegExp(`JWTKIT_URL=http://127\\.0\\.0\\.1:${port} npm run demo`));
    assert.doesNotMatch(a.out(), /^\s+npm run demo/m);

    // a second `npm start` on the same port (another database): explained, exit 2
    const b = start({ PORT: String(port), DATABASE_URL: join(dir, 'b.sqlite') });
    assert.equal(await b.exited, 2);
    assert.match(b.err(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(b.err(), /PORT=\d+ npm start/);
    assert.doesNotMatch(b.err(), /EADDRINUSE|at .*:\d+:\d+/);

    // a second `npm start` on the same database and port (the usual case): both named, both ways out, exit 2
    const same = start({ ...env, SHUTDOWN_DRAIN_MS: '0' });
    assert.equal(await same.exited, 2);
    assert.match(
      same.err(),
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use: another jwtkit server`),
    );
    assert.match(same.err(), /REDIS_URL/);
    assert.match(same.err(), /PORT=\d+ DATABASE_URL=\S+ npm start/);
    // same database, another port: the lease message (names REDIS_URL) and the independent-server command
    const other = await freePort();
    const samedb = start({ ...env, PORT: String(other) });
    assert.equal(await samedb.exited, 2);
    assert.match(samedb.err(), /already serving this database/);
    assert.match(samedb.err(), /set REDIS_URL/);
    assert.match(samedb.err(), /PORT=\d+ DATABASE_URL=\S+ npm start/);

    // keep-alive traffic: 6 clients logging in back to back on reused sockets
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    const body = JSON.stringify({ username: BOB.username, password: BOB.password });
    let sigtermAt = Number.POSITIVE_INFINITY;
    /** When the process said it handled the signal (its log line reached us): drain had begun by then. */
    let handledAt = Number.POSITIVE_INFINITY;
    a.child.stdout!.on('data', () => {
      if (handledAt === Number.POSITIVE_INFINITY && /shutting down/.test(a.out())) handledAt = Date.now();
    });
    const before: Array<{ status?: number; error?: string }> = [];
    const closeHeaders: string[] = [];
    /** Answers to requests sent after the process handled the signal: each must say Connection: close. */
    const afterHandled: string[] = [];
    let stop = false;
    const one = () =>
      new Promise<{ status?: number; error?: string; connection?: string }>((resolve) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/auth/login',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, connection: String(res.headers.connection) }),
            );
          },
        );
        req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? String(e) }));
        req.end(body);
      });
    const loops = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const sent = Date.now();
        const r = await one();
        if (sent < sigtermAt) before.push(r);
        if (r.status !== undefined && Date.now() > sigtermAt && r.connection)
          closeHeaders.push(`${Date.now() - sigtermAt}:${r.connection}`);
        if (r.status !== undefined && sent > handledAt && r.connection) afterHandled.push(r.connection);
        if (r.error) break;
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(before.length > 6, `${before.length} logins before SIGTERM`);
    sigtermAt = Date.now();
    a.child.kill('SIGTERM');
    const code = await a.exited;
    const took = Date.now() - sigtermAt;
    stop = true;
    await Promise.all(loops);
    agent.destroy();
    assert.equal(code, 0, `exit code ${code}; stderr: ${a.err()}`);
    assert.ok(took < 5000, `exit took ${took} ms`);
    const failed = before.filter((r) => r.error !== undefined);
    assert.deepEqual(failed, [], 'every request sent before SIGTERM was answered');
    assert.ok(before.every((r) => r.status === 200));
    // requests in flight when the signal came were answered with Connection: close; a response written just
    // before the process handled the signal may still say keep-alive, but none to a request sent after the
    // process said so (no timing margin: the process's own log line marks the moment)
    assert.ok(handledAt < Number.POSITIVE_INFINITY, 'the process logged that it is shutting down');
    assert.ok(
      closeHeaders.some((c) => c.endsWith(':close')),
      `responses after SIGTERM: ${closeHeaders.join()}`,
    );
    assert.deepEqual(
      afterHandled.filter((c) => c !== 'close'),
      [],
      `answers to requests sent after the signal was handled: ${afterHandled.join()}`,
    );
    assert.equal(existsSync(`${db}-wal`), false, 'the database was closed (WAL checkpointed and removed)');

    // the lease went with the process: the same database starts again at once
    const c = start({ ...env, SHUTDOWN_DRAIN_MS: '300' });
    await listening(c);
    c.child.kill('SIGTERM');
    const cCode = await c.exited;
    assert.equal(cCode, 0, `exit code ${cCode}; stderr: ${c.err()}`);
  } finally {
    if (a.child.exitCode === null) a.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
