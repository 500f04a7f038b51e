// The settings are declared once (src/settings.ts): loadConfig reads every setting through its
// declaration, and the README's configuration table is generated from it. These tests fail when the
// README is stale, when config.ts reads an undeclared variable (or a declared one is never read), and
// when a declared default is not the default loadConfig applies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { CONFIG_TABLE_END, CONFIG_TABLE_START, SETTINGS, withConfigTable } from '../src/settings.js';

const README = new URL('../README.md', import.meta.url);
const CONFIG_SOURCE = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');

describe('configuration table', () => {
  test('the README table is the one generated from src/settings.ts', () => {
    const readme = readFileSync(README, 'utf8');
    assert.ok(readme.includes(CONFIG_TABLE_START) && readme.includes(CONFIG_TABLE_END), 'markers present');
    assert.equal(
      readme,
      withConfigTable(readme),
      'packages/server/README.md is stale: run npm run config-table -w packages/server',
    );
    for (const s of SETTINGS) assert.ok(readme.includes(`| \`${s.env}\` |`), s.env);
  });

  test('config.ts reads exactly the declared settings', () => {
    const read = new Set<string>();
    for (const m of CONFIG_SOURCE.matchAll(
      /\b(?:str|int|duration|bool|limit|declared)\('([A-Z][A-Z0-9_]+)'/g,
    ))
      read.add(m[1]!);
    for (const m of CONFIG_SOURCE.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
    read.delete('NODE_ENV'); // node's, not ours (it only picks the default mode)
    read.delete('INIT_CWD'); // npm's
    const declared = new Set(SETTINGS.map((s) => s.env));
    assert.deepEqual([...read].filter((x) => !declared.has(x)).sort(), [], 'read but not declared');
    assert.deepEqual([...declared].filter((x) => !read.has(x)).sort(), [], 'declared but never read');
  });

  test('every declared default is the effective default, and every range is enforced', () => {
    const base = loadConfig({}, '/x');
    for (const s of SETTINGS) {
      if (
        s.default !== undefined &&
        ['integer', 'duration', 'limit', 'boolean', 'choice', 'text'].includes(s.type)
      ) {
        assert.deepEqual(
          loadConfig({ [s.env]: s.default }, '/x'),
          base,
          `${s.env}=${s.default} is the default`,
        );
      }
      if (s.type === 'integer' || s.type === 'duration') {
        for (const bad of [String(s.max + 1), String(s.min - 1)]) {
          if (s.min === 0 && bad === '-1' && s.type === 'duration') continue;
          assert.throws(
            () => loadConfig({ [s.env]: bad }, '/x'),
            (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith(s.env)),
            `${s.env}=${bad}`,
          );
        }
      }
    }
    // production defaults apply in production
    const prod = loadConfig(
      {
        JWTKIT_MODE: 'production',
        SECRET_KEY: 'qUzmxSsG53y_fgxe47Hr1tuFH9M2CSdMCSJhkjbt7r4',
        DATABASE_URL: 'postgres://db/x',
        ISSUER: 'https://a.example',
      },
      '/x',
    );
    assert.equal(prod.keyRotationMinAge, 60);
    assert.equal(prod.seedDemoUsers, false);
  });

  test('durations are parsed by the library (one parser): units and spellings it knows', () => {
    assert.equal(loadConfig({ ACCESS_TOKEN_TTL: '15 minutes' }, '/x').accessTokenTtl, 900);
    assert.equal(loadConfig({ AUDIT_RETENTION: '2w' }, '/x').auditRetention, 14 * 86400);
    assert.equal(loadConfig({ RATE_LIMIT_LOGIN_IP: '3/1h' }, '/x').rateLimits.loginPerIp.windowSeconds, 3600);
    assert.equal(loadConfig({ ACCESS_TOKEN_TTL: '1.5m' }, '/x').accessTokenTtl, 90);
    for (const bad of ['1.5s', '-5', 'soon', '10 parsecs'])
      assert.throws(() => loadConfig({ ACCESS_TOKEN_TTL: bad }, '/x'), ConfigError, bad);
  });
});
