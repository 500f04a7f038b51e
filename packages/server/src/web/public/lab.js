// @ts-check
// The attack lab: each card forges a token in the page and hands it to jwt.js's verify (the library's
// decode rules; see BACKEND there), or, for the refresh replay, to this service. The card texts (code,
// reason, RFC section, incident) are the library's own (jwtkit/learn). Forgeries use demo keys made here;
// nothing the person typed is used or sent.
import { $, coloredToken, fill, h } from './dom.js';
import {
  ALGORITHM_NAMES,
  algorithmInfo,
  encodeBase64url,
  encodeBase64urlText,
  forgeSignature,
  generateKeyPair,
  generateSecret,
  hmac,
  JwtError,
  sign,
  verify,
} from './jwt.js';
import { LAB_CARDS } from './jwtkit/learn/index.js';

/** @typedef {import('./jwtkit/learn/index.js').LabCard} LabCard */
/** @typedef {{token?: string, outcome: {code: string, message: string} | {accepted: true}, note?: string}} Run */

const enc = new TextEncoder();
/** @param {unknown} v */
const part = (v) => encodeBase64urlText(JSON.stringify(v));
const USER = { user_id: 101, username: 'alice', role: 'user' };
/** The first algorithm of a family in the library's table (the HMAC, RSA and ECDSA ones): the attacks' algorithms. @param {string} family */
const first = (family) =>
  /** @type {string} */ (ALGORITHM_NAMES.find((a) => algorithmInfo(a)?.family === family));
const HS = first('hmac');
const RS = first('rsa');
const ES = first('ecdsa');
const API = 'https://api.example';

/** The lab's demo "server": its HMAC secret, RSA and EC key pairs, made once in the page. */
/** @type {Promise<{secret: string, rsaPem: string, ec: {publicJwk: any}}> | undefined} */
let server;
async function demoServer() {
  server ??= (async () => {
    const secret = generateSecret(HS);
    const [rsa, ec] = await Promise.all([generateKeyPair(RS), generateKeyPair(ES)]);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey));
    let bin = '';
    for (const b of spki) bin += String.fromCharCode(b);
    const rsaPem = `-----BEGIN PUBLIC KEY-----\n${btoa(bin).replace(/.{1,64}/g, '$&\n')}-----END PUBLIC KEY-----\n`;
    return { secret, rsaPem, ec };
  })();
  return server;
}

/** @param {string} token @param {import('./jwt.js').KeySpec} key @param {import('./jwt.js').VerifyOptions} options @returns {Promise<Run['outcome']>} */
async function attempt(token, key, options) {
  try {
    await verify(token, key, options);
    return { accepted: true };
  } catch (e) {
    if (e instanceof JwtError) return { code: /** @type {any} */ (e).code, message: e.message };
    return { code: 'crash', message: String(e) };
  }
}

const now = () => Math.floor(Date.now() / 1000);

