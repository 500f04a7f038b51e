// Memory benchmark (`npm run bench:memory`): verify a stream of DIFFERENT tokens with jwtkit and check
// that the heap does not grow (caches must be bounded). Needs --expose-gc (the npm script passes it).
//
// Options: --calls N per scenario (default 1,000,000; the issue's full run is --calls 10000000)
//          --scenario NAME (run one) --no-write
// Scenarios:
//   createVerifier          createVerifier(key, opts)(token), every token distinct (jti counter)
//   createVerifier-cache    the same with { cache: true } (cache keyed by full token, bounded)
//   decode-secret-string    decode(token, secretString, opts): the string-key parse cache in the hot path
//   decode-many-secrets     decode with a different secret string every 100 tokens (10,000 distinct secrets
//                           per million calls: jwtkit's key caches must evict)
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadJwtkit } from './contenders.js';
import { AUDIENCE, HS_SECRET, ISSUER } from './fixtures.js';
import { machineLine, writeReadmeSection, writeResultsJson } from './report.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    scenario: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const CALLS = Number(args.calls);
const BATCH = 10_000;
const SAMPLES = 20;
const PER_SECRET = 100;
/** Allowed heap growth from the post-warm-up baseline to the end (bytes). */
const MAX_GROWTH = 8 * 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc (npm run bench:memory does)');
  process.exit(2);
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
let counter = 0;
function makeBatch(secret: string, n: number): string[] {
  const out: string[] = new Array(n);
  const iat = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i++) {
    const body = Buffer.from(
      JSON.stringify({
        user_id: 101,
        username: 'alice',
        role: 'admin',
        jti: `t-${counter++}`,
        iat,
        exp: iat + 600,
        iss: ISSUER,
        aud: AUDIENCE,
      }),
    ).toString('base64url');
    const input = `${HEADER}.${body}`;
    out[i] = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }
  return out;
}

function heapMB(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

interface ScenarioResult {
  name: string;
  calls: number;
  seconds: number;
  baselineMB: number;
  endMB: number;
  maxMB: number;
  growthMB: number;
  samplesMB: number[];
  ok: boolean;
}

async function main(): Promise<void> {
  const jk = await loadJwtkit();
  if (!jk) {
    console.error('jwtkit is not built/exporting createVerifier yet; nothing to measure');
    process.exit(1);
  }
  const opts = { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE };
  const secretKey = HS_SECRET;
  const plain = jk.createVerifier(secretKey, opts);
  const cached = jk.createVerifier(secretKey, { ...opts, cache: true });
  const scenarios: Record<
    string,
    { secretFor: (batch: number, i: number) => string; verify: (t: string, s: string) => unknown }
  > = {
    createVerifier: { secretFor: () => secretKey, verify: (t) => plain(t) },
    'createVerifier-cache': { secretFor: () => secretKey, verify: (t) => cached(t) },
    'decode-secret-string': { secretFor: () => secretKey, verify: (t, s) => jk.decode(t, s, opts) },
    'decode-many-secrets': {
      secretFor: (batch, i) => `${secretKey}-${batch}-${Math.floor(i / PER_SECRET)}`,
      verify: (t, s) => jk.decode(t, s, opts),
    },
  };
  const results: ScenarioResult[] = [];
  for (const [name, sc] of Object.entries(scenarios)) {
    if (args.scenario && args.scenario !== name) continue;
    const batches = Math.ceil(CALLS / BATCH);
    const every = Math.max(1, Math.floor(batches / SAMPLES));
    const samples: number[] = [];
    let baseline = Number.NaN;
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      // PER_SECRET consecutive tokens share a secret (one secret for all but decode-many-secrets).
      const secrets = Array.from({ length: BATCH / PER_SECRET }, (_, k) => sc.secretFor(b, k * PER_SECRET));
      const tokens: string[] = [];
      for (const s of secrets) tokens.push(...makeBatch(s, PER_SECRET));
      for (let i = 0; i < tokens.length; i++) {
        const out = sc.verify(tokens[i]!, secrets[Math.floor(i / PER_SECRET)]!) as { jti?: string };
        if (typeof out?.jti !== 'string') throw new Error(`${name}: verify returned no jti`);
      }
      if (b === Math.min(batches - 1, Math.max(1, Math.floor(batches / 10)))) baseline = heapMB();
      if (b % every === 0 || b === batches - 1) samples.push(Number(heapMB().toFixed(2)));
    }
    const seconds = (performance.now() - t0) / 1000;
    const end = heapMB();
    const r: ScenarioResult = {
      name,
      calls: batches * BATCH,
      seconds,
      baselineMB: baseline,
      endMB: end,
      maxMB: Math.max(...samples),
      growthMB: end - baseline,
      samplesMB: samples,
      ok: (end - baseline) * 1024 * 1024 < MAX_GROWTH,
    };
    results.push(r);
    console.log(
      `${name}: ${r.calls} calls in ${seconds.toFixed(1)} s; heap after 10% ${baseline.toFixed(1)} MB, end ${end.toFixed(1)} MB, ` +
        `max ${r.maxMB.toFixed(1)} MB, growth ${r.growthMB.toFixed(2)} MB -> ${r.ok ? 'OK' : 'GROWS'}`,
    );
  }
  const md = [
    `Last run: ${machineLine()}.`,
    '',
    `Command: \`npm run bench:memory -w bench -- --calls ${CALLS}\` (HS256, every token distinct; heap = ` +
      '`process.memoryUsage().heapUsed` after two forced GCs; baseline after 10% of the calls; pass = growth < 8 MB).',
    '',
    '| scenario | calls | seconds | heap baseline MB | heap end MB | heap max MB | growth MB | status |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.calls.toLocaleString('en-US')} | ${r.seconds.toFixed(0)} | ${r.baselineMB.toFixed(1)} | ${r.endMB.toFixed(1)} | ` +
        `${r.maxMB.toFixed(1)} | ${r.growthMB.toFixed(2)} | ${r.ok ? 'no growth' : '**GROWS**'} |`,
    ),
  ].join('\n');
  console.log(`\n${md}`);
  if (!args['no-write'] && !args.scenario) {
    writeReadmeSection('memory', md);
    writeResultsJson('memory-latest', { machine: machineLine(), results });
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
