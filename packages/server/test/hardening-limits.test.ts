// Issue #13 items 2 and 3: rate limits are counted before the Argon2 check (N parallel guesses verify at
// most the budget), the password change has per-address and per-account limits, one account has a
// limit across addresses it has never logged in from, and TRUST_PROXY never trusts every hop.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Services } from '../src/services/index.js';
import { ALICE, assertProblem, BOB, bearer, login, startApp } from './helpers.js';

/** Counts every password verification the service runs (verify and verifyDummy go through verifyDetailed). */
function countVerifications(services: Services): { count: () => number } {
  let n = 0;
  const p = services.passwords;
  const detailed = p.verifyDetailed.bind(p);
  p.verifyDetailed = async (h, pw) => {
    n++;
    return detailed(h, pw);
  };
  return { count: () => n };
}

const guess = (username: string, ip: string, password = 'wrong-password-guess', xff?: string) => ({
  method: 'POST' as const,
  url: '/auth/login',
  remoteAddress: ip,
  ...(xff === undefined ? {} : { headers: { 'x-forwarded-for': xff } }),
  payload: { username, password },
});

describe('rate limits counted before the hash', () => {
  test('30 parallel wrong logins against a budget of 5: at most 5 Argon2 checks, 25 answered 429', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_ACCOUNT: '5/15m' });
    try {
      const v = countVerifications(t.services);
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => t.app.inject(guess('bob', '10.1.1.1'))),
      );
      const codes = answers.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 401).length, 5, codes.join());
      assert.equal(codes.filter((c) => c === 429).length, 25, codes.join());
      assert.ok(v.count() <= 5, `${v.count()} Argon2 verifications`);
      // unknown accounts are limited the same way (the dummy hash is Argon2 too)
      const before = v.count();
      await Promise.all(Array.from({ length: 30 }, () => t.app.inject(guess('nobody-here', '10.1.1.1'))));
      assert.ok(v.count() - before <= 5, `${v.count() - before} verifications for an unknown user`);
    } finally {
      await t.close();
    }
  });

  test('300 parallel wrong current passwords: at most the budget is verified; per-address limit too', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_ACCOUNT: '5/15m', RATE_LIMIT_PASSWORD_IP: '8/15m' });
    try {
      const alice = await login(t.app, ALICE);
      const v = countVerifications(t.services);
      const change = (ip: string, current = 'not-the-current-password') =>
        t.app.inject({
          method: 'POST',
          url: '/auth/password',
          remoteAddress: ip,
          headers: bearer(alice.access_token),
          payload: { current_password: current, new_password: 'a-brand-new-long-password' },
        });
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => change(`10.2.0.${i % 250}`)));
      const codes = answers.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 403).length, 5, 'per-account budget');
      assert.equal(codes.filter((c) => c === 429).length, 295);
      assert.ok(v.count() <= 5, `${v.count()} Argon2 verifications`);
      // per address: another account's changes from one address stop after 8
      const bob = await login(t.app, BOB);
      const fromOne = await Promise.all(
        Array.from({ length: 12 }, () =>
          t.app.inject({
            method: 'POST',
            url: '/auth/password',
            remoteAddress: '10.3.0.1',
            headers: bearer(bob.access_token),
            payload: { current_password: 'wrong-wrong-wrong', new_password: 'a-brand-new-long-password' },
          }),
        ),
      );
      const rl = fromOne.filter((r) => r.statusCode === 429);
      assert.ok(rl.length >= 7, `${rl.length} of 12 limited`);
      assertProblem(rl[0]!, 429, 'rate_limited');
    } finally {
      await t.close();
    }
  });

  test('per account across addresses: a distributed guesser is slowed; the owner on a known address is not', async () => {
    const t = await startApp({ RATE_LIMIT_LOGIN_ACCOUNT: '5/15m', RATE_LIMIT_LOGIN_ACCOUNT_ANY_IP: '20/5m' });
    try {
      // bob logged in before from his own address: it is known
      await t.app.inject(guess('bob', '192.0.2.7', BOB.password));
      const v = countVerifications(t.services);
      const codes: number[] = [];
      for (let i = 0; i < 60; i++)
        codes.push((await t.app.inject(guess('bob', `198.51.100.${i}`))).statusCode);
      assert.equal(codes.filter((c) => c === 401).length, 20, codes.join());
      assert.ok(
        codes.slice(20).every((c) => c === 429),
        codes.join(),
      );
      assert.equal(v.count(), 20);
      // the right password from a new address waits too...
      assertProblem(await t.app.inject(guess('bob', '203.0.113.9', BOB.password)), 429, 'rate_limited');
      // ...but bob's own known address is not locked out by the attack
      assert.equal((await t.app.inject(guess('bob', '192.0.2.7', BOB.password))).statusCode, 200);
      // and the lock on new addresses ends with its window (5 min), not later
      t.clock.advance(5 * 60 + 1);
      assert.equal((await t.app.inject(guess('bob', '203.0.113.9', BOB.password))).statusCode, 200);
    } finally {
      await t.close();
    }
  });
});

describe('TRUST_PROXY', () => {
  const problems = (v: string) => {
    try {
      loadConfig({ TRUST_PROXY: v }, '/x');
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };

  test('true (trust every hop) is refused with a message naming hop counts and CIDRs', () => {
    for (const v of ['true', 'TRUE', 'yes', 'on', '*']) {
      const p = problems(v);
      assert.equal(p.length, 1, v);
      assert.match(p[0]!, /TRUST_PROXY=true would trust every X-Forwarded-For hop/);
      assert.match(p[0]!, /TRUST_PROXY=1/);
    }
    for (const v of ['maybe', '10.0.0.0/33', '10.0.0.1/8/1', '300.1.1.1', '11', 'localhost'])
      assert.equal(problems(v).length, 1, v);
  });

  test('hop counts, address lists, CIDRs and named ranges are accepted', () => {
    assert.equal(loadConfig({}, '/x').trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }, '/x').trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: '0' }, '/x').trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }, '/x').trustProxy, 2);
    assert.deepEqual(
      loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }, '/x').trustProxy,
      ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback'],
    );
  });

  for (const setting of ['1', '127.0.0.1']) {
    test(`TRUST_PROXY=${setting}: a rotating client-chosen X-Forwarded-For never escapes the limits`, async () => {
      const t = await startApp({
        TRUST_PROXY: setting,
        RATE_LIMIT_LOGIN_ACCOUNT: '5/15m',
        RATE_LIMIT_LOGIN_IP: '30/1m',
      });
      try {
        const codes: number[] = [];
        // the proxy at 127.0.0.1 appends the real client (203.0.113.50) after whatever the client sent
        for (let i = 0; i < 60; i++)
          codes.push(
            (await t.app.inject(guess('bob', '127.0.0.1', undefined, `10.9.${i}.1, 203.0.113.50`)))
              .statusCode,
          );
        assert.equal(codes.filter((c) => c === 401).length, 5, codes.join());
        assertProblem(
          await t.app.inject(guess('bob', '127.0.0.1', BOB.password, '10.9.99.1, 203.0.113.50')),
          429,
        );
        const audit = await t.services.audit.list({ limit: 100, type: 'user.login_failed' });
        assert.ok(audit.length > 0);
        assert.ok(
          audit.every((e) => e.ip === '203.0.113.50'),
          `audit addresses: ${[...new Set(audit.map((e) => e.ip))].join()}`,
        );
      } finally {
        await t.close();
      }
    });
  }
});
