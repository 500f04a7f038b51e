// Operability: a scripted flow moves each counter of /metrics by the expected amount; /metrics is not
// reachable anonymously on the public listener; the private listener serves only /metrics; one log line
// per request (route pattern, status, duration, request id, user id), security events on lines of their
// own, and never a token, a password or a refresh token in any line.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Metrics } from '../src/ops/metrics.js';
import { requestLoggerFactory, startMetricsListener } from '../src/ops/observability.js';
import { ALICE, BOB, bearer, login, refresh, startApp } from './helpers.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789abcdef';

/** `name{labels} value` samples of a Prometheus text exposition. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape(app: FastifyInstance): Promise<Map<string, number>> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return samples(res.body);
}

const v = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

describe('metrics after a scripted flow', () => {
  test('each counter moves by the expected amount', async () => {
    const t = await startApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_LOGIN_ACCOUNT: '3/15m' });
    try {
      const before = await scrape(t.app);
      const a = await login(t.app, ALICE);
      const b = await login(t.app, BOB);
      const out = await t.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(b.access_token),
        payload: { refresh_token: b.refresh_token },
      });
      assert.equal(out.statusCode, 204);
      for (let i = 0; i < 3; i++) {
        const bad = await t.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: BOB.username, password: 'not-bobs-password-1' },
        });
        assert.equal(bad.statusCode, 401);
      }
      for (let i = 0; i < 3; i++) {
        await t.app.inject({ method: 'GET', url: '/me', headers: bearer(a.access_token) });
      }
      const r1 = await refresh(t.app, a.refresh_token);
      assert.equal(r1.statusCode, 200);
      t.clock.advance(60); // past the grace window: replaying the old refresh token is reuse
      const replay = await refresh(t.app, a.refresh_token);
      assert.equal(replay.statusCode, 401);
      // bob's account budget (3 attempts per 15 min, reset by his login): the 3 wrong guesses used it up
      const limited = await t.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: BOB.username, password: BOB.password },
      });
      assert.equal(limited.statusCode, 429, limited.body);

      const after = await scrape(t.app);
      const d = (key: string) => v(after, key) - v(before, key);
      assert.equal(d('jwtkit_logins_total{outcome="success"}'), 2);
      assert.equal(d('jwtkit_logins_total{outcome="failure"}'), 3);
      assert.equal(d('jwtkit_tokens_issued_total{grant="password_login"}'), 2);
      assert.equal(d('jwtkit_tokens_issued_total{grant="refresh_token"}'), 1);
      assert.equal(d('jwtkit_refresh_rotations_total'), 1);
      assert.equal(d('jwtkit_refresh_reuse_detected_total'), 1);
      assert.equal(d('jwtkit_refresh_families_revoked_total{reason="reuse"}'), 1);
      assert.equal(d('jwtkit_revocations_total{kind="logout"}'), 1);
      assert.equal(d('jwtkit_rate_limited_total{route="/auth/login"}'), 1);
      assert.equal(d('jwtkit_http_requests_total{method="GET",route="/me",status="200"}'), 3);
      assert.equal(d('jwtkit_http_requests_total{method="POST",route="/auth/login",status="401"}'), 3);
      assert.equal(d('jwtkit_http_request_duration_seconds_count{method="GET",route="/me"}'), 3);
      // alice's token: verified once, then answered from the cache twice (and on the refresh path none)
      assert.equal(d('jwtkit_verify_cache_lookups_total{result="hit"}'), 2);
      assert.ok(d('jwtkit_verify_cache_lookups_total{result="miss"}') >= 1);
      // read at scrape time
      assert.equal(v(after, 'jwtkit_backend_up{backend="sqlite"}'), 1);
      assert.ok(v(after, 'jwtkit_backend_ping_seconds{backend="sqlite"}') > 0);
      assert.ok(after.has('jwtkit_signing_key_age_seconds'));
      assert.ok(after.has('jwtkit_signing_key_next_rotation_ready_seconds'));
      // the default Node collectors
      assert.ok(after.has('process_cpu_user_seconds_total'));
      assert.ok([...after.keys()].some((k) => k.startsWith('nodejs_eventloop_lag_seconds')));
    } finally {
      await t.close();
    }
  });

  test('not reachable anonymously on the public listener', async () => {
    const off = await startApp();
    try {
      for (const headers of [{}, bearer(TOKEN)]) {
        const res = await off.app.inject({ method: 'GET', url: '/metrics', headers });
        assert.equal(res.statusCode, 404);
      }
    } finally {
      await off.close();
    }
    const on = await startApp({ METRICS_TOKEN: TOKEN });
    try {
      for (const headers of [{}, bearer('wrong'), bearer(`${TOKEN}x`), { authorization: `Basic ${TOKEN}` }]) {
        const res = await on.app.inject({ method: 'GET', url: '/metrics', headers });
        assert.equal(res.statusCode, 404, JSON.stringify(headers));
        assert.ok(!res.body.includes('jwtkit_'));
      }
    } finally {
      await on.close();
    }
  });

  test('the private listener serves /metrics and nothing else', async () => {
    const metrics = new Metrics({}, { defaultMetrics: false });
    metrics.observeRequest('GET', '/me', 200, 0.002);
    const { server, address } = await startMetricsListener(metrics, '127.0.0.1', 0);
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpRequest(`${address}${path}`, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
    try {
      const m = await get('/metrics');
      assert.equal(m.status, 200);
      assert.equal(
        samples(m.body).get('jwtkit_http_requests_total{method="GET",route="/me",status="200"}'),
        1,
      );
      assert.equal((await get('/')).status, 404);
      assert.equal((await get('/me')).status, 404);
    } finally {
      server.close();
    }
  });
});

describe('logs', () => {
  test('one line per request with the route pattern; security events on their own lines; no secrets', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = {
      write(line: string) {
        for (const l of line.split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as Record<string, unknown>);
      },
    };
    const t = await startApp(
      { LOG_LEVEL: 'info', RATE_LIMIT_LOGIN_ACCOUNT: '2/15m' },
      { build: { logger: true, logStream: stream } },
    );
    try {
      const a = await login(t.app, ALICE);
      const secrets = [ALICE.password, BOB.password, a.access_token, a.refresh_token, 'wrong-password-42'];
      const requests: Array<[string, string, Record<string, string>?, unknown?]> = [
        ['GET', '/me', bearer(a.access_token)],
        ['GET', `/me?access_token=${a.access_token}`],
        ['POST', `/admin/users/${BOB.id}/revoke-sessions`, bearer(a.access_token)],
        ['POST', '/auth/refresh', {}, { refresh_token: a.refresh_token }],
        ['POST', '/auth/login', {}, { username: BOB.username, password: 'wrong-password-42' }],
        ['POST', '/auth/login', {}, { username: BOB.username, password: 'wrong-password-42' }],
        ['POST', '/auth/login', {}, { username: BOB.username, password: BOB.password }],
        ['POST', '/oauth/revoke', {}, { token: a.refresh_token }],
        ['GET', '/no/such/route'],
      ];
      const n0 = lines.filter((l) => l.msg === 'request' || l.msg === 'request.rate_limited').length;
      for (const [method, url, headers, payload] of requests) {
        await t.app.inject({
          method: method as 'GET',
          url,
          headers: headers ?? {},
          ...(payload ? { payload } : {}),
        });
      }
      const reqLines = lines.filter((l) => l.msg === 'request' || l.msg === 'request.rate_limited');
      assert.equal(reqLines.length - n0, requests.length, 'exactly one line per request');
      const me = reqLines.find((l) => l.route === '/me' && l.status === 200);
      assert.ok(me);
      assert.equal(me.method, 'GET');
      assert.equal(me.userId, ALICE.id);
      assert.equal(typeof me.ms, 'number');
      assert.equal(typeof me.reqId, 'string');
      assert.deepEqual(
        Object.keys(me).sort(),
        ['hostname', 'level', 'method', 'ms', 'msg', 'pid', 'reqId', 'route', 'status', 'time', 'userId'],
        'the request line holds its fixed fields and nothing else',
      );
      assert.equal(me.level, 30);
      // The request line carries the request id Fastify binds on request.log: the same request's other
      // lines (here the 429's "request rejected", written through request.log) share it.
      const limited = reqLines.find((l) => l.msg === 'request.rate_limited');
      assert.ok(limited);
      assert.equal(limited.level, 40);
      assert.equal(limited.event, 'request.rate_limited');
      assert.equal(limited.route, '/auth/login');
      assert.equal(limited.status, 429);
      const rejected = lines.filter((l) => l.msg === 'request rejected' && l.status === 429);
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]!.reqId, limited.reqId);
      assert.equal(new Set(reqLines.map((l) => l.reqId)).size, reqLines.length, 'one request id per line');
      assert.ok(
        reqLines.some((l) => l.route === '/admin/users/:id/revoke-sessions'),
        'the pattern, not the URL',
      );
      assert.ok(reqLines.some((l) => l.route === 'unmatched' && l.status === 404));
      assert.ok(
        !reqLines.some((l) => 'url' in l || 'req' in l || 'res' in l),
        'Fastify request lines are off',
      );
      // security events: their own lines, named by the audit type
      const events = new Set(lines.map((l) => l.event).filter(Boolean));
      for (const e of ['user.login', 'user.login_failed', 'request.rate_limited'])
        assert.ok(events.has(e), e);
      const failed = lines.find((l) => l.event === 'user.login_failed');
      assert.equal(failed?.level, 40);
      // never a secret, on any line
      const all = JSON.stringify(lines);
      for (const s of secrets) assert.ok(!all.includes(s), 'a secret or token reached the log');
    } finally {
      await t.close();
    }
  });
});

describe('log redaction', () => {
  test('every line but the request line is redacted: the root logger, its children, request.log', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = {
      write(line: string) {
        for (const l of line.split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as Record<string, unknown>);
      },
    };
    const t = await startApp({ LOG_LEVEL: 'info' }, { build: { logger: true, logStream: stream } });
    try {
      const secret = 'probe-secret-5b1f0c9e7d';
      const fields = {
        password: secret,
        token: secret,
        refresh_token: secret,
        body: { anything: secret },
        nested: { access_token: secret, new_password: secret },
        headers: { authorization: `Bearer ${secret}`, accept: 'application/json' },
        authorization: `Bearer ${secret}`,
      };
      // The root (what services and the audit log write to), a child (what request.log is: Fastify's
      // per-request child of the root) and a child made after the request-line logger was.
      t.app.log.info(fields, 'probe root');
      t.app.log.child({ reqId: 'req-probe' }).warn(fields, 'probe child');
      const a = await login(t.app, ALICE);
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer(a.access_token) });
      const probes = lines.filter((l) => String(l.msg).startsWith('probe'));
      assert.equal(probes.length, 2);
      for (const p of probes) {
        assert.equal(p.password, '[redacted]');
        assert.equal(p.token, '[redacted]');
        assert.equal(p.refresh_token, '[redacted]');
        assert.equal(p.body, '[redacted]');
        assert.deepEqual(p.nested, { access_token: '[redacted]', new_password: '[redacted]' });
        assert.deepEqual(p.headers, { authorization: '[redacted]', accept: 'application/json' });
        assert.equal(p.authorization, '[redacted]');
      }
      assert.equal(probes[1]!.reqId, 'req-probe');
      assert.ok(!JSON.stringify(lines).includes(secret), 'the probe secret reached a line');
      assert.ok(lines.some((l) => l.msg === 'request' && l.route === '/me' && l.userId === ALICE.id));
    } finally {
      await t.close();
    }
  });
});

describe('request.log (the per-request child logger)', () => {
  test("writes what Fastify's default factory writes: the request id bound, every field redacted", async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => void lines.push(...line.split('\n').filter(Boolean)) };
    const t = await startApp({ LOG_LEVEL: 'info' }, { build: { logger: true, logStream: stream } });
    try {
      const fields = { password: 'pw-3c1d', headers: { authorization: 'Bearer x.y.z' }, n: 1 };
      // The oracle is pino's own child with the same bindings (what Fastify's default factory builds).
      for (const id of ['req-1', 'req-a9', 'id "quoted" \\ \u2028 é', '']) {
        lines.length = 0;
        requestLoggerFactory(t.app.log, { reqId: id }, {}).warn(fields, 'probe');
        t.app.log.child({ reqId: id }, {}).warn(fields, 'probe');
        await new Promise((r) => setImmediate(r));
        const [ours, pinos] = lines.map((l) => l.replace(/"time":\d+,/, ''));
        assert.ok(ours !== undefined && pinos !== undefined, 'two lines');
        assert.equal(ours, pinos);
        assert.equal((JSON.parse(ours) as Record<string, unknown>).reqId, id);
        assert.ok(!ours.includes('pw-3c1d') && !ours.includes('x.y.z'));
      }
      // Other bindings or options take pino's own path.
      lines.length = 0;
      requestLoggerFactory(t.app.log, { reqId: 'req-2', extra: 1 } as { reqId: string }, {
        level: 'error',
      }).warn(fields, 'dropped: below the level');
      assert.deepEqual(lines, []);
      // In the app: a refused request's 'request rejected' line (request.log) and its request line share the id.
      lines.length = 0;
      await t.app.inject({ method: 'GET', url: '/me', headers: bearer('not-a-token') });
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const rejected = parsed.find((l) => l.msg === 'request rejected');
      const line = parsed.find((l) => l.msg === 'request');
      assert.ok(rejected && line, 'both lines written');
      assert.match(String(rejected.reqId), /^req-/);
      assert.equal(rejected.reqId, line.reqId);
    } finally {
      await t.close();
    }
  });
});

describe('logs on every route', () => {
  test('no token, password, refresh token or secret reaches any log line, whatever the route', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => void lines.push(line) };
    const t = await startApp(
      { LOG_LEVEL: 'trace', METRICS_TOKEN: TOKEN },
      { build: { logger: true, logStream: stream } },
    );
    try {
      const a = await login(t.app, ALICE);
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, unknown>>;
      };
      const secrets = [ALICE.password, a.access_token, a.refresh_token, TOKEN, 'new-password-9f8e7d6c5b'];
      let sent = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        const url = path.replace(/\{[^}]+\}/g, String(BOB.id));
        for (const method of Object.keys(ops)) {
          const m = method.toUpperCase() as 'GET';
          const body =
            m === 'GET' || m === ('DELETE' as string)
              ? undefined
              : {
                  username: ALICE.username,
                  password: ALICE.password,
                  current_password: ALICE.password,
                  new_password: 'new-password-9f8e7d6c5b',
                  refresh_token: a.refresh_token,
                  token: a.access_token,
                };
          await t.app.inject({
            method: m,
            url: `${url}?access_token=${a.access_token}&refresh_token=${a.refresh_token}`,
            headers: { ...bearer(a.access_token), cookie: `refresh_token=${a.refresh_token}` },
            ...(body ? { payload: body } : {}),
          });
          sent++;
        }
      }
      assert.ok(sent >= 15, `only ${sent} routes exercised`);
      const all = lines.join('');
      const routes = new Set(
        lines
          .flatMap((l) => l.split('\n'))
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { route?: string }).route),
      );
      assert.ok(routes.size >= 10, 'request lines for the routes');
      for (const s of secrets) assert.ok(!all.includes(s), 'a credential reached the log');
    } finally {
      await t.close();
    }
  });
});
