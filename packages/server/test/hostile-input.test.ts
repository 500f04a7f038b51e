// Issue #13 items 6, 8, 9 and the hygiene headers, on SQLite and on Postgres: text that is not
// well-formed Unicode (or holds NUL) never reaches a query or a JSON column and answers 400 (the login
// attempt stays audited); passwords and usernames are NFKC-normalised the same way for the policy, the
// hash and the comparison; /oauth/revoke is rate-limited and idempotent; audit events expire.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { hash } from '@node-rs/argon2';
import { PostgresStorage } from '../src/storage/postgres.js';
import { ALICE, assertProblem, BOB, bearer, login, startApp, type TestApp } from './helpers.js';
import { PG_URL, postgresUnavailable } from './pg.js';

type Backend = { name: string; start: (env?: Record<string, string>) => Promise<TestApp | string> };

const BACKENDS: Backend[] = [
  { name: 'sqlite', start: (env = {}) => startApp(env) },
  {
    name: 'postgres',
    start: async (env = {}) => {
      const reason = await postgresUnavailable();
      if (reason) return reason;
      const storage = new PostgresStorage({
        connectionString: PG_URL,
        schema: `jwtkit_hostile_${randomBytes(4).toString('hex')}`,
        max: 6,
      });
      const t = await startApp(env, { build: { infra: { storage } } });
      return {
        ...t,
        close: async () => {
          await t.close();
          await storage.dropSchema();
          await storage.close();
        },
      };
    },
  },
];

function each(title: string, env: Record<string, string>, fn: (t: TestApp) => Promise<void>): void {
  for (const b of BACKENDS) {
    test(`${title} [${b.name}]`, async (tc) => {
      const t = await b.start(env);
      if (typeof t === 'string') {
        if (process.env.CI) assert.fail(t);
        tc.skip(t);
        return;
      }
      try {
        await fn(t);
      } finally {
        await t.close();
      }
    });
  }
}

const post = (t: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });

describe('NUL bytes and lone surrogates never reach the database', () => {
  each(
    'login: 400 for NUL / lone surrogate in the username, the attempt is audited (escaped)',
    {},
    async (t) => {
      for (const [username, shown] of [
        ['ali\u0000ce', 'ali\\u0000ce'],
        ['bob\ud800', 'bob\\ud800'],
        ['\udc00x', '\\udc00x'],
      ] as const) {
        const res = await post(t, '/auth/login', { username, password: 'whatever-password-here' });
        assertProblem(res, 400, 'invalid_request');
        const [event] = await t.services.audit.list({ limit: 1, type: 'user.login_failed' });
        assert.ok(event, 'audit event kept');
        assert.equal(event.details.username, shown);
        assert.equal(event.details.reason, 'malformed_input');
      }
      assertProblem(
        await post(t, '/auth/login', { username: 'bob', password: 'x\u0000y-long-password' }),
        400,
      );
      // a multi-byte character cut at the 64th unit by the audit's truncation is escaped too, not a 500
      const cut = `${'a'.repeat(63)}😀`;
      assertProblem(await post(t, '/auth/login', { username: cut, password: 'wrong-password-guess' }), 401);
      const [last] = await t.services.audit.list({ limit: 1, type: 'user.login_failed' });
      assert.match(String(last?.details.username), /\\ud83d$/);
    },
  );

  each(
    'every other route: 400 invalid_text for NUL / lone surrogates anywhere in body, query or params',
    {},
    async (t) => {
      const alice = await login(t.app, ALICE);
      const cases = [
        post(t, '/auth/register', { username: 'eve\u0000', password: 'a-long-enough-password' }),
        post(t, '/auth/register', { username: 'eve', password: '\ud83d-long-enough-password' }),
        post(t, '/auth/refresh', { refresh_token: 'abc\u0000def' }),
        post(t, '/oauth/revoke', { token: 'x\udfff' }),
        t.app.inject({
          method: 'GET',
          url: `/admin/audit-events?type=${encodeURIComponent('user.login\u0000')}`,
          headers: bearer(alice.access_token),
        }),
        t.app.inject({
          method: 'GET',
          url: '/admin/audit-events?type=%ED%A0%80', // CESU-8 of a lone surrogate
          headers: bearer(alice.access_token),
        }),
      ];
      for (const res of await Promise.all(cases)) {
        assert.ok(res.statusCode === 400, `${res.statusCode} ${res.body}`);
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    },
  );
});

describe('Unicode passwords and usernames (NFKC, well-formed only)', () => {
  each(
    'distinct lone surrogates are refused, so they can never collapse into one password',
    {},
    async (t) => {
      const lone = Array.from({ length: 15 }, (_, i) => String.fromCharCode(0xd800 + i * 7)).join('');
      assertProblem(await post(t, '/auth/register', { username: 'surrogates', password: lone }), 400);
      assertProblem(
        await post(t, '/auth/register', { username: 'surrogates', password: '\ufffd'.repeat(15) }),
        400,
      );
      assert.equal(await t.services.storage.getUserByUsername('surrogates'), null);
    },
  );

  each('one NFKC form for policy, hash and comparison; usernames too', {}, async (t) => {
    // fullwidth letters and the "ﬁ" ligature are NFKC-equal to their ASCII forms
    const typed = 'ｃｏｒｒｅｃｔ-ﬁsh-battery-42';
    const ascii = 'correct-fish-battery-42';
    assert.equal(
      (await post(t, '/auth/register', { username: 'ｎｆｋｃ-user', password: typed })).statusCode,
      201,
    );
    const user = await t.services.storage.getUserByUsername('nfkc-user');
    assert.ok(user, 'stored under the NFKC, lower-case username');
    for (const password of [typed, ascii])
      assert.equal(
        (await post(t, '/auth/login', { username: 'NFKC-USER', password })).statusCode,
        200,
        password,
      );
    assertProblem(
      await post(t, '/auth/register', { username: 'ａｌｉｃｅ', password: 'another-long-password' }),
      409,
    );
    // the policy sees the NFKC form: fifteen fullwidth "a"s are fifteen "a"s (too few distinct characters)
    assertProblem(
      await post(t, '/auth/register', { username: 'fwuser', password: 'ａ'.repeat(15) }),
      400,
      'weak_password',
    );
  });

  each(
    'a hash made from the NFC form (earlier versions) still verifies and is upgraded to NFKC',
    {},
    async (t) => {
      const password = 'ｌｅｇａｃｙ-password-123';
      const nfcHash = await hash(password.normalize('NFC'), {
        algorithm: 2,
        memoryCost: 256,
        timeCost: 1,
        parallelism: 1,
      });
      await t.services.storage.updateUser(102, { passwordHash: nfcHash }, Date.now());
      assert.equal((await post(t, '/auth/login', { username: 'bob', password })).statusCode, 200);
      const after = await t.services.storage.getUserById(102);
      assert.notEqual(after?.passwordHash, nfcHash, 'rehashed');
      assert.equal(await t.services.passwords.verify(after!.passwordHash, 'legacy-password-123'), true);
    },
  );
});

describe('/oauth/revoke', () => {
  each(
    'repeated revocation is idempotent: one audit event, however many calls (also in parallel)',
    {},
    async (t) => {
      const bob = await login(t.app, BOB);
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          post(t, '/oauth/revoke', { token: bob.access_token, token_type_hint: 'access_token' }),
        ),
      );
      assert.ok(answers.every((r) => r.statusCode === 200));
      for (let i = 0; i < 20; i++) await post(t, '/oauth/revoke', { token: bob.refresh_token });
      const events = await t.services.audit.list({ limit: 500, type: 'token.revoked' });
      assert.deepEqual(events.map((e) => e.details.token_type).sort(), ['access_token', 'refresh_token']);
    },
  );

  each('rate-limited per address', { RATE_LIMIT_REVOKE_IP: '20/1m' }, async (t) => {
    const codes: number[] = [];
    for (let i = 0; i < 30; i++)
      codes.push((await post(t, '/oauth/revoke', { token: `garbage-${i}` })).statusCode);
    assert.equal(codes.filter((c) => c === 200).length, 20);
    assert.equal(codes.filter((c) => c === 429).length, 10);
  });
});

