// The request counter and latency histogram kept in plain slots expose, scrape after scrape, the same
// Prometheus text as prom-client's own Counter and Histogram fed the same requests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import client from 'prom-client';
import { Metrics } from '../src/ops/metrics.js';

const REQUESTS = 'jwtkit_http_requests_total';
const DURATION = 'jwtkit_http_request_duration_seconds';
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Obs = [method: string, route: string, status: number, seconds: number];

function oracle() {
  const registry = new client.Registry();
  const requests = new client.Counter({
    name: REQUESTS,
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: DURATION,
    help: 'Time from receiving a request to answering it, by route pattern and method.',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    observe([method, route, status, seconds]: Obs) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}

/** The lines of one metric family (HELP, TYPE, samples) in a text exposition. */
function family(text: string, name: string): string[] {
  const block = text.split('\n\n').find((b) => b.startsWith(`# HELP ${name} `));
  assert.ok(block !== undefined, `no ${name} family`);
  return block.split('\n').filter((l) => l !== '');
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const METHODS = ['GET', 'POST', 'DELETE', 'PATCH'];
const ROUTES = ['/me', '/auth/login', '/auth/refresh', '/admin/users/:id', 'unmatched', '/oauth/token'];
const STATUSES = [200, 201, 204, 400, 401, 404, 429, 500];
const SPECIAL = [0, ...BUCKETS, 1e9, Number.MAX_VALUE, 3];

function sequence(rand: () => number, n: number): Obs[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: Obs[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const seconds = r < 0.4 ? pick(SPECIAL) : r < 0.8 ? rand() * 0.05 : rand() * 5;
    out.push([pick(METHODS), pick(ROUTES), pick(STATUSES), seconds]);
  }
  return out;
}

async function assertSame(ours: Metrics, theirs: client.Registry): Promise<string> {
  const a = await ours.text();
  const b = await theirs.metrics();
  for (const name of [REQUESTS, DURATION]) assert.deepEqual(family(a, name), family(b, name), name);
  return a;
}

describe('request slots against prom-client', () => {
  test('the same text for the same requests, scrape after scrape', async () => {
    for (const seed of [1, 7, 19, 2024]) {
      const rand = random(seed);
      const ours = new Metrics({}, { defaultMetrics: false });
      const ref = oracle();
      for (const round of [1, 5, 300, 2000]) {
        for (const o of sequence(rand, round)) {
          ours.observeRequest(...o);
          ref.observe(o);
        }
        const first = await assertSame(ours, ref.registry);
        const again = await assertSame(ours, ref.registry);
        for (const name of [REQUESTS, DURATION]) assert.deepEqual(family(again, name), family(first, name));
      }
    }
  });

  test('values on the bucket bounds fall in the bucket they bound', async () => {
    const ours = new Metrics({}, { defaultMetrics: false });
    const ref = oracle();
    for (const s of [0, ...BUCKETS, 2.5000001]) {
      ours.observeRequest('GET', '/me', 200, s);
      ref.observe(['GET', '/me', 200, s]);
    }
    const text = await assertSame(ours, ref.registry);
    assert.ok(text.includes(`${DURATION}_bucket{le="0.0005",method="GET",route="/me"} 2\n`));
    assert.ok(text.includes(`${DURATION}_bucket{le="2.5",method="GET",route="/me"} 13\n`));
    assert.ok(text.includes(`${DURATION}_bucket{le="+Inf",method="GET",route="/me"} 14\n`));
    assert.ok(text.includes(`${REQUESTS}{method="GET",route="/me",status="200"} 14\n`));
  });

  test('no requests: both families are exposed with no samples', async () => {
    const ours = new Metrics({}, { defaultMetrics: false });
    await assertSame(ours, oracle().registry);
  });

  test('tokens issued and rotations only on the token routes with their method', async () => {
    const m = new Metrics({}, { defaultMetrics: false });
    m.observeRequest('POST', '/auth/refresh', 200, 0.01);
    m.observeRequest('GET', '/auth/refresh', 200, 0.01);
    m.observeRequest('POST', '/auth/login', 201, 0.01);
    m.observeRequest('POST', '/auth/login', 401, 0.01);
    m.observeRequest('POST', '/me', 200, 0.01);
    m.observeRequest('POST', '/auth/login', 429, 0.01);
    const text = await m.text();
    assert.ok(text.includes('jwtkit_tokens_issued_total{grant="refresh_token"} 1\n'));
    assert.ok(text.includes('jwtkit_tokens_issued_total{grant="password_login"} 1\n'));
    assert.ok(text.includes('\njwtkit_refresh_rotations_total 1\n'));
    assert.ok(text.includes('jwtkit_rate_limited_total{route="/auth/login"} 1\n'));
  });
});
