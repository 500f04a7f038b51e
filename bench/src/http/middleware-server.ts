// Servers for `npm run bench:middleware`: the same route (GET /me -> a few claims as JSON) behind jwtkit's
// middleware and behind each framework's usual JWT middleware, same token, same key type, same checks
// (signature, exp, iss, aud). Run in its own child process.
//   fastify-jwtkit   Fastify + jwtkit/fastify (plugin, preHandler app.authenticate)
//   fastify-peer     Fastify + @fastify/jwt (request.jwtVerify() in onRequest, its README setup)
//   express-jwtkit   Express 5 + jwtkit/express
//   express-peer     Express 5 + express-jwt
//   hono-jwtkit      Hono (on @hono/node-server) + jwtkit/hono
//   hono-peer        Hono + hono/jwt
// ES256: jwtkit reads the public key from a JWKS URL (a 127.0.0.1 server in this process, fetched once and
// cached by createRemoteJwks); the peers are given the public key directly (their static-key setup: they
// have no cached remote JWKS of their own), which favours them.
// Usage: node --import tsx middleware-server.ts <variant> <HS256|ES256>
// Prints one JSON line {"port":..,"token":..} on stdout once listening on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyJwt from '@fastify/jwt';
import { serve } from '@hono/node-server';
import express from 'express';
import { expressjwt } from 'express-jwt';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { jwt as honoJwt } from 'hono/jwt';
import { encode, exportPem, exportPublicJwk, generateKeyPair } from 'jwtkit';
import { jwtAuth as expressAuth } from 'jwtkit/express';
import { jwtAuth as fastifyAuth } from 'jwtkit/fastify';
import { jwtAuth as honoAuth } from 'jwtkit/hono';

const variant = process.argv[2] ?? 'fastify-jwtkit';
const alg = (process.argv[3] ?? 'HS256') as 'HS256' | 'ES256';
const ISSUER = 'https://issuer.bench';
const AUDIENCE = 'https://api.bench';
const SECRET = 'bench-http-secret-0123456789abcdefghijklmnop';

const pair = alg === 'ES256' ? generateKeyPair('ES256') : null;
const publicPem = pair ? exportPem(pair.publicKey) : '';
const publicJwk = pair ? { ...exportPublicJwk(pair.publicKey), kid: 'k1', alg: 'ES256', use: 'sig' } : null;
const now = Math.floor(Date.now() / 1000);
const token = encode(
  { iss: ISSUER, aud: AUDIENCE, sub: '1', iat: now, exp: now + 3600, jti: 'j1', scope: 'read' },
  pair ? pair.privateKey : SECRET,
  { algorithm: alg, ...(pair ? { keyId: 'k1' } : {}) },
);

async function jwksUrl(): Promise<string> {
  const body = JSON.stringify({ keys: [publicJwk] });
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}

const jwtkitOptions = async () =>
  alg === 'HS256'
    ? { key: SECRET, algorithms: ['HS256'] as const, issuer: ISSUER, audience: AUDIENCE }
    : {
        jwksUrl: await jwksUrl(),
        jwksOptions: { allowHttp: 'loopback' as const },
        algorithms: ['ES256'] as const,
        issuer: ISSUER,
        audience: AUDIENCE,
      };

const answer = (c: { sub?: unknown; scope?: unknown } | null | undefined) => ({
  sub: c?.sub,
  scope: c?.scope,
});

function printed(port: number): void {
  process.stdout.write(`${JSON.stringify({ port, token })}\n`);
}

if (variant.startsWith('fastify')) {
  const app = Fastify({ logger: false });
  if (variant === 'fastify-jwtkit') {
    await app.register(fastifyAuth, await jwtkitOptions());
    app.get('/me', { preHandler: app.authenticate }, async (req) => answer(req.auth));
  } else {
    await app.register(fastifyJwt, {
      secret: alg === 'HS256' ? SECRET : { public: publicPem },
      verify: { algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE },
    });
    app.get('/me', {
      onRequest: async (req) => {
        await req.jwtVerify();
      },
      handler: async (req) => answer(req.user as { sub?: unknown }),
    });
  }
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  printed(Number(new URL(address).port));
} else if (variant.startsWith('express')) {
  const app = express();
  app.disable('x-powered-by');
  if (variant === 'express-jwtkit') {
    app.use(expressAuth(await jwtkitOptions()));
    app.get('/me', (req, res) => {
      res.json(answer(req.auth));
    });
  } else {
    app.use(
      expressjwt({
        secret: alg === 'HS256' ? SECRET : publicPem,
        algorithms: [alg],
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    );
    app.get('/me', (req, res) => {
      res.json(answer((req as unknown as { auth?: { sub?: unknown } }).auth));
    });
    app.use(
      (
        err: { status?: number },
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        res.status(err.status ?? 500).json({ error: 'unauthorized' });
      },
    );
  }
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  printed((server.address() as AddressInfo).port);
} else if (variant.startsWith('hono')) {
  const app = new Hono();
  if (variant === 'hono-jwtkit') {
    const auth = honoAuth(await jwtkitOptions());
    app.get('/me', auth, (c) => c.json(answer(c.get('auth'))));
  } else {
    app.use(
      '/me',
      honoJwt({
        secret: alg === 'HS256' ? SECRET : (publicJwk as unknown as JsonWebKey),
        alg,
        verification: { iss: ISSUER, aud: AUDIENCE },
      }),
    );
    app.get('/me', (c) => c.json(answer(c.get('jwtPayload') as { sub?: unknown })));
  }
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => printed(info.port));
} else {
  process.stdout.write(`${JSON.stringify({ error: `unknown variant ${variant}` })}\n`);
  process.exit(1);
}
