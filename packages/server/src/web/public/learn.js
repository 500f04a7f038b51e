// @ts-check
// The Learn tab: the four steps of a first token, TypeScript (jwtkit) and Python (PyJWT) side by side, with
// live results. The texts and the code come from the library's lesson module (jwtkit/learn, the same as
// `jwtkit learn`); the token comes from jwt.js (the page's one door to JWT and crypto). Nothing leaves the page.
import { $, coloredToken, fill, h } from './dom.js';
import {
  ALGORITHM_NAMES,
  algorithmInfo,
  encodeBase64url,
  generateSecret,
  hmac,
  JwtError,
  MIN_HMAC_SECRET_BYTES,
  sign,
} from './jwt.js';
import {
  checkValues,
  lessonSteps,
  nodeUserInspect,
  pyjwtDifferences,
  pyjwtSigningInput,
  pyjwtWarnings,
  pythonUserRepr,
  SEED_VALUES,
  userObject,
  utf8Length,
  WHAT_HAPPENED,
} from './jwtkit/learn/index.js';

/** @typedef {import('./jwtkit/learn/index.js').LessonValues} LessonValues */

const enc = new TextEncoder();
const HS = /** @type {string} */ (ALGORITHM_NAMES.find((a) => algorithmInfo(a)?.family === 'hmac'));
const CTX = { alg: HS, hashBytes: algorithmInfo(HS)?.hashBytes ?? 32, minSecretBytes: MIN_HMAC_SECRET_BYTES };

/** @param {Uint8Array} b */
const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
/** @param {string} s */
const b64Text = (s) => encodeBase64url(enc.encode(s));

/** @param {string} label @param {string} code @param {'ts' | 'py'} lang @param {Node | string | null} out @param {string} [outLabel] */
function column(label, code, lang, out, outLabel = 'prints') {
  return h(
    'figure',
    { class: 'code-col', 'data-lang': lang },
    h('figcaption', null, label),
    h('pre', { class: 'code' }, h('code', null, code)),
    out !== null && out !== '' ? h('p', { class: 'out-label' }, outLabel) : null,
    out !== null && out !== '' ? h('pre', { class: 'out', 'data-out': lang }, out) : null,
  );
}

