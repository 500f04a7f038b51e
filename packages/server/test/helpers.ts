// Shared test harness: the real app on a temporary SQLite file, cheap Argon2, an adjustable clock.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type BuildOptions, buildApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import type { Services } from '../src/services/index.js';

export const ALICE = { username: 'alice', password: 'alice-demo-password', id: 101 } as const;
export const BOB = { username: 'bob', password: 'bob-demo-password', id: 102 } as const;

export interface TestClock {
  now: () => number;
  /** Moves time forward by `seconds`. */
  advance: (seconds: number) => void;
}

export function testClock(start = Date.now()): TestClock {
  let t = start;
  return { now: () => t, advance: (s) => (t += s * 1000) };
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  config: Config;
  clock: TestClock;
  dir: string;
  dbFile: string;
  close(): Promise<void>;
}

export const TEST_ENV: Record<string, string> = {
  JWTKIT_MODE: 'demo',
  ARGON2_MEMORY_KIB: '256',
  ARGON2_ITERATIONS: '1',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_LOGIN_IP: '10000/1m',
  RATE_LIMIT_LOGIN_ACCOUNT: '10000/1m',
  RATE_LIMIT_REGISTER_IP: '10000/1m',
  RATE_LIMIT_REFRESH_IP: '10000/1m',
  RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP: '10000/1m',
  RATE_LIMIT_PASSWORD_IP: '10000/1m',
  RATE_LIMIT_REVOKE_IP: '10000/1m',
  RATE_LIMIT_CLIENT_AUTH: '10000/1m',
  RATE_LIMIT_CLIENT_AUTH_IP: '10000/1m',
};

export async function startApp(
  env: Record<string, string> = {},
  opts: { dir?: string; clock?: TestClock; build?: BuildOptions } = {},
): Promise<TestApp> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'jwtkit-server-'));
  const dbFile = join(dir, 'test.sqlite');
  const config = loadConfig({ DATABASE_URL: dbFile, ...TEST_ENV, ...env }, dir);
  const clock = opts.clock ?? testClock();
  const { app, services } = await buildApp(config, {
    logger: false,
    ...opts.build,
    infra: { clock: clock.now, ...opts.build?.infra },
  });
  return {
    app,
    services,
    config,
    clock,
    dir,
    dbFile,
    close: async () => {
      await app.close();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export async function login(
  app: FastifyInstance,
  who: { username: string; password: string } = ALICE,
): Promise<Tokens> {
  const res = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: who.username, password: who.password },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Tokens;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function refresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: refreshToken } });
}

/** Asserts an RFC 9457 problem response with the given status (and code). */
export function assertProblem(
  res: LightMyRequestResponse | { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  code?: string,
): Record<string, unknown> {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(typeof body.type, 'string');
  assert.equal(typeof body.title, 'string');
  if (code !== undefined) assert.equal(body.code, code, res.body);
  assert.ok(!/\bat .+:\d+:\d+\)?/.test(res.body), 'no stack trace in problem bodies');
  return body;
}

/** Decodes a JWT segment without verifying (test inspection only). */
export function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
