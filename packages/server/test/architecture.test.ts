// The dependency rules of packages/server/src (ARCHITECTURE.md, one line per folder), enforced on every
// import, re-export and dynamic import() of every source file, read with the TypeScript parser.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The groups of the dependency rule: the folders, and the top-level files sorted by role. */
type Group = 'shared' | 'storage' | 'cluster' | 'services' | 'ops' | 'http' | 'routes' | 'web' | 'entry';

/** Top-level files: plain data and types every layer may use, the HTTP edge, the composition roots. */
const ROOT_FILES: Record<string, Group> = {
  'config.ts': 'shared',
  'settings.ts': 'shared',
  'domain-errors.ts': 'shared',
  'logger.ts': 'shared',
  'text.ts': 'shared',
  'iso-time.ts': 'shared',
  'http.ts': 'http',
  'errors.ts': 'http',
  'error-mapper.ts': 'http',
  'oauth-errors.ts': 'http',
  'drain-plugin.ts': 'http',
  'schemas.ts': 'http',
  'openapi.ts': 'http',
  'app.ts': 'entry',
  'main.ts': 'entry',
  'cli.ts': 'entry',
  'clients-cli.ts': 'entry',
  'demo.ts': 'entry',
};

/** Which groups each group may import (itself always). Type-only imports are listed separately. */
const ALLOWED: Record<Group, { imports: Group[]; typeOnly?: Group[] }> = {
  shared: { imports: [] },
  storage: { imports: ['shared'] },
  cluster: { imports: ['storage', 'shared'] },
  services: { imports: ['cluster', 'storage', 'shared'] },
  ops: { imports: ['shared'], typeOnly: ['services'] },
  http: { imports: ['services', 'cluster', 'storage', 'shared'] },
  routes: { imports: ['services', 'http', 'shared'], typeOnly: ['storage'] },
  web: { imports: ['shared'] },
  entry: { imports: ['storage', 'cluster', 'services', 'ops', 'http', 'routes', 'web', 'shared'] },
};

/** HTTP frameworks and the library's HTTP middleware: only the HTTP edge, routes, ops, web and entry. */
const HTTP_PACKAGES = /^(fastify|@fastify\/|jwtkit\/(fastify|express|hono|fetch)$)/;
const NO_HTTP: Group[] = ['shared', 'storage', 'cluster', 'services'];

interface Import {
  from: string;
  spec: string;
  /** Resolved path under src/ for a relative import, else null (a package or node: builtin). */
  target: string | null;
  typeOnly: boolean;
}

function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      // The page's browser modules are not server code (test/web checks them).
      if (relative(SRC, p) !== join('web', 'public')) out.push(...sourceFiles(p));
    } else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(relative(SRC, p));
  }
  return out.sort();
}

