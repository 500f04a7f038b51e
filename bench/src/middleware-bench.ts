// Middleware benchmark (`npm run bench:middleware -w bench`): the same route behind jwtkit's middleware
// and behind each framework's usual JWT middleware (bench/src/http/middleware-server.ts), HS256 and ES256:
//   Fastify + jwtkit/fastify vs Fastify + @fastify/jwt
//   Express + jwtkit/express vs Express + express-jwt
//   Hono + jwtkit/hono       vs Hono + hono/jwt
// Each pair is measured in interleaved rounds (A, B, B, A, ...) with autocannon; the ratio is the median of
// the per-round req/s ratios. Servers run in child processes pinned to CPU 0 (taskset, when available);
// this process runs autocannon pinned to CPU 1. Writes bench/README.md section `middleware` and
// bench/results/middleware-latest.json.
//
// Options: --duration S (5) --warmup S (1) --connections N (50) --rounds N (3) --algs HS256,ES256
//          --frameworks fastify,express,hono --no-write
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getMe as get, loadMe, type Sample, stopChild, tamper } from './http/harness.js';
import { fmtRatio, machineLine, median, versionOf, writeReadmeSection, writeResultsJson } from './report.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    algs: { type: 'string', default: 'HS256,ES256' },
    frameworks: { type: 'string', default: 'fastify,express,hono' },
    'no-write': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
const ALGS = args.algs.split(',') as Array<'HS256' | 'ES256'>;
const FRAMEWORKS = args.frameworks.split(',') as Array<'fastify' | 'express' | 'hono'>;

/** hono's `exports` hide its package.json from require(): read the file. */
function honoVersion(): string {
  try {
    const file = fileURLToPath(new URL('../../node_modules/hono/package.json', import.meta.url));
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

const PEER: Record<string, string> = {
  fastify: '@fastify/jwt',
  express: 'express-jwt',
  hono: 'hono/jwt',
};

const canPin =
  cpus().length >= 2 &&
  (() => {
    try {
      execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

interface Running {
  child: ChildProcess;
  port: number;
  token: string;
}

function spawnServer(variant: string, alg: string): Promise<Running> {
  const file = fileURLToPath(new URL('./http/middleware-server.ts', import.meta.url));
  const nodeArgs = ['--import', 'tsx', file, variant, alg];
  const [cmd, cmdArgs] = canPin
    ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(cmd as string, cmdArgs as string[], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${variant} ${alg}: no port within 60 s`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${variant} ${alg} exited early (code ${code})`));
    });
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const msg = JSON.parse(line) as { port?: number; token?: string; error?: string };
      clearTimeout(timer);
      if (msg.error) {
        child.kill('SIGKILL');
        reject(new Error(msg.error));
        return;
      }
      rl.close();
      child.stdout!.resume();
      resolve({ child, port: msg.port!, token: msg.token! });
    });
  });
}

/** Correctness gate before load: 200 + sub with the token; 401 without one and with a tampered one. */
async function check(r: Running): Promise<string | null> {
  const ok = await get(r.port, r.token);
  if (ok.status !== 200 || !ok.body.includes('"sub":"1"'))
    return `with token: ${ok.status} ${ok.body.slice(0, 200)}`;
  const none = await get(r.port);
  if (none.status !== 401) return `without token: ${none.status}, expected 401`;
  const bad = await get(r.port, tamper(r.token));
  if (bad.status !== 401) return `tampered token: ${bad.status}, expected 401`;
  return null;
}

interface Row {
  framework: string;
  alg: string;
  peer: string;
  error?: string;
  jwtkit?: { rps: number; p99: number; non2xx: number; errors: number };
  other?: { rps: number; p99: number; non2xx: number; errors: number };
  ratio: number;
  ratios: number[];
}

const summarize = (s: Sample[]) => ({
  rps: median(s.map((x) => x.rps)),
  p99: median(s.map((x) => x.p99)),
  non2xx: s.reduce((a, x) => a + x.non2xx, 0),
  errors: s.reduce((a, x) => a + x.errors, 0),
});

