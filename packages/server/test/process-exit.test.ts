// The process always stops: the real `src/main.ts` with its stdout on a pipe that (1) nobody reads and
// is full, (2) was closed before the service logged, (3) loses its reader during shutdown. In each, the
// service keeps answering while stdout is stuck, and SIGTERM ends it within the shutdown deadline.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));
/** main.ts's shutdown deadline is 10 s; the watchdog kills at 12 s. The test allows 15 s. */
const EXIT_LIMIT_MS = 15_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string, timeoutMs = 3000): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(-1);
    });
    req.on('error', () => resolve(-2));
    req.end();
  });
}

interface Started {
  child: ChildProcess;
  port: number;
  dir: string;
  /** When the process exited (ms). */
  exited: Promise<number>;
}

async function start(): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-exit-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      JWTKIT_MODE: 'demo',
      NODE_ENV: 'development',
      DATABASE_URL: join(dir, 'db.sqlite'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ARGON2_MEMORY_KIB: '256',
      ARGON2_ITERATIONS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
  const t0 = Date.now();
  while ((await get(port, '/healthz', 500)) !== 200) {
    if (Date.now() - t0 > 30_000) throw new Error('the service did not start within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, dir, exited };
}

/** Enough logged requests to fill a pipe many times over (each logs two lines). */
async function traffic(port: number, n = 600): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 20)
    out.push(
      ...(await Promise.all(Array.from({ length: 20 }, () => get(port, '/healthz?x=' + 'y'.repeat(200))))),
    );
  return out;
}

/** SIGTERM, then how long until the process was gone (Infinity: not within the limit + 5 s). */
async function stopWithin(s: Started): Promise<number> {
  const sent = Date.now();
  s.child.kill('SIGTERM');
  const at = await Promise.race([
    s.exited,
    new Promise<number>((r) => setTimeout(() => r(-1), EXIT_LIMIT_MS + 5000)),
  ]);
  if (at === -1) s.child.kill('SIGKILL');
  return at === -1 ? Number.POSITIVE_INFINITY : at - sent;
}

/** Runs one scenario against a fresh service; the process and its folder are always cleaned up. */
async function scenario(run: (s: Started) => Promise<void>): Promise<void> {
  const s = await start();
  try {
    await run(s);
  } finally {
    s.child.kill('SIGKILL');
    rmSync(s.dir, { recursive: true, force: true });
  }
}

/** Every request answered, then SIGTERM: gone within the limit, by the graceful path (exit 0). */
async function answersThenStops(s: Started, requests: number): Promise<void> {
  const statuses = await traffic(s.port, requests);
  assert.equal(statuses.filter((x) => x !== 200).length, 0, 'every request answered while stdout is stuck');
  const ms = await stopWithin(s);
  assert.ok(ms < EXIT_LIMIT_MS, `exit after ${ms} ms`);
  // The graceful path finished (exit 0), not the deadline or the watchdog.
  assert.equal(s.child.exitCode, 0, `exit code ${s.child.exitCode}, signal ${s.child.signalCode}`);
}

describe('the process always stops (stdout stuck or gone)', () => {
  test('stdout a full pipe nobody reads: requests still answered, SIGTERM exits within the deadline', () =>
    scenario(async (s) => {
      s.child.stderr?.resume(); // only stdout is left unread
      await answersThenStops(s, 600);
    }));

  test('stdout a closed pipe (EPIPE): requests still answered, SIGTERM exits within the deadline', () =>
    scenario(async (s) => {
      s.child.stdout?.destroy();
      s.child.stderr?.resume();
      await answersThenStops(s, 200);
    }));

  test('stdout reader dies during shutdown: SIGTERM exits within the deadline', () =>
    scenario(async (s) => {
      s.child.stdout?.resume();
      s.child.stderr?.resume();
      const load = traffic(s.port, 400);
      await new Promise((r) => setTimeout(r, 100));
      const stopping = stopWithin(s);
      s.child.stdout?.destroy(); // the reader goes away while the process is shutting down
      const ms = await stopping;
      await load;
      assert.ok(ms < EXIT_LIMIT_MS, `exit after ${ms} ms`);
    }));
});
