// Browser tests of the Learn tab and the attack lab (issue 21), and of the page's verifier against the
// library on a sample of the attack corpus (issue 15), with playwright-core and Debian's Chromium.
// The oracles: PyJWT 2.15.1 (fixtures made by packages/jwtkit/test/learn/fixtures/pyjwt-learn.py), the
// library's own `decode` in Node, and Node's util.inspect.
import assert from 'node:assert/strict';
import { createHmac, sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { decode, JwtError } from 'jwtkit';
import { LAB_CARDS, type LessonValues, userObject } from 'jwtkit/learn';
import type { Page, Request } from 'playwright-core';
import {
  chromiumAvailable,
  launchChromium,
  SEED_SECRET,
  SEED_TOKEN,
  type Served,
  shot,
  startFullApp,
} from './_harness.js';

const missing = !chromiumAvailable();
if (missing && process.env.CI)
  throw new Error('Chromium is missing at /usr/bin/chromium (required under CI)');
const SKIP = missing ? 'chromium not installed at /usr/bin/chromium (apt-get install chromium)' : false;

const fixture = JSON.parse(
  readFileSync(new URL('../../../jwtkit/test/learn/fixtures/pyjwt-learn.json', import.meta.url), 'utf8'),
) as { cases: Array<{ input: LessonValues; stdout: string; warnings: string[]; error?: string }> };

/** What the library says about a token: 'accept' or the error code (a non-JwtError is a crash). */
function nodeOutcome(fn: () => unknown): string {
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    fn();
    return 'accept';
  } catch (e) {
    return e instanceof JwtError ? e.code : `crash ${String(e)}`;
  } finally {
    process.emitWarning = emit;
  }
}

interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  describe(`Learn tab and attack lab in Chromium (${viewport.name})`, {
    skip: SKIP,
    timeout: 240_000,
  }, () => {
    let served: Served;
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let page: Page;
    const requests: Recorded[] = [];
    const problems: string[] = [];
    const typed: string[] = [SEED_SECRET];

    before(async () => {
      served = await startFullApp();
      browser = await launchChromium({ width: viewport.width, height: viewport.height });
      page = await browser.context.newPage();
      page.on('request', (r: Request) => {
        requests.push({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() ?? '' });
      });
      page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource: .* 401/.test(m.text()))
          problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(`${served.url}/`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      await page.click('#tab-learn');
    });

    after(async () => {
      await browser?.close();
      await served?.close();
    });

    const stepOut = (step: string, lang: 'ts' | 'py') =>
      page.locator(`[data-step="${step}"] pre[data-out="${lang}"]`).innerText();
    const stepCode = (step: string, lang: 'ts' | 'py') =>
      page.locator(`[data-step="${step}"] figure[data-lang="${lang}"] pre.code`).innerText();

    test('steps 1 to 4 with the seed values end in the seed token, in both columns', async () => {
      assert.equal(await page.locator('#learn-steps > li').count(), 4);
      const titles = await page.locator('#learn-steps > li h3').allInnerTexts();
      assert.deepEqual(titles, [
        'Step 1. Make the user data',
        'Step 2. Define a secret',
        'Step 3. Encode with HS256',
        'Step 4. Print the token',
      ]);
      const seed = fixture.cases[0]!;
      assert.deepEqual(seed.input, {
        userId: '101',
        username: 'alice',
        role: 'admin',
        secret: SEED_SECRET,
      });
      const [pyUser, pyToken] = seed.stdout.trim().split('\n');
      // Step 1: the object, as Node's console.log and Python's print show it.
      assert.equal(await stepOut('user', 'ts'), inspect(userObject(seed.input)));
      assert.equal(await stepOut('user', 'py'), pyUser);
      // Step 2: the secret in the code.
      assert.match(await stepCode('secret', 'ts'), /const secret = 'mysecret123';/);
      assert.match(await stepCode('secret', 'py'), /secret = "mysecret123"/);
      // Step 3: PyJWT's warning about the 11-byte key, as PyJWT words it.
      assert.equal(await stepOut('encode', 'py'), seed.warnings.join('\n'));
      // Step 4: the seed token, in both columns, coloured by part.
      assert.equal(await stepOut('print', 'ts'), SEED_TOKEN);
      assert.equal(await stepOut('print', 'py'), pyToken);
      assert.equal(pyToken, SEED_TOKEN);
      assert.equal(
        await page.locator('[data-step="print"] pre[data-out="ts"] .seg-p').innerText(),
        SEED_TOKEN.split('.')[1],
      );
      await shot(page, `learn-${viewport.name}`);
    });

    test('"what just happened": the parts decoded, the HMAC bytes, signed not encrypted, the short-secret warning', async () => {
      const [h, p, s] = SEED_TOKEN.split('.') as [string, string, string];
      assert.equal(await page.locator('#learn-header-json').innerText(), '{"alg":"HS256","typ":"JWT"}');
      assert.equal(
        await page.locator('#learn-payload-json').innerText(),
        '{"user_id":101,"username":"alice","role":"admin"}',
      );
      const mac = createHmac('sha256', SEED_SECRET).update(`${h}.${p}`).digest();
      const hmacText = await page.locator('#learn-hmac').innerText();
      assert.ok(hmacText.includes(mac.toString('hex').replace(/(..)(?!$)/g, '$1 ')), hmacText);
      assert.ok(hmacText.includes(`= ${s} (base64url): the third part`), hmacText);
      assert.match(await page.locator('#learn-readable').innerText(), /signed, not encrypted/);
      assert.equal(await page.locator('#learn-short').isVisible(), true);
      assert.match(await page.locator('#learn-short-text').innerText(), /11 bytes.*at least 32/);
      await shot(page.locator('#learn-happened'), `learn-what-happened-${viewport.name}`);
    });

    test('editing values changes both columns, and the Python column is what PyJWT prints for them', async () => {
      // Every PyJWT fixture an <input> can hold (one line each), including quotes, non-ASCII and a big id.
      const cases = fixture.cases.filter(
        (c) => !c.error && !/[\r\n]/.test(Object.values(c.input).join('')) && c.input.secret.length >= 8,
      );
      assert.ok(cases.length >= 7, `${cases.length} cases`);
      for (const c of cases) {
        await page.fill('#learn-user-id', c.input.userId);
        await page.fill('#learn-username', c.input.username);
        await page.fill('#learn-role', c.input.role);
        await page.fill('#learn-secret', c.input.secret);
        typed.push(c.input.secret);
        const [pyUser, pyToken] = c.stdout.trim().split('\n');
        await page.waitForFunction(
          (t) => document.querySelector('[data-step="print"] pre[data-out="py"]')?.textContent === t,
          pyToken,
          { timeout: 10_000 },
        );
        assert.equal(await stepOut('user', 'py'), pyUser, JSON.stringify(c.input));
        assert.equal(await stepOut('user', 'ts'), inspect(userObject(c.input)));
        assert.ok(
          (await stepCode('user', 'py')).includes(JSON.stringify(c.input.role)),
          'Python code has the role',
        );
        assert.ok(
          (await stepCode('user', 'ts')).includes(`user_id: ${Number(c.input.userId)}`),
          'TS code has the id',
        );
        const big = !Number.isSafeInteger(Number(c.input.userId));
        if (big) {
          // PyJWT keeps the exact integer; jwtkit cannot: the page shows both and says why.
          assert.notEqual(await stepOut('print', 'ts'), pyToken);
          assert.match(await page.locator('[data-step="print"] .diff-note').innerText(), /beyond 2\^53/);
        } else assert.equal(await stepOut('print', 'ts'), pyToken, 'jwtkit and PyJWT agree byte for byte');
      }
      // A short secret: jwtkit refuses, PyJWT signs with a warning, and the page says why they differ.
      await page.fill('#learn-user-id', '101');
      await page.fill('#learn-username', 'alice');
      await page.fill('#learn-role', 'admin');
      await page.fill('#learn-secret', 'short');
      const short = fixture.cases.find((c) => c.input.secret === 'short')!;
      await page.waitForFunction(
        (t) => document.querySelector('[data-step="print"] pre[data-out="py"]')?.textContent === t,
        short.stdout.trim().split('\n')[1],
      );
      assert.match(await stepOut('print', 'ts'), /InvalidKeyError \[ERR_JWK_INVALID\]/);
      assert.match(await page.locator('[data-step="print"] .diff-note').innerText(), /PyJWT differs/);
      assert.equal(await page.locator('#learn-problems li[data-field="secret"]').count(), 1);
      // The generate button makes a proper secret: the warning goes, a token comes.
      await page.fill('#learn-secret', SEED_SECRET);
      await page.waitForFunction(() =>
        document.querySelector('[data-step="print"] pre[data-out="ts"]')?.textContent?.startsWith('eyJ'),
      );
      await page.click('#learn-generate');
      await page.waitForFunction(
        () => (document.querySelector('#learn-short') as HTMLElement | null)?.hidden === true,
      );
      const generated = await page.inputValue('#learn-secret');
      assert.ok(generated.length >= 32, generated);
      const token = await stepOut('print', 'ts');
      assert.equal(
        nodeOutcome(() => decode(token, generated, { algorithms: ['HS256'] })),
        'accept',
        'the page-made token verifies with the library in Node',
      );
      typed.push(generated);
    });

    test('every lab card forges its token in the page and shows the refusal with its code', async () => {
      const cards = page.locator('#lab-cards details.lab-card');
      assert.equal(await cards.count(), LAB_CARDS.length);
      for (const c of LAB_CARDS) {
        const card = page.locator(`details.lab-card[data-card="${c.id}"]`);
        await card.locator('summary').click();
        await page.waitForFunction(
          (id) => {
            const s = document
              .querySelector(`details[data-card="${id}"] .lab-result`)
              ?.getAttribute('data-state');
            return s !== 'idle' && s !== 'busy';
          },
          c.id,
          { timeout: 20_000 },
        );
        const result = card.locator('.lab-result');
        assert.equal(
          await result.getAttribute('data-state'),
          'refused',
          `${c.id}: ${await result.innerText()}`,
        );
        assert.equal(await result.getAttribute('data-code'), c.code, c.id);
        assert.match(await result.innerText(), new RegExp(`Refused: ${c.code}`));
        assert.ok((await card.innerText()).includes(c.rfc), `${c.id} names its rule`);
        assert.ok((await card.innerText()).includes(c.incident), `${c.id} names the incident`);
        // The forged token is a real token the library refuses too (header/payload as the card says).
        const forged = await card.locator('.lab-token').getAttribute('data-token');
        if (c.id !== 'refresh-replay') assert.ok(forged && forged.split('.').length === 3, c.id);
        if (c.id === 'alg-none')
          assert.equal(
            nodeOutcome(() => decode(forged!, 'x'.repeat(32), { algorithms: ['HS256'] })),
            c.code,
          );
        if (c.id === 'psychic-ecdsa')
          assert.equal(JSON.parse(Buffer.from(forged!.split('.')[0]!, 'base64url').toString()).alg, 'ES256');
      }
      await shot(page.locator('#lab-cards'), `lab-${viewport.name}`);
    });

    test('"now use it in a REST API" opens the Flow tab', async () => {
      await page.click('#tab-learn');
      await page.click('#learn-to-flow');
      assert.equal(await page.locator('#panel-flow').isVisible(), true);
      assert.equal(await page.locator('#tab-flow').getAttribute('aria-selected'), 'true');
      await page.click('#tab-learn');
    });

    if (viewport.name === 'phone') {
      test('phone width: no horizontal scroll on the Learn tab', async () => {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      });
    }

    test('nothing typed into Learn or the lab left the browser; the lab only spoke to this service', () => {
      assert.deepEqual(problems, []);
      assert.ok(requests.length > 3);
      for (const r of requests) {
        assert.equal(new URL(r.url).origin, served.url, `request left the origin: ${r.url}`);
        const wire = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
        for (const s of typed) assert.ok(!wire.includes(s), `${r.method} ${r.url} carried a typed secret`);
        assert.ok(!wire.includes(SEED_TOKEN.split('.')[2]!), `${r.method} ${r.url} carried the token`);
      }
      const posts = requests.filter((r) => r.method !== 'GET').map((r) => new URL(r.url).pathname);
      assert.deepEqual(
        posts,
        ['/auth/login', '/auth/refresh', '/auth/refresh'],
        'only the refresh-replay card calls the API',
      );
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Issue 15: the page's verifier against the library's decode on a sample of the attack corpus.

// The corpus and its key forms come from the library's own conformance helpers (loaded at run time: they
// live in the library's test folder, outside this package's TypeScript project).
type Verifier = Record<string, unknown> & { algorithms?: string[] | null };
const helpers = (rel: string) => new URL(`../../../jwtkit/test/${rel}`, import.meta.url).href;
const { decodeOptions, keyForms } = (await import(helpers('conformance/_attack-verifier.ts'))) as {
  decodeOptions(v: Verifier): Record<string, unknown>;
  keyForms(v: Verifier, keys: unknown): Array<{ label: string; key: unknown }>;
};
const { loadVector } = (await import(helpers('_vectors.ts'))) as { loadVector<T>(rel: string): T };

interface AttackCase {
  id: string;
  category: string;
  expected: string;
  token?: string;
  generator?: unknown;
  verifier?: Verifier;
}

/** The option names the page's verify takes; a case that needs another one is outside the sample. */
const PAGE_OPTIONS = new Set(['algorithms', 'audience', 'issuer', 'leeway', 'now', 'crit']);

type PageKey = { kind: 'secret' | 'pem' | 'jwk' | 'jwks'; text?: string; value?: unknown; bytes?: number[] };

/** A key form as the page takes it (what a person can paste), or null when it has no page form. */
function pageKey(key: unknown): PageKey | null {
  if (typeof key === 'string')
    return /-----BEGIN /.test(key) ? { kind: 'pem', text: key } : { kind: 'secret', text: key };
  if (Buffer.isBuffer(key)) return { kind: 'secret', bytes: [...key] };
  if (key && typeof key === 'object' && !('asymmetricKeyType' in key)) {
    return Array.isArray((key as { keys?: unknown }).keys)
      ? { kind: 'jwks', value: key }
      : { kind: 'jwk', value: key };
  }
  return null;
}

describe('the page verifies like the library: a sample of the attack corpus', {
  skip: SKIP,
  timeout: 240_000,
}, () => {
  let served: Served;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  before(async () => {
    served = await startFullApp();
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(`${served.url}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  });
  after(async () => {
    await browser?.close();
    await served?.close();
  });

  test('the two holes of the old webcrypto.js: a 3-byte HMAC secret and a 1024-bit RSA key are refused as decode refuses them', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const strong = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const rs = (key: KeyObject) => {
      const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'x' })}`;
      return `${input}.${cryptoSign('sha256', Buffer.from(input), key).toString('base64url')}`;
    };
    const hs = (secret: string) => {
      const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x' })}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const cases = [
      { token: hs('abc'), key: { kind: 'secret', text: 'abc' }, node: 'abc', algorithms: ['HS256'] },
      {
        token: hs(SEED_SECRET),
        key: { kind: 'secret', text: SEED_SECRET },
        node: SEED_SECRET,
        algorithms: ['HS256'],
      },
      {
        token: rs(weak.privateKey),
        key: { kind: 'pem', text: weak.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        node: weak.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        algorithms: ['RS256'],
      },
      {
        token: rs(strong.privateKey),
        key: { kind: 'pem', text: strong.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        node: strong.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        algorithms: ['RS256'],
      },
    ];
    const expected = cases.map((c) =>
      nodeOutcome(() => decode(c.token, c.node, { algorithms: c.algorithms as never })),
    );
    assert.deepEqual(expected, ['ERR_JWK_INVALID', 'accept', 'ERR_JWK_INVALID', 'accept']);
    const got = await page.evaluate(async (list) => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's module, loaded by the browser
      const jwt: any = await import(/* the page's own module */ `${'/assets/jwt.js'}`);
      const out: string[] = [];
      for (const c of list) {
        try {
          await jwt.verify(c.token, c.key, { algorithms: c.algorithms });
          out.push('accept');
        } catch (e) {
          out.push((e as { code?: string }).code ?? String(e));
        }
      }
      return out;
    }, cases);
    assert.deepEqual(got, expected);
  });

  test('accept/refuse and the error code agree with decode on every sampled case and key form', async () => {
    const file = loadVector<{ keys: Record<string, Record<string, unknown>>; cases: AttackCase[] }>(
      'attacks/jwt_attack_cases.json',
    );
    const jobs: Array<{
      label: string;
      token: string;
      key: PageKey;
      options: Record<string, unknown>;
      node: string;
    }> = [];
    for (const c of file.cases) {
      if (typeof c.token !== 'string' || c.generator || c.category === 'dos' || c.token.length > 20_000)
        continue;
      const v = c.verifier ?? {};
      const options = decodeOptions(v);
      const used = Object.keys(options).filter((k) => options[k] !== undefined);
      if (!used.every((k) => PAGE_OPTIONS.has(k)) || !Array.isArray(options.algorithms)) continue;
      for (const form of keyForms(v, file.keys)) {
        const key = pageKey(form.key);
        if (!key) continue;
        jobs.push({
          label: `${c.id} / ${form.label}`,
          token: c.token,
          key,
          options: Object.fromEntries(used.map((k) => [k, options[k]])),
          node: nodeOutcome(() => decode(c.token!, form.key as never, options as never)),
        });
      }
    }
    assert.ok(jobs.length >= 100, `only ${jobs.length} sampled (case, key form) pairs`);
    const cases = new Set(jobs.map((j) => j.label.split(' / ')[0]));
    assert.ok(cases.size >= 40, `only ${cases.size} corpus cases in the sample`);

    const results = await page.evaluate(async (list) => {
      // biome-ignore lint/suspicious/noExplicitAny: the page's module, loaded by the browser
      const jwt: any = await import(/* the page's own module */ `${'/assets/jwt.js'}`);
      const out: string[] = [];
      for (const j of list) {
        const key = { ...j.key, ...(j.key.bytes ? { bytes: new Uint8Array(j.key.bytes) } : {}) };
        try {
          await jwt.verify(j.token, key, j.options);
          out.push('accept');
        } catch (e) {
          out.push(e instanceof jwt.JwtError ? (e as { code: string }).code : `crash ${String(e)}`);
        }
      }
      return out;
    }, jobs);

    const verdict = (o: string) => (o === 'accept' ? 'accept' : 'refuse');
    const disagree = jobs
      .map((j, i) => ({ j, page: results[i]! }))
      .filter(({ j, page }) => verdict(j.node) !== verdict(page) || page.startsWith('crash'));
    assert.deepEqual(
      disagree.map(({ j, page }) => `${j.label}: decode ${j.node}, page ${page}`),
      [],
      'the page accepts exactly what decode accepts',
    );
    const codes = jobs.map((j, i) => ({ j, page: results[i]! })).filter(({ j, page }) => j.node !== page);
    assert.deepEqual(
      codes.map(({ j, page }) => `${j.label}: decode ${j.node}, page ${page}`),
      [],
      'and refuses with the same code',
    );
  });
});