async function runPair(framework: string, alg: 'HS256' | 'ES256'): Promise<Row> {
  const row: Row = { framework, alg, peer: PEER[framework]!, ratio: Number.NaN, ratios: [] };
  let ours: Running | undefined;
  let other: Running | undefined;
  try {
    ours = await spawnServer(`${framework}-jwtkit`, alg);
    other = await spawnServer(`${framework}-peer`, alg);
    for (const [name, r] of [
      ['jwtkit', ours],
      [row.peer, other],
    ] as const) {
      const why = await check(r);
      if (why) throw new Error(`${name} failed the correctness check: ${why}`);
    }
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ([ours, other] as const) : ([other, ours] as const);
      for (const r of order) {
        if (WARMUP > 0) await load(r, WARMUP);
        const s = await load(r, DURATION);
        (r === ours ? a : b).push(s);
        console.log(
          `${alg} ${framework} round ${round + 1} ${r === ours ? 'jwtkit' : row.peer}: ${s.rps.toFixed(0)} req/s, p99 ${s.p99} ms`,
        );
      }
    }
    row.ratios = a.map((x, i) => x.rps / b[i]!.rps);
    row.ratio = median(row.ratios);
    row.jwtkit = summarize(a);
    row.other = summarize(b);
  } catch (e) {
    row.error = (e as Error).message;
    console.error(`  !! ${alg} ${framework}: ${row.error}`);
  } finally {
    if (ours) await stop(ours);
    if (other) await stop(other);
  }
  return row;
}

function render(rows: Row[], seconds: number): string {
  const out: string[] = [];
  out.push(`Last run: ${machineLine()}.`, '');
  out.push(
    `Command: \`npm run bench:middleware -w bench -- --duration ${DURATION} --warmup ${WARMUP} --rounds ${ROUNDS}\` ` +
      `(autocannon ${versionOf('autocannon')}, ${CONNECTIONS} connections, interleaved rounds, medians; servers ` +
      `${canPin ? 'pinned to CPU 0, load generator to CPU 1' : 'NOT pinned (taskset unavailable)'}; fastify ` +
      `${versionOf('fastify')}, @fastify/jwt ${versionOf('@fastify/jwt')}, express ${versionOf('express')}, ` +
      `express-jwt ${versionOf('express-jwt')}, hono ${honoVersion()}; wall time ${seconds.toFixed(0)} s). ` +
      'Route: GET /me answering two claims; every contender checks signature, exp, iss and aud. ES256: jwtkit ' +
      'reads the key from a JWKS URL (cached), the peers get the public key directly. ' +
      `1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end ` +
      `(${cpus().length} CPUs): above ~1 the other processes are competing and the ratios are noise.`,
  );
  out.push(
    '',
    '| alg | framework | jwtkit req/s | peer | peer req/s | ratio (jwtkit / peer) | per-round ratios | p99 jwtkit / peer (ms) | goal >= 1.2x, p99 no worse |',
    '|---|---|---:|---|---:|---:|---|---:|---|',
  );
  for (const r of rows) {
    if (r.error || !r.jwtkit || !r.other) {
      out.push(
        `| ${r.alg} | ${r.framework} | not measured: ${String(r.error).replace(/\|/g, '/')} | ${r.peer} | | | | | |`,
      );
      continue;
    }
    const met = r.ratio >= 1.2 && r.jwtkit.p99 <= r.other.p99;
    out.push(
      `| ${r.alg} | ${r.framework} | ${r.jwtkit.rps.toFixed(0)} | ${r.peer} | ${r.other.rps.toFixed(0)} | ` +
        `${fmtRatio(r.ratio)} | ${r.ratios.map((x) => x.toFixed(2)).join(', ')} | ${r.jwtkit.p99} / ${r.other.p99} | ` +
        `${met ? 'met' : '**NOT MET**'} |`,
    );
  }
  return out.join('\n');
}

const loadAtStart = loadavg()[0]!;
const t0 = performance.now();
const rows: Row[] = [];
for (const alg of ALGS) for (const fw of FRAMEWORKS) rows.push(await runPair(fw, alg));
const md = render(rows, (performance.now() - t0) / 1000);
console.log(`\n${md}`);
if (!args['no-write']) {
  writeReadmeSection('middleware', md);
  writeResultsJson('middleware-latest', { machine: machineLine(), rows });
  console.log('\nwrote bench/README.md (section middleware) and bench/results/middleware-latest.json');
}

function stop(r: Running): Promise<void> {
  return stopChild(r.child);
}

function load(r: Running, seconds: number): Promise<Sample> {
  return loadMe(r.port, r.token, seconds, CONNECTIONS);
}