function importsOf(file: string, text = readFileSync(join(SRC, file), 'utf8')): Import[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const target = spec.startsWith('.')
      ? relative(SRC, resolve(SRC, dirname(file), spec)).replace(/\.js$/, '.ts')
      : null;
    out.push({ from: file, spec, target, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const typeOnly =
        c !== undefined &&
        (c.isTypeOnly ||
          (c.name === undefined &&
            c.namedBindings !== undefined &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function groupOf(file: string): Group {
  const top = file.split(/[\\/]/)[0]!;
  if (top === file) {
    const g = ROOT_FILES[file];
    if (!g) throw new Error(`${file}: a new top-level file; give it a group in architecture.test.ts`);
    return g;
  }
  if (!Object.hasOwn(ALLOWED, top)) throw new Error(`${file}: unknown folder ${top}`);
  return top as Group;
}

/** Every rule broken by these imports, as readable lines. */
function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const i of imports) {
    const g = groupOf(i.from);
    if (i.target === null) {
      if (NO_HTTP.includes(g) && HTTP_PACKAGES.test(i.spec)) out.push(`${i.from} imports ${i.spec} (HTTP)`);
      if (/(^|\/)_lib\//.test(i.spec)) out.push(`${i.from} imports the library's private ${i.spec}`);
      continue;
    }
    if (i.target.startsWith('..')) {
      out.push(`${i.from} imports ${i.spec}, outside src/`);
      continue;
    }
    const t = groupOf(i.target);
    if (t === g) continue;
    const rule = ALLOWED[g];
    if (rule.imports.includes(t)) continue;
    if (i.typeOnly && rule.typeOnly?.includes(t)) continue;
    out.push(`${i.from} (${g}) imports ${i.target} (${t})${i.typeOnly ? ' (type only)' : ''}`);
  }
  return out;
}

/** The folder graph's cycles (each as a path a -> b -> ... -> a), or none. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const dfs = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) dfs(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...edges.keys()].sort()) if (!state.has(n)) dfs(n);
  return found;
}

/** Folder-level graph: src/<folder>/ as one node, each top-level file as its own node. */
function folderGraph(imports: Import[]): Map<string, Set<string>> {
  const node = (f: string) => (f.includes('/') ? `${f.split('/')[0]}/` : f);
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    if (i.target === null || i.target.startsWith('..')) continue;
    const a = node(i.from);
    const b = node(i.target);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  return edges;
}

// The page serves the library's modules found from its public exports (jwtkit/explain, jwtkit/learn,
// jwtkit/webcrypto), never a path into the private _lib folder by name.
const WEB_LIB_ALLOWED = new Set<string>();

const FILES = sourceFiles();
const IMPORTS = FILES.flatMap((f) => importsOf(f));

describe('architecture of packages/server/src', () => {
  test('the reader sees the files and their imports (static, type-only, re-export, dynamic)', () => {
    assert.ok(FILES.includes('services/auth.ts') && FILES.includes('storage/sql.ts'), FILES.join(' '));
    assert.ok(IMPORTS.length > 200, `only ${IMPORTS.length} imports read`);
    const probe = importsOf(
      'services/probe.ts',
      [
        "import type { A } from '../http.js';",
        "import { type B } from './x.js';",
        "export { C } from '../routes/y.js';",
        "const m = await import('fastify');",
      ].join('\n'),
    );
    assert.deepEqual(
      probe.map((i) => [i.spec, i.target, i.typeOnly]),
      [
        ['../http.js', 'http.ts', true],
        ['./x.js', 'services/x.ts', true],
        ['../routes/y.js', 'routes/y.ts', false],
        ['fastify', null, false],
      ],
    );
    // And the rules catch them: a service importing HTTP, routes, or fastify.
    assert.equal(violations(probe.filter((i) => i.spec !== './x.js')).length, 3);
  });

  test('every folder keeps its dependency rule (ARCHITECTURE.md)', () => {
    assert.deepEqual(violations(IMPORTS), []);
  });

  test('no service, store, cluster or shared module imports HTTP code', () => {
    const http = IMPORTS.filter(
      (i) =>
        NO_HTTP.includes(groupOf(i.from)) &&
        ((i.target !== null && ['http', 'routes', 'entry'].includes(groupOf(i.target))) ||
          (i.target === null && HTTP_PACKAGES.test(i.spec))),
    );
    assert.deepEqual(
      http.map((i) => `${i.from} -> ${i.spec}`),
      [],
    );
  });

  test('routes are thin: they import services, schemas, the HTTP edge and storage types only', () => {
    const bad = IMPORTS.filter(
      (i) =>
        groupOf(i.from) === 'routes' && i.target !== null && groupOf(i.target) === 'storage' && !i.typeOnly,
    );
    assert.deepEqual(
      bad.map((i) => `${i.from} -> ${i.spec}`),
      [],
    );
  });

  test('no import cycle between folders (the folder graph is acyclic)', () => {
    // The cycle finder finds cycles (else this test could not fail).
    const fake = new Map([
      ['a/', new Set(['b/'])],
      ['b/', new Set(['c/'])],
      ['c/', new Set(['a/'])],
    ]);
    assert.deepEqual(cycles(fake), [['a/', 'b/', 'c/', 'a/']]);
    const graph = folderGraph(IMPORTS);
    assert.ok(graph.get('services/')?.has('cluster/'), 'the graph holds the folders');
    assert.deepEqual(cycles(graph), []);
  });

  test("web/ names no private file of the library's _lib/", () => {
    const used = new Set<string>();
    for (const f of FILES.filter((f) => f.startsWith('web/'))) {
      for (const m of readFileSync(join(SRC, f), 'utf8').matchAll(/_lib\/[\w.-]+/g)) used.add(m[0]);
    }
    const unexpected = [...used].filter((u) => !WEB_LIB_ALLOWED.has(u));
    assert.deepEqual(unexpected, []);
  });

  test('no file over ~300 lines without a reason written at its top', () => {
    const long = FILES.filter((f) => !f.startsWith('web/')).filter((f) => {
      const text = readFileSync(join(SRC, f), 'utf8');
      return text.split('\n').length > 310 && !text.startsWith('// Over 300 lines: ');
    });
    assert.deepEqual(long, []);
  });
});