describe('audit retention', () => {
  each(
    'events older than AUDIT_RETENTION are purged (at start and hourly)',
    { AUDIT_RETENTION: '30d' },
    async (t) => {
      const now = t.clock.now();
      const old = await t.services.storage.appendAuditEvent({
        at: now - 31 * 86400_000,
        type: 'user.login',
        userId: null,
        actorId: null,
        sessionId: null,
        ip: null,
        details: {},
      });
      const recent = await t.services.storage.appendAuditEvent({
        at: now - 29 * 86400_000,
        type: 'user.login',
        userId: null,
        actorId: null,
        sessionId: null,
        ip: null,
        details: {},
      });
      await t.services.storage.purgeExpired(now, { auditBefore: now - t.config.auditRetention * 1000 });
      const ids = (await t.services.audit.list({ limit: 1000 })).map((e) => e.id);
      assert.ok(!ids.includes(old.id));
      assert.ok(ids.includes(recent.id));
    },
  );

  test('the retention applies at start-up', async () => {
    const a = await startApp({ AUDIT_RETENTION: '30d' });
    await a.services.storage.appendAuditEvent({
      at: a.clock.now() - 40 * 86400_000,
      type: 'user.login',
      userId: null,
      actorId: null,
      sessionId: null,
      ip: null,
      details: {},
    });
    await a.app.close();
    const b = await startApp({ AUDIT_RETENTION: '30d' }, { dir: a.dir, clock: a.clock });
    try {
      const events = await b.services.audit.list({ limit: 1000 });
      assert.ok(events.every((e) => e.at > a.clock.now() - 30 * 86400_000));
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('HTTP hygiene', () => {
  test('HSTS only when the issuer is https://; /docs has a CSP without unsafe-inline, with frame-ancestors', async () => {
    const plain = await startApp();
    const tls = await startApp({ ISSUER: 'https://auth.example.test' });
    try {
      assert.equal(
        (await plain.app.inject({ method: 'GET', url: '/healthz' })).headers['strict-transport-security'],
        undefined,
      );
      for (const url of ['/healthz', '/docs', '/nope'])
        assert.match(
          String((await tls.app.inject({ method: 'GET', url })).headers['strict-transport-security']),
          /^max-age=\d{8,}/,
        );
      const docs = await plain.app.inject({ method: 'GET', url: '/docs' });
      const csp = String(docs.headers['content-security-policy']);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
    } finally {
      await plain.close();
      await tls.close();
    }
  });

  test('Authorization: <token> without "Bearer " is answered with the mistake named', async () => {
    const t = await startApp();
    try {
      const tok = await login(t.app, BOB);
      const res = await t.app.inject({
        method: 'GET',
        url: '/me',
        headers: { authorization: tok.access_token },
      });
      assertProblem(res, 400, 'invalid_request');
      assert.match(String(res.json().detail), /without the "Bearer " scheme/);
      assert.match(String(res.headers['www-authenticate']), /Bearer/);
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/me', headers: bearer(tok.access_token) })).statusCode,
        200,
      );
    } finally {
      await t.close();
    }
  });
});
