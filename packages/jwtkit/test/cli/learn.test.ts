import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { lessonContext } from '../../src/cli/learn.js';
import { LAB_CARDS, lessonSteps, WHAT_HAPPENED } from '../../src/learn/index.js';
import { run, SEED_SECRET, SEED_TOKEN } from './_helpers.js';

const fixture = JSON.parse(
  readFileSync(new URL('../learn/fixtures/pyjwt-learn.json', import.meta.url), 'utf8'),
) as {
  cases: Array<{
    input: { userId: string; username: string; role: string; secret: string };
    stdout: string;
    warnings: string[];
  }>;
};

describe('jwtkit learn', () => {
  test('walks the four steps with the seed values and prints the seed token in both columns', async () => {
    const r = await run(['learn']);
    assert.equal(r.code, 0, r.stderr);
    const steps = lessonSteps(
      { userId: '101', username: 'alice', role: 'admin', secret: SEED_SECRET },
      lessonContext(),
    );
    let at = 0;
    for (const s of steps) {
      // The terminal shows the lesson's own texts, in order (one source with the page).
      const i = r.stdout.indexOf(`Step ${s.n}. ${s.title}`, at);
      assert.ok(i >= at, `step ${s.n} missing or out of order`);
      at = i;
      assert.ok(r.stdout.includes(s.explain), `step ${s.n} explanation`);
      for (const line of [...s.ts.split('\n'), ...s.py.split('\n')].filter(Boolean))
        assert.ok(r.stdout.includes(`    ${line}`), `step ${s.n} code line ${line}`);
    }
    // jwtkit's and PyJWT's outputs (PyJWT's from the fixture PyJWT itself produced).
    const seed = fixture.cases[0]!;
    for (const line of seed.stdout.trim().split('\n')) assert.ok(r.stdout.includes(`    ${line}\n`), line);
    for (const w of seed.warnings) assert.ok(r.stdout.includes(w), w);
    assert.equal(r.stdout.split(`    ${SEED_TOKEN}\n`).length - 1, 2, 'the seed token, once per column');
    // What just happened: the HMAC bytes of the seed signature.
    assert.ok(r.stdout.includes(WHAT_HAPPENED.title));
    assert.match(
      r.stdout,
      /= 5e b8 90 de a4 22 2e d8 cc a9 d4 9e 48 26 69 1e e6 1c 4c 08 d5 bf 9a 8a 38 af 3d ab 11 d5 e7 8f\n/,
    );
    assert.ok(r.stdout.includes(WHAT_HAPPENED.shortSecret(11, 32)));
  });

  test('edited values change both columns; PyJWT output matches the PyJWT fixture', async () => {
    for (const c of fixture.cases.filter(
      (x) => x.input.secret.length >= 8 && Number.isSafeInteger(Number(x.input.userId)),
    )) {
      const r = await run([
        'learn',
        `--user-id=${c.input.userId}`,
        `--username=${c.input.username}`,
        `--role=${c.input.role}`,
        `--secret=${c.input.secret}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      for (const line of c.stdout.trim().split('\n'))
        assert.ok(r.stdout.includes(`    ${line}\n`), `${JSON.stringify(c.input)}: ${line}`);
    }
  });

  test('a secret jwtkit refuses: the refusal, and what PyJWT does instead', async () => {
    const r = await run(['learn', '--secret', 'short']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /InvalidKeyError \[ERR_JWK_INVALID\]/);
    assert.match(r.stdout, /PyJWT differs: PyJWT signs with a 5-byte key after a warning/);
    assert.ok(!r.stdout.includes(WHAT_HAPPENED.title));
  });

  test('a user id that is not a whole number is a usage error', async () => {
    const r = await run(['learn', '--user-id', '1.5']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--user-id: user_id is a whole number/);
  });

  test('the lab cards name a code, a reason, a section and an incident each', () => {
    assert.equal(LAB_CARDS.length, 10);
    for (const c of LAB_CARDS)
      for (const k of ['code', 'reason', 'rfc', 'url', 'incident'] as const) assert.ok(c[k], `${c.id}.${k}`);
  });
});
