// A/B of the Node sync path: this checkout's `jwtkit` against another build of it (a baseline commit's
// packages/jwtkit/dist), in one process, interleaved rounds (order alternated), medians, ratio new / base.
// For "no regression" checks of a refactor, where the peer-ratio table is too noisy on a shared machine.
//
//   git archive <base> packages/jwtkit/src packages/jwtkit/tsconfig.build.json packages/jwtkit/package.json \
//     tsconfig.base.json | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/node_modules \
//     && (cd /tmp/base/packages/jwtkit && ../../node_modules/.bin/tsc -p tsconfig.build.json)
//   npm run -s bench:ab -w bench -- --base /tmp/base/packages/jwtkit/dist/index.js
//
// Options: --base PATH (required) --rounds N (9) --time MS (60) --filter TEXT. Time is this process's CPU time.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as now from 'jwtkit';
import { PAYLOADS, type PayloadName } from './fixtures.js';
import { fmtOps, fmtRatio, median } from './report.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string' },
    time: { type: 'string' },
    filter: { type: 'string' },
  },
});
if (!args.base) throw new Error('--base path/to/baseline/dist/index.js is required');
const base = (await import(pathToFileURL(args.base).href)) as typeof now;
const ROUNDS = Number(args.rounds ?? 9);
const TIME_MS = Number(args.time ?? 60);

/** This process's CPU time in ms (other load on the shared machine barely moves it). */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function opsPerSecond(fn: () => unknown): number {
  let n = 0;
  const start = cpuMs();
  let t = start;
  while (t - start < TIME_MS) {
    for (let i = 0; i < 32; i++) fn();
    n += 32;
    t = cpuMs();
  }
  return (n * 1000) / (t - start);
}

const cases: Array<[string, (lib: typeof now) => () => unknown]> = [];
for (const alg of ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
  const kp = alg === 'HS256' ? null : now.generateKeyPair(alg);
  const signKey = kp ? now.exportPem(kp.privateKey) : 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz!';
  const verifyKey = kp ? now.exportPem(kp.publicKey) : signKey;
  for (const payload of Object.keys(PAYLOADS) as PayloadName[]) {
    const claims = PAYLOADS[payload];
    const token = now.encode(claims, signKey, { algorithm: alg });
    cases.push([
      `verify ${alg} ${payload} createVerifier`,
      (lib) => {
        const v = lib.createVerifier(verifyKey, { algorithms: [alg] });
        return () => v(token);
      },
    ]);
    cases.push([
      `verify ${alg} ${payload} decode`,
      (lib) => () => lib.decode(token, verifyKey, { algorithms: [alg] }),
    ]);
    cases.push([
      `sign ${alg} ${payload} createSigner`,
      (lib) => {
        const s = lib.createSigner(signKey, { algorithm: alg });
        return () => s(claims);
      },
    ]);
    cases.push([
      `sign ${alg} ${payload} encode`,
      (lib) => () => lib.encode(claims, signKey, { algorithm: alg }),
    ]);
  }
}

const ratios: number[] = [];
for (const [name, make] of cases) {
  if (args.filter && !name.includes(args.filter)) continue;
  const a = make(now);
  const b = make(base);
  a();
  b();
  const na: number[] = [];
  const nb: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      na.push(opsPerSecond(a));
      nb.push(opsPerSecond(b));
    } else {
      nb.push(opsPerSecond(b));
      na.push(opsPerSecond(a));
    }
  }
  const ratio = median(na) / median(nb);
  ratios.push(ratio);
  console.log(
    `${name.padEnd(44)} new ${fmtOps(median(na)).padStart(7)}  base ${fmtOps(median(nb)).padStart(7)}  ${fmtRatio(ratio)}`,
  );
}
console.log(`median new/base ${fmtRatio(median(ratios))}, lowest ${fmtRatio(Math.min(...ratios))}`);