/** @type {Record<string, () => Promise<Run>>} */
const ATTACKS = {
  async 'alg-none'() {
    const s = await demoServer();
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...USER, role: 'admin' })}.`;
    return {
      token,
      outcome: await attempt(token, { kind: 'secret', text: s.secret }, { algorithms: [HS] }),
    };
  },
  async 'alg-confusion'() {
    const s = await demoServer();
    const input = `${part({ alg: HS, typ: 'JWT' })}.${part({ ...USER, role: 'admin' })}`;
    const token = `${input}.${encodeBase64url(await hmac(HS, enc.encode(s.rsaPem), input))}`;
    return {
      token,
      outcome: await attempt(token, { kind: 'pem', text: s.rsaPem }, { algorithms: [RS] }),
    };
  },
  async tampered() {
    const s = await demoServer();
    const good = await sign(USER, { kind: 'secret', text: s.secret }, { algorithm: HS });
    const [hd, , sig] = good.split('.');
    const token = `${hd}.${part({ ...USER, role: 'admin' })}.${sig}`;
    return {
      token,
      outcome: await attempt(token, { kind: 'secret', text: s.secret }, { algorithms: [HS] }),
    };
  },
  async expired() {
    const s = await demoServer();
    const key = /** @type {const} */ ({ kind: 'secret', text: s.secret });
    const within = await sign({ ...USER, exp: now() - 30 }, key, { algorithm: HS });
    const ok = await attempt(within, key, { algorithms: [HS], leeway: 60 });
    const token = await sign({ ...USER, exp: now() - 300 }, key, { algorithm: HS });
    return {
      token,
      outcome: await attempt(token, key, { algorithms: [HS], leeway: 60 }),
      note: `With leeway 60 s, a token that expired 30 s ago is ${'accepted' in ok ? 'accepted (clock skew)' : `refused (${ok.code})`}; one that expired 5 min ago is not:`,
    };
  },
  async audience() {
    const s = await demoServer();
    const key = /** @type {const} */ ({ kind: 'secret', text: s.secret });
    const token = await sign({ ...USER, aud: 'https://billing.example' }, key, { algorithm: HS });
    return { token, outcome: await attempt(token, key, { algorithms: [HS], audience: API }) };
  },
  async 'kid-injection'() {
    const s = await demoServer();
    const input = `${part({ alg: HS, typ: 'JWT', kid: '../../../../dev/null' })}.${part({ ...USER, role: 'admin' })}`;
    const token = `${input}.${encodeBase64url(await hmac(HS, enc.encode('attacker-chosen-key'), input))}`;
    const jwks = { keys: [{ kty: 'oct', kid: 'hs-1', alg: HS, k: encodeBase64urlText(s.secret) }] };
    return { token, outcome: await attempt(token, { kind: 'jwks', value: jwks }, { algorithms: [HS] }) };
  },
  async 'embedded-jwk'() {
    const s = await demoServer();
    const attacker = await generateKeyPair(ES);
    const input = `${part({ alg: ES, typ: 'JWT', jwk: attacker.publicJwk })}.${part({ ...USER, role: 'admin' })}`;
    const token = `${input}.${encodeBase64url(await forgeSignature(ES, attacker.privateKey, input))}`;
    const jwks = { keys: [{ ...s.ec.publicJwk, kid: 'ec-1', alg: ES, use: 'sig' }] };
    return { token, outcome: await attempt(token, { kind: 'jwks', value: jwks }, { algorithms: [ES] }) };
  },
  async 'psychic-ecdsa'() {
    const s = await demoServer();
    const token = `${part({ alg: ES, typ: 'JWT' })}.${part({ ...USER, role: 'admin' })}.${encodeBase64url(new Uint8Array(64))}`;
    return {
      token,
      outcome: await attempt(token, { kind: 'jwk', value: s.ec.publicJwk }, { algorithms: [ES] }),
    };
  },
  async crit() {
    const s = await demoServer();
    const key = /** @type {const} */ ({ kind: 'secret', text: s.secret });
    // Signed correctly with the server's own secret (the library's encode will not write crit: the forger does).
    const input = `${part({ alg: HS, crit: ['exp-policy'], 'exp-policy': 'strict', typ: 'JWT' })}.${part(USER)}`;
    const token = `${input}.${encodeBase64url(await hmac(HS, enc.encode(s.secret), input))}`;
    return { token, outcome: await attempt(token, key, { algorithms: [HS] }) };
  },
  async 'refresh-replay'() {
    // Against the running service, with the demo user (no value typed in the page is sent).
    /** @param {string} path @param {unknown} body */
    const post = async (path, body) => {
      const r = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
      return { status: r.status, json: await r.json().catch(() => null) };
    };
    const login = await post('/auth/login', { username: 'alice', password: 'alice-demo-password' });
    if (login.status !== 200)
      return {
        outcome: {
          code: 'unavailable',
          message: `login answered ${login.status} (is the service running in demo mode?)`,
        },
      };
    const old = login.json.refresh_token;
    const rotated = await post('/auth/refresh', { refresh_token: old });
    if (rotated.status !== 200)
      return { outcome: { code: 'unavailable', message: `refresh answered ${rotated.status}` } };
    const replay = await post('/auth/refresh', { refresh_token: old });
    if (replay.status === 200)
      return {
        outcome: { accepted: true },
        note: "Inside the service's grace window (REFRESH_REUSE_GRACE) a replay of the previous token is treated as a retried refresh. Open the card again after the window to see theft detection:",
      };
    return {
      outcome: {
        code: String(replay.json?.code ?? replay.status),
        message: String(replay.json?.detail ?? ''),
      },
      note: `POST /auth/refresh with the rotated-out token: ${replay.status}.`,
    };
  },
};

/** @param {LabCard} c */
function card(c) {
  const result = h(
    'div',
    { class: 'lab-result', 'aria-live': 'polite', 'data-state': 'idle' },
    'Open to run the attack.',
  );
  const forged = h('pre', { class: 'token-colored lab-token' });
  const el = h(
    'details',
    { class: 'lab-card', 'data-card': c.id },
    h('summary', null, c.title),
    h('p', null, h('strong', null, 'Attack: '), c.attack),
    forged,
    result,
    h(
      'p',
      { class: 'small' },
      h('strong', null, 'Rule: '),
      h('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer', class: 'rfc' }, c.rfc),
    ),
    h('p', { class: 'small' }, h('strong', null, 'Prevents: '), c.incident),
  );
  el.addEventListener('toggle', async () => {
    if (!(/** @type {HTMLDetailsElement} */ (el).open)) return;
    result.dataset.state = 'busy';
    result.textContent = 'Forging and verifying…';
    let run;
    try {
      run = await ATTACKS[c.id]?.();
    } catch (e) {
      run = { outcome: { code: 'crash', message: String(e) } };
    }
    if (!run) return;
    fill(forged, run.token ? coloredToken(run.token) : '');
    forged.hidden = !run.token;
    if (run.token) forged.dataset.token = run.token;
    const o = run.outcome;
    const note = run.note ? [h('span', null, run.note), h('br')] : [];
    if ('accepted' in o) {
      result.dataset.state = 'accepted';
      fill(result, ...note, 'Accepted.');
      return;
    }
    const expected = o.code === c.code;
    result.dataset.state = expected ? 'refused' : 'error';
    result.dataset.code = o.code;
    fill(
      result,
      ...note,
      h('span', null, '✔ Refused: '),
      h('code', { class: 'lab-code' }, o.code),
      o.message ? ` ${o.message}` : '',
      h('br'),
      h('span', { class: 'lab-reason' }, c.reason),
    );
  });
  return el;
}

export function initLab() {
  fill($('lab-cards'), ...LAB_CARDS.map(card));
}
