// The request line written by hand (ops/observability.ts `requestLineWriter`) against pino itself (the
// oracle): the same logger buildApp configures (level, redaction of every other line, serializers), its
// redaction-free child, generated fields and levels, the clock fixed; the two texts must be identical.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { REDACT_PATHS } from '../src/app.js';
import { type RequestLineFields, requestLineWriter } from '../src/ops/observability.js';

const SEED = Number(process.env.FC_SEED ?? 20261203);

function loggers(level: string, extra: pino.LoggerOptions = {}) {
  const out: string[] = [];
  const stream = { write: (s: string) => void out.push(s) };
  const root = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { req: (r: { method?: string }) => ({ method: r.method }) },
      ...extra,
    },
    stream,
  );
  // What registerRequestLog writes with.
  const lines = root.child({}, { redact: { paths: [] } });
  return { lines, out };
}

// Characters JSON escapes (quote, backslash, control characters) and a few it does not (U+2028, non-ASCII).
const ODD = fc.constantFrom('a"b', 'back\\slash', 'ctl\u0001x', 'nl\nx', 'tab\t', 'ls\u2028', 'é€𝄞', '');

const fields: fc.Arbitrary<RequestLineFields> = fc.record(
  {
    reqId: fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constant('req-1'), ODD),
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'DELETE'), fc.string({ minLength: 1, maxLength: 8 })),
    route: fc.oneof(fc.constantFrom('/me', '/auth/login', 'unmatched', '/admin/users/:id'), fc.string(), ODD),
    status: fc.integer({ min: 100, max: 599 }),
    ms: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, 1.25, 1e21)),
    userId: fc.oneof(fc.integer(), fc.string()),
    event: fc.constant('request.rate_limited'),
  },
  { requiredKeys: ['reqId', 'method', 'route', 'status', 'ms'] },
);

function withFixedClock<T>(f: () => T): T {
  const real = Date.now;
  Date.now = () => 1_796_320_472_146;
  try {
    return f();
  } finally {
    Date.now = real;
  }
}

describe('the request line written by hand is the line pino writes', () => {
  for (const level of ['info', 'warn', 'error']) {
    test(`generated fields, logger level ${level}`, () => {
      const mine = loggers(level);
      const theirs = loggers(level);
      const write = requestLineWriter(mine.lines);
      assert.ok(write, 'the writer applies to the logger buildApp configures');
      let written = 0;
      fc.assert(
        fc.property(
          fields,
          fc.constantFrom(30, 40, 50) as fc.Arbitrary<30 | 40 | 50>,
          fc.string(),
          (f, n, msg) => {
            mine.out.length = 0;
            theirs.out.length = 0;
            withFixedClock(() => {
              write(n, f, msg);
              const method = n === 30 ? 'info' : n === 40 ? 'warn' : 'error';
              theirs.lines[method]({ ...f }, msg);
            });
            assert.deepEqual(mine.out, theirs.out);
            written += mine.out.length;
          },
        ),
        { seed: SEED, numRuns: 1500 },
      );
      assert.ok(written > 300, `only ${written} lines compared`);
    });
  }

  test('a logger configured otherwise gets no writer (its lines go through pino)', () => {
    const variants: [string, pino.LoggerOptions][] = [
      ['mixin', { mixin: () => ({ a: 1 }) }],
      ['log formatter', { formatters: { log: (o) => ({ ...o, x: 1 }) } }],
      ['level formatter', { formatters: { level: (label) => ({ level: label }) } }],
      ['message key', { messageKey: 'message' }],
      ['message prefix', { msgPrefix: '[app] ' }],
      ['a serializer of a line field', { serializers: { route: () => 'x' } }],
      ['logMethod hook', { hooks: { logMethod: (args, method) => method.apply(undefined, args) } }],
    ];
    for (const [name, options] of variants) {
      const { lines } = loggers('info', options);
      assert.equal(requestLineWriter(lines), null, name);
    }
    // A redaction of a line field on the child itself.
    const { lines } = loggers('info');
    assert.equal(requestLineWriter(lines.child({}, { redact: ['route'] })), null, 'route redacted');
  });
});
