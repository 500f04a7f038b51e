// isoTime against its oracle, Date.prototype.toISOString, on edges of the calendar and random times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTime } from '../src/iso-time.js';

const oracle = (ms: number): string => new Date(ms).toISOString();
const END = 253_402_300_799_999;

test('isoTime answers what toISOString answers: calendar edges', () => {
  const edges = [
    0,
    1,
    999,
    1000,
    86_399_999,
    86_400_000,
    Date.UTC(1972, 1, 29), // leap day
    Date.UTC(2000, 1, 29, 23, 59, 59, 999), // a 400-year leap day
    Date.UTC(2000, 2, 1),
    Date.UTC(2100, 1, 28, 23, 59, 59, 999), // 2100 is no leap year
    Date.UTC(2100, 2, 1),
    Date.UTC(2400, 1, 29),
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1),
    END,
  ];
  for (let m = 0; m < 12; m++) {
    edges.push(Date.UTC(2024, m, 1), Date.UTC(2024, m + 1, 1) - 1, Date.UTC(2023, m, 1) - 1);
  }
  for (const ms of edges) assert.equal(isoTime(ms), oracle(ms), `at ${ms}`);
});

test('isoTime answers what toISOString answers: every day of 1970-2500 and random times', () => {
  for (let ms = 0; ms <= Date.UTC(2500, 0, 1); ms += 86_400_000) {
    const a = isoTime(ms);
    const b = oracle(ms);
    if (a !== b) assert.equal(a, b, `at ${ms}`);
  }
  let seed = 0x9e3779b9;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 300_000; i++) {
    const ms = Math.floor(next() * END) + (i % 2 ? 0 : Math.floor(next() * 1000));
    const clipped = Math.min(ms, END);
    const a = isoTime(clipped);
    const b = oracle(clipped);
    if (a !== b) assert.equal(a, b, `at ${clipped}`);
  }
});

test("outside the fast range, the answer (or the RangeError) is toISOString's own", () => {
  for (const ms of [-1, -86_400_001, END + 1, 8.64e15, -8.64e15, 1.5, 1_700_000_000_000.7]) {
    assert.equal(isoTime(ms), oracle(ms), `at ${ms}`);
  }
  for (const ms of [Number.NaN, 8.64e15 + 1, Number.POSITIVE_INFINITY]) {
    assert.throws(() => isoTime(ms), RangeError);
  }
});
