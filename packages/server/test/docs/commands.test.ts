// Every shell block in README.md, packages/*/README.md and docs/*.md is run, as a reader would paste it:
// in a fresh temporary folder (one per block; shell variables a block sets carry to the next blocks of
// the same document, as in one terminal), with `jwtkit` installed the documented way
// (`npm install -g ./packages/jwtkit`, into a private prefix), against the service started the
// documented way (`npm start`, on a free port: `127.0.0.1:3000` in a block becomes that port).
// Blocks are found, not listed: a block added to any of these files is run too. The directives that
// adjust a block (needs=, cwd=repo, not-run:) are described in _blocks.ts and docs/cli.md.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encode, exportJwk, exportPem, generateKeyPair } from 'jwtkit';
import { assignedNames, type Block, consoleCommands, extractBlocks, SHELL_LANGS } from './_blocks.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'jwtkit-docs-'));
const prefix = join(work, 'npm-global');
const scratch = join(work, 'tmp');
mkdirSync(scratch);

const DOCS = [
  'README.md',
  'packages/server/README.md',
  'packages/jwtkit/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
].filter((f) => existsSync(join(root, f)));

/** Files a block may ask for with `needs=`. Made fresh in the block's folder before it runs. */
const FIXTURES: Record<string, () => string> = {
  'secret.txt': () => 'a-32-byte-secret-for-hs256-tests!\n',
  'claims.json': () => `${JSON.stringify({ sub: '42', role: 'admin' })}\n`,
  'es256.json': () => JSON.stringify(exportJwk(es256.privateKey, { alg: 'ES256', kid: 'es256-docs' })),
  'es256.pub.json': () => JSON.stringify(exportJwk(es256.publicKey, { alg: 'ES256', kid: 'es256-docs' })),
  'private.pem': () => exportPem(rsa.privateKey),
  'public.pem': () => exportPem(rsa.publicKey),
  'token.txt': () =>
    `${encode({ sub: '42', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 }, 'a-32-byte-secret-for-hs256-tests!', { algorithm: 'HS256' })}\n`,
};
const es256 = generateKeyPair('ES256');
const rsa = generateKeyPair('RS256');

const blocksByDoc = DOCS.map((file) => ({
  file,
  blocks: extractBlocks(file, readFileSync(join(root, file), 'utf8')),
}));

// ---------------------------------------------------------------- the environment a reader has

/** PATH without any node_modules/.bin (npm test puts the repo's there: it would hide a missing install). */
const basePath = (process.env.PATH ?? '')
  .split(':')
  .filter((p) => p && !p.includes('node_modules'))
  .join(':');
let port = 0;
let server: ChildProcess | undefined;
let serverLog = '';

