// @ts-check
// The Flow's DPoP step (RFC 9449): a key pair made in this page with WebCrypto (the private key is not
// extractable: not even this page can read it), a DPoP-bound token for bob (login with a DPoP proof),
// GET /me with a proof (htm, htu, iat, jti, ath), and the same token used without the key (as a thief
// would: as a Bearer token, or with a proof of another key) failing. Server nonces (DPOP_NONCE) are
// handled: a `use_dpop_nonce` answer is retried once with the `DPoP-Nonce` it carries.
import { fill, h } from './dom.js';
import { signWithCryptoKey } from './jwt.js';

const enc = new TextEncoder();

/** @param {Uint8Array} bytes */
const b64u = (bytes) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
/** @param {string} t */
const short = (t) => (t.length > 40 ? `${t.slice(0, 24)}…${t.slice(-10)}` : t);

/**
 * @typedef {{ pair: CryptoKeyPair, jwk: {kty: string, crv: string, x: string, y: string}, jkt: string }} PageKey
 * @typedef {{ status: number, json: any, nonce: string | null, challenge: string | null }} Answer
 */

/** A P-256 key pair whose private key cannot be exported. @returns {Promise<PageKey>} */
async function makeKey() {
  const pair = /** @type {CryptoKeyPair} */ (
    await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  );
  const full = await crypto.subtle.exportKey('jwk', pair.publicKey); // public keys are always exportable
  const jwk = { kty: String(full.kty), crv: String(full.crv), x: String(full.x), y: String(full.y) };
  // RFC 7638 thumbprint: the required members in lexicographic order, no whitespace.
  const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  const jkt = b64u(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(canonical))));
  return { pair, jwk, jkt };
}

/**
 * A DPoP proof JWT (RFC 9449 §4.2) signed in the page by the library.
 * @param {PageKey} key @param {string} method @param {string} url
 * @param {{ accessToken?: string, nonce?: string | null }} [opts]
 */
async function makeProof(key, method, url, opts = {}) {
  /** @type {Record<string, unknown>} */
  const payload = { jti: crypto.randomUUID(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000) };
  if (opts.accessToken) {
    const hash = await crypto.subtle.digest('SHA-256', enc.encode(opts.accessToken));
    payload.ath = b64u(new Uint8Array(hash));
  }
  if (opts.nonce) payload.nonce = opts.nonce;
  // Signed by the library's WebCrypto build (jwt.js), with the page's non-extractable private key.
  return signWithCryptoKey(payload, key.pair.privateKey, {
    algorithm: 'ES256',
    header: { typ: 'dpop+jwt', jwk: key.jwk },
  });
}

