// GET /me through app.inject (no sockets): our server (packages/server buildApp, as bench:http runs it) vs
// a bare Fastify route doing the same SQLite read. CPU per request, interleaved rounds, medians: the quick
// way to find where the server's time goes before a full `npm run bench:http`.
// Usage: npx tsx bench/src/micro/me-inject.ts [HS256|ES256] [plain|observed] [requests per round]
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const alg = process.argv[2] === 'ES256' ? 'ES256' : 'HS256';
const mode = process.argv[3] === 'observed' ? 'observed' : 'plain';
const N = Number(process.argv[4] ?? 20000);

const server = (await import(
  String(
    process.env.SERVER_DIST ? '../../../packages/server/dist/app.js' : '../../../packages/server/src/app.js',
  )
)) as {
  buildApp: (
    c: unknown,
    o?: unknown,
  ) => Promise<{
    app: ReturnType<typeof Fastify>;
    services: {
      storage?: { getUserById(id: number): Promise<unknown>; getUserProfile?(id: number): Promise<unknown> };
      tokens: {
        authenticate(t: string): Promise<{ claims: unknown }>;
        verifySignatureAndClaims(t: string): unknown;
      };
      auth: { me(c: unknown): Promise<unknown> };
    };
  }>;
};
const config = (await import(
  String(
    process.env.SERVER_DIST
      ? '../../../packages/server/dist/config.js'
      : '../../../packages/server/src/config.js',
  )
)) as {
  loadConfig: (env: Record<string, string>, cwd?: string) => unknown;
};
const dir = mkdtempSync(join(tmpdir(), 'jwtkit-me-inject-'));
const env: Record<string, string> = {
  JWTKIT_MODE: 'demo',
  HOST: '127.0.0.1',
  PORT: '0',
  DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`,
  LOG_LEVEL: mode === 'observed' ? 'info' : 'warn',
  JWT_ALG: alg,
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_ITERATIONS: '1',
};
if (alg === 'HS256') env.JWT_SECRET = randomBytes(48).toString('base64url');
let options: unknown = { logger: false };
if (mode === 'observed') {
  env.METRICS_TOKEN = randomBytes(32).toString('base64url');
  const sink = (await import(String('../../../packages/server/src/ops/log-sink.js'))) as {
    LogSink: new (t: unknown) => { write(line: string): unknown };
  };
  options = { logger: true, logStream: new sink.LogSink(createWriteStream(join(dir, 'log.ndjson'))) };
}
// The bare route reads the same kind of database as the service (a WAL file, as bench:http's peers do);
// `:memory:` is timed below only to show what the WAL-index lock costs a read.
function usersDb(file: string): Database.Database {
  const db = new Database(file);
  if (file !== ':memory:') {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, role TEXT, created_at INTEGER)');
  db.prepare('INSERT INTO users VALUES (1, ?, ?, ?)').run('alice', 'admin', Date.now());
  return db;
}
const byId = usersDb(join(dir, 'bare.sqlite')).prepare('SELECT * FROM users WHERE id = ?');
const byIdMemory = usersDb(':memory:').prepare('SELECT * FROM users WHERE id = ?');
const { app, services } = await server.buildApp(config.loadConfig(env, dir), options);
await app.ready();
const login = await app.inject({
  method: 'POST',
  url: '/auth/login',
  payload: { username: 'alice', password: 'alice-demo-password' },
});
const token = (login.json() as { access_token: string }).access_token;

const bare = Fastify({ logger: false });
bare.get('/me', async () => {
  const row = byId.get(1) as { id: number; username: string; role: string; created_at: number };
  return {
    user_id: row.id,
    username: row.username,
    role: row.role,
    created_at: new Date(row.created_at).toISOString(),
  };
});
bare.get('/healthz', async () => ({ status: 'ok' }));
await bare.ready();

const headers = { authorization: `Bearer ${token}` };
{
  // The same read on the server's own database file (a second connection, WAL): what the SQLite step costs.
  const file = new Database(join(dir, 'bench.sqlite'), { readonly: true });
  const q = file.prepare('SELECT * FROM users WHERE id = ?');
  const id = (file.prepare('SELECT id FROM users WHERE username = ?').get('alice') as { id: number }).id;
  for (let i = 0; i < 5000; i++) q.get(id);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 50000; i++) q.get(id);
  console.log(
    `SELECT * FROM users WHERE id = ? on the server's file: ${(Number(process.hrtime.bigint() - t0) / 50000 / 1000).toFixed(2)} us`,
  );
  // The service's row is wider (password hash, epochs...): the same file, only the columns /me answers.
  const narrow = file.prepare('SELECT id, username, role, created_at FROM users WHERE id = ?');
  for (let i = 0; i < 5000; i++) narrow.get(id);
  const n0 = process.hrtime.bigint();
  for (let i = 0; i < 50000; i++) narrow.get(id);
  console.log(
    `the same with only /me's four columns: ${(Number(process.hrtime.bigint() - n0) / 50000 / 1000).toFixed(2)} us`,
  );
  for (let i = 0; i < 5000; i++) byId.get(1);
  const b0 = process.hrtime.bigint();
  for (let i = 0; i < 50000; i++) byId.get(1);
  console.log(
    `the same on the bare route's file (WAL): ${(Number(process.hrtime.bigint() - b0) / 50000 / 1000).toFixed(2)} us`,
  );
  for (let i = 0; i < 5000; i++) byIdMemory.get(1);
  const m0 = process.hrtime.bigint();
  for (let i = 0; i < 50000; i++) byIdMemory.get(1);
  console.log(`the same on :memory: ${(Number(process.hrtime.bigint() - m0) / 50000 / 1000).toFixed(2)} us`);
  file.close();
  const storage = services.storage;
  if (storage?.getUserById) {
    for (let i = 0; i < 5000; i++) await storage.getUserById(id);
    const s0 = process.hrtime.bigint();
    for (let i = 0; i < 50000; i++) await storage.getUserById(id);
    console.log(
      `storage.getUserById through the server's storage: ${(Number(process.hrtime.bigint() - s0) / 50000 / 1000).toFixed(2)} us`,
    );
  } else console.log('no storage handle', Object.keys(services));
  if (storage?.getUserProfile) {
    const profile = storage.getUserProfile.bind(storage);
    for (let i = 0; i < 5000; i++) await profile(id);
    const p0 = process.hrtime.bigint();
    for (let i = 0; i < 50000; i++) await profile(id);
    console.log(
      `storage.getUserProfile (what GET /me reads): ${(Number(process.hrtime.bigint() - p0) / 50000 / 1000).toFixed(2)} us`,
    );
  }
  const time = async (label: string, f: () => unknown) => {
    for (let i = 0; i < 5000; i++) await f();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 50000; i++) await f();
    console.log(`${label}: ${(Number(process.hrtime.bigint() - t0) / 50000 / 1000).toFixed(2)} us`);
  };
  await time('tokens.verifySignatureAndClaims (the cached verifier)', () =>
    services.tokens.verifySignatureAndClaims(token),
  );
  await time('tokens.authenticate (verify + revocation)', () => services.tokens.authenticate(token));
  const { claims } = await services.tokens.authenticate(token);
  await time('auth.me (the user read + the answer)', () => services.auth.me(claims));
}
async function round(a: typeof app, n: number, url = '/me'): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await a.inject({ method: 'GET', url, headers });
    if (r.statusCode !== 200) throw new Error(`GET /me ${r.statusCode} ${r.body}`);
  }
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}
if (process.env.ONLY_BARE) {
  await round(bare, N * 3);
  process.exit(0);
}
if (process.env.ONLY_OURS) {
  await round(app, N * 3);
  await app.close();
  process.exit(0);
}
await round(app, 2000);
await round(bare, 2000);
const ours: number[] = [];
const theirs: number[] = [];
const inApp: number[] = [];
const inBare: number[] = [];
for (let r = 0; r < 5; r++) {
  ours.push(await round(app, N));
  theirs.push(await round(bare, N));
  inApp.push(await round(app, N, '/healthz'));
  inBare.push(await round(bare, N, '/healthz'));
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `${alg} ${mode}: ours ${med(ours).toFixed(1)} us/req, bare ${med(theirs).toFixed(1)} us/req, bare/ours ${(med(theirs) / med(ours)).toFixed(2)}x; GET /healthz ours ${med(inApp).toFixed(1)} vs bare ${med(inBare).toFixed(1)} us/req`,
);
const r = await app.inject({ method: 'GET', url: '/me', headers });
console.log(Object.keys(r.headers).join(' '), r.body.length);
await app.close();
process.exit(0);
