/**
 * The attack corpus (vectors/attacks/jwt_attack_cases.json) as plain JSON cases for the WebCrypto build:
 * each compact-token case with every key form an application could configure that survives JSON (a
 * secret string, a JWK, a JWK set, SPKI PEM text), the verifier options, and the corpus's own expectation
 * (`accept` / `reject` / either). Used in Node (webcrypto-attacks.test.ts, every case) and shipped to the
 * real runtimes (runtimes.test.ts). The expectation is the corpus's, never the library's output.
 */

import type { AttackCase, AttackFile } from '../conformance/_attack-case.js';
import { decodeOptions, keyForms, type Verifier } from '../conformance/_attack-verifier.js';
import { loadJson } from '../conformance/_corpus.js';
import { generate } from '../conformance/_generator.js';

export interface WebCase {
  id: string;
  name: string;
  token: string;
  key: unknown;
  options: Record<string, unknown>;
  expect: 'accept' | 'reject' | 'either';
  /** Where the corpus expects acceptance: the claims (the token's payload). */
  payload?: unknown;
}

/** Key forms the WebCrypto build does not read by design (WebCrypto has no importer): PKCS#1, X.509. */
export const NODE_ONLY_FORM = /pkcs1|cert|x5c|KeyObject| bytes/;

export interface WebCorpus {
  cases: WebCase[];
  /** Forms left out (not JSON, or Node-only by design), with the case and the form, for the record. */
  nodeOnly: Array<{
    id: string;
    label: string;
    key: unknown;
    expect: string;
    token: string;
    options: Record<string, unknown>;
  }>;
}

function payloadOf(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function webCorpus(): WebCorpus {
  const file = loadJson<AttackFile>('attacks/jwt_attack_cases.json');
  const out: WebCorpus = { cases: [], nodeOnly: [] };
  for (const c of file.cases as AttackCase[]) {
    const v: Verifier = c.verifier ?? {};
    let token: unknown = c.token;
    let generatedKey: unknown;
    if (typeof token !== 'string' && c.generator) {
      const g = generate(c.generator, v, file.keys);
      token = g.token;
      generatedKey = g.key;
    }
    if (typeof token !== 'string') continue; // JSON serialization only: the JWT API refuses it (tested on Node)
    if (token.length > 300_000) continue; // multi-MiB DoS inputs stay in the Node suites (worker-bounded)
    const algs = v.algorithms;
    if (Array.isArray(algs) && algs.length === 1 && algs[0] === 'none') continue; // decodeUnsecured's case
    const expect = c.expected === 'accept' ? 'accept' : c.expected === 'reject' ? 'reject' : 'either';
    const forms =
      generatedKey !== undefined
        ? [{ label: 'generated key set', key: generatedKey }]
        : keyForms(v, file.keys);
    for (const form of forms) {
      const options = decodeOptions(v) as unknown as Record<string, unknown>;
      const json = JSON.stringify(form.key);
      const survives = form.key !== undefined && json !== undefined && !Buffer.isBuffer(form.key);
      if (!survives || NODE_ONLY_FORM.test(form.label)) {
        out.nodeOnly.push({ id: c.id, label: form.label, key: form.key, expect, token, options });
        continue;
      }
      out.cases.push({
        id: c.id,
        name: `${c.id} / ${form.label}`,
        token,
        key: JSON.parse(json),
        options: JSON.parse(JSON.stringify(options)),
        expect,
        ...(expect === 'accept' ? { payload: payloadOf(token) } : {}),
      });
    }
  }
  return out;
}