function blockEnv(): Record<string, string> {
  return {
    PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${basePath}`,
    HOME: process.env.HOME ?? work,
    TMPDIR: scratch,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    JWTKIT_URL: `http://127.0.0.1:${port}`,
    npm_config_prefix: prefix,
    // Never ask the registry: `npx jwtkit` outside an install would fetch someone else's package.
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/** The docs run the built code (bin/jwtkit.js -> dist, npm start -> dist): build it if src is newer. */
function ensureBuilt(pkg: string, probe: string): void {
  const dir = join(root, pkg);
  if (existsSync(join(dir, probe)) && statSync(join(dir, probe)).mtimeMs >= newestMtime(join(dir, 'src')))
    return;
  try {
    execFileSync('flock', ['/tmp/jwtkit-build.lock', 'npx', 'tsc', '-p', 'tsconfig.build.json'], {
      cwd: dir,
      stdio: 'pipe',
      timeout: 180_000,
    });
  } catch {
    // tsc emits even with a type error elsewhere; the existence check decides.
  }
  assert.ok(existsSync(join(dir, probe)), `${pkg}/${probe} must exist after the build`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitHealthy(deadline: number): Promise<void> {
  for (;;) {
    if (server?.exitCode !== null && server?.exitCode !== undefined)
      throw new Error(`npm start exited with ${server.exitCode}:\n${serverLog}`);
    try {
      // Our own process must say it listens there (another program could answer on a stolen port).
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.status === 200 && serverLog.includes(`listening on http://127.0.0.1:${port}`)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the service did not become ready on ${port}:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(
  async () => {
    ensureBuilt('packages/jwtkit', 'dist/cli/main.js');
    ensureBuilt('packages/server', 'dist/main.js');
    // `jwtkit` on PATH the way the README says, into a private global prefix.
    const install = spawnSync('npm', ['install', '-g', './packages/jwtkit'], {
      cwd: root,
      env: blockEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(install.status, 0, `npm install -g ./packages/jwtkit:\n${install.stdout}${install.stderr}`);
    // `npx jwtkit` resolves the same package from the folders the blocks run in (all under `work`).
    mkdirSync(join(work, 'node_modules/.bin'), { recursive: true });
    execFileSync('ln', ['-s', join(root, 'packages/jwtkit'), join(work, 'node_modules/jwtkit')]);
    execFileSync('ln', ['-s', '../jwtkit/bin/jwtkit.js', join(work, 'node_modules/.bin/jwtkit')]);

    // The service, started as the README says: `npm start` at the repository root. A free port can be
    // taken by a parallel test between our probe and the listen: then the service exits saying so, and
    // we try another port.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      serverLog = '';
      server = spawn('npm', ['start'], {
        cwd: root,
        detached: true,
        env: {
          PATH: blockEnv().PATH!,
          HOME: process.env.HOME ?? work,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: join(work, 'jwtkit.sqlite'),
          LOG_LEVEL: 'warn',
          npm_config_update_notifier: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server.stdout!.on('data', (d) => (serverLog += d));
      server.stderr!.on('data', (d) => (serverLog += d));
      try {
        await waitHealthy(Date.now() + 90_000);
        break;
      } catch (err) {
        if (attempt < 5 && /already in use/.test(serverLog)) continue;
        throw err;
      }
    }
  },
  { timeout: 300_000 },
);

after(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // exited
    }
  }
  rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- running one block

const gitStatus = () =>
  execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });

function substitutePort(text: string): string {
  return text.replace(/\b(127\.0\.0\.1|localhost):3000\b/g, `127.0.0.1:${port}`);
}

function npmScriptsUsed(script: string): string[] {
  const names: string[] = [];
  for (const m of script.matchAll(/(?:^|[;&|(]\s*|\$ )npm (start|test|run(?: -s)? ([\w:.-]+))/gm)) {
    names.push(m[1] === 'start' || m[1] === 'test' ? m[1] : m[2]!);
  }
  return names;
}

const rootScripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<
  string,
  string
>;

function checkSyntax(script: string, where: string): void {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `${where}: bash syntax error when pasted:\n${r.stderr}`);
  for (const s of npmScriptsUsed(script)) {
    assert.ok(Object.hasOwn(rootScripts, s), `${where}: "npm ${s}" is not a script of the root package.json`);
  }
}

interface RunState {
  stateFile: string;
}

function runBlock(block: Block, state: RunState): void {
  const where = `${block.file}:${block.line}`;
  const commands = block.lang === 'console' ? consoleCommands(block.body) : undefined;
  const script = commands ? commands.map((c) => c.command).join('\n') : block.body;
  assert.ok(script.trim() !== '', `${where}: an empty ${block.lang} block`);
  checkSyntax(script, where);
  if (block.directives.notRun !== undefined) return;

  const dir = mkdtempSync(join(work, 'block-'));
  for (const need of block.directives.needs) {
    const make = Object.hasOwn(FIXTURES, need) ? FIXTURES[need] : undefined;
    assert.ok(make, `${where}: needs=${need} is not a known fixture (${Object.keys(FIXTURES).join(', ')})`);
    writeFileSync(join(dir, need), make());
  }
  const body = commands
    ? commands.map((c, i) => `printf '\\n@@docs-cmd ${i}@@\\n'\n${substitutePort(c.command)}`).join('\n')
    : substitutePort(block.body);
  const names = assignedNames(script);
  const full = [
    'set -eo pipefail',
    `[ -f '${state.stateFile}' ] && source '${state.stateFile}'`,
    body,
    // Variables the block set, for the next blocks of this document (one terminal, top to bottom).
    names.length ? `{ declare -p ${names.join(' ')} 2>/dev/null || true; } >> '${state.stateFile}'` : '',
    '',
  ].join('\n');
  const before = block.directives.cwd === 'repo' ? gitStatus() : '';
  const r = spawnSync('bash', ['-c', full], {
    cwd: block.directives.cwd === 'repo' ? root : dir,
    env: blockEnv(),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tail = (s: string) => (s.length > 4000 ? `...${s.slice(-4000)}` : s);
  assert.equal(
    r.status,
    0,
    `${where}: the block exits ${r.status}${r.signal ? ` (${r.signal})` : ''} when pasted:\n${block.body}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`,
  );
  if (block.directives.cwd === 'repo') {
    assert.equal(gitStatus(), before, `${where}: running the block changed the repository (git status)`);
  }
  if (commands) checkConsoleOutput(commands, r.stdout, where, block.directives.exactOutput);
}

/** A console transcript's shown HTTP status lines and JSON shapes must match what the commands print now. */
function checkConsoleOutput(
  commands: ReturnType<typeof consoleCommands>,
  stdout: string,
  where: string,
  exact: boolean,
): void {
  // Each marker starts on a new line even after output without a final newline (curl's JSON).
  const segments = stdout.split(/\n@@docs-cmd \d+@@\n/).slice(1);
  assert.equal(segments.length, commands.length, `${where}: not every command ran`);
  commands.forEach((c, i) => {
    if (exact) {
      const trim = (s: string) => s.replace(/\s+$/, '');
      assert.equal(trim(segments[i]!), trim(c.output.join('\n')), `${where}: $ ${c.command}: output differs`);
    }
    const shown = c.output.find((l) => /^HTTP\/1\.1 \d{3}/.test(l));
    const actual = segments[i]!.split('\n').find((l) => /^HTTP\/1\.1 \d{3}/.test(l));
    if (shown) assert.equal(actual?.slice(0, 12), shown.slice(0, 12), `${where}: $ ${c.command}`);
    const shownJson = c.output.find((l) => l.startsWith('{'));
    if (shownJson) {
      const got = segments[i]!.split('\n').find((l) => l.startsWith('{'));
      assert.ok(got, `${where}: $ ${c.command} printed no JSON object`);
      assert.deepEqual(
        Object.keys(JSON.parse(got)).sort(),
        Object.keys(JSON.parse(shownJson)).sort(),
        `${where}: $ ${c.command}: the JSON members shown differ from what it prints now`,
      );
    }
  });
}

// ---------------------------------------------------------------- the tests

describe('commands in the docs, run as pasted', () => {
  test('the documents are found and hold shell blocks', () => {
    const n = blocksByDoc.reduce((a, d) => a + d.blocks.filter((b) => SHELL_LANGS.has(b.lang)).length, 0);
    assert.ok(
      DOCS.includes('README.md') &&
        DOCS.includes('packages/server/README.md') &&
        DOCS.includes('docs/cli.md'),
    );
    assert.ok(n >= 10, `only ${n} shell blocks found`);
  });

  test('the fixtures the README documents for needs= are exactly the ones this test makes', () => {
    const row = readFileSync(join(root, 'README.md'), 'utf8')
      .split('\n')
      .find((l) => l.includes('docs-test: needs='));
    assert.ok(row, 'README.md documents needs=');
    const listed = [...row.slice(row.indexOf('fixtures:')).matchAll(/`([^`]+)`/g)].map((m) => m[1]!).sort();
    assert.deepEqual(listed, Object.keys(FIXTURES).sort());
  });

  test('commands are never in an untagged block (tag it sh or console so this test runs it)', () => {
    const untagged = blocksByDoc.flatMap((d) =>
      d.blocks
        .filter((b) => b.lang === '' && /^\s*(\$ )?(npm|npx|jwtkit|curl|node|git|export|cd) /m.test(b.body))
        .map((b) => `${b.file}:${b.line}`),
    );
    assert.deepEqual(untagged, []);
  });

  for (const { file, blocks } of blocksByDoc) {
    const shell = blocks.filter((b) => SHELL_LANGS.has(b.lang));
    if (shell.length === 0) continue;
    describe(file, () => {
      const state: RunState = { stateFile: join(work, `${file.replace(/\W+/g, '_')}.state.sh`) };
      for (const block of shell) {
        const label = block.directives.notRun
          ? `line ${block.line}: syntax only (not run: ${block.directives.notRun})`
          : `line ${block.line}: ${block.lang} block${block.directives.needs.length ? ` (needs ${block.directives.needs.join(', ')})` : ''}${block.directives.cwd === 'repo' ? ' at the repo root' : ''}`;
        test(label, { timeout: 180_000 }, () => runBlock(block, state));
      }
    });
  }
});
