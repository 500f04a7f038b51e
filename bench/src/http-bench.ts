// HTTP benchmark (`npm run bench:http`): GET /me on our server (packages/server buildApp) vs the same route
// on Fastify + @fastify/jwt (with and without its token cache) vs no auth at all, for HS256 and ES256.
// Servers run in child processes pinned to CPU 0 (taskset, when available); this process runs autocannon
// pinned to CPU 1. Everything listens on 127.0.0.1 only. Writes bench/README.md section `http` and
// bench/results/http-latest.json.
//
// Options: --duration S (6) --warmup S (2) --connections N (50) --rounds N (3) --algs HS256,ES256 --no-write
//          --profile 'jwtkit server' (run that target once per alg under node --cpu-prof and print its top functions)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { reportCpuProfile } from './cpuprofile.js';
import { getMe as get, loadMe, processCpuSeconds, type Sample, stopChild, tamper } from './http/harness.js';
import { fmtRatio, machineLine, median, versionOf, writeReadmeSection, writeResultsJson } from './report.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    algs: { type: 'string', default: 'HS256,ES256' },
    profile: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
const ALGS = args.algs.split(',') as Array<'HS256' | 'ES256'>;

type TargetName =
  | 'jwtkit server'
  | 'jwtkit server (info logs + metrics)'
  | 'jwtkit server (Redis)'
  | '@fastify/jwt'
  | '@fastify/jwt (cache)'
  | 'no auth';
const TARGETS: TargetName[] = [
  'jwtkit server',
  'jwtkit server (info logs + metrics)',
  'jwtkit server (Redis)',
  '@fastify/jwt',
  '@fastify/jwt (cache)',
  'no auth',
];

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
  note?: string;
}

let profileDir: string | undefined;

function spawnServer(script: string, argv: string[], env: Record<string, string> = {}): Promise<Running> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const nodeArgs = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import',
    'tsx',
    file,
    ...argv,
  ];
  const [cmd, cmdArgs] = canPin
    ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(cmd as string, cmdArgs as string[], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${argv.join(' ')}: no port within 60 s`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} ${argv.join(' ')} exited early (code ${code})`));
    });
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const msg = JSON.parse(line) as { port?: number; token?: string; error?: string; note?: string };
        // The server's own log lines (JSON too, on the same stdout) are not the hand-shake.
        if (typeof msg.port !== 'number' && msg.error === undefined) return;
        clearTimeout(timer);
        if (msg.error) {
          child.kill('SIGKILL');
          reject(new Error(msg.error));
          return;
        }
        rl.close();
        child.stdout!.resume();
        resolve({ child, port: msg.port!, token: msg.token ?? '', ...(msg.note ? { note: msg.note } : {}) });
      } catch {
        // not our line
      }
    });
  });
}

/** Correctness gate before load: 200 + alice with the token; 401 without / with a tampered token. */
async function check(name: TargetName, r: Running): Promise<string | null> {
  const ok = await get(r.port, r.token || undefined);
  if (ok.status !== 200 || !ok.body.includes('alice'))
    return `GET /me with token: ${ok.status} ${ok.body.slice(0, 200)}`;
  if (name === 'no auth') return null;
  const none = await get(r.port);
  if (none.status !== 401) return `GET /me without token: ${none.status}, expected 401`;
  const bad = await get(r.port, tamper(r.token));
  if (bad.status !== 401) return `GET /me with tampered token: ${bad.status}, expected 401`;
  return null;
}

async function startTarget(name: TargetName, alg: 'HS256' | 'ES256'): Promise<Running> {
  switch (name) {
    case 'jwtkit server':
      return spawnServer('./http/jwtkit-server.ts', [alg, 'plain']);
    case 'jwtkit server (info logs + metrics)':
      return spawnServer('./http/jwtkit-server.ts', [alg, 'observed']);
    case 'jwtkit server (Redis)':
      return spawnServer('./http/jwtkit-server.ts', [alg, 'redis']);
    case '@fastify/jwt':
      return spawnServer('./http/peer-server.ts', ['fastify-jwt', alg]);
    case '@fastify/jwt (cache)':
      return spawnServer('./http/peer-server.ts', ['fastify-jwt-cache', alg]);
    case 'no auth':
      return spawnServer('./http/peer-server.ts', ['noauth', alg]);
  }
}

interface AlgResult {
  alg: string;
  rows: Array<{
    name: TargetName;
    error?: string;
    note?: string;
    rps: number;
    p50: number;
    p99: number;
    cpuUsPerReq: number;
    non2xx: number;
    errors: number;
    samples: Sample[];
  }>;
  oursVsFastifyJwt: number;
  oursVsFastifyJwtCache: number;
  oursVsNoAuth: number;
  observedVsPlain: number;
  redisVsPlain: number;
  observedVsNoAuth: number;
  observedVsNoAuthCpu: number;
  oursVsNoAuthCpu: number;
}

