import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ALICE,
  assertProblem,
  BOB,
  bearer,
  jwtPart,
  login,
  refresh,
  startApp,
  type TestApp,
} from './helpers.js';

describe('auth flow (inject, temporary SQLite)', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => {
    await t.close();
  });

  test('login answers an RFC 9068 token pair with no-store', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: ALICE.username, password: ALICE.password },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 600);
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/);
    const header = jwtPart(body.access_token, 0);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'ES256');
    assert.equal(typeof header.kid, 'string');
    const claims = jwtPart(body.access_token, 1);
    for (const c of ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'client_id'])
      assert.ok(c in claims, `claim ${c}`);
    assert.equal(claims.sub, '101');
    assert.equal(claims.user_id, 101);
    assert.equal(claims.username, 'alice');
    assert.equal(claims.role, 'admin');
    assert.equal(claims.iss, t.config.issuer);
    assert.equal(claims.aud, t.config.audience);
    assert.equal((claims.exp as number) - (claims.iat as number), 600);
    assert.equal(claims.auth_time, claims.iat);
  });

  test('usernames are case-insensitive at login', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'ALICE', password: ALICE.password },
    });
    assert.equal(res.statusCode, 200);
  });

  test('wrong user and wrong password look identical', async () => {
    const a = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'alice', password: 'not-the-right-password' },
    });
    const b = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'nobody-here', password: 'not-the-right-password' },
    });
    const c = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: '!!', password: 'x' },
    });
    for (const r of [a, b, c]) assertProblem(r, 401, 'invalid_credentials');
    assert.equal(a.body, b.body);
    assert.equal(a.body, c.body);
    assert.deepEqual(
      Object.keys(a.headers)
        .filter((h) => h !== 'date' && h !== 'content-length')
        .sort(),
      Object.keys(b.headers)
        .filter((h) => h !== 'date' && h !== 'content-length')
        .sort(),
    );
  });

  test('unknown users cost an Argon2 verification too (timing)', async () => {
    let dummyCalls = 0;
    const orig = t.services.passwords.verifyDummy.bind(t.services.passwords);
    t.services.passwords.verifyDummy = async (p: string) => {
      dummyCalls++;
      return orig(p);
    };
    try {
      await t.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'ghost-user', password: 'whatever-password' },
      });
      assert.equal(dummyCalls, 1);
    } finally {
      t.services.passwords.verifyDummy = orig;
    }
  });

  test('GET /me returns the user of the token', async () => {
    const tok = await login(t.app, BOB);
    const res = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) });
    assert.equal(res.statusCode, 200);
    const me = res.json();
    assert.equal(me.user_id, 102);
    assert.equal(me.username, 'bob');
    assert.equal(me.role, 'user');
    assert.equal(me.session_id, jwtPart(tok.access_token, 1).sid);
  });

  test('register: 201, then login works; duplicates 409; policy enforced', async () => {
    const ok = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'Carol', password: 'carol-long-password-1' },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().username, 'carol');
    assert.equal(ok.json().role, 'user');
    assert.ok(!('password_hash' in ok.json()) && !('passwordHash' in ok.json()));
    await login(t.app, { username: 'carol', password: 'carol-long-password-1' });
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'carol', password: 'another-long-password' },
      }),
      409,
      'username_taken',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'dave', password: 'short' },
      }),
      400,
      'weak_password',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'dave', password: 'x'.repeat(1025) },
      }),
      400,
      'weak_password',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'dave', password: 'passwordpassword' },
      }),
      400,
      'weak_password',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'dave', password: 'aaaaaaaaaaaaaaaaaaaa' },
      }),
      400,
      'weak_password',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: 'a b', password: 'dave-long-password-1' },
      }),
      400,
      'invalid_username',
    );
    // 15 characters counted as characters, not bytes
    const emoji = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'emoji', password: '🔑🔒🗝️🔐🔓🛡️🧩🎲🎯🎳🎮' },
    });
    assertProblem(emoji, 400, 'weak_password');
    const fifteen = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'fifteen', password: 'abcdefghijklmno' },
    });
    assert.equal(fifteen.statusCode, 201);
  });

  test('refresh rotates: new pair, old refresh token spent', async () => {
    const first = await login(t.app, BOB);
    const r1 = await refresh(t.app, first.refresh_token);
    assert.equal(r1.statusCode, 200);
    assert.equal(r1.headers['cache-control'], 'no-store');
    const second = r1.json();
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    assert.equal(jwtPart(second.access_token, 1).sid, jwtPart(first.access_token, 1).sid);
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(second.access_token) });
    assert.equal(me.statusCode, 200);
    const r2 = await refresh(t.app, second.refresh_token);
    assert.equal(r2.statusCode, 200);
    assertProblem(await refresh(t.app, 'A'.repeat(43)), 401, 'invalid_grant');
    assertProblem(await refresh(t.app, 'not a token'), 401, 'invalid_grant');
  });

  test('sessions: list with current flag, delete own, 404 for others', async () => {
    const s1 = await login(t.app, BOB);
    const s2 = await login(t.app, BOB);
    const list = await t.app.inject({
      method: 'GET',
      url: '/auth/sessions',
      headers: bearer(s1.access_token),
    });
    assert.equal(list.statusCode, 200);
    const sessions = list.json().sessions as Array<{ id: string; current: boolean }>;
    const sid1 = jwtPart(s1.access_token, 1).sid;
    const sid2 = jwtPart(s2.access_token, 1).sid;
    assert.ok(sessions.some((s) => s.id === sid1 && s.current));
    assert.ok(sessions.some((s) => s.id === sid2 && !s.current));
    const alice = await login(t.app, ALICE);
    assertProblem(
      await t.app.inject({
        method: 'DELETE',
        url: `/auth/sessions/${sid2}`,
        headers: bearer(alice.access_token),
      }),
      404,
      'not_found',
    );
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${sid2}`,
      headers: bearer(s1.access_token),
    });
    assert.equal(del.statusCode, 204);
    // the deleted session's access and refresh tokens are dead; the other session lives
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer(s2.access_token) }),
      401,
      'invalid_token',
    );
    assertProblem(await refresh(t.app, s2.refresh_token), 401, 'invalid_grant');
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(s1.access_token) })).statusCode,
      200,
    );
    assertProblem(
      await t.app.inject({
        method: 'DELETE',
        url: `/auth/sessions/${sid2}`,
        headers: bearer(s1.access_token),
      }),
      404,
    );
  });

  test('logout revokes the family and denylists the access token', async () => {
    const tok = await login(t.app, BOB);
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(tok.access_token),
    });
    assert.equal(res.statusCode, 204);
    const me = await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) });
    assertProblem(me, 401, 'invalid_token');
    assert.match(String(me.headers['www-authenticate']), /error="invalid_token"/);
    assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    const jti = jwtPart(tok.access_token, 1).jti;
    assert.equal(await t.services.denylist.has(`jti:${jti}`), true);
  });

  test('logout-all bumps the epoch: every older access token of the user dies', async () => {
    const a = await login(t.app, BOB);
    const b = await login(t.app, BOB);
    const other = await login(t.app, ALICE);
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/logout-all',
      headers: bearer(a.access_token),
    });
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().revoked_sessions >= 2);
    for (const tok of [a, b]) {
      assertProblem(
        await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) }),
        401,
        'invalid_token',
      );
      assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    }
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(other.access_token) })).statusCode,
      200,
    );
    const fresh = await login(t.app, BOB);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(fresh.access_token) })).statusCode,
      200,
    );
  });

  test('password change: wrong current 403, then old tokens and password die', async () => {
    const reg = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'erin', password: 'erin-first-password' },
    });
    assert.equal(reg.statusCode, 201);
    const tok = await login(t.app, { username: 'erin', password: 'erin-first-password' });
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/password',
        headers: bearer(tok.access_token),
        payload: { current_password: 'wrong-password-here', new_password: 'erin-second-password' },
      }),
      403,
      'invalid_current_password',
    );
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/password',
        headers: bearer(tok.access_token),
        payload: { current_password: 'erin-first-password', new_password: 'short' },
      }),
      400,
      'weak_password',
    );
    const ok = await t.app.inject({
      method: 'POST',
      url: '/auth/password',
      headers: bearer(tok.access_token),
      payload: { current_password: 'erin-first-password', new_password: 'erin-second-password' },
    });
    assert.equal(ok.statusCode, 204, ok.body);
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) }),
      401,
      'invalid_token',
    );
    assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: 'erin', password: 'erin-first-password' },
      }),
      401,
    );
    await login(t.app, { username: 'erin', password: 'erin-second-password' });
  });

  test('passwords are stored as Argon2id hashes', async () => {
    const u = await t.services.storage.getUserByUsername('alice');
    assert.match(u!.passwordHash, /^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
  });
});

describe('password hashes follow the configured cost', () => {
  test('a login rehashes a password made with other Argon2 parameters', async () => {
    const first = await startApp();
    const dir = first.dir;
    await first.app.close();
    const second = await startApp({ ARGON2_MEMORY_KIB: '512', ARGON2_ITERATIONS: '2' }, { dir });
    try {
      const before = await second.services.storage.getUserByUsername('bob');
      assert.match(before!.passwordHash, /m=256,t=1,p=1/);
      await login(second.app, BOB);
      const after = await second.services.storage.getUserByUsername('bob');
      assert.match(after!.passwordHash, /^\$argon2id\$v=19\$m=512,t=2,p=1\$/);
      await login(second.app, BOB);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
