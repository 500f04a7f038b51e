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

describe('overrides stay where they are aimed', () => {
  // An override (package.json `overrides`) must not leak: every dependency edge in the lockfile resolves
  // to a version inside the range its dependent declares, except the edges an override names.
  test('every locked dependency edge is satisfied, or covered by a scoped override', () => {
    const lock = readJson('package-lock.json') as {
      packages: Record<
        string,
        {
          version?: string;
          link?: boolean;
          dependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
        }
      >;
    };
    const overrides = (readJson('package.json').overrides ?? {}) as Record<
      string,
      string | Record<string, string>
    >;
    const overridden = (parent: string, dep: string) => {
      const scoped = overrides[parent.replace(/^.*node_modules\//, '')];
      return typeof scoped === 'object' && scoped !== null && Object.hasOwn(scoped, dep);
    };
    const resolve = (from: string, dep: string) => {
      // Node's lookup: from/node_modules/dep, then each ancestor's node_modules, then the root.
      let dir = from;
      for (;;) {
        const p = dir === '' ? `node_modules/${dep}` : `${dir}/node_modules/${dep}`;
        if (lock.packages[p]) return lock.packages[p];
        if (dir === '') return undefined;
        const i = dir.lastIndexOf('/node_modules/');
        dir = i >= 0 ? dir.slice(0, i) : '';
      }
    };
    const bad: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (entry.link) continue;
      const deps = { ...entry.dependencies };
      for (const [dep, range] of Object.entries(deps)) {
        if (!/^[\d^~<>=*xX|\s.-]+$/.test(range) || overridden(path || '.', dep)) continue;
        let target = resolve(path, dep);
        if (target?.link) target = lock.packages[(target as { resolved?: string }).resolved ?? ''];
        if (!target?.version) {
          bad.push(`${path || '.'} -> ${dep}@${range}: not in the lockfile`);
          continue;
        }
        checked++;
        if (!satisfies(target.version, range))
          bad.push(`${path || '.'} -> ${dep}@${range} resolves to ${target.version}`);
      }
    }
    assert.ok(checked > 200, `only ${checked} edges checked`);
    assert.deepEqual(bad, []);
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
