// Peer HTTP servers for `npm run bench:http`, each run in its own child process. The route does what ours
// does once authenticated: it reads the user from SQLite (better-sqlite3, statement prepared once) and
// answers the same fields. The same kind of database as the service's (storage/sqlite.ts): a file in a
// temp dir, journal_mode WAL, synchronous NORMAL. A WAL read takes and drops the WAL-index read lock (two
// fcntl calls a read) where `:memory:` takes none: ~3 us a read on :memory: against ~5-10 us on the file,
// which is the same SQLite read only when both do it (bench/FINDINGS.md S5d).
//   noauth            GET /me with no authentication at all (the ceiling; user id 1)
//   fastify-jwt       Fastify + @fastify/jwt, its README setup (request.jwtVerify() in onRequest) with a
//                     `trusted` revocation check against in-memory jti/session denylists (same duty as ours)
//   fastify-jwt-cache the same with @fastify/jwt's verified-token cache on (`verify: { cache: true }`)
// Usage: node --import tsx peer-server.ts <variant> <HS256|ES256>
// Prints one JSON line {"port":..,"token":..} on stdout once listening on 127.0.0.1.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyJwt from '@fastify/jwt';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const variant = process.argv[2] ?? 'fastify-jwt';
const alg = process.argv[3] ?? 'HS256';
const ISSUER = 'jwtkit-bench';
const user = { id: 1, username: 'alice', role: 'admin' };

const dir = mkdtempSync(join(tmpdir(), 'jwtkit-bench-peer-'));
const db = new Database(join(dir, 'peer.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(
  'CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL)',
);
db.prepare('INSERT INTO users VALUES (?, ?, ?, ?)').run(user.id, user.username, user.role, Date.now());
const byId = db.prepare('SELECT * FROM users WHERE id = ?');
interface Row {
  id: number;
  username: string;
  role: string;
  created_at: number;
}
function me(id: number, extra: Record<string, unknown>): Record<string, unknown> {
  const row = byId.get(id) as Row | undefined;
  if (!row) throw new Error('no such user');
  return {
    user_id: row.id,
    username: row.username,
    role: row.role,
    created_at: new Date(row.created_at).toISOString(),
    ...extra,
  };
}

const app = Fastify({ logger: false });
let token = '';

if (variant === 'noauth') {
  app.get('/me', async () => me(user.id, {}));
} else {
  const revoked = new Set<string>(['jti:revoked-1', 'sid:revoked-1']);
  let secret: string | { private: string; public: string };
  if (alg === 'HS256') secret = 'bench-http-secret-0123456789abcdefghijklmnop';
  else {
    // PEM straight from the generation job (exporting a key fresh from a job can deadlock node).
    const { privateKey, publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { format: 'pem', type: 'pkcs8' },
      publicKeyEncoding: { format: 'pem', type: 'spki' },
    });
    secret = { private: privateKey, public: publicKey };
  }
  await app.register(fastifyJwt, {
    secret,
    sign: { algorithm: alg as 'HS256' | 'ES256', iss: ISSUER, expiresIn: '15m' },
    verify: {
      algorithms: [alg as 'HS256' | 'ES256'],
      allowedIss: ISSUER,
      ...(variant === 'fastify-jwt-cache' ? { cache: true } : {}),
    },
    trusted: (_req, decoded) => {
      const d = decoded as { jti?: string; sid?: string };
      return !revoked.has(`jti:${d.jti}`) && !revoked.has(`sid:${d.sid}`);
    },
  });
  app.get('/me', {
    onRequest: async (req) => {
      await req.jwtVerify();
    },
    handler: async (req) => {
      const u = req.user as { sub: string; sid: string; exp: number };
      return me(Number(u.sub), { session_id: u.sid, token_expires_at: new Date(u.exp * 1000).toISOString() });
    },
  });
  await app.ready();
  token = app.jwt.sign({
    sub: String(user.id),
    username: user.username,
    role: user.role,
    jti: randomUUID(),
    sid: randomUUID(),
  });
}

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port), token })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
