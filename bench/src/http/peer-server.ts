// Peer HTTP servers for `npm run bench:http`, each run in its own child process:
//   noauth            GET /me with no authentication at all (the ceiling)
//   fastify-jwt       Fastify + @fastify/jwt, its README setup (request.jwtVerify() in onRequest) with a
//                     `trusted` revocation check against an in-memory denylist (same duty as our server)
//   fastify-jwt-cache the same with @fastify/jwt's verified-token cache on (`verify: { cache: true }`)
// Usage: node --import tsx peer-server.ts <variant> <HS256|ES256>
// Prints one JSON line {"port":..,"token":..} on stdout once listening on 127.0.0.1.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';

const variant = process.argv[2] ?? 'fastify-jwt';
const alg = process.argv[3] ?? 'HS256';
const ISSUER = 'jwtkit-bench';
const user = { id: 1, username: 'alice', role: 'admin' };

const app = Fastify({ logger: false });
let token = '';

if (variant === 'noauth') {
  app.get('/me', async () => ({ user }));
} else {
  const revoked = new Set<string>(['revoked-jti-1']);
  let secret: string | { private: string; public: string };
  if (alg === 'HS256') secret = 'bench-http-secret-0123456789abcdefghijklmnop';
  else {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    secret = {
      private: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      public: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  }
  await app.register(fastifyJwt, {
    secret,
    sign: { algorithm: alg as 'HS256' | 'ES256', iss: ISSUER, expiresIn: '15m' },
    verify: {
      algorithms: [alg as 'HS256' | 'ES256'],
      allowedIss: ISSUER,
      ...(variant === 'fastify-jwt-cache' ? { cache: true } : {}),
    },
    trusted: (_req, decoded) =>
      !revoked.has((decoded as { payload?: { jti?: string }; jti?: string }).jti ?? ''),
  });
  app.get('/me', {
    onRequest: async (req) => {
      await req.jwtVerify();
    },
    handler: async (req) => {
      const u = req.user as { sub: string; username: string; role: string };
      return { user: { id: Number(u.sub), username: u.username, role: u.role } };
    },
  });
  await app.ready();
  token = app.jwt.sign({ sub: String(user.id), username: user.username, role: user.role, jti: randomUUID() });
}

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port), token })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
