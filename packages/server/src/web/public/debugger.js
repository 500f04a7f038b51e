// @ts-check
// The debugger: decode + verify (left/right panels) and encode. Runs entirely in the page.
import { $, coloredToken, fill, h, jsonNodes, localDate, tablist } from './dom.js';
import {
  algorithmInfo,
  decrypt as decryptToken,
  explainToken,
  fetchJwks,
  generateKey,
  hmacKeyWarnings,
  JwtError,
  PAGE_ALGORITHMS,
  sign,
  verify as verifyJwt,
} from './jwt.js';

/** @typedef {import('./jwt.js').KeyKind} KeyKind */
/** @typedef {import('./jwt.js').KeySpec} KeySpec */

/** What the person typed as a key spec for jwt.js. JSON is parsed here (a SyntaxError is theirs to see). @param {string} kind @param {string} text @returns {KeySpec} */
function keySpec(kind, text) {
  if (kind === 'jwk') {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && Array.isArray(value.keys)
      ? { kind: 'jwks', value }
      : { kind: 'jwk', value };
  }
  return { kind: /** @type {KeyKind} */ (kind), text };
}

/** A verification failure that is about the claims, after a good signature (the library checks claims last). */
const CLAIM_CODES = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_AUDIENCE_INVALID',
  'ERR_JWT_ISSUER_INVALID',
  'ERR_JWT_IAT_INVALID',
]);

const KEY_LABELS = /** @type {Record<string, string>} */ ({
  secret: 'Secret (UTF-8 text)',
  'secret-b64': 'Secret (base64url bytes)',
  pem: 'PEM public key (or certificate)',
  jwk: 'JWK or JWK Set (JSON)',
});
const ENC_KEY_LABELS = /** @type {Record<string, string>} */ ({
  secret: 'Secret (UTF-8 text)',
  'secret-b64': 'Secret (base64url bytes)',
  pem: 'PEM private key (PKCS#8, "BEGIN PRIVATE KEY")',
  jwk: 'Private JWK (JSON, with "d")',
});

/** @param {string} name */
function radioValue(name) {
  const el = /** @type {HTMLInputElement | null} */ (document.querySelector(`input[name="${name}"]:checked`));
  return /** @type {KeyKind | 'jwks-url'} */ (el?.value ?? 'secret');
}
/** @param {string} name @param {string} value */
function setRadio(name, value) {
  const el = /** @type {HTMLInputElement | null} */ (
    document.querySelector(`input[name="${name}"][value="${value}"]`)
  );
  if (el) el.checked = true;
}

