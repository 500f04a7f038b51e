// The README's "Node.js >= X" is a promise: every package.json says the same floor in `engines`, and
// every package in the lockfile (what `npm ci` installs, dev tools included) supports that floor, so
// `npm install` on the oldest supported Node prints no EBADENGINE.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { satisfies } from './_semver.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const readJson = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8'));

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const stated = /Node\.js >= (\d+\.\d+(?:\.\d+)?)/.exec(readme);

describe('engines: the Node floor', () => {
  test('the README states the floor with a minor version (require() of ESM needs 20.19)', () => {
    assert.ok(stated, 'README.md must say "Node.js >= 20.19" (or the current floor)');
    const [major, minor] = stated[1]!.split('.').map(Number);
    assert.ok(major! > 20 || (major === 20 && minor! >= 19), `floor ${stated[1]} is below 20.19`);
  });

  const floor = stated ? (stated[1]!.split('.').length === 2 ? `${stated[1]}.0` : stated[1]!) : '0.0.0';
  const lock = readJson('package-lock.json') as {
    packages: Record<string, { engines?: { node?: string } | string[]; link?: boolean }>;
  };
  const workspaces = ['', ...(readJson('package.json').workspaces as string[])];

  test('every package.json in the repo declares exactly that floor', () => {
    for (const ws of workspaces) {
      const pkg = readJson(join(ws, 'package.json'));
      assert.equal(pkg.engines?.node, `>=${floor}`, `${ws || '.'}/package.json engines.node`);
      assert.equal(
        lock.packages[ws]?.engines && (lock.packages[ws]!.engines as { node?: string }).node,
        `>=${floor}`,
        `package-lock.json is stale for ${ws || 'the root'}: run npm install`,
      );
    }
  });

  test('every locked dependency supports the floor (no EBADENGINE on npm install)', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path.startsWith('node_modules/') && !path.includes('/node_modules/')) continue;
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (node === undefined) continue;
      checked++;
      if (!satisfies(floor, node)) bad.push(`${path} wants node ${node}`);
    }
    assert.ok(checked > 20, `only ${checked} engine ranges found: is package-lock.json complete?`);
    assert.deepEqual(bad, [], `packages that do not support Node ${floor}`);
  });
});

describe('the semver subset used above', () => {
  const cases: Array<[string, string, boolean]> = [
    ['20.19.0', '>=20', true],
    ['20.19.0', '>=22', false],
    ['20.19.0', '>= 10.x', true],
    ['20.19.0', '20.x || 22.x', true],
    ['20.19.0', '22.x || 24.x', false],
    ['20.19.0', '^8.16.0 || ^10.6.0 || >=11.0.0', true],
    ['20.19.0', '^18.0.0', false],
    ['20.19.0', '~20.18.0', false],
    ['20.19.0', '>=20.19.0 <21', true],
    ['20.19.0', '>20.19.0', false],
    ['20.19.0', '10.* || >= 12.*', true],
    ['20.19.0', '*', true],
    ['20.19.0', '18 - 20', true],
  ];
  for (const [v, r, want] of cases) {
    test(`${v} ${want ? 'satisfies' : 'does not satisfy'} ${r}`, () => assert.equal(satisfies(v, r), want));
  }
  test('garbage throws instead of passing', () => assert.throws(() => satisfies('20.19.0', '>=banana')));
});
