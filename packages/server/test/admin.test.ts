// Admin endpoints: users (list, role, disable), revoke-sessions, audit events.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALICE, assertProblem, BOB, bearer, login, refresh, startApp, type TestApp } from './helpers.js';

describe('admin', () => {
  let t: TestApp;
  let admin: string;
  const as = (token: string) => ({ headers: bearer(token) });
  before(async () => {
    t = await startApp();
    admin = (await login(t.app, ALICE)).access_token;
  });
  after(async () => {
    await t.close();
  });

  test('GET /admin/users lists the seeded users with paging, never hashes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/users?limit=1&offset=0', ...as(admin) });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.ok(body.total >= 2);
    assert.equal(body.users.length, 1);
    assert.deepEqual(body.users[0], {
      ...body.users[0],
      id: 101,
      username: 'alice',
      role: 'admin',
      disabled: false,
    });
    assert.ok(!res.body.includes('argon2'));
    const page2 = (
      await t.app.inject({ method: 'GET', url: '/admin/users?limit=1&offset=1', ...as(admin) })
    ).json();
    assert.equal(page2.users[0].username, 'bob');
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/admin/users?limit=0', ...as(admin) }),
      400,
      'validation_failed',
    );
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/admin/users?limit=abc', ...as(admin) }),
      400,
      'validation_failed',
    );
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/admin/users?evil=1', ...as(admin) }),
      400,
      'validation_failed',
    );
  });

  test('PATCH role: the user gains the role, and tokens with the stale role die', async () => {
    const reg = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'frank', password: 'frank-long-password' },
    });
    const id = reg.json().id as number;
    const before = await login(t.app, { username: 'frank', password: 'frank-long-password' });
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/admin/keys', ...as(before.access_token) }),
      403,
      'insufficient_scope',
    );
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/admin/users/${id}`,
      ...as(admin),
      payload: { role: 'admin' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().role, 'admin');
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/me', ...as(before.access_token) }),
      401,
      'invalid_token',
    );
    // the refresh token still works and yields a token with the new role
    const renewed = (await refresh(t.app, before.refresh_token)).json();
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/admin/keys', ...as(renewed.access_token) })).statusCode,
      200,
    );
  });

  test('PATCH disabled: sessions end, tokens die, login is refused (identically), re-enable restores login', async () => {
    const reg = await t.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'gina', password: 'gina-long-password' },
    });
    const id = reg.json().id as number;
    const creds = { username: 'gina', password: 'gina-long-password' };
    const tok = await login(t.app, creds);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/admin/users/${id}`,
      ...as(admin),
      payload: { disabled: true },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().disabled, true);
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/me', ...as(tok.access_token) }),
      401,
      'invalid_token',
    );
    assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    const denied = await t.app.inject({ method: 'POST', url: '/auth/login', payload: creds });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'gina', password: 'wrong-password-gina' },
    });
    assertProblem(denied, 401, 'invalid_credentials');
    assert.equal(denied.body, wrong.body);
    await t.app.inject({
      method: 'PATCH',
      url: `/admin/users/${id}`,
      ...as(admin),
      payload: { disabled: false },
    });
    await login(t.app, creds);
  });

  test('PATCH validation: unknown user 404, empty body 400, bad role 400, self-demotion 409', async () => {
    assertProblem(
      await t.app.inject({
        method: 'PATCH',
        url: '/admin/users/99999',
        ...as(admin),
        payload: { role: 'user' },
      }),
      404,
      'not_found',
    );
    assertProblem(
      await t.app.inject({ method: 'PATCH', url: '/admin/users/102', ...as(admin), payload: {} }),
      400,
      'validation_failed',
    );
    assertProblem(
      await t.app.inject({
        method: 'PATCH',
        url: '/admin/users/102',
        ...as(admin),
        payload: { role: 'root' },
      }),
      400,
      'validation_failed',
    );
    assertProblem(
      await t.app.inject({
        method: 'PATCH',
        url: '/admin/users/abc',
        ...as(admin),
        payload: { role: 'user' },
      }),
      400,
      'validation_failed',
    );
    assertProblem(
      await t.app.inject({
        method: 'PATCH',
        url: '/admin/users/101',
        ...as(admin),
        payload: { disabled: true },
      }),
      409,
      'cannot_modify_self',
    );
    assertProblem(
      await t.app.inject({
        method: 'PATCH',
        url: '/admin/users/101',
        ...as(admin),
        payload: { role: 'user' },
      }),
      409,
      'cannot_modify_self',
    );
  });

  test('POST /admin/users/:id/revoke-sessions ends every session and access token of the user', async () => {
    const a = await login(t.app, BOB);
    const b = await login(t.app, BOB);
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/users/${BOB.id}/revoke-sessions`,
      ...as(admin),
    });
    assert.equal(res.statusCode, 200);
    assert.ok(res.json().revoked_sessions >= 2);
    for (const tok of [a, b]) {
      assertProblem(
        await t.app.inject({ method: 'GET', url: '/me', ...as(tok.access_token) }),
        401,
        'invalid_token',
      );
      assertProblem(await refresh(t.app, tok.refresh_token), 401, 'invalid_grant');
    }
    assertProblem(
      await t.app.inject({ method: 'POST', url: '/admin/users/99999/revoke-sessions', ...as(admin) }),
      404,
    );
  });

  test('GET /admin/audit-events: newest first, filters, paging cursor', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'bob', password: 'definitely-wrong-pw' },
    });
    const res = await t.app.inject({ method: 'GET', url: '/admin/audit-events?limit=500', ...as(admin) });
    assert.equal(res.statusCode, 200);
    const events = res.json().events as Array<{
      id: number;
      type: string;
      at: string;
      details: Record<string, unknown>;
    }>;
    assert.ok(events.length > 5);
    for (let i = 1; i < events.length; i++) assert.ok(events[i - 1]!.id > events[i]!.id);
    const failed = (
      await t.app.inject({ method: 'GET', url: '/admin/audit-events?type=user.login_failed', ...as(admin) })
    ).json().events;
    assert.ok(failed.length >= 1);
    assert.ok(failed.every((e: { type: string }) => e.type === 'user.login_failed'));
    assert.ok(!JSON.stringify(failed).includes('definitely-wrong-pw'), 'passwords never reach the audit log');
    const bobOnly = (
      await t.app.inject({ method: 'GET', url: `/admin/audit-events?user_id=${BOB.id}`, ...as(admin) })
    ).json().events;
    assert.ok(bobOnly.every((e: { user_id: number }) => e.user_id === BOB.id));
    const page = (
      await t.app.inject({ method: 'GET', url: '/admin/audit-events?limit=2', ...as(admin) })
    ).json();
    assert.equal(page.events.length, 2);
    const next = (
      await t.app.inject({
        method: 'GET',
        url: `/admin/audit-events?limit=2&before=${page.next_before}`,
        ...as(admin),
      })
    ).json();
    assert.ok(next.events[0].id < page.events[1].id + 1);
    assertProblem(
      await t.app.inject({ method: 'GET', url: '/admin/audit-events?type=DROP%20TABLE', ...as(admin) }),
      400,
      'validation_failed',
    );
  });

  test('GET /admin/keys shows metadata only', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/keys', ...as(admin) });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.algorithm, 'ES256');
    assert.deepEqual(body.keys.map((k: { status: string }) => k.status).sort(), ['active', 'next']);
    assert.ok(!/PRIVATE|"d":/.test(res.body));
  });
});