async function runAlg(alg: 'HS256' | 'ES256'): Promise<AlgResult> {
  const running = new Map<TargetName, Running>();
  const errors = new Map<TargetName, string>();
  const notes = new Map<TargetName, string>();
  for (const name of TARGETS) {
    try {
      const r = await startTarget(name, alg);
      if (r.note) notes.set(name, r.note);
      const why = await check(name, r);
      if (why) {
        errors.set(name, `failed correctness check: ${why}`);
        await stop(r);
      } else running.set(name, r);
    } catch (e) {
      errors.set(name, (e as Error).message);
    }
    if (errors.has(name)) console.error(`  !! ${alg} ${name}: ${errors.get(name)}`);
  }
  const samples = new Map<TargetName, Sample[]>();
  const live = TARGETS.filter((n) => running.has(n));
  for (let round = 0; round < ROUNDS; round++) {
    const order = live.map((_, i) => live[(i + round) % live.length]!);
    for (const name of order) {
      const r = running.get(name)!;
      if (WARMUP > 0) await load(r, WARMUP);
      const s = await load(r, DURATION);
      console.log(
        `${alg} round ${round + 1} ${name}: ${s.rps.toFixed(0)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, ` +
          `non2xx ${s.non2xx}, errors ${s.errors}` +
          (s.cpuUsPerReq === undefined ? '' : `, server CPU ${s.cpuUsPerReq.toFixed(1)} us/req`),
      );
      samples.set(name, [...(samples.get(name) ?? []), s]);
    }
  }
  for (const r of running.values()) await stop(r);
  const ratio = (a: TargetName, b: TargetName) => {
    const sa = samples.get(a);
    const sb = samples.get(b);
    if (!sa || !sb) return Number.NaN;
    return median(sa.map((x, i) => x.rps / sb[i]!.rps));
  };
  /** b's CPU per request / a's, round by round: what a's req/s / b's would be if both were CPU-bound. */
  const cpuRatio = (a: TargetName, b: TargetName) => {
    const sa = samples.get(a);
    const sb = samples.get(b);
    if (!sa || !sb) return Number.NaN;
    const r = sa.map((x, i) => (sb[i]?.cpuUsPerReq ?? Number.NaN) / (x.cpuUsPerReq ?? Number.NaN));
    return r.every(Number.isFinite) ? median(r) : Number.NaN;
  };
  return {
    alg,
    rows: TARGETS.map((name) => {
      const s = samples.get(name) ?? [];
      return {
        name,
        ...(errors.has(name) ? { error: errors.get(name)! } : {}),
        ...(notes.has(name) ? { note: notes.get(name)! } : {}),
        rps: median(s.map((x) => x.rps)),
        p50: median(s.map((x) => x.p50)),
        p99: median(s.map((x) => x.p99)),
        cpuUsPerReq: s.every((x) => x.cpuUsPerReq !== undefined)
          ? median(s.map((x) => x.cpuUsPerReq as number))
          : Number.NaN,
        non2xx: s.reduce((a, x) => a + x.non2xx, 0),
        errors: s.reduce((a, x) => a + x.errors, 0),
        samples: s,
      };
    }),
    oursVsFastifyJwt: ratio('jwtkit server', '@fastify/jwt'),
    oursVsFastifyJwtCache: ratio('jwtkit server', '@fastify/jwt (cache)'),
    oursVsNoAuth: ratio('jwtkit server', 'no auth'),
    observedVsPlain: ratio('jwtkit server (info logs + metrics)', 'jwtkit server'),
    redisVsPlain: ratio('jwtkit server (Redis)', 'jwtkit server'),
    observedVsNoAuth: ratio('jwtkit server (info logs + metrics)', 'no auth'),
    observedVsNoAuthCpu: cpuRatio('jwtkit server (info logs + metrics)', 'no auth'),
    oursVsNoAuthCpu: cpuRatio('jwtkit server', 'no auth'),
  };
}

