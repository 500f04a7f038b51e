// Refresh-token rotation, reuse detection (family revocation + audit), the grace window, and the
// compare-and-set under 50 concurrent refreshes (in-process and over a real socket).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertProblem, BOB, bearer, jwtPart, login, refresh, startApp, type TestApp } from './helpers.js';

async function familyTokens(t: TestApp, accessToken: string) {
  const sid = String(jwtPart(accessToken, 1).sid);
  return { sid, tokens: await t.services.storage.listRefreshTokens(sid) };
}

describe('refresh rotation and reuse detection', () => {
  test('every refresh spends the presented token and makes exactly one new active token', async () => {
    const t = await startApp();
    try {
      const loginTime = Math.floor(t.clock.now() / 1000);
      let tok = await login(t.app, BOB);
      t.clock.advance(5);
      for (let i = 0; i < 3; i++) {
        const res = await refresh(t.app, tok.refresh_token);
        assert.equal(res.statusCode, 200);
        tok = res.json();
      }
      assert.equal(jwtPart(tok.access_token, 1).auth_time, loginTime, 'auth_time stays the login time');
      assert.equal(jwtPart(tok.access_token, 1).iat, loginTime + 5);
      const { tokens } = await familyTokens(t, tok.access_token);
      assert.equal(tokens.length, 4);
      assert.deepEqual(
        tokens.map((x) => x.status),
        ['rotated', 'rotated', 'rotated', 'active'],
      );
      // refresh tokens are stored hashed, never in clear
      assert.ok(tokens.every((x) => /^[0-9a-f]{64}$/.test(x.tokenHash) && x.tokenHash !== tok.refresh_token));
    } finally {
      await t.close();
    }
  });

  test('reuse outside the grace window revokes the whole family and writes an audit event', async () => {
    const t = await startApp();
    try {
      const first = await login(t.app, BOB);
      const second = (await refresh(t.app, first.refresh_token)).json();
      t.clock.advance(t.config.refreshReuseGrace + 1);
      const reuse = await refresh(t.app, first.refresh_token);
      const body = assertProblem(reuse, 401, 'invalid_grant');
      assert.match(String(body.detail), /reuse/);
      // the legitimate newest token is dead too, and so is the family's access token
      assertProblem(await refresh(t.app, second.refresh_token), 401, 'invalid_grant');
      assertProblem(
        await t.app.inject({ method: 'GET', url: '/me', headers: bearer(second.access_token) }),
        401,
        'invalid_token',
      );
      const { sid, tokens } = await familyTokens(t, second.access_token);
      assert.equal(tokens.filter((x) => x.status === 'active').length, 0);
      const session = await t.services.storage.getSession(sid);
      assert.equal(session?.revokedReason, 'refresh_token_reuse');
      const events = await t.services.storage.listAuditEvents({ limit: 10, type: 'refresh.reuse_detected' });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.sessionId, sid);
      assert.equal(events[0]!.userId, BOB.id);
      // other sessions of the user are untouched
      const other = await login(t.app, BOB);
      assert.equal((await refresh(t.app, other.refresh_token)).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('within the grace window the previous token yields the same new token (no revocation)', async () => {
    const t = await startApp();
    try {
      const first = await login(t.app, BOB);
      const a = (await refresh(t.app, first.refresh_token)).json();
      t.clock.advance(t.config.refreshReuseGrace - 1);
      const again = await refresh(t.app, first.refresh_token);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().refresh_token, a.refresh_token);
      const { tokens } = await familyTokens(t, a.access_token);
      assert.equal(tokens.filter((x) => x.status === 'active').length, 1);
      assert.equal((await refresh(t.app, a.refresh_token)).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('grace covers the previous token only: an older one is reuse even inside the window', async () => {
    const t = await startApp();
    try {
      const t0 = await login(t.app, BOB);
      const t1 = (await refresh(t.app, t0.refresh_token)).json();
      const t2 = (await refresh(t.app, t1.refresh_token)).json();
      assertProblem(await refresh(t.app, t0.refresh_token), 401, 'invalid_grant');
      assertProblem(await refresh(t.app, t2.refresh_token), 401, 'invalid_grant');
      assert.equal(
        (await t.services.storage.listAuditEvents({ limit: 5, type: 'refresh.reuse_detected' })).length,
        1,
      );
    } finally {
      await t.close();
    }
  });

  test('REFRESH_REUSE_GRACE=0 makes any second use a detected reuse', async () => {
    const t = await startApp({ REFRESH_REUSE_GRACE: '0' });
    try {
      const first = await login(t.app, BOB);
      assert.equal((await refresh(t.app, first.refresh_token)).statusCode, 200);
      assertProblem(await refresh(t.app, first.refresh_token), 401, 'invalid_grant');
      assert.equal(
        (await t.services.storage.listAuditEvents({ limit: 5, type: 'refresh.reuse_detected' })).length,
        1,
      );
    } finally {
      await t.close();
    }
  });

  test('an expired refresh token is refused', async () => {
    const t = await startApp({ REFRESH_TOKEN_TTL: '1h' });
    try {
      const first = await login(t.app, BOB);
      // Works until its expiry (so the refusal below is about time, not a refresh that never works)...
      t.clock.advance(3599);
      const res = await refresh(t.app, first.refresh_token);
      assert.equal(res.statusCode, 200);
      // ...and the token it issued is refused once its own hour has passed.
      t.clock.advance(3601);
      assertProblem(await refresh(t.app, res.json().refresh_token), 401, 'invalid_grant');
    } finally {
      await t.close();
    }
  });

  test('50 concurrent refreshes of one token (inject): exactly one new active token', async () => {
    const t = await startApp();
    try {
      const first = await login(t.app, BOB);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => refresh(t.app, first.refresh_token)),
      );
      const statuses = results.map((r) => r.statusCode);
      assert.ok(
        statuses.every((s) => s === 200 || s === 401),
        String(statuses),
      );
      const issued = new Set(results.filter((r) => r.statusCode === 200).map((r) => r.json().refresh_token));
      assert.equal(issued.size, 1, 'every winner got the same new refresh token');
      const { tokens } = await familyTokens(t, first.access_token);
      assert.equal(tokens.filter((x) => x.status === 'active').length, 1);
      assert.equal(tokens.length, 2);
    } finally {
      await t.close();
    }
  });

  test('50 concurrent refreshes of one token over a real socket: exactly one new active token', async () => {
    const t = await startApp();
    try {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const first = await login(t.app, BOB);
      const results = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const r = await fetch(`${url}/auth/refresh`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refresh_token: first.refresh_token }),
          });
          return { status: r.status, body: (await r.json()) as Record<string, unknown> };
        }),
      );
      assert.ok(results.every((r) => r.status === 200 || r.status === 401));
      assert.ok(results.some((r) => r.status === 200));
      assert.equal(new Set(results.filter((r) => r.status === 200).map((r) => r.body.refresh_token)).size, 1);
      const { tokens } = await familyTokens(t, first.access_token);
      assert.equal(tokens.filter((x) => x.status === 'active').length, 1);
      assert.equal(tokens.length, 2);
    } finally {
      await t.close();
    }
  });

  test('50 concurrent refreshes with no grace: exactly one wins, the others are reuse and end the family', async () => {
    const t = await startApp({ REFRESH_REUSE_GRACE: '0' });
    try {
      const first = await login(t.app, BOB);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => refresh(t.app, first.refresh_token)),
      );
      const winners = results.filter((r) => r.statusCode === 200);
      // A refresh that always failed would pass "at most one": exactly one caller wins the compare-and-set.
      assert.equal(winners.length, 1, results.map((r) => r.statusCode).join());
      for (const r of results.filter((x) => x.statusCode !== 200)) assertProblem(r, 401, 'invalid_grant');
      const { tokens } = await familyTokens(t, first.access_token);
      assert.equal(tokens.length, 2, 'one new token was issued');
      // With no grace, the losers' second use of the token is reuse: the family (the winner's too) is revoked.
      assert.equal(tokens.filter((x) => x.status === 'active').length, 0);
      assertProblem(await refresh(t.app, winners[0]!.json().refresh_token), 401, 'invalid_grant');
      assert.ok(
        (await t.services.storage.listAuditEvents({ limit: 60, type: 'refresh.reuse_detected' })).length >= 1,
      );
    } finally {
      await t.close();
    }
  });
});

