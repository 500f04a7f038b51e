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

  const post = (url: string, payload: Record<string, unknown>, token?: string) =>
    t.app.inject({ method: 'POST', url, payload, ...(token ? { headers: bearer(token) } : {}) });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/me', headers: bearer(token) });
  /** The pair is dead: its access token is refused at /me and its refresh token at /auth/refresh. */
  const assertDead = async (tok: { access_token: string; refresh_token: string }) => {
    assertProblem(await me(tok.access_token), 401, 'invalid_token');
    assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
  };

  test('login answers an RFC 9068 token pair with no-store', async () => {
    const res = await post('/auth/login', { username: ALICE.username, password: ALICE.password });
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

  test('tokens.authenticate answers the verified header of the token with its claims', async () => {
    const { access_token: token } = await login(t.app);
    const got = await t.services.tokens.authenticate(token);
    // The oracle: the header segment decoded by hand, not by the code under test.
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    assert.deepEqual(got.header, header);
    assert.equal(got.header.typ, 'at+jwt');
    assert.equal(got.claims.user_id, ALICE.id);
    assert.deepEqual(got.claims, t.services.tokens.verifySignatureAndClaims(token));
  });

  test('GET /me answers every field the service returns, unchanged (the response schema drops nothing)', async () => {
    const { access_token: token } = await login(t.app);
    const res = await me(token);
    assert.equal(res.statusCode, 200);
    const { claims } = await t.services.tokens.authenticate(token);
    // The oracle: the service's own object, through JSON.stringify (what Fastify sends without a schema).
    assert.equal(res.body, JSON.stringify(await t.services.auth.me(claims)));
  });

  test('usernames are case-insensitive at login', async () => {
    const res = await post('/auth/login', { username: 'ALICE', password: ALICE.password });
    assert.equal(res.statusCode, 200);
  });

  test('wrong user and wrong password look identical', async () => {
    const attempts = [
      { username: 'alice', password: 'not-the-right-password' }, // wrong password
      { username: 'nobody-here', password: 'not-the-right-password' }, // unknown user
      { username: '!!', password: 'x' }, // not even a valid username
    ];
    const responses = [];
    for (const payload of attempts) responses.push(await post('/auth/login', payload));
    const [a, b, c] = responses;
    for (const r of [a!, b!, c!]) assertProblem(r, 401, 'invalid_credentials');
    assert.equal(a!.body, b!.body);
    assert.equal(a!.body, c!.body);
    const headerNames = (r: typeof a) =>
      Object.keys(r!.headers)
        .filter((h) => h !== 'date' && h !== 'content-length')
        .sort();
    assert.deepEqual(headerNames(a), headerNames(b));
  });

  test('unknown users cost an Argon2 verification too (timing)', async () => {
    let dummyCalls = 0;
    const orig = t.services.passwords.verifyDummy.bind(t.services.passwords);
    t.services.passwords.verifyDummy = async (p: string) => {
      dummyCalls++;
      return orig(p);
    };
    try {
      await post('/auth/login', { username: 'ghost-user', password: 'whatever-password' });
      assert.equal(dummyCalls, 1);
    } finally {
      t.services.passwords.verifyDummy = orig;
    }
  });

  test('GET /me returns the user of the token', async () => {
    const tok = await login(t.app, BOB);
    const res = await me(tok.access_token);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.user_id, 102);
    assert.equal(body.username, 'bob');
    assert.equal(body.role, 'user');
    assert.equal(body.session_id, jwtPart(tok.access_token, 1).sid);
  });

  test('register: 201, then login works; duplicates 409; policy enforced', async () => {
    const ok = await post('/auth/register', { username: 'Carol', password: 'carol-long-password-1' });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().username, 'carol');
    assert.equal(ok.json().role, 'user');
    assert.ok(!('password_hash' in ok.json()) && !('passwordHash' in ok.json()));
    await login(t.app, { username: 'carol', password: 'carol-long-password-1' });
    const refused: Array<[username: string, password: string, status: number, type: string]> = [
      ['carol', 'another-long-password', 409, 'username_taken'],
      ['dave', 'short', 400, 'weak_password'],
      ['dave', 'x'.repeat(1025), 400, 'weak_password'], // too long
      ['dave', 'passwordpassword', 400, 'weak_password'], // a common password
      ['dave', 'aaaaaaaaaaaaaaaaaaaa', 400, 'weak_password'], // one repeated character
      ['a b', 'dave-long-password-1', 400, 'invalid_username'],
      ['emoji', '🔑🔒🗝️🔐🔓🛡️🧩🎲🎯🎳🎮', 400, 'weak_password'], // 11 characters, though more than 15 UTF-16 code units
    ];
    for (const [username, password, status, type] of refused)
      assertProblem(await post('/auth/register', { username, password }), status, type);
    // 15 characters counted as characters, not bytes
    const fifteen = await post('/auth/register', { username: 'fifteen', password: 'abcdefghijklmno' });
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
    assert.equal((await me(second.access_token)).statusCode, 200);
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
    const remove = (sid: unknown, token: string) =>
      t.app.inject({ method: 'DELETE', url: `/auth/sessions/${sid}`, headers: bearer(token) });
    assertProblem(await remove(sid2, alice.access_token), 404, 'not_found');
    assert.equal((await remove(sid2, s1.access_token)).statusCode, 204);
    // the deleted session's access and refresh tokens are dead; the other session lives
    await assertDead(s2);
    assert.equal((await me(s1.access_token)).statusCode, 200);
    assertProblem(await remove(sid2, s1.access_token), 404);
  });

  test('logout revokes the family and denylists the access token', async () => {
    const tok = await login(t.app, BOB);
    const res = await post('/auth/logout', {}, tok.access_token);
    assert.equal(res.statusCode, 204);
    const refused = await me(tok.access_token);
    assertProblem(refused, 401, 'invalid_token');
    assert.match(String(refused.headers['www-authenticate']), /error="invalid_token"/);
    assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    const jti = jwtPart(tok.access_token, 1).jti;
    assert.equal(await t.services.denylist.has(`jti:${jti}`), true);
  });

  test('logout-all bumps the epoch: every older access token of the user dies', async () => {
    const a = await login(t.app, BOB);
    const b = await login(t.app, BOB);
    const other = await login(t.app, ALICE);
    const res = await post('/auth/logout-all', {}, a.access_token);
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().revoked_sessions >= 2);
    for (const tok of [a, b]) await assertDead(tok);
    const fresh = await login(t.app, BOB);
    for (const tok of [other, fresh]) assert.equal((await me(tok.access_token)).statusCode, 200);
  });

  test('password change: wrong current 403, then old tokens and password die', async () => {
    const reg = await post('/auth/register', { username: 'erin', password: 'erin-first-password' });
    assert.equal(reg.statusCode, 201);
    const tok = await login(t.app, { username: 'erin', password: 'erin-first-password' });
    const change = (current_password: string, new_password: string) =>
      post('/auth/password', { current_password, new_password }, tok.access_token);
    assertProblem(
      await change('wrong-password-here', 'erin-second-password'),
      403,
      'invalid_current_password',
    );
    assertProblem(await change('erin-first-password', 'short'), 400, 'weak_password');
    const ok = await change('erin-first-password', 'erin-second-password');
    assert.equal(ok.statusCode, 204, ok.body);
    await assertDead(tok);
    assertProblem(await post('/auth/login', { username: 'erin', password: 'erin-first-password' }), 401);
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
