// Shared harness of the middleware tests: each adapter mounted on its real framework, listening on
// 127.0.0.1 (the fetch adapter is called with real `Request` objects), the same three routes everywhere:
//   GET /me     authenticated, answers { claims }
//   GET /admin  authenticated + requireScope('admin')
//   GET /role   authenticated + requireClaims({ role: 'admin' })
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { encode, exportPublicJwk, generateKeyPair, type Jwk, type KeyObject } from '../../src/index.js';
import * as ex from '../../src/middleware/express.js';
import * as fa from '../../src/middleware/fastify.js';
import * as fe from '../../src/middleware/fetch.js';
import * as ho from '../../src/middleware/hono.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Record<string, unknown> | null;
}

export interface Mounted {
  /** Sends GET `path` with these header lines (a name may repeat: sent as separate header lines). */
  get(path: string, headers?: ReadonlyArray<readonly [string, string]>): Promise<Answer>;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: the options go to four differently typed adapters
export type AnyOptions = any;

export interface Adapter {
  name: string;
  /** False for the fetch adapter: a WHATWG Headers object joins repeated headers with ", ". */
  rawHeaders: boolean;
  mount(options: AnyOptions): Promise<Mounted>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

/** node:http client: header lines exactly as given (repeated names stay repeated). */
export function httpGet(
  base: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]> = [],
): Promise<Answer> {
  const grouped: Record<string, string[]> = {};
  for (const [k, v] of headers) {
    const list = grouped[k] ?? [];
    list.push(v);
    grouped[k] = list;
  }
  const outgoing: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(grouped)) outgoing[k] = v.length === 1 ? (v[0] as string) : v;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'GET', headers: outgoing, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
        let body: Record<string, unknown> | null = null;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: h, text, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function expressAdapter(name: string, express: typeof express5): Adapter {
  return {
    name,
    rawHeaders: true,
    async mount(options) {
      const app = express();
      app.use(ex.jwtAuth(options));
      app.get('/me', (req, res) => {
        res.json({ claims: req.auth ?? null });
      });
      app.get('/admin', ex.requireScope('admin'), (req, res) => {
        res.json({ claims: req.auth });
      });
      app.get('/role', ex.requireClaims({ role: 'admin' }), (req, res) => {
        res.json({ claims: req.auth });
      });
      const server = createServer(app);
      const base = await listen(server);
      return { get: (p, h) => httpGet(base, p, h), close: () => new Promise((r) => server.close(() => r())) };
    },
  };
}

const fastifyAdapter: Adapter = {
  name: 'fastify',
  rawHeaders: true,
  async mount(options) {
    const app = Fastify({ logger: false });
    await app.register(fa.jwtAuth, options);
    app.get('/me', { preHandler: app.authenticate }, async (request) => ({ claims: request.auth }));
    app.get('/admin', { preHandler: [app.authenticate, fa.requireScope('admin')] }, async (request) => ({
      claims: request.auth,
    }));
    app.get(
      '/role',
      { preHandler: [app.authenticate, fa.requireClaims({ role: 'admin' })] },
      async (request) => ({
        claims: request.auth,
      }),
    );
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    return { get: (p, h) => httpGet(base, p, h), close: () => app.close() };
  },
};

const honoAdapter: Adapter = {
  name: 'hono',
  rawHeaders: false,
  async mount(options) {
    const app = new Hono<ho.AuthEnv>();
    app.use('*', ho.jwtAuth(options));
    app.get('/me', (c) => c.json({ claims: c.get('auth') ?? null }));
    app.get('/admin', ho.requireScope('admin'), (c) => c.json({ claims: c.get('auth') }));
    app.get('/role', ho.requireClaims({ role: 'admin' }), (c) => c.json({ claims: c.get('auth') }));
    const { base, close } = await new Promise<{ base: string; close: () => Promise<void> }>((resolve) => {
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
        resolve({
          base: `http://127.0.0.1:${info.port}`,
          close: () => new Promise((r) => server.close(() => r())),
        }),
      );
    });
    return { get: (p, h) => httpGet(base, p, h), close };
  },
};