describe('refresh compare-and-set on Postgres (app level)', () => {
  test('50 concurrent refreshes through the app on Postgres: exactly one new active token', async (tc) => {
    const { PG_URL, postgresUnavailable } = await import('./pg.js');
    const reason = await postgresUnavailable();
    if (reason) {
      if (process.env.CI) assert.fail(reason);
      tc.skip(reason);
      return;
    }
    const { PostgresStorage } = await import('../src/storage/postgres.js');
    const { randomBytes } = await import('node:crypto');
    const storage = new PostgresStorage({
      connectionString: PG_URL,
      schema: `jwtkit_app_${randomBytes(4).toString('hex')}`,
      max: 10,
    });
    const t = await startApp({}, { build: { infra: { storage } } });
    try {
      const first = await login(t.app, BOB);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => refresh(t.app, first.refresh_token)),
      );
      assert.ok(
        results.every((r) => r.statusCode === 200 || r.statusCode === 401),
        results.map((r) => r.statusCode).join(),
      );
      assert.equal(
        new Set(results.filter((r) => r.statusCode === 200).map((r) => r.json().refresh_token)).size,
        1,
      );
      const { tokens } = await familyTokens(t, first.access_token);
      assert.equal(tokens.filter((x) => x.status === 'active').length, 1);
      assert.equal(tokens.length, 2);
    } finally {
      await t.close();
      await storage.dropSchema();
      await storage.close();
    }
  });
});
