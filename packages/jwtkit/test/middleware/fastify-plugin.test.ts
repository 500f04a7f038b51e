// jwtkit/fastify specifics: the plugin is not encapsulated (decorators visible to the parent), accepts
// Fastify's own register options (prefix), `global: true` protects every route of its scope, and options
// are validated when registered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { InvalidOptionsError } from '../../src/index.js';
import { createPreHandler, jwtAuth } from '../../src/middleware/fastify.js';
import { HS_OPTIONS, hsToken } from './_harness.js';

test('global: true inside a prefixed scope protects that scope only; decorators reach the root', async () => {
  const app = Fastify({ logger: false });
  await app.register(
    async (scope) => {
      await scope.register(jwtAuth, { ...HS_OPTIONS, global: true });
      scope.get('/private', async (request) => ({ sub: request.auth?.sub }));
    },
    { prefix: '/api' },
  );
  await app.register(jwtAuth, { ...HS_OPTIONS, prefix: '/ignored' });
  app.get('/public', async (request) => ({ auth: request.auth }));
  app.get('/root-protected', { preHandler: app.authenticate }, async (request) => ({
    sub: request.auth?.sub,
  }));
  try {
    const token = hsToken();
    const headers = { authorization: `Bearer ${token}` };
    assert.equal((await app.inject({ url: '/api/private' })).statusCode, 401);
    const ok = await app.inject({ url: '/api/private', headers });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { sub: 'user-1' });
    assert.deepEqual((await app.inject({ url: '/public' })).json(), { auth: null });
    assert.equal((await app.inject({ url: '/root-protected' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/root-protected', headers })).statusCode, 200);
  } finally {
    await app.close();
  }
});

test('the body follows Fastify (statusCode, code, error, message) with the RFC 6750 header', async () => {
  const app = Fastify({ logger: false });
  await app.register(jwtAuth, HS_OPTIONS);
  app.get('/me', { preHandler: app.authenticate }, async () => ({}));
  try {
    const res = await app.inject({ url: '/me', headers: { authorization: 'Bearer' } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), {
      statusCode: 400,
      code: 'invalid_request',
      error: 'Bad Request',
      message: 'The Authorization header carries no token.',
    });
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="api", error="invalid_request"/);
  } finally {
    await app.close();
  }
});

test('bad options: createPreHandler throws at once; register fails at ready()', async () => {
  assert.throws(() => createPreHandler({ ...HS_OPTIONS, issuer: undefined }), InvalidOptionsError);
  const app = Fastify({ logger: false });
  app.register(jwtAuth, { ...HS_OPTIONS, audince: 'typo' } as never);
  await assert.rejects(async () => {
    await app.ready();
  }, InvalidOptionsError);
  await app.close();
});

test('isRevoked that returns nothing refuses (fail closed)', async () => {
  const app = Fastify({ logger: false });
  await app.register(jwtAuth, { ...HS_OPTIONS, isRevoked: (() => undefined) as never });
  app.get('/me', { preHandler: app.authenticate }, async () => ({}));
  try {
    const res = await app.inject({ url: '/me', headers: { authorization: `Bearer ${hsToken()}` } });
    assert.equal(res.statusCode, 401);
  } finally {
    await app.close();
  }
});
