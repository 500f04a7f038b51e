// Brute-force protection: per account+IP and per IP, 429 with Retry-After, reset on success.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryRateLimiter, rateLimitSubject } from '../src/services/rate-limit.js';
import { assertProblem, BOB, bearer, login, startApp, testClock } from './helpers.js';

const wrong = (username = 'bob', ip = '10.0.0.1') => ({
  method: 'POST' as const,
  url: '/auth/login',
  remoteAddress: ip,
  payload: { username, password: 'wrong-password-guess' },
});

describe('login rate limits', () => {
  test('per account+IP: after N failures, 429 with Retry-After even for the right password; window expiry resets', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_ACCOUNT: '3/15m' });
    try {
      for (let i = 0; i < 3; i++) assertProblem(await t.app.inject(wrong()), 401, 'invalid_credentials');
      const limited = await t.app.inject(wrong());
      const body = assertProblem(limited, 429, 'rate_limited');
      const retry = Number(limited.headers['retry-after']);
      assert.ok(retry > 0 && retry <= 900, `Retry-After ${limited.headers['retry-after']}`);
      assert.equal(body.retry_after, retry);
      const right = await t.app.inject({ ...wrong(), payload: { username: 'bob', password: BOB.password } });
      assertProblem(right, 429, 'rate_limited');
      // another IP, or another account from this IP, is not affected
      assert.equal(
        (
          await t.app.inject({
            ...wrong('bob', '10.0.0.2'),
            payload: { username: 'bob', password: BOB.password },
          })
        ).statusCode,
        200,
      );
      assertProblem(await t.app.inject(wrong('alice')), 401);
      t.clock.advance(15 * 60 + 1);
      assert.equal(
        (await t.app.inject({ ...wrong(), payload: { username: 'bob', password: BOB.password } })).statusCode,
        200,
      );
    } finally {
      await t.close();
    }
  });

  test('per account+IP: a successful login resets the failure count', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_ACCOUNT: '3/15m' });
    try {
      for (let i = 0; i < 2; i++) await t.app.inject(wrong());
      assert.equal(
        (await t.app.inject({ ...wrong(), payload: { username: 'bob', password: BOB.password } })).statusCode,
        200,
      );
      for (let i = 0; i < 3; i++) assertProblem(await t.app.inject(wrong()), 401);
      assertProblem(await t.app.inject(wrong()), 429);
    } finally {
      await t.close();
    }
  });

  test('per IP: every attempt counts, across accounts', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_IP: '5/1m' });
    try {
      for (let i = 0; i < 5; i++) assertProblem(await t.app.inject(wrong(`user${i}`)), 401);
      const res = await t.app.inject(wrong('someone-else'));
      assertProblem(res, 429, 'rate_limited');
      assert.ok(Number(res.headers['retry-after']) <= 60);
      assert.equal(
        (
          await t.app.inject({
            ...wrong('bob', '10.9.9.9'),
            payload: { username: 'bob', password: BOB.password },
          })
        ).statusCode,
        200,
      );
    } finally {
      await t.close();
    }
  });

  test('register and refresh are limited per IP too; password change per user', async () => {
    const t = await startApp({
      RATE_LIMIT_REGISTER_IP: '2/1h',
      RATE_LIMIT_REFRESH_IP: '2/1m',
      RATE_LIMIT_LOGIN_ACCOUNT: '2/15m',
    });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { username: `reg${i}`, password: 'register-password-1' },
        });
        assert.equal(r.statusCode, 201);
      }
      assertProblem(
        await t.app.inject({
          method: 'POST',
          url: '/auth/register',
          payload: { username: 'reg9', password: 'register-password-1' },
        }),
        429,
      );
      for (let i = 0; i < 2; i++)
        await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: 'x' } });
      assertProblem(
        await t.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: 'x' } }),
        429,
      );
      const tok = await login(t.app, BOB);
      const change = () =>
        t.app.inject({
          method: 'POST',
          url: '/auth/password',
          headers: bearer(tok.access_token),
          payload: { current_password: 'guess-guess-guess', new_password: 'new-password-value-1' },
        });
      assertProblem(await change(), 403);
      assertProblem(await change(), 403);
      assertProblem(await change(), 429);
    } finally {
      await t.close();
    }
  });
});

describe('MemoryRateLimiter', () => {
  test('bounded: unauthenticated keys cannot grow it past maxKeys (the oldest windows go first)', async () => {
    const clock = testClock();
    const m = new MemoryRateLimiter(clock.now, 10);
    const rule = { max: 5, windowSeconds: 60 };
    for (let i = 0; i < 25; i++) await m.hit(`k${i}`, rule);
    assert.equal((await m.peek('k0', rule)).count, 0, 'oldest evicted');
    assert.equal((await m.peek('k24', rule)).count, 1, 'newest kept');
    let kept = 0;
    for (let i = 0; i < 25; i++) if ((await m.peek(`k${i}`, rule)).count > 0) kept++;
    assert.equal(kept, 10);
  });

  test('fixed windows count, expire and reset', async () => {
    const clock = testClock(0);
    const l = new MemoryRateLimiter(clock.now);
    const rule = { max: 2, windowSeconds: 10 };
    assert.deepEqual(await l.hit('k', rule), { count: 1, retryAfter: 10 });
    clock.advance(4);
    assert.deepEqual(await l.hit('k', rule), { count: 2, retryAfter: 6 });
    assert.deepEqual(await l.peek('k', rule), { count: 2, retryAfter: 6 });
    clock.advance(6);
    assert.deepEqual(await l.peek('k', rule), { count: 0, retryAfter: 0 });
    await l.hit('k', rule);
    await l.reset('k');
    assert.equal((await l.peek('k', rule)).count, 0);
  });
});

describe('rate-limit subject', () => {
  test('IPv4 as is, IPv4-mapped unwrapped, IPv6 by /64', () => {
    assert.equal(rateLimitSubject('10.1.2.3'), '10.1.2.3');
    assert.equal(rateLimitSubject('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(rateLimitSubject('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(rateLimitSubject('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(rateLimitSubject('2001:DB8:0001:0002:ffff::'), '2001:db8:1:2::/64');
    assert.equal(rateLimitSubject('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(rateLimitSubject('::1'), '0:0:0:0::/64');
    assert.equal(rateLimitSubject('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(rateLimitSubject(null), 'unknown');
  });

  test('addresses of one IPv6 /64 share the per-IP login budget', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_IP: '3/1m' });
    try {
      for (let i = 1; i <= 3; i++)
        assertProblem(await t.app.inject(wrong(`u${i}`, `2001:db8:5:6::${i}`)), 401);
      assertProblem(await t.app.inject(wrong('u9', '2001:db8:5:6::99')), 429, 'rate_limited');
      assertProblem(await t.app.inject(wrong('u9', '2001:db8:5:7::1')), 401);
    } finally {
      await t.close();
    }
  });
});
