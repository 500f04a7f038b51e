// Backends benchmark (`npm run bench:runtime -w bench`): in one Node process, side by side, interleaved rounds
// (contender order rotated per round), medians, ratios:
//   - `jwtkit` (node:crypto, sync)  vs  `jwtkit/async` (node:crypto, promises): target >= 0.90x;
//   - `jwtkit/webcrypto` (WebCrypto forced, on Node's crypto.subtle)  vs  jose (also WebCrypto): target >= 1.0x;
// for sign and verify of every algorithm the WebCrypto build runs, with the seed payload and the 600-byte
// access token. Every contender reuses a prepared signer/verifier and the same key material (jose gets
// CryptoKeys from importJWK, jwtkit the same JWKs; both bind them once). Async contenders are awaited one
// call at a time (latency, as a request handler sees it).
// Writes its table into bench/README.md (section `runtime`) unless --no-write.
// Options: --quick (3 rounds, 20 ms) --rounds N (5) --time MS (40) --filter TEXT --no-write
import { parseArgs } from 'node:util';
import * as jose from 'jose';
import * as sync from 'jwtkit';
import * as asyncApi from 'jwtkit/async';
import * as web from 'jwtkit/webcrypto';
import { PAYLOADS, type PayloadName } from './fixtures.js';
import { fmtOps, fmtRatio, machineLine, median, writeReadmeSection } from './report.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    time: { type: 'string' },
    filter: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds ?? (args.quick ? 3 : 5));
const TIME_MS = Number(args.time ?? (args.quick ? 20 : 40));
const ALGS = sync.ALGORITHMS.filter((a) => a !== 'ES256K' && a !== 'Ed448');

type Fn = () => unknown;

/**
 * This process's CPU time in ms, all threads (WebCrypto's work on libuv threads included), so other load on
 * the shared machine barely moves the numbers.
 */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Calls per CPU-second of `fn` (awaited one at a time when it returns a Promise), over ~TIME_MS of CPU time. */
async function opsPerSecond(fn: Fn): Promise<number> {
  const isAsync = fn() instanceof Promise;
  let n = 0;
  const start = cpuMs();
  const until = start + TIME_MS;
  let now = start;
  if (isAsync) {
    while (now < until) {
      for (let i = 0; i < 16; i++) await fn();
      n += 16;
      now = cpuMs();
    }
  } else {
    while (now < until) {
      for (let i = 0; i < 16; i++) fn();
      n += 16;
      now = cpuMs();
    }
  }
  return (n * 1000) / (now - start);
}

interface Row {
  op: 'sign' | 'verify';
  alg: string;
  payload: PayloadName;
  ops: Record<string, number>;
}

async function setup(alg: sync.Algorithm, payload: PayloadName) {
  let signJwk: sync.Jwk;
  let verifyJwk: sync.Jwk;
  if (alg.startsWith('HS')) {
    signJwk = verifyJwk = sync.exportJwk(sync.importKey(sync.generateSecret(alg), { type: 'secret' }));
  } else {
    const kp = sync.generateKeyPair(alg);
    signJwk = sync.exportJwk(kp.privateKey);
    verifyJwk = sync.exportPublicJwk(kp.publicKey);
  }
  const claims = PAYLOADS[payload];
  const joseAlg = alg === 'Ed25519' ? 'EdDSA' : alg;
  const joseSignKey = await jose.importJWK(signJwk as jose.JWK, joseAlg);
  const joseVerifyKey = await jose.importJWK(verifyJwk as jose.JWK, joseAlg);
  const token = sync.encode(claims, signJwk, { algorithm: joseAlg as sync.Algorithm });
  const algorithms = [joseAlg as sync.Algorithm];
  const syncSign = sync.createSigner(signJwk, { algorithm: joseAlg as sync.Algorithm });
  const asyncSign = asyncApi.createSigner(signJwk, { algorithm: joseAlg as sync.Algorithm });
  const webSign = web.createSigner(signJwk, { algorithm: joseAlg as sync.Algorithm });
  const syncVerify = sync.createVerifier(verifyJwk, { algorithms });
  const asyncVerify = asyncApi.createVerifier(verifyJwk, { algorithms });
  const webVerify = web.createVerifier(verifyJwk, { algorithms });
  // Warm up and check each contender once (a wrong result must not be timed).
  const want = JSON.stringify(claims);
  for (const t of [syncSign(claims), await asyncSign(claims), await webSign(claims)])
    if (JSON.stringify(sync.decode(t, verifyJwk, { algorithms })) !== want)
      throw new Error(`${alg}: bad token`);
  for (const c of [syncVerify(token), await asyncVerify(token), await webVerify(token)])
    if (JSON.stringify(c) !== want) throw new Error(`${alg}: bad claims`);
  const joseToken = await new jose.SignJWT(claims as jose.JWTPayload)
    .setProtectedHeader({ alg: joseAlg })
    .sign(joseSignKey);
  await jose.jwtVerify(token, joseVerifyKey, { algorithms });
  void joseToken;
  return {
    sign: {
      'jwtkit sync': () => syncSign(claims),
      'jwtkit/async': () => asyncSign(claims),
      'jwtkit/webcrypto': () => webSign(claims),
      jose: () =>
        new jose.SignJWT(claims as jose.JWTPayload).setProtectedHeader({ alg: joseAlg }).sign(joseSignKey),
    } as Record<string, Fn>,
    verify: {
      'jwtkit sync': () => syncVerify(token),
      'jwtkit/async': () => asyncVerify(token),
      'jwtkit/webcrypto': () => webVerify(token),
      jose: () => jose.jwtVerify(token, joseVerifyKey, { algorithms }),
    } as Record<string, Fn>,
  };
}