/** @param {unknown} v */
function show(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** @typedef {{name: string, label: string, value: unknown, description: string, rfc: string, url: string, registered: boolean, time?: {epoch: number, relative: string, iso: string}}} Param */

/** @param {Param} c @param {string} what 'claim' or 'header parameter' */
function paramRow(c, what) {
  const value = h('td', { class: 'mono' }, show(c.value));
  if (c.time) {
    const past = c.time.epoch * 1000 <= Date.now();
    value.append(
      h('br'),
      h('time', { datetime: c.time.iso, class: 'date', title: c.time.iso }, localDate(c.time.epoch)),
      h('br'),
      h('span', { class: `rel ${c.name === 'exp' ? (past ? 'bad' : 'ok') : ''}` }, c.time.relative),
    );
  }
  return h(
    'tr',
    { 'data-claim': c.name },
    h(
      'th',
      { scope: 'row' },
      h('code', null, c.name),
      c.registered ? h('span', { class: 'label' }, c.label) : null,
    ),
    value,
    c.registered
      ? h(
          'td',
          null,
          c.description,
          ' ',
          h('a', { href: c.url, target: '_blank', rel: 'noopener noreferrer', class: 'rfc' }, c.rfc),
        )
      : // The generic "not registered" text is said once, under the table (renderParams), not on every row.
        h('td', { class: 'muted' }, `Private ${what}`),
  );
}

/**
 * Fills a parameter table and, when it has private (unregistered) names, the one note that explains them.
 * @param {string} tableId @param {string} noteId @param {Param[]} params @param {string} what
 */
function renderParams(tableId, noteId, params, what) {
  fill($(tableId).tBodies[0], ...params.map((c) => paramRow(c, what)));
  const priv = params.filter((c) => !c.registered);
  const note = $(noteId);
  note.hidden = priv.length === 0;
  const first = priv[0];
  if (!first) return fill(note);
  fill(
    note,
    h('strong', null, priv.length === 1 ? `Private ${what}: ` : `Private ${what}s: `),
    ...priv.flatMap((c, i) => [i > 0 ? ', ' : '', h('code', null, c.name)]),
    `. ${first.description} `,
    h('a', { href: first.url, target: '_blank', rel: 'noopener noreferrer', class: 'rfc' }, first.rfc),
  );
}

/** @param {Array<{code: string, message: string}>} warnings @param {HTMLElement} list @param {string} [none] */
function renderWarnings(warnings, list, none = 'No warnings.') {
  if (warnings.length === 0) fill(list, ...(none ? [h('li', { class: 'muted' }, none)] : []));
  else
    fill(
      list,
      ...warnings.map((w) =>
        h('li', { class: `warn w-${w.code}`, 'data-code': w.code }, h('code', null, w.code), ' ', w.message),
      ),
    );
}

export function initDebugger() {
  const modes = tablist($('debugger-tabs'), () => {});
  const input = /** @type {HTMLTextAreaElement} */ ($('token-input'));
  const keyText = /** @type {HTMLTextAreaElement} */ ($('verify-key'));
  const status = $('verify-status');
  /** @type {ReturnType<typeof explainToken> | null} */
  let current = null;
  let verifySeq = 0;
  /** @type {{url: string, jwks: unknown} | null} */
  let jwksCache = null;

  /** @param {'idle' | 'valid' | 'invalid' | 'error' | 'busy'} state @param {string} text */
  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };

  function decode() {
    const token = input.value;
    const e = explainToken(token);
    current = e;
    const empty = token.trim() === '';
    fill($('token-colored'), coloredToken(token));
    // An empty box is the starting point, not a mistake: no red "the token is empty" before anything is typed.
    fill($('token-errors'), ...(empty ? [] : e.errors.map((m) => h('li', null, m))));
    renderWarnings(
      empty ? [] : e.warnings,
      $('token-warnings'),
      empty ? 'Nothing to report yet.' : undefined,
    );
    fill($('header-json'), e.header ? jsonNodes(e.header) : '');
    fill($('payload-json'), e.payload !== null ? jsonNodes(e.payload) : '');
    renderParams('header-table', 'header-private-note', e.headerParams, 'header parameter');
    renderParams('claims-table', 'claims-private-note', e.claims, 'claim');
    $('alg-name').textContent = e.algorithm?.name ?? '–';
    $('alg-desc').textContent = e.algorithm ? e.algorithm.description : '';
    $('signature-info').textContent = token.trim()
      ? `${e.segments.signature || '(empty)'}${e.signatureBytes !== null ? `  (${e.signatureBytes} bytes)` : ''}`
      : '';
    verify(false);
  }

  /** @param {boolean} fetchUrl */
  async function verify(fetchUrl) {
    const seq = ++verifySeq;
    const kind = radioValue('key-kind');
    const e = current;
    const done = (/** @type {Parameters<typeof setStatus>} */ ...a) => {
      if (seq === verifySeq) setStatus(...a);
    };
    // What jwtkit would say about this key (length rules of RFC 7518 §3.2), whatever the signature says.
    renderWarnings(
      e?.algorithm && kind !== 'jwks-url' && input.value.trim()
        ? hmacKeyWarnings(e.algorithm.name, kind, keyText.value)
        : [],
      $('key-warnings'),
      '',
    );
    if (!e || !input.value.trim()) return done('idle', 'Paste a token and a key.');
    if (e.kind === 'jwe' && e.errors.length === 0 && e.header) return decryptJwe(e.header, kind, done);
    if (e.kind !== 'jws' || e.errors.length > 0 || !e.algorithm) {
      return done(
        'error',
        'Cannot verify: the token is not a well-formed signed JWT (see the errors above).',
      );
    }
    const alg = e.algorithm.name;
    const url = /** @type {HTMLInputElement} */ ($('jwks-url')).value;
    // Editing the token re-verifies against the JWK Set already fetched from this URL (no new request).
    if (kind === 'jwks-url' && !fetchUrl && jwksCache?.url !== url)
      return done('idle', 'Enter a JWKS URL and press "Fetch keys & verify".');
    if (kind !== 'jwks-url' && keyText.value === '')
      return done('idle', `Enter the ${KEY_LABELS[kind]?.toLowerCase()} to verify the ${alg} signature.`);
    try {
      done('busy', 'Verifying…');
      /** @type {KeySpec} */
      let spec;
      if (kind === 'jwks-url') {
        let jwks;
        if (!fetchUrl && jwksCache?.url === url) jwks = jwksCache.jwks;
        else {
          jwks = await fetchJwks(url);
          jwksCache = { url, jwks };
        }
        spec = { kind: 'jwks', value: jwks };
      } else spec = keySpec(kind, keyText.value);
      // The allowlist is the algorithm shown above (the person checks this token with it); the claims
      // are checked as the library checks them, but a time problem is reported next to the good signature.
      // The debugger cannot know the audience its reader expects: it checks the token's own (shown in the
      // claims table), so a token with an "aud" still gets its signature checked. A real verifier names its own.
      const aud = e.payload && typeof e.payload === 'object' ? /** @type {any} */ (e.payload).aud : undefined;
      let r;
      try {
        r = await verifyJwt(input.value.trim(), spec, {
          algorithms: [alg],
          ...(typeof aud === 'string' || (Array.isArray(aud) && aud.length > 0) ? { audience: aud } : {}),
        });
      } catch (err) {
        if (!(err instanceof JwtError) || !CLAIM_CODES.has(/** @type {any} */ (err).code)) throw err;
        const timing = e.warnings.find((w) => w.code === 'expired' || w.code === 'not-yet-valid');
        return done(
          'valid',
          `✔ Signature verified (${alg}), but ${timing ? timing.message : err.message} [${/** @type {any} */ (err).code}]`,
        );
      }
      const via = r.kid ? ` with key "${r.kid}"` : '';
      done('valid', `✔ Signature verified (${alg})${via}`);
    } catch (err) {
      if (err instanceof JwtError && /** @type {any} */ (err).code === 'ERR_JWS_SIGNATURE_INVALID')
        return done('invalid', `✘ Invalid signature (${alg})`);
      done(
        'error',
        `Cannot verify: ${err instanceof JwtError ? `${err.message} [${/** @type {any} */ (err).code}]` : err instanceof SyntaxError ? 'the key is not valid JSON' : 'unexpected error'}`,
      );
    }
  }

  /**
   * A JWE: decrypted in the page with the key typed (the library's decryptJwe, nothing sent), its plaintext
   * shown where a JWT's payload goes.
   * @param {Record<string, unknown>} header @param {string} kind
   * @param {(state: 'idle' | 'valid' | 'invalid' | 'error' | 'busy', text: string) => void} done
   */
  async function decryptJwe(header, kind, done) {
    const seq = verifySeq;
    const names = `${String(header.alg)} / ${String(header.enc)}`;
    fill($('payload-json'), ''); // only what this key decrypts is shown
    if (kind === 'jwks-url')
      return done(
        'idle',
        'A JWE is opened with a private or secret key, not a JWK Set URL: pick another key type.',
      );
    if (keyText.value === '')
      return done('idle', `Enter the key to decrypt this JWE (${names}): nothing leaves this page.`);
    try {
      done('busy', 'Decrypting…');
      const r = await decryptToken(input.value.trim(), keySpec(kind, keyText.value), header);
      if (seq !== verifySeq) return;
      fill($('payload-json'), r.json !== null ? jsonNodes(r.json) : r.nested !== null ? r.nested : r.text);
      const what =
        r.json !== null
          ? 'a JSON payload'
          : r.nested !== null
            ? 'a nested JWT (paste it above to read and verify it)'
            : 'text';
      done(
        'valid',
        `✔ Decrypted (${names}): the key opened it and the authentication tag checked; it holds ${what}`,
      );
    } catch (err) {
      if (seq !== verifySeq) return;
      done(
        err instanceof JwtError && /** @type {any} */ (err).code === 'ERR_JWE_DECRYPTION_FAILED'
          ? 'invalid'
          : 'error',
        `✘ Cannot decrypt: ${err instanceof JwtError ? `${err.message} [${/** @type {any} */ (err).code}]` : err instanceof SyntaxError ? 'the key is not valid JSON' : 'unexpected error'}`,
      );
    }
  }

  function syncKeyKind() {
    const kind = radioValue('key-kind');
    $('key-url-wrap').hidden = kind !== 'jwks-url';
    $('key-text-wrap').hidden = kind === 'jwks-url';
    $('verify-key-label').textContent = KEY_LABELS[kind] ?? '';
    keyText.rows = kind === 'secret' || kind === 'secret-b64' ? 2 : 6;
    verify(false);
  }

  input.addEventListener('input', decode);
  keyText.addEventListener('input', () => verify(false));
  for (const r of document.querySelectorAll('input[name="key-kind"]'))
    r.addEventListener('change', syncKeyKind);
  $('jwks-fetch').addEventListener('click', () => verify(true));
  $('jwks-url').addEventListener('keydown', (/** @type {KeyboardEvent} */ ev) => {
    if (ev.key === 'Enter') verify(true);
  });

  // ------------------------------------------------------------------ encoder
  const algSel = /** @type {HTMLSelectElement} */ ($('enc-alg'));
  const headerText = /** @type {HTMLTextAreaElement} */ ($('enc-header'));
  const payloadText = /** @type {HTMLTextAreaElement} */ ($('enc-payload'));
  const encKey = /** @type {HTMLTextAreaElement} */ ($('enc-key'));
  const encStatus = $('enc-status');
  // The algorithm menu is the library's table (minus what this browser's WebCrypto lacks).
  fill(algSel, ...PAGE_ALGORITHMS.map((a) => h('option', null, a)));
  let encSeq = 0;
  let lastToken = '';
  const now = () => Math.floor(Date.now() / 1000);
  headerText.value = JSON.stringify({ alg: PAGE_ALGORITHMS[0], typ: 'JWT' }, null, 2);
  payloadText.value = JSON.stringify(
    { sub: '101', name: 'Alice Example', role: 'admin', iat: now(), exp: now() + 900 },
    null,
    2,
  );

  function syncEncKind() {
    $('enc-key-label').textContent = ENC_KEY_LABELS[radioValue('enc-key-kind')] ?? '';
    encode();
  }

  async function encode() {
    const seq = ++encSeq;
    /** @param {string} state @param {string} text @param {string} [token] @param {Array<{code: string, message: string}>} [keyWarnings] */
    const done = (state, text, token = '', keyWarnings = []) => {
      if (seq !== encSeq) return;
      encStatus.dataset.state = state;
      encStatus.textContent = text;
      lastToken = token;
      fill($('enc-output'), token ? coloredToken(token) : '');
      renderWarnings(token ? [...keyWarnings, ...explainToken(token).warnings] : [], $('enc-warnings'));
      /** @type {HTMLButtonElement} */ ($('enc-copy')).disabled = !token;
      /** @type {HTMLButtonElement} */ ($('enc-to-decoder')).disabled = !token;
    };
    let header;
    let payload;
    try {
      header = JSON.parse(headerText.value);
    } catch {
      return done('error', 'The header is not valid JSON.');
    }
    if (!header || typeof header !== 'object' || Array.isArray(header))
      return done('error', 'The header must be a JSON object.');
    try {
      payload = JSON.parse(payloadText.value);
    } catch {
      return done('error', 'The payload is not valid JSON.');
    }
    const alg = String(header.alg ?? '');
    const kind = /** @type {KeyKind} */ (radioValue('enc-key-kind'));
    if (encKey.value === '')
      return done(
        'idle',
        `Enter a ${ENC_KEY_LABELS[kind]?.toLowerCase()} to sign with ${alg}, or generate one.`,
      );
    try {
      const token = await sign(payload, keySpec(kind, encKey.value), { algorithm: alg, header });
      done('valid', `Signed with ${alg}.`, token, hmacKeyWarnings(alg, kind, encKey.value));
    } catch (err) {
      done(
        'error',
        `Cannot sign: ${err instanceof JwtError ? err.message : err instanceof SyntaxError ? 'the key is not valid JSON' : 'unexpected error'}`,
      );
    }
  }

  algSel.addEventListener('change', () => {
    const alg = algSel.value;
    try {
      const header = JSON.parse(headerText.value);
      header.alg = alg;
      headerText.value = JSON.stringify(header, null, 2);
    } catch {
      headerText.value = JSON.stringify({ alg, typ: 'JWT' }, null, 2);
    }
    const hs = algorithmInfo(alg)?.family === 'hmac';
    const kind = radioValue('enc-key-kind');
    if (hs !== (kind === 'secret' || kind === 'secret-b64')) {
      setRadio('enc-key-kind', hs ? 'secret' : 'pem');
      encKey.value = '';
      $('enc-public-wrap').hidden = true;
    }
    syncEncKind();
  });
  headerText.addEventListener('input', () => {
    try {
      const alg = JSON.parse(headerText.value).alg;
      if ([...algSel.options].some((o) => o.value === alg)) algSel.value = alg;
    } catch {
      /* keep the selection while the JSON is being typed */
    }
    encode();
  });
  payloadText.addEventListener('input', encode);
  encKey.addEventListener('input', encode);
  for (const r of document.querySelectorAll('input[name="enc-key-kind"]'))
    r.addEventListener('change', syncEncKind);
  $('enc-now').addEventListener('click', () => {
    try {
      const p = JSON.parse(payloadText.value);
      p.iat = now();
      p.exp = now() + 900;
      payloadText.value = JSON.stringify(p, null, 2);
      encode();
    } catch {
      encStatus.textContent = 'The payload is not valid JSON.';
    }
  });
  $('enc-generate').addEventListener('click', async () => {
    encStatus.textContent = 'Generating…';
    try {
      const k = await generateKey(algSel.value);
      setRadio('enc-key-kind', k.kind);
      encKey.value = k.signing;
      $('enc-public-wrap').hidden = !k.public;
      /** @type {HTMLTextAreaElement} */ ($('enc-public')).value = k.public ?? '';
      syncEncKind();
    } catch (err) {
      encStatus.textContent = `Cannot generate: ${err instanceof JwtError ? err.message : 'unexpected error'}`;
    }
  });
  $('enc-copy').addEventListener('click', async () => {
    if (!lastToken) return;
    try {
      await navigator.clipboard.writeText(lastToken);
      encStatus.textContent = 'Copied to the clipboard.';
    } catch {
      encStatus.textContent = 'Copy failed: select the token and copy it by hand.';
    }
  });
  $('enc-to-decoder').addEventListener('click', () => {
    if (!lastToken) return;
    input.value = lastToken;
    const kind = radioValue('enc-key-kind');
    const pub = /** @type {HTMLTextAreaElement} */ ($('enc-public')).value;
    setRadio('key-kind', kind === 'pem' ? 'pem' : kind);
    keyText.value = kind === 'pem' && pub ? pub : encKey.value;
    modes.select('tab-decode');
    syncKeyKind();
    decode();
    input.focus();
  });

  // The Flow hands over its access token: decode it and verify it against this service's JWKS.
  document.addEventListener('jwtkit:inspect', (ev) => {
    const detail = /** @type {CustomEvent<{token: string, jwksUrl: string}>} */ (ev).detail;
    input.value = detail.token;
    setRadio('key-kind', 'jwks-url');
    /** @type {HTMLInputElement} */ ($('jwks-url')).value = detail.jwksUrl;
    modes.select('tab-decode');
    syncKeyKind();
    decode();
    verify(true);
  });

  syncKeyKind();
  syncEncKind();
  decode();
}
