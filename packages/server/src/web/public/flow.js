// @ts-check
// The Flow: an interactive walk through this service's REST auth flow with the demo users.
import { $, coloredToken, fill, h } from './dom.js';
import { initDpopStep } from './dpop-step.js';
import { explainToken } from './jwtkit/explain.js';
import { sequenceDiagram } from './sequence.js';

const USERS = /** @type {Record<string, {password: string, role: string}>} */ ({
  alice: { password: 'alice-demo-password', role: 'admin' },
  bob: { password: 'bob-demo-password', role: 'user' },
});

/** @typedef {import('./sequence.js').Message} Message */

/**
 * The plan: what each step is expected to do, drawn before it runs. Once a step has run, its frame is
 * redrawn with what actually happened (see `ran` below), so the diagram never tells another story than
 * the HTTP exchange next to it.
 * @type {import('./sequence.js').Step[]}
 */
const STEPS = [
  {
    id: 'login',
    title: '1 · Log in',
    messages: [
      { from: 'C', to: 'A', label: 'POST /auth/login {username, password}' },
      { from: 'A', to: 'D', label: 'find user; check the argon2id password hash' },
      { from: 'A', to: 'D', label: 'store hash of refresh token (new family)' },
      { from: 'A', to: 'C', label: '200 {access_token, refresh_token}', reply: true },
    ],
  },
  {
    id: 'me',
    title: '2 · Call the API',
    messages: [
      { from: 'C', to: 'A', label: 'GET /me  Authorization: Bearer <access>' },
      { from: 'A', to: 'A', label: 'verify signature, exp, iss, aud' },
      { from: 'A', to: 'D', label: 'jti or session deny-listed?' },
      { from: 'A', to: 'C', label: '200 {user} · 401 if revoked', reply: true },
    ],
  },
  {
    id: 'admin',
    title: '3 · Admin route',
    messages: [
      { from: 'C', to: 'A', label: 'GET /admin/users  Bearer <access>' },
      { from: 'A', to: 'A', label: 'valid token; role claim == admin?' },
      { from: 'A', to: 'C', label: '200 users (admin) · 403 (user)', reply: true },
    ],
  },
  {
    id: 'refresh',
    title: '4 · Refresh (rotation)',
    messages: [
      { from: 'C', to: 'A', label: 'POST /auth/refresh {refresh_token}' },
      { from: 'A', to: 'D', label: 'token unused? mark used; store its successor' },
      { from: 'A', to: 'C', label: '200 new access + new refresh token', reply: true },
    ],
  },
  {
    id: 'replay',
    title: '5 · Replay old refresh token',
    messages: [
      { from: 'C', to: 'A', label: 'POST /auth/refresh {old refresh_token}' },
      {
        from: 'A',
        to: 'D',
        label: 'already spent: within the grace window, a retry; after it, theft',
      },
      { from: 'A', to: 'C', label: '200 same successor (grace) · 401 family revoked', reply: true },
    ],
  },
  {
    id: 'logout',
    title: '6 · Log out',
    messages: [
      { from: 'C', to: 'A', label: 'POST /auth/logout  Bearer + {refresh_token}' },
      { from: 'A', to: 'D', label: 'deny-list the access jti until its exp; revoke the session' },
      { from: 'A', to: 'C', label: '204 No Content', reply: true },
    ],
  },
  {
    id: 'me-after',
    title: '7 · Use the logged-out token',
    messages: [
      { from: 'C', to: 'A', label: 'GET /me  Bearer <logged-out access>' },
      { from: 'A', to: 'D', label: 'is the jti deny-listed?' },
      { from: 'A', to: 'C', label: '401 (token revoked)', reply: true },
    ],
  },
];

const STATUS_TEXT = /** @type {Record<number, string>} */ ({
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
});
const SHOWN_HEADERS = ['content-type', 'cache-control', 'www-authenticate', 'retry-after', 'location'];

/** @param {string} t */
const short = (t) => (t.length > 28 ? `${t.slice(0, 16)}…${t.slice(-8)}` : t);

/** @param {number} status */
const statusLine = (status) => `${status} ${STATUS_TEXT[status] ?? ''}`.trim();

/**
 * The reply arrow of a step as it actually came back.
 * @param {{status: number, json: any}} r @param {string} [what] what the body or the reason was
 * @returns {Message}
 */