export function initLearn() {
  /** @type {Record<keyof LessonValues, HTMLInputElement>} */
  const fields = {
    userId: $('learn-user-id'),
    username: $('learn-username'),
    role: $('learn-role'),
    secret: $('learn-secret'),
  };
  for (const [k, el] of Object.entries(fields)) el.value = SEED_VALUES[/** @type {keyof LessonValues} */ (k)];
  let seq = 0;

  /** @returns {LessonValues} */
  const values = () => ({
    userId: fields.userId.value.trim(),
    username: fields.username.value,
    role: fields.role.value,
    secret: fields.secret.value,
  });

  async function render() {
    const mine = ++seq;
    const v = values();
    const problems = checkValues(v, CTX);
    fill($('learn-problems'), ...problems.map((p) => h('li', { 'data-field': p.field }, p.message)));
    for (const [k, el] of Object.entries(fields))
      el.setAttribute('aria-invalid', String(problems.some((p) => p.field === k)));
    const idOk = !problems.some((p) => p.field === 'userId');

    // jwtkit's token (or its refusal), and PyJWT's (its signing input: the same bytes unless a difference).
    /** @type {string | null} */
    let token = null;
    /** @type {string} */
    let refusal = '';
    /** @type {string | null} */
    let pyToken = null;
    if (idOk) {
      try {
        token = await sign(userObject(v), { kind: 'secret', text: v.secret }, { algorithm: HS });
      } catch (e) {
        refusal =
          e instanceof JwtError
            ? `${e.name} [${/** @type {any} */ (e).code}]: ${e.message}`
            : 'unexpected error';
      }
      if (utf8Length(v.secret) > 0) {
        const input = pyjwtSigningInput(v, `{"alg":"${HS}","typ":"JWT"}`);
        const signing = `${b64Text(input.header)}.${b64Text(input.payload)}`;
        pyToken = `${signing}.${encodeBase64url(await hmac(HS, enc.encode(v.secret), signing))}`;
      }
    }
    if (mine !== seq) return; // a newer keystroke is being rendered

    const warnings = pyjwtWarnings(v, CTX);
    const diffs = pyjwtDifferences(v, CTX);
    const outs = {
      user: { ts: nodeUserInspect(v), py: pythonUserRepr(v) },
      secret: { ts: null, py: null },
      encode: { ts: null, py: warnings.length ? warnings.join('\n') : null },
      print: {
        ts: token ? coloredToken(token) : refusal || null,
        py: pyToken
          ? coloredToken(pyToken)
          : idOk
            ? 'jwt.exceptions.InvalidKeyError: HMAC key must not be empty.'
            : null,
      },
    };
    const steps = lessonSteps(v, CTX).map((s) => {
      const o = outs[s.id];
      return h(
        'li',
        { class: 'card learn-step', 'data-step': s.id },
        h('h3', { class: 'card-title' }, `Step ${s.n}. ${s.title}`),
        h('p', { class: 'learn-explain' }, s.explain),
        h(
          'div',
          { class: 'code-cols' },
          column('TypeScript (jwtkit)', s.ts, 'ts', o.ts),
          column('Python (PyJWT)', s.py, 'py', o.py, s.id === 'encode' ? 'warns on stderr' : 'prints'),
        ),
        s.id === 'print' && diffs.length > 0
          ? h(
              'ul',
              { class: 'diff-notes' },
              ...diffs.map((d) =>
                h('li', { class: 'diff-note', 'data-kind': d.kind }, `PyJWT differs: ${d.why}`),
              ),
            )
          : null,
      );
    });
    fill($('learn-steps'), ...steps);
    renderHappened(v, token);
  }

  /** @param {LessonValues} v @param {string | null} token */
  async function renderHappened(v, token) {
    const box = $('learn-happened');
    box.hidden = token === null;
    if (!token) return;
    const [hd = '', pl = '', sig = ''] = token.split('.');
    fill($('learn-token-parts'), coloredToken(token));
    $('learn-happened-title').textContent = WHAT_HAPPENED.title;
    $('learn-parts-text').textContent = WHAT_HAPPENED.parts;
    const dec = new TextDecoder();
    const text = (/** @type {string} */ s) => {
      const b = Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      return dec.decode(b);
    };
    $('learn-header-json').textContent = text(hd);
    $('learn-payload-json').textContent = text(pl);
    $('learn-signature-text').textContent = WHAT_HAPPENED.signature(HS, CTX.hashBytes);
    const mac = await hmac(HS, enc.encode(v.secret), `${hd}.${pl}`);
    $('learn-hmac').textContent = [
      `HMAC-SHA-${CTX.hashBytes * 8}(secret, "${hd}.${pl}")`,
      `= ${hex(mac)}`,
      `= ${encodeBase64url(mac)} (base64url)${encodeBase64url(mac) === sig ? ': the third part' : ''}`,
    ].join('\n');
    $('learn-readable').textContent = WHAT_HAPPENED.readable;
    const n = utf8Length(v.secret);
    $('learn-short').hidden = n >= CTX.hashBytes;
    $('learn-short-text').textContent = WHAT_HAPPENED.shortSecret(n, CTX.hashBytes);
  }

  for (const el of Object.values(fields)) el.addEventListener('input', () => void render());
  $('learn-generate').addEventListener('click', () => {
    fields.secret.value = generateSecret(HS);
    void render();
  });
  $('learn-next-text').textContent = WHAT_HAPPENED.next;
  $('learn-to-flow').addEventListener('click', () => document.dispatchEvent(new CustomEvent('jwtkit:flow')));
  return render();
}
