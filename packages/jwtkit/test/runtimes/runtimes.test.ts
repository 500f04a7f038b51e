/**
 * `import * as jwtkit from 'jwtkit'` in each real runtime: Chromium (playwright-core + /usr/bin/chromium),
 * Deno, Bun and workerd (the npm packages `deno`, `bun`, `workerd`, root devDependencies). Each runtime
 * resolves the package through its own export conditions (Deno and Bun from node_modules, Chromium and
 * workerd through esbuild with the browser / workerd conditions, as their bundlers do), then runs probe.js:
 * - the seed token verifies with `decode`;
 * - tokens signed on Node (node:crypto) for every WebCrypto algorithm verify there, and tokens it signs
 *   verify on Node;
 * - the attack corpus (every JSON-safe case and key form) meets the corpus's expectation;
 * - `jwtkit/hono` answers 200 / 401 / 401 inside Bun, Deno and workerd;
 * - JWE: tokens encrypted on Node decrypt there (dir, AES KW, ECDH-ES on P-256 and X25519, RSA-OAEP-256,
 *   PBES2, CBC-HMAC, zip), a tampered one fails with JweDecryptionError, and tokens it encrypts decrypt on Node.
 * A runtime that is missing FAILS (never skips): its binary comes with `npm ci`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as node from '../../src/index.js';
import { webCorpus } from '../backends/_web-corpus.js';
import { repoRoot, SEED_TOKEN } from '../core/_helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(repoRoot, 'packages/jwtkit');
const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);
const WEB_ALGS = node.ALGORITHMS.filter((a) => a !== 'ES256K' && a !== 'Ed448');
const SEED_CLAIMS = { user_id: 101, username: 'alice', role: 'admin' };

/** The built package (dist) must be at least as new as src: the runtimes import the package, not src. */
function ensureBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir).reduce((m, n) => {
      const p = join(dir, n);
      const s = statSync(p);
      return Math.max(m, s.isDirectory() ? newest(p) : s.mtimeMs);
    }, 0);
  const out = join(pkgDir, 'dist/webcrypto.js');
  if (!existsSync(out) || statSync(out).mtimeMs < newest(join(pkgDir, 'src')))
    execFileSync('npm', ['run', '-s', 'build'], { cwd: pkgDir, stdio: 'inherit' });
}

interface Cases {
  verify: Array<{
    name: string;
    token: string;
    key: unknown;
    options: Record<string, unknown>;
    expect: string;
    payload?: unknown;
  }>;
  sign: Array<{ name: string; alg: string; key: unknown; payload: object; publicKey: unknown }>;
  hono: { key: string; token: string; issuer: string; audience: string };
  jwe: Array<{
    name: string;
    token: string;
    key: unknown;
    options: Record<string, unknown>;
    expect: string;
    needs?: Capability | undefined;
  }>;
  jweEncrypt: Array<{
    name: string;
    key: unknown;
    options: Record<string, unknown>;
    decKey: unknown;
    needs?: Capability | undefined;
  }>;
}

const JWE_TEXT = 'encrypted on Node: Grüße';
/**
 * WebCrypto capabilities some runtimes lack (measured: Deno has both; Bun and workerd have no X448; Chromium has
 * neither X448 nor 192-bit AES). Where one is missing, the WebCrypto build must say UnsupportedAlgorithmError.
 */
type Capability = 'x448' | 'aes192';
const MISSING: Record<'Deno' | 'Bun' | 'workerd' | 'Chromium', readonly Capability[]> = {
  Deno: [],
  Bun: ['x448'],
  workerd: ['x448'],
  Chromium: ['x448', 'aes192'],
};