const rows: Row[] = [];
for (const alg of ALGS) {
  for (const payload of Object.keys(PAYLOADS) as PayloadName[]) {
    if (args.filter && !`${alg} ${payload}`.includes(args.filter)) continue;
    const s = await setup(alg, payload);
    for (const op of ['sign', 'verify'] as const) {
      const contenders = Object.entries(s[op]);
      const samples = new Map<string, number[]>(contenders.map(([k]) => [k, []]));
      for (let r = 0; r < ROUNDS; r++) {
        for (let i = 0; i < contenders.length; i++) {
          const [name, fn] = contenders[(i + r) % contenders.length]!;
          samples.get(name)!.push(await opsPerSecond(fn));
        }
      }
      const ops = Object.fromEntries([...samples].map(([k, v]) => [k, median(v)]));
      rows.push({ op, alg, payload, ops });
      console.log(
        `${op.padEnd(6)} ${alg.padEnd(7)} ${payload.padEnd(11)} async/sync ${fmtRatio(ops['jwtkit/async']! / ops['jwtkit sync']!)}  webcrypto/jose ${fmtRatio(ops['jwtkit/webcrypto']! / ops.jose!)}`,
      );
    }
  }
}

const lines = [
  '| op | alg | payload | jwtkit sync | jwtkit/async | async / sync | jwtkit/webcrypto | jose | webcrypto / jose |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => {
    const o = r.ops;
    return `| ${r.op} | ${r.alg} | ${r.payload} | ${fmtOps(o['jwtkit sync']!)} | ${fmtOps(o['jwtkit/async']!)} | ${fmtRatio(o['jwtkit/async']! / o['jwtkit sync']!)} | ${fmtOps(o['jwtkit/webcrypto']!)} | ${fmtOps(o.jose!)} | ${fmtRatio(o['jwtkit/webcrypto']! / o.jose!)} |`;
  }),
];
const asyncWorst = Math.min(...rows.map((r) => r.ops['jwtkit/async']! / r.ops['jwtkit sync']!));
const webWorst = Math.min(...rows.map((r) => r.ops['jwtkit/webcrypto']! / r.ops.jose!));
const asyncRatios = rows.map((r) => r.ops['jwtkit/async']! / r.ops['jwtkit sync']!);
const webRatios = rows.map((r) => r.ops['jwtkit/webcrypto']! / r.ops.jose!);
const summary = `Median async / sync: ${fmtRatio(median(asyncRatios))} (${asyncRatios.filter((x) => x < 0.9).length} of ${rows.length} cases below 0.90x). Median webcrypto / jose: ${fmtRatio(median(webRatios))} (${webRatios.filter((x) => x < 1).length} of ${rows.length} below 1.00x). On this shared 2-core machine one case's ratio moves by about ±15% between runs; RSA, ECDSA and EdDSA on both WebCrypto contenders are the same crypto.subtle call, so ~1.0x is parity.`;
const body = `### Backends on Node: sync vs async (node:crypto), WebCrypto build vs jose

\`npm run bench:runtime -w bench${args.quick ? ' -- --quick' : ''}\` (${ROUNDS} interleaved rounds of ${TIME_MS} ms per contender, medians; ops per CPU-second of the process, all threads; async contenders awaited one call at a time). ${machineLine()}

Lowest async / sync: ${fmtRatio(asyncWorst)} (target >= 0.90x). Lowest webcrypto / jose: ${fmtRatio(webWorst)} (target >= 1.00x). ${summary}

${lines.join('\n')}`;
console.log(`\nlowest async/sync ${fmtRatio(asyncWorst)}, lowest webcrypto/jose ${fmtRatio(webWorst)}`);
if (!args['no-write']) writeReadmeSection('runtime', body);