export function initDpopStep() {
  const card = document.getElementById('dpop-card');
  if (!card) return;
  /** @type {{ key: PageKey | null, access: string | null, origin: string | null, nonce: string | null }} */
  const state = { key: null, access: null, origin: null, nonce: null };

  const loginBtn = h(
    'button',
    { type: 'button', id: 'dpop-login' },
    'Get a DPoP-bound token for bob (new key in this page)',
  );
  const meBtn = h('button', { type: 'button', id: 'dpop-me', disabled: true }, 'GET /me with a DPoP proof');
  const stolenBtn = h(
    'button',
    { type: 'button', id: 'dpop-stolen', disabled: true },
    'Steal the token: use it without the key',
  );
  const status = h(
    'p',
    { id: 'dpop-status', class: 'status', role: 'status', 'aria-live': 'polite' },
    'Not started.',
  );
  const keyInfo = h('p', { id: 'dpop-key', class: 'mono muted small' }, 'No key yet.');
  const exchange = h('pre', { id: 'dpop-exchange', class: 'http' }, '(no request yet)');
  const results = h('ul', { id: 'dpop-results', class: 'history' });
  fill(
    card,
    h('h2', { class: 'card-title' }, 'DPoP: a token only this page can use'),
    h(
      'p',
      { class: 'help' },
      'RFC 9449. The page makes a P-256 key pair with WebCrypto; its private key is not extractable. Logging in with a DPoP proof binds the tokens to that key (cnf.jkt); every call then carries a fresh proof signed with it, so a stolen token alone is useless.',
    ),
    h('div', { class: 'row wrap' }, loginBtn, meBtn, stolenBtn),
    keyInfo,
    status,
    exchange,
    results,
  );

  /** @param {boolean} busy */
  const render = (busy) => {
    loginBtn.toggleAttribute('disabled', busy);
    meBtn.toggleAttribute('disabled', busy || !state.access);
    stolenBtn.toggleAttribute('disabled', busy || !state.access);
  };

  /**
   * One request to this service (same origin, no cookies), shown in the exchange box.
   * @param {string} method @param {string} path @param {Record<string, string>} headers @param {unknown} [body]
   * @returns {Promise<Answer>}
   */
  async function send(method, path, headers, body) {
    const all = { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) };
    const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(all).map(([k, v]) => `${k}: ${short(v)}`)];
    const res = await fetch(path, {
      method,
      headers: all,
      body: body !== undefined ? JSON.stringify(body) : undefined,
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
    const challenge = res.headers.get('www-authenticate');
    const nonce = res.headers.get('dpop-nonce');
    lines.push('', `HTTP/1.1 ${res.status}`);
    if (challenge) lines.push(`www-authenticate: ${challenge}`);
    if (nonce) lines.push(`dpop-nonce: ${nonce}`);
    if (json) lines.push('', JSON.stringify(json, null, 2));
    exchange.textContent = lines.join('\n');
    return { status: res.status, json, nonce, challenge };
  }

  /** @param {Answer} a */
  const wantsNonce = (a) =>
    a.nonce !== null && (a.json?.code === 'use_dpop_nonce' || a.json?.error === 'use_dpop_nonce');

  /**
   * Sends with a proof; asked for a nonce (RFC 9449 §8, §9), retries once with it.
   * @param {(nonce: string | null) => Promise<Answer>} attempt
   */
  async function withNonce(attempt) {
    let a = await attempt(state.nonce);
    if (wantsNonce(a)) {
      state.nonce = a.nonce;
      a = await attempt(state.nonce);
    }
    if (a.nonce) state.nonce = a.nonce;
    return a;
  }

  /** @param {string} id @param {boolean} ok @param {string} text */
  const result = (id, ok, text) => {
    results.append(h('li', { class: ok ? 'ok' : 'bad', 'data-result': id }, text));
  };

  /** @param {string} path */
  const url = (path) => `${state.origin}${path}`;

  /** The issuer's origin (what `htu` must name), from the RFC 8414 metadata. */
  async function origin() {
    if (state.origin) return state.origin;
    const meta = await send('GET', '/.well-known/oauth-authorization-server', {});
    state.origin = new URL(String(meta.json?.issuer ?? location.origin)).origin;
    return state.origin;
  }

  /** @param {() => Promise<void>} fn */
  const run = (fn) => async () => {
    render(true);
    try {
      await fn();
    } catch (err) {
      status.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      render(false);
    }
  };

  loginBtn.addEventListener(
    'click',
    run(async () => {
      if (!globalThis.crypto?.subtle)
        throw new Error('WebCrypto needs a secure context (https or localhost).');
      results.replaceChildren();
      await origin();
      const key = await makeKey();
      state.key = key;
      // Proof that the key is really locked in: exporting the private key fails.
      const locked = await crypto.subtle.exportKey('jwk', key.pair.privateKey).then(
        () => false,
        () => true,
      );
      keyInfo.textContent = `Key thumbprint (jkt) ${key.jkt} · private key extractable: ${String(key.pair.privateKey.extractable)}${locked ? ' (export refused)' : ''}`;
      const a = await withNonce(async (nonce) =>
        send(
          'POST',
          '/auth/login',
          { DPoP: await makeProof(key, 'POST', url('/auth/login'), { nonce }) },
          {
            username: 'bob',
            password: 'bob-demo-password',
          },
        ),
      );
      if (a.status !== 200) {
        status.textContent = `Login answered ${a.status}.`;
        result('login', false, `POST /auth/login → ${a.status}`);
        return;
      }
      state.access = String(a.json.access_token);
      const bound = JSON.parse(atob(state.access.split('.')[1]?.replace(/-/g, '+').replace(/_/g, '/') ?? ''));
      const same = bound?.cnf?.jkt === key.jkt;
      status.textContent = `token_type ${a.json.token_type}; cnf.jkt ${same ? 'is' : 'is NOT'} this key's thumbprint.`;
      result(
        'login',
        same,
        `POST /auth/login with a proof → 200, token_type ${a.json.token_type}, bound to this key`,
      );
    }),
  );

  meBtn.addEventListener(
    'click',
    run(async () => {
      const key = state.key;
      const access = state.access;
      if (!key || !access) return;
      const a = await withNonce(async (nonce) =>
        send('GET', '/me', {
          Authorization: `DPoP ${access}`,
          DPoP: await makeProof(key, 'GET', url('/me'), { accessToken: access, nonce }),
        }),
      );
      const ok = a.status === 200;
      status.textContent = ok
        ? `GET /me → 200 (${a.json?.username}): the proof shows this page holds the key.`
        : `GET /me → ${a.status}`;
      result('me', ok, `GET /me, Authorization: DPoP + proof → ${a.status}`);
    }),
  );

  stolenBtn.addEventListener(
    'click',
    run(async () => {
      const access = state.access;
      if (!access) return;
      // A thief has the token but not the key: as a plain bearer token...
      const asBearer = await send('GET', '/me', { Authorization: `Bearer ${access}` });
      result(
        'stolen-bearer',
        asBearer.status === 401,
        `stolen token as Bearer → ${asBearer.status} (refused)`,
      );
      // ...or with a proof signed by the thief's own key.
      const thief = await makeKey();
      const other = await withNonce(async (nonce) =>
        send('GET', '/me', {
          Authorization: `DPoP ${access}`,
          DPoP: await makeProof(thief, 'GET', url('/me'), { accessToken: access, nonce }),
        }),
      );
      result(
        'stolen-other-key',
        other.status === 401,
        `stolen token with a proof of another key → ${other.status} (refused)`,
      );
      const refused = asBearer.status === 401 && other.status === 401;
      status.textContent = refused
        ? 'Without the private key the stolen token is refused both ways.'
        : 'Unexpected: the stolen token was accepted.';
    }),
  );
  render(false);
}
