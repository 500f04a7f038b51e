// A corpus of malformed bodies, headers, URLs and tokens: every answer is a 4xx problem+json, never a
// 5xx, a stack trace or a hang. Driven in-process and over a real socket (raw bytes included).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ALICE, bearer, login, startApp, type TestApp } from './helpers.js';

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

const JSON_ROUTES = [
  '/auth/register',
  '/auth/login',
  '/auth/refresh',
  '/auth/password',
  '/oauth/introspect',
  '/oauth/revoke',
];

const BAD_BODIES: Array<[string, string]> = [
  ['truncated', '{"username":'],
  ['not json', 'username=alice'],
  ['array', '[]'],
  ['null', 'null'],
  ['string', '"alice"'],
  ['number', '123'],
  ['boolean', 'true'],
  [
    'wrong types',
    '{"username":1,"password":2,"refresh_token":3,"token":4,"current_password":5,"new_password":6}',
  ],
  ['nulls', '{"username":null,"password":null,"refresh_token":null,"token":null}'],
  ['proto pollution', '{"__proto__":{"role":"admin"},"username":"alice","password":"alice-demo-password"}'],
  ['constructor pollution', '{"constructor":{"prototype":{"role":"admin"}}}'],
  [
    'extra fields',
    '{"username":"alice","password":"alice-demo-password","role":"admin","refresh_token":"x","token":"y","x":1}',
  ],
  ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  [
    'lone surrogate',
    '{"username":"\\ud800","password":"\\udfff\\ud800-xxxxxxxxxxxxxxxx","refresh_token":"\\ud800","token":"\\ud800"}',
  ],
  [
    'nul bytes',
    '{"username":"ali\\u0000ce","password":"\\u0000\\u0000\\u0000","refresh_token":"\\u0000","token":"a\\u0000"}',
  ],
  ['empty object', '{}'],
  [
    'huge string field',
    JSON.stringify({
      username: 'a'.repeat(5000),
      password: 'b'.repeat(5000),
      refresh_token: 'c'.repeat(5000),
      token: 'd'.repeat(9000),
    }),
  ],
  ['over body limit', JSON.stringify({ username: 'x'.repeat(40_000) })],
  ['bom', '\ufeff{"username":"alice"}'],
  ['trailing garbage', '{"username":"alice","password":"alice-demo-password"} xyz'],
  ['empty', ''],
];

