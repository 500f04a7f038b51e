/**
 * Hang guard: evaluates one attack case in a worker thread, so a case that never returns (an infinite loop,
 * a catastrophic regex, a decompression bomb) can be terminated and reported as a failure instead of
 * hanging the suite. Started by `runCaseInWorker`; posts `{ problems }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type AttackFile, evaluateDecode, evaluateJwe, evaluateJws } from './_attack-case.js';
import { loadJson } from './_corpus.js';

const { id, mode } = workerData as { id: string; mode: 'decode' | 'jws' | 'jwe' | 'hang-self-test' };
if (mode === 'hang-self-test') {
  // Proves the guard works: this never returns.
  for (;;) {
    // spin
  }
}
const file = loadJson<AttackFile>('attacks/jwt_attack_cases.json');
const c = file.cases.find((x) => x.id === id);
const problems = !c
  ? [`case ${id} not found`]
  : mode === 'jws'
    ? evaluateJws(c, file.keys)
    : mode === 'jwe'
      ? evaluateJwe(c, file.keys)
      : evaluateDecode(c, file.keys);
parentPort?.postMessage({ problems });