function render(results: AlgResult[], seconds: number): string {
  const out: string[] = [];
  out.push(`Last run: ${machineLine()}.`, '');
  out.push(
    `Command: \`npm run bench:http\` (autocannon ${versionOf('autocannon')}, ${CONNECTIONS} connections, ` +
      `${WARMUP} s warm-up + ${DURATION} s measured per target per round, ${ROUNDS} interleaved rounds, medians; ` +
      `servers ${canPin ? 'pinned to CPU 0, load generator to CPU 1' : 'NOT pinned (taskset unavailable)'}; ` +
      `fastify ${versionOf('fastify')}, @fastify/jwt ${versionOf('@fastify/jwt')}; wall time ${seconds.toFixed(0)} s).`,
  );
  out.push(
    '',
    '| alg | target | req/s | p50 ms | p99 ms | server CPU us/req | non-2xx | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of results) {
    for (const row of r.rows) {
      if (row.error) {
        out.push(`| ${r.alg} | ${row.name} | not measured: ${row.error.replace(/\|/g, '/')} | | | | | |`);
        continue;
      }
      out.push(
        `| ${r.alg} | ${row.name} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${Number.isFinite(row.cpuUsPerReq) ? row.cpuUsPerReq.toFixed(1) : 'n/a'} | ${row.non2xx} | ${row.errors} |`,
      );
    }
  }
  out.push(
    '',
    'server CPU us/req: user + system CPU time of the server process over the measured seconds (Linux ' +
      "`/proc/<pid>/stat`) / responses; the Redis server's own CPU is not in it.",
  );
  out.push('', '| alg | target | measured | goal | status |', '|---|---|---:|---:|---|');
  for (const r of results) {
    const goal = r.alg === 'HS256' ? 1.2 : 1.0;
    const ours = r.rows.find((x) => x.name === 'jwtkit server')!;
    const peer = r.rows.find((x) => x.name === '@fastify/jwt')!;
    const st = (ok: boolean, measured: boolean) => (measured ? (ok ? 'met' : '**NOT MET**') : 'not measured');
    const m = Number.isFinite(r.oursVsFastifyJwt);
    out.push(
      `| ${r.alg} | req/s jwtkit server / @fastify/jwt | ${fmtRatio(r.oursVsFastifyJwt)} | >= ${goal} | ${st(r.oursVsFastifyJwt >= goal, m)} |`,
    );
    out.push(
      `| ${r.alg} | p99 jwtkit server vs @fastify/jwt | ${ours.p99} ms vs ${peer.p99} ms | no worse | ${st(ours.p99 <= peer.p99, m)} |`,
    );
    out.push(
      `| ${r.alg} | (info) req/s jwtkit server / @fastify/jwt with cache | ${fmtRatio(r.oursVsFastifyJwtCache)} | | |`,
    );
    out.push(`| ${r.alg} | (info) req/s jwtkit server / no auth | ${fmtRatio(r.oursVsNoAuth)} | | |`);
    const has = (x: number) => Number.isFinite(x);
    out.push(
      `| ${r.alg} | (info) cost of info logs + metrics: req/s with / without | ${fmtRatio(r.observedVsPlain)} | | |`,
    );
    out.push(
      `| ${r.alg} | req/s with info logs + metrics / no auth (the bare route) | ${fmtRatio(r.observedVsNoAuth)} | >= 0.8 | ${st(r.observedVsNoAuth >= 0.8, has(r.observedVsNoAuth))} |`,
    );
    out.push(
      `| ${r.alg} | (info) the same by server CPU per request: no auth's / with info logs + metrics' | ${fmtRatio(r.observedVsNoAuthCpu)} | | |`,
    );
    out.push(
      `| ${r.alg} | (info) by server CPU per request: no auth's / jwtkit server's (no logger) | ${fmtRatio(r.oursVsNoAuthCpu)} | | |`,
    );
    out.push(
      `| ${r.alg} | req/s with Redis (at most one round trip a request, shared per event-loop turn) / without | ${fmtRatio(r.redisVsPlain)} | >= 0.8 | ${st(r.redisVsPlain >= 0.8, has(r.redisVsPlain))} |`,
    );
  }
  const notes = results.flatMap((r) =>
    r.rows.filter((x) => x.note).map((x) => `${r.alg} ${x.name}: ${x.note}`),
  );
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  return out.join('\n');
}

async function profileTarget(name: TargetName): Promise<void> {
  for (const alg of ALGS) {
    profileDir = mkdtempSync(join(tmpdir(), 'jwtkit-http-prof-'));
    const r = await startTarget(name, alg);
    const why = await check(name, r);
    if (why) throw new Error(`${name}: ${why}`);
    const s = await load(r, DURATION);
    console.log(`${alg} ${name} under --cpu-prof: ${s.rps.toFixed(0)} req/s, p99 ${s.p99} ms`);
    await stop(r);
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    console.log(`profile: ${join(profileDir, file)}\n${reportCpuProfile(join(profileDir, file), 30)}\n`);
  }
}

async function main(): Promise<void> {
  if (args.profile) return profileTarget(args.profile as TargetName);
  const t0 = performance.now();
  const results: AlgResult[] = [];
  for (const alg of ALGS) results.push(await runAlg(alg));
  const md = render(results, (performance.now() - t0) / 1000);
  console.log(`\n${md}`);
  if (!args['no-write']) {
    writeReadmeSection('http', md);
    writeResultsJson('http-latest', { machine: machineLine(), results });
    console.log('\nwrote bench/README.md (section http) and bench/results/http-latest.json');
  }
}

await main();

function stop(r: Running): Promise<void> {
  return stopChild(r.child);
}

/** One load; with the server's CPU time per request where /proc tells it (the Redis server's own is not in it). */
async function load(r: Running, seconds: number): Promise<Sample> {
  const before = processCpuSeconds(r.child.pid);
  const s = await loadMe(r.port, r.token, seconds, CONNECTIONS);
  const after = processCpuSeconds(r.child.pid);
  if (before === null || after === null || s.requests === 0) return s;
  return { ...s, cpuUsPerReq: ((after - before) * 1e6) / s.requests };
}