function corpus(adminToken: string): Case[] {
  const cases: Case[] = [];
  const auth = { authorization: `Bearer ${adminToken}` };
  for (const url of JSON_ROUTES) {
    for (const [name, body] of BAD_BODIES) {
      cases.push({
        name: `${url} body ${name}`,
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...auth },
        body,
      });
    }
    for (const type of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/jsonx',
      'image/png',
    ]) {
      cases.push({
        name: `${url} content-type ${type}`,
        method: 'POST',
        url,
        headers: { 'content-type': type, ...auth },
        body: '{"a":1}',
      });
    }
  }
  for (const url of ['/auth/login', '/auth/register', '/auth/refresh']) {
    cases.push({
      name: `${url} form body where only JSON is allowed`,
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=alice-demo-password&refresh_token=x',
    });
  }
  cases.push({
    name: 'PATCH user bad json',
    method: 'PATCH',
    url: '/admin/users/102',
    headers: { 'content-type': 'application/json', ...auth },
    body: '{"role":',
  });
  cases.push({
    name: 'PATCH user array',
    method: 'PATCH',
    url: '/admin/users/102',
    headers: { 'content-type': 'application/json', ...auth },
    body: '[{"role":"admin"}]',
  });
  cases.push({
    name: 'PATCH user disabled as string',
    method: 'PATCH',
    url: '/admin/users/102',
    headers: { 'content-type': 'application/json', ...auth },
    body: '{"disabled":"yes"}',
  });
  for (const id of [
    'abc',
    '-1',
    '0',
    '1.5',
    '1e3',
    '99999999999999999999999',
    '%ZZ',
    '%00',
    'null',
    `${'9'.repeat(300)}`,
  ]) {
    cases.push({
      name: `PATCH /admin/users/${id.slice(0, 20)}`,
      method: 'PATCH',
      url: `/admin/users/${id}`,
      headers: { 'content-type': 'application/json', ...auth },
      body: '{"role":"user"}',
    });
    cases.push({
      name: `POST revoke-sessions ${id.slice(0, 20)}`,
      method: 'POST',
      url: `/admin/users/${id}/revoke-sessions`,
      headers: auth,
    });
  }
  for (const id of ['%ZZ', 'a'.repeat(300), '..%2F..%2Fetc', '%F0%9F%92%A9', "'; DROP TABLE sessions; --"]) {
    cases.push({
      name: `DELETE session ${id.slice(0, 20)}`,
      method: 'DELETE',
      url: `/auth/sessions/${encodeURI(id).replace(/%25/g, '%')}`,
      headers: auth,
    });
  }
  for (const q of [
    'limit=-5',
    'limit=abc',
    'limit=1&limit=2',
    'offset=-1',
    'limit[]=1',
    'limit=1e400',
    'before=0',
    'user_id=x',
    'type=%00',
  ]) {
    cases.push({ name: `GET audit ?${q}`, method: 'GET', url: `/admin/audit-events?${q}`, headers: auth });
    cases.push({ name: `GET users ?${q}`, method: 'GET', url: `/admin/users?${q}`, headers: auth });
  }
  const badAuth = [
    'Bearer',
    'Bearer    ',
    'Bearer a.b',
    'Bearer ....',
    'Bearer eyJ.eyJ.',
    `Bearer ${'A'.repeat(10_000)}`,
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMDEifQ.',
    'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDEsInVzZXJuYW1lIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ.XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548',
    'Bearer e30.e30.e30',
    'Bearer W10.W10.W10',
    'Bearer bnVsbA.bnVsbA.bnVsbA',
    'Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6eyJhIjoxfX0.e30.AAAA',
    'Bearer eyJhbGciOiJFUzI1NiIsImNyaXQiOlsieCJdfQ.e30.AAAA',
    'Basic',
    'Digest foo',
    'Bearer a b c',
    'Bearer =====',
  ];
  for (const a of badAuth) {
    for (const url of ['/me', '/admin/users'])
      cases.push({
        name: `${url} Authorization ${a.slice(0, 40)}`,
        method: 'GET',
        url,
        headers: { authorization: a },
      });
  }
  cases.push({ name: 'unknown route', method: 'GET', url: '/nope' });
  cases.push({
    name: 'wrong method',
    method: 'PUT',
    url: '/auth/login',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  cases.push({ name: 'bad percent-encoding in path', method: 'GET', url: '/auth/%E0%A4%A' });
  cases.push({ name: 'very long url', method: 'GET', url: `/${'a'.repeat(5000)}` });
  return cases;
}

function assertProblemShape(
  name: string,
  url: string,
  status: number,
  contentType: string | undefined,
  body: string,
): void {
  assert.ok(status >= 400 && status < 500, `${name}: expected 4xx, got ${status}: ${body.slice(0, 200)}`);
  assert.ok(!/\n\s+at /.test(body), `${name}: stack trace leaked`);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (url.startsWith('/oauth/')) {
    // RFC 6749 §5.2 on the OAuth endpoints
    assert.match(String(contentType), /^application\/json/, `${name}: content-type ${contentType}`);
    assert.equal(typeof parsed.error, 'string', name);
    return;
  }
  assert.match(String(contentType), /^application\/problem\+json/, `${name}: content-type ${contentType}`);
  assert.equal(parsed.status, status, name);
  assert.equal(typeof parsed.title, 'string', name);
}

describe('malformed requests corpus', () => {
  let t: TestApp;
  let url: string;
  let adminToken: string;
  before(async () => {
    t = await startApp();
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    adminToken = (await login(t.app, ALICE)).access_token;
  });
  after(async () => {
    await t.close();
  });

  test('in-process: every case is a 4xx problem+json', async () => {
    const cases = corpus(adminToken);
    assert.ok(cases.length > 200, `corpus size ${cases.length}`);
    console.log(`malformed corpus: ${cases.length} cases`);
    let fivexx = 0;
    for (const c of cases) {
      const res = await t.app.inject({
        method: c.method,
        url: c.url,
        headers: c.headers ?? {},
        ...(c.body === undefined ? {} : { payload: c.body }),
      });
      if (res.statusCode >= 500) fivexx++;
      assertProblemShape(
        c.name,
        c.url,
        res.statusCode,
        res.headers['content-type'] as string | undefined,
        res.body,
      );
    }
    assert.equal(fivexx, 0);
  });

  test('over a real socket: every case is a 4xx problem+json', async () => {
    for (const c of corpus(adminToken)) {
      const res = await fetch(url + c.url, {
        method: c.method,
        headers: c.headers ?? {},
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      assertProblemShape(
        c.name,
        c.url,
        res.status,
        res.headers.get('content-type') ?? undefined,
        await res.text(),
      );
    }
    // the service is still healthy afterwards
    const me = await fetch(`${url}/me`, { headers: bearer(adminToken) });
    assert.equal(me.status, 200);
  });

  const raw = (bytes: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const sock = connect(Number(port), '127.0.0.1');
      let out = '';
      sock.setTimeout(3000, () => {
        sock.destroy();
        reject(new Error(`timeout; got ${out.slice(0, 100)}`));
      });
      sock.on('data', (d) => (out += d.toString('latin1')));
      sock.on('end', () => resolve(out));
      sock.on('close', () => resolve(out));
      sock.on('error', () => resolve(out));
      sock.write(bytes, 'latin1');
    });

  test('raw malformed HTTP gets a 4xx problem+json and the connection closes (no hang)', async () => {
    const inputs = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      `GET /me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x01\x02\r\n\r\n',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{"a',
    ];
    for (const input of inputs) {
      const out = await raw(input);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(out);
      assert.ok(
        m,
        `no HTTP answer for ${JSON.stringify(input.slice(0, 40))}: ${JSON.stringify(out.slice(0, 80))}`,
      );
      const status = Number(m[1]);
      assert.ok(status >= 400 && status < 500, `${JSON.stringify(input.slice(0, 40))} -> ${status}`);
      assert.match(out, /content-type: application\/problem\+json/i);
    }
  });
});
