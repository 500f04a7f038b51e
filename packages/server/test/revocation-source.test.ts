// JWTKIT_TEST_REVOCATION_SOURCE: the test-only header through which the cluster suite checks the
// fail-closed policy exactly. Off by default, refused in production, and on a single instance every
// answer is this process's own (`local`/`storage`), never claimed to be Redis.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { bearer, login, startApp } from './helpers.js';

const HEADER = 'x-jwtkit-revocation-source';

describe('revocation source header (test-only)', () => {
  test('absent by default', async () => {
    const t = await startApp();
    try {
      const { access_token } = await login(t.app);
      const res = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(access_token) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers[HEADER], undefined);
    } finally {
      await t.close();
    }
  });

  test('when enabled: one entry per question (jti, session, epoch), from this process', async () => {
    const t = await startApp({ JWTKIT_TEST_REVOCATION_SOURCE: 'true' });
    try {
      const { access_token } = await login(t.app);
      const res = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(access_token) });
      assert.equal(res.statusCode, 200);
      const parts = String(res.headers[HEADER]).split(',');
      assert.equal(parts.length, 3);
      assert.deepEqual(parts.slice(0, 2), ['local', 'local']);
      assert.ok(parts[2] === 'local' || parts[2] === 'storage', parts[2]);
    } finally {
      await t.close();
    }
  });

  test('refused in production', () => {
    assert.throws(
      () =>
        loadConfig(
          {
            NODE_ENV: 'production',
            SECRET_KEY: 'k8J2-vQ9x_Lr4TzW7mN1pB6yH3sD0fGa5cE',
            DATABASE_URL: 'postgres://db/auth',
            ISSUER: 'https://auth.example.com',
            JWTKIT_TEST_REVOCATION_SOURCE: 'true',
          },
          '/srv',
        ),
      (err: unknown) => err instanceof ConfigError && /JWTKIT_TEST_REVOCATION_SOURCE/.test(err.message),
    );
  });
});
