/**
 * The Learn lesson's Python column against PyJWT itself (fixtures/pyjwt-learn.json, made by
 * fixtures/pyjwt-learn.py with PyJWT 2.15.1), and its TypeScript column against jwtkit and Node.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { ALGORITHMS, algorithmInfo, MIN_HMAC_SECRET_BYTES } from '../../src/_lib/algorithms.js';
import { encode, JwtError } from '../../src/index.js';
import {
  checkValues,
  type LessonContext,
  type LessonValues,
  lessonSteps,
  nodeUserInspect,
  pyjwtDifferences,
  pyjwtSigningInput,
  pyjwtWarnings,
  pythonUserRepr,
  SEED_TOKEN,
  SEED_VALUES,
  userObject,
} from '../../src/learn/index.js';

interface Case {
  input: LessonValues;
  program: string;
  stdout: string;
  warnings: string[];
  error?: string;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/pyjwt-learn.json', import.meta.url), 'utf8')) as {
  pyjwt: string;
  cases: Case[];
};

const alg = ALGORITHMS.find((a) => algorithmInfo(a)?.family === 'hmac')!;
const CTX: LessonContext = {
  alg,
  hashBytes: algorithmInfo(alg)!.hashBytes,
  minSecretBytes: MIN_HMAC_SECRET_BYTES,
};
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const HEADER = '{"alg":"HS256","typ":"JWT"}';

function quiet<T>(fn: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}

describe('Learn lesson: the Python column is what PyJWT 2.15.1 prints', () => {
  test('the fixture is PyJWT 2.15.1 and covers the seed, quotes, escapes, non-ASCII, a big id, short and empty secrets', () => {
    assert.equal(fixture.pyjwt, '2.15.1');
    assert.ok(fixture.cases.length >= 12);
    const seed = fixture.cases[0]!;
    assert.deepEqual(seed.input, SEED_VALUES);
    assert.equal(seed.stdout.split('\n')[1], SEED_TOKEN);
  });

  for (const c of fixture.cases) {
    const name = JSON.stringify(c.input).slice(0, 90);
    test(name, () => {
      const steps = lessonSteps(c.input, CTX);
      // The program PyJWT ran is the lesson's Python code, statement for statement.
      const lessonLines = steps.flatMap((s) => s.py.split('\n')).filter((l) => l !== '');
      const ran = c.program.split('\n');
      assert.deepEqual([...lessonLines].sort(), [...ran].sort());
      assert.deepEqual(lessonLines.slice(0, 3), ran.slice(0, 3));

      const [printedUser, printedToken] = c.stdout.split('\n');
      assert.equal(pythonUserRepr(c.input), printedUser, 'print(user)');
      assert.deepEqual(pyjwtWarnings(c.input, CTX), c.warnings, 'PyJWT warnings');

      const diffs = pyjwtDifferences(c.input, CTX);
      if (c.error !== undefined) {
        assert.ok(
          diffs.some((d) => d.kind === 'refuses' && d.why.includes(c.error!)),
          `PyJWT raised ${c.error}; the lesson must say so: ${JSON.stringify(diffs)}`,
        );
        return;
      }
      // The page signs PyJWT's signing input with HMAC: it must give PyJWT's token byte for byte.
      const input = pyjwtSigningInput(c.input, HEADER);
      const signing = `${b64(input.header)}.${b64(input.payload)}`;
      const sig = createHmac('sha256', c.input.secret).update(signing).digest('base64url');
      assert.equal(`${signing}.${sig}`, printedToken, 'PyJWT token');

      // And jwtkit's own encode gives the same bytes, except where the lesson says it differs.
      let ours: string | JwtError;
      try {
        ours = quiet(() => encode(userObject(c.input), c.input.secret, { algorithm: alg }));
      } catch (e) {
        assert.ok(e instanceof JwtError, String(e));
        ours = e;
      }
      const differs = diffs.filter((d) => d.kind !== 'refuses');
      if (differs.length === 0) assert.equal(ours, printedToken, 'jwtkit token = PyJWT token');
      else assert.notEqual(ours, printedToken, `the lesson says they differ: ${differs[0]!.why}`);
      if (ours instanceof JwtError) assert.ok(checkValues(c.input, CTX).some((p) => p.field === 'secret'));
    });
  }
});

describe('Learn lesson: the TypeScript column is what Node and jwtkit print', () => {
  for (const c of fixture.cases) {
    test(`console.log(user) ${JSON.stringify(c.input).slice(0, 70)}`, () => {
      assert.equal(nodeUserInspect(c.input), inspect(userObject(c.input)));
    });
  }
  test('the seed values give the seed token with jwtkit', () => {
    const token = quiet(() => encode(userObject(SEED_VALUES), SEED_VALUES.secret, { algorithm: alg }));
    assert.equal(token, SEED_TOKEN);
    assert.deepEqual(checkValues(SEED_VALUES, CTX), []);
  });
  test('checkValues: a non-integer user_id and a secret jwtkit refuses are reported on their field', () => {
    assert.deepEqual(
      checkValues({ ...SEED_VALUES, userId: '1.5' }, CTX).map((p) => p.field),
      ['userId'],
    );
    assert.deepEqual(
      checkValues({ ...SEED_VALUES, secret: 'abc' }, CTX).map((p) => p.field),
      ['secret'],
    );
    assert.throws(() => encode(userObject(SEED_VALUES), 'abc', { algorithm: alg }), JwtError);
  });
});