/** JWE cases: [name, alg, enc, encryption key, decryption key] with JSON-safe (JWK / text) keys. */
function makeJweCases(): Pick<Cases, 'jwe' | 'jweEncrypt'> {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const oct = (n: number) => ({ kty: 'oct', k: b64(new Uint8Array(n).map((_, i) => i * 7 + 1)) });
  const pair = (alg: 'ES256' | 'RS256') => {
    const kp = node.generateKeyPair(alg);
    return [node.exportPublicJwk(kp.publicKey), node.exportJwk(kp.privateKey)] as const;
  };
  const [ecPub, ecPriv] = pair('ES256');
  const [rsaPub, rsaPriv] = pair('RS256');
  const x = generateKeyPairSync('x25519');
  const xPub = x.publicKey.export({ format: 'jwk' });
  const xPriv = x.privateKey.export({ format: 'jwk' });
  const x4 = generateKeyPairSync('x448');
  const x448Pub = x4.publicKey.export({ format: 'jwk' });
  const x448Priv = x4.privateKey.export({ format: 'jwk' });
  const rows: Array<
    [
      string,
      node.KeyManagementAlgorithm,
      node.ContentEncryptionAlgorithm,
      unknown,
      unknown,
      object?,
      Capability?,
    ]
  > = [
    ['dir + A256GCM', 'dir', 'A256GCM', oct(32), oct(32)],
    ['A192KW + A192GCM', 'A192KW', 'A192GCM', oct(24), oct(24), {}, 'aes192'],
    ['ECDH-ES X448 + A256GCM', 'ECDH-ES', 'A256GCM', x448Pub, x448Priv, {}, 'x448'],
    ['A128KW + A128CBC-HS256', 'A128KW', 'A128CBC-HS256', oct(16), oct(16)],
    ['ECDH-ES+A256KW P-256 + A256GCM, zip', 'ECDH-ES+A256KW', 'A256GCM', ecPub, ecPriv, { zip: 'DEF' }],
    ['ECDH-ES X25519 + A128GCM', 'ECDH-ES', 'A128GCM', xPub, xPriv],
    ['RSA-OAEP-256 + A256CBC-HS512', 'RSA-OAEP-256', 'A256CBC-HS512', rsaPub, rsaPriv],
    [
      'PBES2-HS256+A128KW + A256GCM',
      'PBES2-HS256+A128KW',
      'A256GCM',
      'a password',
      'a password',
      { p2c: 1000 },
    ],
  ];
  const jwe: Cases['jwe'] = [];
  const jweEncrypt: Cases['jweEncrypt'] = [];
  for (const [name, alg, enc, encKey, decKey, extra, needs] of rows) {
    const options = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: [enc] };
    const token = node.encryptJwe(JWE_TEXT, encKey as never, { alg, enc, ...extra });
    jwe.push({ name: `${name} encrypted on Node`, token, key: decKey, options, expect: 'accept', needs });
    const parts = token.split('.');
    parts[4] = `${parts[4]!.slice(0, -2)}${parts[4]!.endsWith('AA') ? 'BA' : 'AA'}`;
    jwe.push({
      name: `${name} tampered`,
      token: parts.join('.'),
      key: decKey,
      options,
      expect: 'JweDecryptionError',
      needs,
    });
    jweEncrypt.push({
      name: `${name} encrypted here`,
      key: encKey,
      options: { alg, enc, ...extra },
      decKey,
      needs,
    });
  }
  return { jwe, jweEncrypt };
}

function makeCases(): Cases {
  const verify: Cases['verify'] = [
    {
      name: 'seed token',
      token: SEED_TOKEN,
      key: 'mysecret123',
      options: { algorithms: ['HS256'] },
      expect: 'accept',
      payload: SEED_CLAIMS,
    },
  ];
  const sign: Cases['sign'] = [];
  for (const alg of WEB_ALGS) {
    const payload = { sub: `signed-on-node-${alg}`, n: 1 };
    let priv: unknown;
    let pub: unknown;
    if (alg.startsWith('HS')) {
      priv = pub = node.exportJwk(node.importKey(node.generateSecret(alg), { type: 'secret' }));
    } else {
      const kp = node.generateKeyPair(alg);
      priv = node.exportJwk(kp.privateKey);
      pub = node.exportPublicJwk(kp.publicKey);
      if (alg === 'RS256' || alg === 'ES256')
        verify.push({
          name: `${alg} with SPKI PEM`,
          token: node.encode(payload, kp.privateKey, { algorithm: alg }),
          key: node.exportPem(kp.publicKey),
          options: { algorithms: [alg] },
          expect: 'accept',
          payload,
        });
    }
    verify.push({
      name: `${alg} signed on Node`,
      token: node.encode(payload, priv as never, { algorithm: alg }),
      key: pub,
      options: { algorithms: [alg] },
      expect: 'accept',
      payload,
    });
    sign.push({
      name: `${alg} signed here`,
      alg,
      key: priv,
      payload: { sub: `signed-in-runtime-${alg}` },
      publicKey: pub,
    });
  }
  for (const c of webCorpus().cases) verify.push(c);
  const honoKey = 'h'.repeat(32);
  const hono = { issuer: 'https://issuer.test', audience: 'https://api.test' };
  return {
    verify,
    sign,
    ...makeJweCases(),
    hono: {
      key: honoKey,
      ...hono,
      token: node.encode({ sub: 'hono-user', iss: hono.issuer, aud: hono.audience }, honoKey, {
        expiresIn: '1h',
      }),
    },
  };
}

