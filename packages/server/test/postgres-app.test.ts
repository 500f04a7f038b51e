// The whole service on PostgreSQL (unique schema, dropped afterwards): the main flows end to end,
// and a restart on the same schema. Skipped loudly without Postgres (fails under CI).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PostgresStorage } from '../src/storage/postgres.js';
import {
  ALICE,
  assertProblem,
  BOB,
  bearer,
  jwtPart,
  login,
  refresh,
  startApp,
  testClock,
} from './helpers.js';
import { PG_URL, postgresUnavailable } from './pg.js';

test('auth flows on Postgres, and the data survives a restart', async (t) => {
  const reason = await postgresUnavailable();
  if (reason) {
    if (process.env.CI) assert.fail(reason);
    t.skip(reason);
    return;
  }
  const schema = `jwtkit_app_${randomBytes(4).toString('hex')}`;
  const clock = testClock();
  const open = () => new PostgresStorage({ connectionString: PG_URL, schema, max: 5 });
  const storage1 = open();
  const a = await startApp({ KEY_ROTATION_MIN_AGE: '0' }, { clock, build: { infra: { storage: storage1 } } });
  let survivor: string;
  let survivorRefresh: string;
  try {
    assert.equal((await a.app.inject({ method: 'GET', url: '/readyz' })).json().storage, 'postgres');
    const alice = await login(a.app, ALICE);
    const me = await a.app.inject({ method: 'GET', url: '/me', headers: bearer(alice.access_token) });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().user_id, 101);

    // register, sessions, refresh rotation, reuse detection
    assert.equal(
      (
        await a.app.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { username: 'pgUser', password: 'pg-user-long-password' },
        })
      ).statusCode,
      201,
    );
    assertProblem(
      await a.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'pguser', password: 'pg-user-long-password' },
      }),
      409,
    );
    const bob = await login(a.app, BOB);
    const r1 = (await refresh(a.app, bob.refresh_token)).json();
    clock.advance(a.config.refreshReuseGrace + 1);
    assertProblem(await refresh(a.app, bob.refresh_token), 401, 'invalid_grant');
    assertProblem(await refresh(a.app, r1.refresh_token), 401, 'invalid_grant');
    const sid = String(jwtPart(bob.access_token, 1).sid);
    assert.equal((await storage1.getSession(sid))?.revokedReason, 'refresh_token_reuse');

    // admin: users, role change, audit, key rotation
    const users = (
      await a.app.inject({ method: 'GET', url: '/admin/users', headers: bearer(alice.access_token) })
    ).json();
    assert.equal(users.total, 3);
    const bob2 = await login(a.app, BOB);
    const patched = await a.app.inject({
      method: 'PATCH',
      url: '/admin/users/102',
      headers: bearer(alice.access_token),
      payload: { role: 'admin' },
    });
    assert.equal(patched.json().role, 'admin');
    assertProblem(
      await a.app.inject({ method: 'GET', url: '/me', headers: bearer(bob2.access_token) }),
      401,
      'invalid_token',
    );
    const events = (
      await a.app.inject({
        method: 'GET',
        url: '/admin/audit-events?type=refresh.reuse_detected',
        headers: bearer(alice.access_token),
      })
    ).json();
    assert.equal(events.events.length, 1);
    const rot = await a.app.inject({
      method: 'POST',
      url: '/admin/keys/rotate',
      headers: bearer(alice.access_token),
    });
    assert.equal(rot.statusCode, 200, rot.body);
    assert.equal(
      (await a.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys.length,
      3,
    );

    // logout-all
    const carol = await login(a.app, { username: 'pguser', password: 'pg-user-long-password' });
    assert.equal(
      (await a.app.inject({ method: 'POST', url: '/auth/logout-all', headers: bearer(carol.access_token) }))
        .statusCode,
      200,
    );
    assertProblem(
      await a.app.inject({ method: 'GET', url: '/me', headers: bearer(carol.access_token) }),
      401,
    );

    const fresh = await login(a.app, ALICE);
    survivor = fresh.access_token;
    survivorRefresh = fresh.refresh_token;
  } finally {
    await a.app.close();
    await storage1.close();
  }

  const storage2 = open();
  const b = await startApp({}, { clock, build: { infra: { storage: storage2 } } });
  try {
    assert.equal(
      (await b.app.inject({ method: 'GET', url: '/me', headers: bearer(survivor) })).statusCode,
      200,
    );
    assert.equal((await refresh(b.app, survivorRefresh)).statusCode, 200);
    assert.equal(
      (await b.app.inject({ method: 'GET', url: '/admin/users', headers: bearer(survivor) })).json().total,
      3,
    );
  } finally {
    await b.close();
    await storage2.dropSchema();
    await storage2.close();
  }
});
