import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, OWASP_ARGON2, parseDuration, secretWeakness } from '../src/config.js';
import { sqlitePath } from '../src/storage/index.js';

const STRONG = 'qUzmxSsG53y_fgxe47Hr1tuFH9M2CSdMCSJhkjbt7r4'; // 32 random bytes, base64url
const prod = {
  NODE_ENV: 'production',
  SECRET_KEY: STRONG,
  DATABASE_URL: 'postgres://db/auth',
  ISSUER: 'https://auth.example.com',
};

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, '/srv');
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
};

describe('config', () => {
  test('defaults: demo mode, 127.0.0.1:3000, ./data/jwtkit.sqlite under INIT_CWD, ES256, OWASP Argon2', () => {
    const c = loadConfig({ INIT_CWD: '/repo' }, '/repo/packages/server');
    assert.equal(c.mode, 'demo');
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 3000);
    assert.equal(c.issuer, 'http://127.0.0.1:3000');
    assert.equal(c.jwtAlg, 'ES256');
    assert.equal(c.accessTokenTtl, 600);
    assert.equal(c.refreshReuseGrace, 10);
    assert.deepEqual(c.argon2, OWASP_ARGON2);
    assert.deepEqual(c.argon2, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    assert.equal(c.seedDemoUsers, true);
    assert.equal(sqlitePath(c.databaseUrl, c.baseDir), '/repo/data/jwtkit.sqlite');
  });

  test('PORT, HOST, DATABASE_URL forms, durations', () => {
    const c = loadConfig(
      { PORT: '8080', HOST: '0.0.0.0', ACCESS_TOKEN_TTL: '15m', REFRESH_TOKEN_TTL: '7d' },
      '/x',
    );
    assert.equal(c.port, 8080);
    assert.equal(c.issuer, 'http://0.0.0.0:8080');
    assert.equal(c.accessTokenTtl, 900);
    assert.equal(c.refreshTokenTtl, 7 * 86400);
    assert.equal(sqlitePath('sqlite:db/a.sqlite', '/base'), '/base/db/a.sqlite');
    assert.equal(sqlitePath('file:/abs/a.sqlite', '/base'), '/abs/a.sqlite');
    assert.equal(sqlitePath(':memory:', '/base'), ':memory:');
    assert.equal(parseDuration('10m'), 600);
    assert.equal(parseDuration('2h'), 7200);
    assert.equal(parseDuration('45'), 45);
    assert.equal(parseDuration('ten'), null);
  });

  test('JWT_SECRET alone selects HS256', () => {
    const c = loadConfig({ JWT_SECRET: 'mysecret123' }, '/x');
    assert.equal(c.jwtAlg, 'HS256');
    assert.deepEqual(problems({ JWT_ALG: 'HS256' }).length, 1);
  });

  test('demo mode refuses NODE_ENV=production', () => {
    const p = problems({ NODE_ENV: 'production', JWTKIT_MODE: 'demo' });
    assert.ok(
      p.some((x) => /demo mode refuses/.test(x)),
      p.join(),
    );
  });

  test('production refuses missing or weak secrets, and demo seeding', () => {
    assert.deepEqual(problems(prod), []);
    const missing = problems({ ...prod, SECRET_KEY: '' });
    assert.ok(missing.some((x) => /SECRET_KEY is missing/.test(x)));
    for (const weak of [
      'short',
      'changeme'.repeat(5),
      'a'.repeat(40),
      'secretsecretsecretsecretsecretsecret',
    ]) {
      assert.ok(
        problems({ ...prod, SECRET_KEY: weak }).some((x) => /SECRET_KEY/.test(x)),
        weak,
      );
    }
    assert.ok(problems({ ...prod, JWT_SECRET: 'mysecret123' }).some((x) => /JWT_SECRET/.test(x)));
    assert.deepEqual(problems({ ...prod, JWT_SECRET: STRONG.split('').reverse().join('') }), []);
    assert.ok(problems({ ...prod, SEED_DEMO_USERS: 'true' }).some((x) => /SEED_DEMO_USERS/.test(x)));
    assert.ok(problems({ ...prod, DATABASE_URL: '' }).some((x) => /DATABASE_URL/.test(x)));
    assert.ok(problems({ ...prod, ARGON2_MEMORY_KIB: '1024' }).some((x) => /OWASP/.test(x)));
    const c = loadConfig(prod, '/x');
    assert.equal(c.mode, 'production');
    assert.equal(c.seedDemoUsers, false);
    assert.equal(
      c.keyRotationMinAge,
      60,
      'a next key is published for a JWKS cache lifetime before it signs',
    );
    assert.equal(loadConfig({}, '/x').keyRotationMinAge, 0);
  });

  test('INTROSPECTION_CLIENTS: parsed; malformed or (in production) weak secrets refused', () => {
    assert.deepEqual(loadConfig({ INTROSPECTION_CLIENTS: 'rs1:s1, rs2:s:2' }, '/x').introspectionClients, [
      { id: 'rs1', secret: 's1' },
      { id: 'rs2', secret: 's:2' },
    ]);
    assert.equal(problems({ INTROSPECTION_CLIENTS: 'no-secret' }).length, 1);
    assert.ok(
      problems({ ...prod, INTROSPECTION_CLIENTS: 'rs1:short' }).some((x) => /INTROSPECTION_CLIENTS/.test(x)),
    );
    assert.deepEqual(problems({ ...prod, INTROSPECTION_CLIENTS: `rs1:${STRONG}` }), []);
  });

  test('bad values are reported together, never silently defaulted', () => {
    const p = problems({
      PORT: 'eighty',
      ACCESS_TOKEN_TTL: 'forever',
      JWT_ALG: 'none',
      RATE_LIMIT_LOGIN_IP: 'lots',
      TRUST_PROXY: 'maybe',
    });
    assert.equal(p.length, 5, p.join('\n'));
  });

  test('secretWeakness', () => {
    assert.equal(secretWeakness(STRONG), null);
    assert.match(String(secretWeakness(undefined)), /missing/);
    assert.match(String(secretWeakness('x'.repeat(31))), /shorter/);
  });
});
