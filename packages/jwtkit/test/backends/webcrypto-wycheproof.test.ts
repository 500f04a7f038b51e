/**
 * The Wycheproof JOSE files (json_web_signature_test, json_web_key_test, the JWS part of json_web_crypto_test)
 * on the WebCrypto build: every compact JWS goes through web `decode` with its group's JWK (or JWK Set) and an
 * allowlist of every algorithm the WebCrypto build runs, and must end exactly as node:crypto's `decode` ends
 * with the same input (accepted with the same claims, or refused with the same error class). The node
 * backend's outcomes are themselves checked against Wycheproof's labels by
 * ../conformance/wycheproof-jose.test.ts; here, in addition, a vector labelled invalid is never accepted
 * (but the data problems that test documents: tcId 367/370 are byte-identical to a valid vector, and the
 * key-layer findings it lists as pending). Wycheproof's payloads are not JWT claims, so a valid vector ends in
 * the JWT API's payload refusal (DecodeError) after its signature verified, where a bad signature ends in
 * InvalidSignatureError: the error class tells the two apart, and both builds must give the same one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALGORITHMS, type Algorithm, decode } from '../../src/index.js';
import * as web from '../../src/webcrypto.js';
import { loadVector } from '../_vectors.js';

interface Vector {
  tcId: number;
  jws?: unknown;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface Group {
  public?: Record<string, unknown>;
  private?: Record<string, unknown>;
  tests: Vector[];
}

const WEB_ALGORITHMS = ALGORITHMS.filter((a) =>
  web.algorithmTable().some((r) => r.name === a && r.webcrypto),
);
const LABELLED_INVALID_BUT_VALID = new Map([
  ['json_web_signature_test.json', new Set([367, 370])],
  ['json_web_key_test.json', new Set([7, 9])],
  ['json_web_crypto_test.json', new Set([46])],
]);

type Outcome = { ok: true; claims: string } | { ok: false; error: string };
const nodeOutcome = (jws: string, key: unknown, algorithms: readonly Algorithm[]): Outcome => {
  try {
    return { ok: true, claims: JSON.stringify(decode(jws, key as never, { algorithms })) };
  } catch (e) {
    return { ok: false, error: (e as Error).constructor.name };
  }
};
const webOutcome = async (jws: string, key: unknown, algorithms: readonly Algorithm[]): Promise<Outcome> => {
  try {
    return { ok: true, claims: JSON.stringify(await web.decode(jws, key as never, { algorithms })) };
  } catch (e) {
    return { ok: false, error: (e as Error).constructor.name };
  }
};

for (const file of ['json_web_signature_test.json', 'json_web_key_test.json', 'json_web_crypto_test.json']) {
  test(`Wycheproof ${file}: the WebCrypto build ends every compact JWS as node:crypto does`, async () => {
    const data = loadVector<{ testGroups: Group[] }>(`wycheproof/${file}`);
    assert.ok(WEB_ALGORITHMS.length >= 14, `only ${WEB_ALGORITHMS.length} algorithms on the WebCrypto build`);
    const differences: string[] = [];
    let compared = 0;
    let accepted = 0;
    let refusedInvalid = 0;
    let verifiedValid = 0;
    for (const g of data.testGroups) {
      const key = g.public ?? g.private;
      for (const v of g.tests) {
        if (typeof v.jws !== 'string') continue; // JSON serializations and JWEs: not the compact JWT API
        compared++;
        const a = nodeOutcome(v.jws, key, WEB_ALGORITHMS);
        const b = await webOutcome(v.jws, key, WEB_ALGORITHMS);
        if (JSON.stringify(a) !== JSON.stringify(b))
          differences.push(`tcId ${v.tcId}: node ${JSON.stringify(a)} vs web ${JSON.stringify(b)}`);
        if (b.ok) accepted++;
        if (v.result === 'valid' && !b.ok && b.error === 'DecodeError') verifiedValid++;
        if (v.result === 'invalid' && !LABELLED_INVALID_BUT_VALID.get(file)?.has(v.tcId)) {
          if (b.ok) differences.push(`tcId ${v.tcId}: labelled invalid, accepted by the WebCrypto build`);
          else refusedInvalid++;
        }
      }
    }
    assert.deepEqual(differences, []);
    assert.ok(compared > 0, `${file}: no compact JWS compared`);
    assert.ok(verifiedValid > 0, `${file}: no valid vector got past its signature on the WebCrypto build`);
    console.log(
      `${file}: ${compared} compact JWS compared, ${verifiedValid} valid past their signature (then the non-JSON payload refused), ${accepted} accepted, ${refusedInvalid} invalid refused`,
    );
  });
}