const JWT_ERRORS = new Set(
  Object.entries(node)
    .filter(
      ([, v]) => typeof v === 'function' && (v === node.JwtError || v.prototype instanceof node.JwtError),
    )
    .map(([k]) => k),
);

interface ProbeResult {
  backend: string;
  verify: Array<{ name: string; ok: boolean; value?: unknown; error?: string }>;
  sign: Array<{ name: string; ok: boolean; value?: unknown; error?: string }>;
  jwe: Array<{ name: string; ok: boolean; value?: unknown; error?: string }>;
  jweEncrypt: Array<{ name: string; ok: boolean; value?: unknown; error?: string }>;
}

/** Every problem with a runtime's answers (empty: all as expected). */
function judge(cases: Cases, r: ProbeResult, missing: readonly Capability[]): string[] {
  const problems: string[] = [];
  if (r.backend !== 'webcrypto') problems.push(`backend is ${r.backend}, not webcrypto`);
  assert.equal(r.verify.length, cases.verify.length, 'one result per verify case');
  cases.verify.forEach((c, i) => {
    const o = r.verify[i]!;
    if (!o.ok && !JWT_ERRORS.has(o.error ?? '')) problems.push(`${c.name}: crash ${o.error}`);
    else if (c.expect === 'accept' && !o.ok) problems.push(`${c.name}: expected accept, got ${o.error}`);
    else if (c.expect === 'reject' && o.ok) problems.push(`${c.name}: expected reject, accepted`);
    else if (c.expect === 'accept') {
      try {
        assert.deepStrictEqual(JSON.parse(o.value as string), c.payload);
      } catch {
        problems.push(`${c.name}: accepted with other claims ${JSON.stringify(o.value).slice(0, 80)}`);
      }
    }
  });
  cases.sign.forEach((c, i) => {
    const o = r.sign[i]!;
    if (!o.ok) {
      problems.push(`${c.name}: ${o.error}`);
      return;
    }
    try {
      assert.deepEqual(
        node.decode(JSON.parse(o.value as string) as string, c.publicKey as never, {
          algorithms: [c.alg as node.Algorithm],
        }),
        c.payload,
      );
    } catch (e) {
      problems.push(`${c.name}: Node does not verify it (${(e as Error).name})`);
    }
  });
  assert.equal(r.jwe?.length, cases.jwe.length, 'one result per JWE case');
  const unsupported = (needs: Capability | undefined) => needs !== undefined && missing.includes(needs);
  cases.jwe.forEach((c, i) => {
    const o = r.jwe[i]!;
    if (unsupported(c.needs)) {
      if (o.ok || o.error !== 'UnsupportedAlgorithmError')
        problems.push(
          `${c.name}: expected UnsupportedAlgorithmError (no ${c.needs}), got ${o.error ?? 'accept'}`,
        );
    } else if (c.expect === 'accept') {
      if (!o.ok || JSON.parse(o.value as string) !== JWE_TEXT)
        problems.push(`${c.name}: ${o.ok ? `decrypted to ${String(o.value).slice(0, 40)}` : o.error}`);
    } else if (o.ok || o.error !== c.expect)
      problems.push(`${c.name}: expected ${c.expect}, got ${o.error ?? 'accept'}`);
  });
  cases.jweEncrypt.forEach((c, i) => {
    const o = r.jweEncrypt[i]!;
    if (unsupported(c.needs)) {
      if (o.ok || o.error !== 'UnsupportedAlgorithmError')
        problems.push(
          `${c.name}: expected UnsupportedAlgorithmError (no ${c.needs}), got ${o.error ?? 'accept'}`,
        );
      return;
    }
    if (!o.ok) {
      problems.push(`${c.name}: ${o.error}`);
      return;
    }
    try {
      const opts = c.options as { alg: node.KeyManagementAlgorithm; enc: node.ContentEncryptionAlgorithm };
      const d = node.decryptJwe(JSON.parse(o.value as string), c.decKey as never, {
        keyManagementAlgorithms: [opts.alg],
        contentEncryptionAlgorithms: [opts.enc],
      });
      if (d.plaintext.toString() !== JWE_TEXT) problems.push(`${c.name}: Node decrypts other text`);
    } catch (e) {
      problems.push(`${c.name}: Node does not decrypt it (${(e as Error).name})`);
    }
  });
  return problems;
}