function reply(r, what) {
  const ok = r.status >= 200 && r.status < 300;
  const detail = !ok && !what && typeof r.json?.detail === 'string' ? r.json.detail : '';
  const text =
    r.status === 0 ? 'no answer (network error)' : `${statusLine(r.status)}${what ? ` ${what}` : ''}`;
  return {
    from: 'A',
    to: 'C',
    label: detail ? `${text}: ${detail}` : text,
    reply: true,
    tone: ok ? 'ok' : 'bad',
  };
}

/** @param {number} ms */
const ago = (ms) => (ms < 1000 ? 'just now' : `${Math.round(ms / 1000)} s ago`);

export function initFlow() {
  initDpopStep(); // the DPoP step (its own card, #dpop-card)
  const diagram = sequenceDiagram(STEPS, $('flow-diagram'));
  /**
   * @type {{user: string | null, access: string | null, refresh: string | null, old: string[],
   *   rotatedAt: number, loggedOutAccess: string | null, revoked: boolean}}
   * revoked: the session (token family) was revoked by reuse detection; loggedOutAccess: set by logout.
   */
  const state = {
    user: null,
    access: null,
    refresh: null,
    old: [],
    rotatedAt: 0,
    loggedOutAccess: null,
    revoked: false,
  };
  let busy = false;

  /** @typedef {'me' | 'admin' | 'refresh' | 'replay' | 'logout' | 'meAfter'} StepButton */
  const buttons = /** @type {Record<StepButton, HTMLButtonElement>} */ ({
    me: $('flow-me'),
    admin: $('flow-admin'),
    refresh: $('flow-refresh'),
    replay: $('flow-replay'),
    logout: $('flow-logout'),
    meAfter: $('flow-me-after'),
  });

  function render() {
    const live = state.access !== null;
    const ended = state.revoked || state.loggedOutAccess !== null;
    // A step is offered only while it can still show something: the access token of a revoked session
    // may still be tried (it gets its 401), but a revoked family has nothing left to refresh, replay or
    // log out, and a logged-out client has no session at all.
    buttons.me.disabled = busy || !live;
    buttons.admin.disabled = busy || !live;
    buttons.refresh.disabled = busy || !state.refresh || ended;
    buttons.replay.disabled = busy || state.old.length === 0 || ended;
    buttons.logout.disabled = busy || !live || ended;
    buttons.meAfter.disabled = busy || !state.loggedOutAccess;
    /** @type {HTMLButtonElement} */ ($('flow-login-alice')).disabled = busy;
    /** @type {HTMLButtonElement} */ ($('flow-login-bob')).disabled = busy;

    const acc = $('flow-access');
    if (state.access) {
      const e = explainToken(state.access);
      const p = /** @type {Record<string, unknown>} */ (e.payload ?? {});
      const exp = e.claims.find((c) => c.name === 'exp')?.time?.relative;
      fill(
        acc,
        h('span', { class: 'token-colored small-token' }, coloredToken(state.access)),
        h(
          'span',
          { class: 'token-summary' },
          `${e.algorithm?.name ?? '?'} · sub ${String(p.sub ?? '?')} · ${p.username !== undefined ? `username ${String(p.username)} · ` : ''}role ${String(p.role ?? '?')}${exp ? ` · ${exp}` : ''}`,
        ),
      );
      if (state.revoked)
        acc.append(
          h('span', { class: 'token-summary bad-text' }, 'session revoked: this token no longer works'),
        );
      acc.classList.remove('muted');
      $('flow-inspect').hidden = false;
    } else {
      fill(acc, state.loggedOutAccess ? 'none (logged out)' : 'none');
      acc.classList.add('muted');
      $('flow-inspect').hidden = true;
    }
    const ref = $('flow-refresh-token');
    fill(ref, state.refresh ?? 'none');
    if (state.refresh && state.revoked)
      ref.append(h('span', { class: 'token-summary bad-text' }, 'revoked with its whole family'));
    ref.classList.toggle('muted', !state.refresh);
    const old = $('flow-old-refresh');
    fill(old, state.old.length ? state.old.map(short).join('\n') : 'none');
    old.classList.toggle('muted', state.old.length === 0);
  }

  /**
   * Sends one request and shows it. Tokens here are the flow's own, issued by this service.
   * @param {string} stepId @param {string} title @param {string} method @param {string} path
   * @param {{bearer?: string | null, body?: unknown}} opts
   * @returns {Promise<{status: number, json: any}>}
   */
  async function call(stepId, title, method, path, opts) {
    busy = true;
    render();
    diagram.highlight(stepId);
    $('flow-step-title').textContent = `· ${title}`;
    /** @type {Record<string, string>} */
    const headers = {};
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
    const reqLines = [
      `${method} ${path} HTTP/1.1`,
      `Host: ${location.host}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    if (opts.body !== undefined) reqLines.push('', JSON.stringify(opts.body, null, 2));
    $('flow-request').textContent = reqLines.join('\n');
    $('flow-response').textContent = '…';
    const badge = $('flow-response-status');
    badge.textContent = '';
    try {
      const res = await fetch(path, {
        method,
        headers,
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        credentials: 'omit',
        cache: 'no-store',
      });
      const text = await res.text();
      /** @type {any} */
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      const resLines = [`HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? res.statusText}`];
      for (const name of SHOWN_HEADERS) {
        const v = res.headers.get(name);
        if (v) resLines.push(`${name}: ${v}`);
      }
      if (text) resLines.push('', json !== null ? JSON.stringify(json, null, 2) : text);
      $('flow-response').textContent = resLines.join('\n');
      badge.textContent = String(res.status);
      badge.dataset.ok = String(res.ok);
      $('flow-history').append(
        h(
          'li',
          { class: res.ok ? 'ok' : 'bad', 'data-step': stepId },
          h('code', null, `${method} ${path}`),
          ` → ${res.status} `,
          h('span', { class: 'muted' }, title),
        ),
      );
      return { status: res.status, json };
    } catch {
      $('flow-response').textContent = 'Network error: is the server running?';
      return { status: 0, json: null };
    } finally {
      busy = false;
    }
  }

  /** @param {string} text @param {'ok' | 'bad' | 'info'} kind */
  const say = (text, kind) => {
    const st = $('flow-status');
    st.textContent = text;
    st.dataset.state = kind;
  };

  /** @param {string} user */
  async function login(user) {
    const u = USERS[user];
    if (!u) return;
    const r = await call('login', `log in as ${user}`, 'POST', '/auth/login', {
      body: { username: user, password: u.password },
    });
    const sent = /** @type {Message} */ ({
      from: 'C',
      to: 'A',
      label: `POST /auth/login {username: ${user}, password}`,
    });
    if (r.status === 200 && r.json?.access_token) {
      Object.assign(state, {
        user,
        access: r.json.access_token,
        refresh: r.json.refresh_token ?? null,
        old: [],
        rotatedAt: 0,
        loggedOutAccess: null,
        revoked: false,
      });
      // A new session: what the steps of the previous one did no longer applies.
      diagram.reset();
      diagram.highlight('login');
      diagram.show('login', [
        sent,
        { from: 'A', to: 'D', label: `find ${user}; the argon2id password hash matches` },
        { from: 'A', to: 'D', label: 'store hash of refresh token (new family)' },
        reply(r, '{access_token, refresh_token}'),
      ]);
      say(
        `Logged in as ${user} (${u.role}). The access token is a signed JWT (expires in ${r.json.expires_in ?? '?'} s); the refresh token is an opaque random string stored hashed in the database.`,
        'ok',
      );
    } else {
      diagram.show('login', [
        sent,
        { from: 'A', to: 'D', label: `find ${user}; check the password hash` },
        reply(r),
      ]);
      say(`Login failed with ${r.status}.`, 'bad');
    }
    render();
  }

  /**
   * GET /me (also the step after logout): the diagram says where the token was stopped, if it was.
   * @param {'me' | 'me-after'} stepId @param {string | null} token
   */
  async function getMe(stepId, token) {
    const after = stepId === 'me-after';
    const r = await call(stepId, after ? 'GET /me after logout' : 'GET /me', 'GET', '/me', { bearer: token });
    const sent = /** @type {Message} */ ({
      from: 'C',
      to: 'A',
      label: `GET /me  Bearer <${after ? 'logged-out ' : ''}access>`,
    });
    const why = after
      ? 'is the jti deny-listed? yes (logged out)'
      : 'is the session deny-listed? yes (revoked)';
    /** @type {Message[]} */
    let msgs;
    if (r.status === 200) {
      msgs = [
        sent,
        { from: 'A', to: 'A', label: 'verify signature, exp, iss, aud: valid' },
        { from: 'A', to: 'D', label: 'jti or session deny-listed? no' },
        reply(r, '{user}'),
      ];
    } else if (r.status === 401 && (after || state.revoked)) {
      msgs = [
        sent,
        { from: 'A', to: 'A', label: 'verify signature, exp, iss, aud: valid' },
        { from: 'A', to: 'D', label: why },
        reply(r, '(token revoked)'),
      ];
    } else msgs = [sent, { from: 'A', to: 'A', label: 'verify the token' }, reply(r)];
    diagram.show(stepId, msgs);
    return r;
  }

  async function me() {
    const r = await getMe('me', state.access);
    if (r.status === 200)
      say('The API verified the JWT signature and claims locally, then checked the deny-list: 200.', 'ok');
    else if (r.status === 401 && state.revoked)
      say(
        '401: replaying the refresh token revoked the whole session, and with it every access token of that session (its sid is deny-listed). Log in again to continue.',
        'ok',
      );
    else say(`GET /me answered ${r.status}.`, 'bad');
    render();
  }

  async function admin() {
    const r = await call('admin', 'GET /admin/users', 'GET', '/admin/users', { bearer: state.access });
    const sent = /** @type {Message} */ ({ from: 'C', to: 'A', label: 'GET /admin/users  Bearer <access>' });
    const role = USERS[state.user ?? '']?.role ?? '?';
    if (r.status === 200 || r.status === 403) {
      diagram.show('admin', [
        sent,
        {
          from: 'A',
          to: 'A',
          label: `valid token; role claim == admin? ${r.status === 200 ? 'yes' : `no (${role})`}`,
        },
        reply(r, r.status === 200 ? 'users' : ''),
      ]);
    } else if (r.status === 401 && state.revoked) {
      diagram.show('admin', [
        sent,
        { from: 'A', to: 'A', label: 'verify signature, exp, iss, aud: valid' },
        { from: 'A', to: 'D', label: 'is the session deny-listed? yes (revoked)' },
        reply(r, '(token revoked)'),
      ]);
    } else diagram.show('admin', [sent, { from: 'A', to: 'A', label: 'verify the token' }, reply(r)]);
    if (r.status === 200) say(`${state.user} has role admin: the admin route answers 200.`, 'ok');
    else if (r.status === 403)
      say(
        `${state.user} is authenticated (valid token) but not authorized: role "${role}" is not admin, so 403 Forbidden.`,
        'bad',
      );
    else if (r.status === 401 && state.revoked)
      say('401: the session was revoked, so its access tokens are refused everywhere.', 'ok');
    else say(`GET /admin/users answered ${r.status}.`, 'bad');
    render();
  }

  async function refresh() {
    const used = state.refresh;
    const r = await call('refresh', 'refresh', 'POST', '/auth/refresh', { body: { refresh_token: used } });
    const sent = /** @type {Message} */ ({ from: 'C', to: 'A', label: 'POST /auth/refresh {refresh_token}' });
    if (r.status === 200 && r.json?.access_token && used) {
      state.old.unshift(used);
      state.access = r.json.access_token;
      state.refresh = r.json.refresh_token ?? null;
      state.rotatedAt = Date.now();
      diagram.show('refresh', [
        sent,
        { from: 'A', to: 'D', label: 'token unused? yes: mark it spent; store its successor' },
        reply(r, 'new access + new refresh token'),
      ]);
      say(
        'Rotation: the old refresh token is now used up and a new pair was issued. Keep only the new one.',
        'ok',
      );
    } else {
      diagram.show('refresh', [sent, { from: 'A', to: 'D', label: 'look the token up' }, reply(r)]);
      say(`Refresh answered ${r.status}.`, 'bad');
    }
    render();
  }

  async function replay() {
    const spent = Date.now() - state.rotatedAt;
    const r = await call('replay', 'replay old refresh token', 'POST', '/auth/refresh', {
      body: { refresh_token: state.old[0] },
    });
    const sent = /** @type {Message} */ ({
      from: 'C',
      to: 'A',
      label: 'POST /auth/refresh {old refresh_token}',
    });
    if (r.status === 401) {
      state.revoked = true;
      diagram.show('replay', [
        sent,
        {
          from: 'A',
          to: 'D',
          label: `spent ${ago(spent)}, outside the grace window: theft! revoke the whole family`,
        },
        reply(r, '(family revoked)'),
      ]);
      say(
        `Replay detected: a refresh token spent ${ago(spent)} came back after the server's grace window, so the server revoked the whole session (the token family): 401. The current refresh token and the access tokens of this session are dead too: try GET /me, then log in again.`,
        'ok',
      );
    } else if (r.status === 200 && r.json?.refresh_token === state.refresh) {
      if (r.json?.access_token) state.access = r.json.access_token;
      diagram.show('replay', [
        sent,
        {
          from: 'A',
          to: 'D',
          label: `spent ${ago(spent)}, inside the grace window: treated as a retry`,
        },
        reply(r, 'the same successor again'),
      ]);
      say(
        `Grace window: this refresh token was spent ${ago(spent)}, so the server treats this replay of the immediately previous token as a retried or concurrent refresh and returns the same successor refresh token (with a fresh access token): 200, nothing revoked. Replay again after the grace window (REFRESH_REUSE_GRACE, 10 s by default) to see theft detection.`,
        'info',
      );
    } else {
      diagram.show('replay', [sent, { from: 'A', to: 'D', label: 'look the token up' }, reply(r)]);
      say(`Replaying the old refresh token answered ${r.status}.`, 'bad');
    }
    render();
  }

  async function logout() {
    const access = state.access;
    const r = await call('logout', 'log out', 'POST', '/auth/logout', {
      bearer: access,
      body: { refresh_token: state.refresh },
    });
    const sent = /** @type {Message} */ ({
      from: 'C',
      to: 'A',
      label: 'POST /auth/logout  Bearer + {refresh_token}',
    });
    if (r.status >= 200 && r.status < 300) {
      state.loggedOutAccess = access;
      state.access = null;
      state.refresh = null;
      diagram.show('logout', [
        sent,
        { from: 'A', to: 'D', label: 'deny-list the access jti until its exp; revoke the session' },
        reply(r),
      ]);
      say(
        "Logged out: the access token's jti is deny-listed until it expires and the refresh token is revoked.",
        'ok',
      );
    } else {
      diagram.show('logout', [sent, { from: 'A', to: 'A', label: 'verify the token' }, reply(r)]);
      say(`Logout answered ${r.status}.`, 'bad');
    }
    render();
  }

  async function meAfter() {
    const r = await getMe('me-after', state.loggedOutAccess);
    say(
      r.status === 401
        ? 'The token is still correctly signed and not expired, but it was deny-listed at logout: 401.'
        : `GET /me answered ${r.status}.`,
      r.status === 401 ? 'ok' : 'bad',
    );
    render();
  }

  $('flow-login-alice').addEventListener('click', () => login('alice'));
  $('flow-login-bob').addEventListener('click', () => login('bob'));
  buttons.me.addEventListener('click', me);
  buttons.admin.addEventListener('click', admin);
  buttons.refresh.addEventListener('click', refresh);
  buttons.replay.addEventListener('click', replay);
  buttons.logout.addEventListener('click', logout);
  buttons.meAfter.addEventListener('click', meAfter);
  $('flow-inspect').addEventListener('click', () => {
    if (!state.access) return;
    document.dispatchEvent(
      new CustomEvent('jwtkit:inspect', {
        detail: { token: state.access, jwksUrl: `${location.origin}/.well-known/jwks.json` },
      }),
    );
  });
  $('flow-reset').addEventListener('click', () => {
    Object.assign(state, {
      user: null,
      access: null,
      refresh: null,
      old: [],
      rotatedAt: 0,
      loggedOutAccess: null,
      revoked: false,
    });
    diagram.reset();
    fill($('flow-history'));
    $('flow-request').textContent = '(no request yet)';
    $('flow-response').textContent = '(no response yet)';
    $('flow-response-status').textContent = '';
    $('flow-step-title').textContent = '';
    say('Start by logging in.', 'info');
    render();
  });
  render();
}