const fetchAdapter: Adapter = {
  name: 'fetch',
  rawHeaders: false,
  async mount(options) {
    const authenticate = fe.createAuthenticator(options);
    const requirements: Record<string, fe.Requirement[]> = {
      '/me': [],
      '/admin': [fe.requireScope('admin')],
      '/role': [fe.requireClaims({ role: 'admin' })],
    };
    const handler = async (request: Request): Promise<Response> => {
      const path = new URL(request.url).pathname;
      const result = await authenticate(request, ...(requirements[path] ?? []));
      if (!result.ok) return fe.toResponse(result);
      return Response.json({ claims: result.claims });
    };
    return {
      async get(path, headers = []) {
        const h = new Headers();
        for (const [k, v] of headers) h.append(k, v);
        const res = await handler(new Request(`http://127.0.0.1${path}`, { headers: h }));
        const text = await res.text();
        let body: Record<string, unknown> | null = null;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {}
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => {
          out[k] = v;
        });
        return { status: res.status, headers: out, text, body };
      },
      close: async () => {},
    };
  },
};

export const ADAPTERS: readonly Adapter[] = [
  expressAdapter('express 5', express5),
  expressAdapter('express 4', express4 as unknown as typeof express5),
  fastifyAdapter,
  honoAdapter,
  fetchAdapter,
];

// ---------------------------------------------------------------- tokens and keys

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'https://api.test';
export const SECRET = 's'.repeat(48);

export interface EcKey {
  privateKey: KeyObject;
  publicJwk: Jwk;
  kid: string;
}

export function ecKey(kid: string): EcKey {
  const { privateKey, publicKey } = generateKeyPair('ES256');
  return { privateKey, publicJwk: { ...exportPublicJwk(publicKey), kid, alg: 'ES256', use: 'sig' }, kid };
}

export const now = () => Math.floor(Date.now() / 1000);

export function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now(), exp: now() + 300, jti: 'j-1', ...extra };
}

export function hsToken(extra: Record<string, unknown> = {}, typ = 'at+jwt'): string {
  return encode(claims(extra), SECRET, { algorithm: 'HS256', headers: { typ } });
}

export function esToken(key: EcKey, extra: Record<string, unknown> = {}): string {
  return encode(claims(extra), key.privateKey, {
    algorithm: 'ES256',
    keyId: key.kid,
    headers: { typ: 'at+jwt' },
  });
}

export const HS_OPTIONS = {
  key: SECRET,
  algorithms: ['HS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  typ: 'at+jwt',
} as const;

export const bearer = (token: string): [string, string] => ['authorization', `Bearer ${token}`];

/** The parsed `WWW-Authenticate` Bearer challenge (auth-params of RFC 7235 quoted-strings). */
export function challengeOf(answer: Answer): Record<string, string> {
  const h = answer.headers['www-authenticate'];
  assert.ok(h !== undefined, `no WWW-Authenticate on ${answer.status}: ${answer.text}`);
  assert.match(h, /^Bearer /);
  const out: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g))
    out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, '$1');
  return out;
}

/** Neither the header nor the body of a refusal may repeat the token or any of these values. */
export function assertNoLeak(answer: Answer, secrets: readonly string[]): void {
  const all = `${answer.headers['www-authenticate'] ?? ''}\n${answer.text}`;
  for (const s of secrets)
    assert.ok(!all.includes(s), `the answer repeats ${JSON.stringify(s.slice(0, 40))}`);
}

/** A local JWKS server on 127.0.0.1 that counts its requests; `set(keys)` changes what it serves. */
export async function jwksServer(initial: Jwk[]): Promise<{
  url: string;
  hits: () => number;
  set(keys: Jwk[]): void;
  close(): Promise<void>;
}> {
  let keys = initial;
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  const base = await listen(server);
  return {
    url: `${base}/.well-known/jwks.json`,
    hits: () => hits,
    set: (k) => {
      keys = k;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
