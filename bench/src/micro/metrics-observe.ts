// Issue #19: the per-request cost of the request counter and latency histogram, prom-client's labelled
// Counter.inc + Histogram.observe against Metrics.observeRequest (plain slots), ~20 (method, route) pairs.
// Usage: npx tsx bench/src/micro/metrics-observe.ts
import client from 'prom-client';
import { compare, print } from './common.js';

const { Metrics } = (await import(String('../../../packages/server/src/ops/metrics.js'))) as {
  Metrics: new (
    s: object,
    o: { defaultMetrics: boolean },
  ) => { observeRequest(method: string, route: string, status: number, seconds: number): void };
};

const ROUTES = [
  '/me',
  '/auth/login',
  '/auth/refresh',
  '/auth/logout',
  '/auth/register',
  '/admin/users/:id',
  '/admin/users',
  '/oauth/token',
  '/sessions/:id',
  'unmatched',
];
const PAIRS: Array<[string, string]> = ROUTES.flatMap((r) => [
  ['GET', r] as [string, string],
  ['POST', r] as [string, string],
]);
const STATUSES = [200, 200, 200, 200, 200, 200, 201, 204, 401, 404];

const registry = new client.Registry();
const counter = new client.Counter({
  name: 'old_requests_total',
  help: 'x',
  labelNames: ['method', 'route', 'status'],
  registers: [registry],
});
const histogram = new client.Histogram({
  name: 'old_duration_seconds',
  help: 'x',
  labelNames: ['method', 'route'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const metrics = new Metrics({}, { defaultMetrics: false });

let a = 0;
let b = 0;
const seconds = (i: number) => 0.0003 + (i % 97) * 0.0004;
print(
  'per request: request counter + latency histogram',
  await compare({
    'prom-client inc + observe': () => {
      const [method, route] = PAIRS[a % PAIRS.length] as [string, string];
      const status = STATUSES[a % STATUSES.length] as number;
      counter.inc({ method, route, status: String(status) });
      histogram.observe({ method, route }, seconds(a++));
    },
    'Metrics.observeRequest (slots)': () => {
      const [method, route] = PAIRS[b % PAIRS.length] as [string, string];
      metrics.observeRequest(method, route, STATUSES[b % STATUSES.length] as number, seconds(b++));
    },
  }),
  'prom-client inc + observe',
);