function judgeHono(h: Record<string, { status: number; body: string }>): void {
  assert.equal(h.good?.status, 200, JSON.stringify(h.good));
  assert.deepEqual(JSON.parse(h.good!.body), { sub: 'hono-user' });
  assert.equal(h.bad?.status, 401);
  assert.equal(h.none?.status, 401);
}

function runProcess(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs = 120_000,
): Promise<{ code: number | null; out: string; err: string }> {
  if (!existsSync(cmd)) throw new Error(`runtime binary missing: ${cmd} (npm ci installs it)`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** The JSON after `marker` on one line of the output. */
function resultLine<T>(text: string, marker: string, err: string): T {
  const line = text.split('\n').find((l) => l.startsWith(marker));
  if (!line)
    throw new Error(`no ${marker} line; output:\n${text.slice(-2000)}\nstderr:\n${err.slice(-2000)}`);
  return JSON.parse(line.slice(marker.length)) as T;
}

let work: string;
let cases: Cases;

before(() => {
  ensureBuilt();
  cases = makeCases();
  work = mkdtempSync(join(tmpdir(), 'jwtkit-runtimes-'));
  // A project that depends on jwtkit and hono, as a user's would (node_modules links to this repo's).
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(pkgDir, join(work, 'node_modules/jwtkit'));
  symlinkSync(join(repoRoot, 'node_modules/hono'), join(work, 'node_modules/hono'));
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ type: 'module', dependencies: { jwtkit: '*', hono: '*' } }),
  );
  writeFileSync(join(work, 'cases.json'), JSON.stringify(cases));
  execFileSync('cp', [join(here, 'probe.js'), join(work, 'probe.js')]);
  writeFileSync(
    join(work, 'main.mjs'),
    `import * as jwtkit from 'jwtkit';
import { probe, probeHono } from './probe.js';
import cases from './cases.json' with { type: 'json' };
console.log('RESULT ' + JSON.stringify(await probe(jwtkit, cases)));
const { Hono } = await import('hono');
const { jwtAuth } = await import('jwtkit/hono');
console.log('HONO ' + JSON.stringify(await probeHono(Hono, jwtAuth, cases)));
`,
  );
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('import * as jwtkit from "jwtkit", in each runtime', () => {
  for (const [name, cmd, args] of [
    ['Deno', bin('deno'), ['run', '--allow-read', '--allow-env', '--no-prompt', 'main.mjs']],
    ['Bun', bin('bun'), ['main.mjs']],
  ] as const) {
    test(name, async () => {
      const r = await runProcess(cmd, [...args], work);
      const result = resultLine<ProbeResult>(r.out, 'RESULT ', r.err);
      assert.deepEqual(judge(cases, result, MISSING[name]), []);
      judgeHono(resultLine(r.out, 'HONO ', r.err));
      assert.equal(r.code, 0, r.err.slice(-2000));
    });
  }

  test('workerd (bundled with the workerd/worker conditions, as wrangler does)', async () => {
    const dir = join(work, 'workerd');
    mkdirSync(dir, { recursive: true });
    const worker = (entry: string, out: string) =>
      build({
        stdin: { contents: entry, resolveDir: work, loader: 'js' },
        outfile: join(dir, out),
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['module', 'main'],
        external: ['node:*'],
        logLevel: 'error',
      });
    await worker(
      `import * as jwtkit from 'jwtkit'; import { probe } from './probe.js'; import cases from './cases.json';
       export default { async test() { console.log('RESULT ' + JSON.stringify(await probe(jwtkit, cases))); } };`,
      'probe.js',
    );
    // jwtkit/hono sits on the node:crypto build: workerd runs it with the nodejs_compat flag.
    await worker(
      `import { Hono } from 'hono'; import { jwtAuth } from 'jwtkit/hono'; import { probeHono } from './probe.js'; import cases from './cases.json';
       export default { async test() { console.log('HONO ' + JSON.stringify(await probeHono(Hono, jwtAuth, cases))); } };`,
      'hono.js',
    );
    const config = (file: string, flags: string) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = ( services = [ (name = "main", worker = .w) ] );
const w :Workerd.Worker = ( modules = [ (name = "worker", esModule = embed "${file}") ], compatibilityDate = "2025-01-01"${flags} );
`;
    writeFileSync(join(dir, 'probe.capnp'), config('probe.js', ''));
    writeFileSync(join(dir, 'hono.capnp'), config('hono.js', ', compatibilityFlags = ["nodejs_compat"]'));
    const r = await runProcess(bin('workerd'), ['test', 'probe.capnp'], dir);
    assert.deepEqual(
      judge(cases, resultLine<ProbeResult>(r.out + r.err, 'RESULT ', r.err), MISSING.workerd),
      [],
    );
    assert.equal(r.code, 0, r.err.slice(-2000));
    const h = await runProcess(bin('workerd'), ['test', 'hono.capnp'], dir);
    judgeHono(resultLine(h.out + h.err, 'HONO ', h.err));
    assert.equal(h.code, 0, h.err.slice(-2000));
  });

  test('Chromium (bundled with the browser condition; and the prebuilt dist/browser/jwtkit.js)', async () => {
    const CHROMIUM = '/usr/bin/chromium';
    if (!existsSync(CHROMIUM))
      throw new Error('Chromium is missing at /usr/bin/chromium (apt-get install chromium)');
    const bundle = await build({
      stdin: {
        contents: `import * as jwtkit from 'jwtkit'; import { probe } from './probe.js'; import cases from './cases.json';
          window.__result = probe(jwtkit, cases);`,
        resolveDir: work,
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      logLevel: 'error',
    });
    const files = new Map<string, string>([
      ['/', '<!doctype html><meta charset="utf-8"><title>probe</title>'],
      ['/probe.js', bundle.outputFiles[0]!.text],
      ['/jwtkit.js', (await import('node:fs')).readFileSync(join(pkgDir, 'dist/browser/jwtkit.js'), 'utf8')],
    ]);
    const server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      res.writeHead(body === undefined ? 404 : 200, {
        'content-type': req.url === '/' ? 'text/html' : 'text/javascript',
      });
      res.end(body ?? '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const page = await browser.newPage();
      const port = (server.address() as { port: number }).port;
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.addScriptTag({ url: '/probe.js', type: 'module' });
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined);
      const result = (await page.evaluate(
        () => (window as unknown as { __result: Promise<unknown> }).__result,
      )) as ProbeResult;
      assert.deepEqual(judge(cases, result, MISSING.Chromium), []);
      // The prebuilt single-file browser build (what the page loads).
      const seed = await page.evaluate(
        async ([token]) => {
          const url = '/jwtkit.js';
          const m = await import(url);
          return m.decode(token, 'mysecret123', { algorithms: ['HS256'] });
        },
        [SEED_TOKEN],
      );
      assert.deepEqual(seed, SEED_CLAIMS);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
