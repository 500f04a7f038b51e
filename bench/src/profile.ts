// Where does the time go? Runs one contender's hot loop under `node --cpu-prof` in a child process and prints
// the top functions by self time (and the jwtkit functions by total time).
// Usage: npm run bench:profile -w bench -- [--op sign|verify] [--alg HS256] [--payload seed|access-600B]
//          [--contender 'jwtkit createVerifier (key)'] [--seconds 4] [--top 25]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { reportCpuProfile } from './cpuprofile.js';

const { values: args } = parseArgs({
  options: {
    op: { type: 'string', default: 'verify' },
    alg: { type: 'string', default: 'HS256' },
    payload: { type: 'string', default: 'seed' },
    contender: { type: 'string' },
    seconds: { type: 'string', default: '4' },
    top: { type: 'string', default: '25' },
    child: { type: 'boolean', default: false },
  },
});

async function child(): Promise<void> {
  const { buildContenders } = await import('./contenders.js');
  const { keysFor, PAYLOADS } = await import('./fixtures.js');
  const { validClaims } = await import('./check.js');
  const { rawSignClaims } = await import('./raw.js');
  const op = args.op as 'sign' | 'verify';
  const alg = args.alg as 'HS256';
  const payload = PAYLOADS[args.payload as 'seed'];
  const id = args.contender ?? (op === 'sign' ? 'jwtkit createSigner (key)' : 'jwtkit createVerifier (key)');
  const c = (await buildContenders(alg, op)).find((x) => x.id === id);
  if (!c) throw new Error(`no contender ${id}`);
  const token = rawSignClaims(keysFor(alg), validClaims(payload));
  const n = hotLoop(() => (op === 'sign' ? c.sign!(payload) : c.verify!(token)), Number(args.seconds));
  console.log(`${id}: ${n} calls in ${args.seconds} s`);
}

/** The profiled loop (percentages are of its inclusive time, so set-up and key generation do not count). */
function hotLoop(call: () => unknown, seconds: number): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) call();
    n += 1000;
  }
  return n;
}

if (args.child) await child();
else {
  const dir = mkdtempSync(join(tmpdir(), 'jwtkit-prof-'));
  const self = fileURLToPath(import.meta.url);
  const argv = process.argv.slice(2);
  const r = spawnSync(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', self, '--child', ...argv],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  console.log(`profile: ${join(dir, file)}`);
  console.log(reportCpuProfile(join(dir, file), Number(args.top), 'hotLoop '));
}
