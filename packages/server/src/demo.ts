/**
 * `npm run demo`: walks the whole flow against a running service (default http://127.0.0.1:$PORT or :3000,
 * or JWTKIT_URL / the first argument), printing every request and response and decoding every token:
 * login, /me, a 403, refresh, replay detection, logout. Exits 1 if any step answers unexpectedly.
 */
import { explainToken } from 'jwtkit/explain';

// The service's own PORT is honoured too, so `PORT=3001 npm start` + `PORT=3001 npm run demo` agree.
const base = (
  process.argv[2] ??
  process.env.JWTKIT_URL ??
  `http://127.0.0.1:${process.env.PORT || '3000'}`
).replace(/\/+$/, '');
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = (s: string) => c('2', s);
const bold = (s: string) => c('1', s);
const ok = (s: string) => c('32', s);
const bad = (s: string) => c('31', s);

let step = 0;
let failures = 0;
const summary: string[] = [];

const short = (s: string) => (s.length > 48 ? `${s.slice(0, 24)}…${s.slice(-12)} (${s.length} chars)` : s);

function shorten(value: unknown): unknown {
  if (typeof value === 'string')
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value) || value.length > 60 ? short(value) : value;
  if (Array.isArray(value)) return value.map(shorten);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  return value;
}

function explain(label: string, token: string): void {
  const e = explainToken(token);
  const alg = e.algorithm ? `${e.algorithm.name} (${e.algorithm.description})` : 'unknown algorithm';
  const h = e.header ?? {};
  console.log(`   ${dim(label)}: ${alg}, typ=${String(h.typ)}, kid=${String(h.kid ?? '-')}`);
  const claims = e.claims
    .map(
      (cl) =>
        `${cl.name}=${typeof cl.value === 'string' ? cl.value : JSON.stringify(cl.value)}${cl.time ? ` (${cl.time.relative})` : ''}`,
    )
    .join('  ');
  console.log(`   ${dim('claims')}: ${claims}`);
  for (const w of e.warnings) console.log(`   ${c('33', 'warning')}: ${w.message}`);
}

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

async function call(
  title: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; expect: number },
): Promise<Answer> {
  step++;
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  console.log(`\n${bold(`${step}. ${title}`)}`);
  const shownHeaders = opts.token ? ` ${dim(`Authorization: Bearer ${short(opts.token)}`)}` : '';
  console.log(
    `   ${c('36', '→')} ${method} ${path}${shownHeaders}${opts.body === undefined ? '' : ` ${JSON.stringify(shorten(opts.body))}`}`,
  );
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
  } catch (err) {
    console.error(
      bad(`\ncannot reach ${base}: ${(err as Error).message}\nStart the service first: npm start`),
    );
    process.exit(1);
  }
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    body = null;
  }
  const mark = res.status === opts.expect ? ok('✓') : bad(`✗ expected ${opts.expect}`);
  const www = res.headers.get('www-authenticate');
  console.log(
    `   ${c('36', '←')} ${res.status} ${res.headers.get('content-type')?.split(';')[0] ?? ''} ${mark}${www ? ` ${dim(`WWW-Authenticate: ${www}`)}` : ''}`,
  );
  if (body) console.log(`     ${JSON.stringify(shorten(body))}`);
  if (res.status !== opts.expect) failures++;
  summary.push(
    `${res.status === opts.expect ? ok('✓') : bad('✗')} ${String(step).padStart(2)}  ${method.padEnd(6)} ${path.split('?')[0]!.padEnd(20)} ${res.status}  ${title}`,
  );
  return { status: res.status, body };
}

async function main(): Promise<void> {
  console.log(`${bold('jwtkit demo')} against ${base}`);

  const login = await call('Log in as alice (admin)', 'POST', '/auth/login', {
    body: { username: 'alice', password: 'alice-demo-password' },
    expect: 200,
  });
  const alice = login.body as { access_token: string; refresh_token: string } | null;
  if (!alice?.access_token) {
    console.error(bad('\nlogin failed; is the service running in demo mode (npm start)?'));
    process.exit(1);
  }
  explain('access token', alice.access_token);

  await call('Who am I? (GET /me with the access token)', 'GET', '/me', {
    token: alice.access_token,
    expect: 200,
  });

  const bob = await call('Log in as bob (role user)', 'POST', '/auth/login', {
    body: { username: 'bob', password: 'bob-demo-password' },
    expect: 200,
  });
  const bobToken = String(bob.body?.access_token ?? '');
  explain('access token', bobToken);
  await call('Bob tries an admin route: 403 insufficient_scope', 'GET', '/admin/users', {
    token: bobToken,
    expect: 403,
  });

  const r1 = await call(
    "Refresh alice's session: a new pair, the old refresh token is spent",
    'POST',
    '/auth/refresh',
    {
      body: { refresh_token: alice.refresh_token },
      expect: 200,
    },
  );
  const second = r1.body as { access_token: string; refresh_token: string };
  explain('new access token', second.access_token);
  const r2 = await call('Refresh again with the newest refresh token', 'POST', '/auth/refresh', {
    body: { refresh_token: second.refresh_token },
    expect: 200,
  });
  const third = r2.body as { access_token: string; refresh_token: string };

  await call(
    'Replay the first (spent) refresh token: reuse detected, the whole session is revoked',
    'POST',
    '/auth/refresh',
    {
      body: { refresh_token: alice.refresh_token },
      expect: 401,
    },
  );
  await call('Even the newest refresh token of that session is now dead', 'POST', '/auth/refresh', {
    body: { refresh_token: third.refresh_token },
    expect: 401,
  });
  await call("...and so is the session's access token", 'GET', '/me', {
    token: third.access_token,
    expect: 401,
  });

  await call('Log out bob: his session ends and his access token is denylisted', 'POST', '/auth/logout', {
    token: bobToken,
    expect: 204,
  });
  await call("Bob's access token no longer works", 'GET', '/me', { token: bobToken, expect: 401 });

  const login2 = await call(
    'Alice logs in again (the audit log recorded the replay)',
    'POST',
    '/auth/login',
    {
      body: { username: 'alice', password: 'alice-demo-password' },
      expect: 200,
    },
  );
  const a2 = String(login2.body?.access_token ?? '');
  const audit = await call(
    'Admin view of the latest reuse detection',
    'GET',
    '/admin/audit-events?type=refresh.reuse_detected&limit=1',
    {
      token: a2,
      expect: 200,
    },
  );
  void audit;

  console.log(`\n${bold('Summary')} (one line per step)`);
  for (const line of summary) console.log(`  ${line}`);
  console.log(
    failures === 0
      ? ok(`\nAll ${step} steps answered as expected.`)
      : bad(`\n${failures} of ${step} steps answered unexpectedly.`),
  );
  process.exit(failures === 0 ? 0 : 1);
}

void main();
