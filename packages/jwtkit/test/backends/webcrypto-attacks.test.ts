/**
 * The attack corpus through the WebCrypto build's `decode` and `createVerifier`, in Node: every compact case,
 * every JSON-safe key form, against the corpus's own expectation; and the same case through the node:crypto
 * build gives the same outcome (accept, or the same error class). Key forms the WebCrypto build does not
 * read by design (PKCS#1 PEM, certificates, raw DER bytes) must be refused with InvalidKeyError there,
 * never accepted and never a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as node from '../../src/index.js';
import * as web from '../../src/webcrypto.js';
import { webCorpus } from './_web-corpus.js';

const JWT_ERRORS = new Set(
  Object.entries(node)
    .filter(
      ([, v]) => typeof v === 'function' && (v === node.JwtError || v.prototype instanceof node.JwtError),
    )
    .map(([k]) => k),
);

async function run(f: () => unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: (e as Error)?.name ?? String(e) };
  }
}

test('attack corpus on the WebCrypto backend: the corpus expectation, and the node:crypto outcome', async () => {
  const { cases, nodeOnly } = webCorpus();
  assert.ok(cases.length > 150, `only ${cases.length} cases`);
  const problems: string[] = [];
  for (const c of cases) {
    const viaDecode = await run(() => web.decode(c.token, c.key as never, c.options as never));
    const viaVerifier = await run(() => web.createVerifier(c.key as never, c.options as never)(c.token));
    const onNode = await run(() => node.decode(c.token, c.key as never, c.options as never));
    for (const [api, o] of [
      ['decode', viaDecode],
      ['createVerifier', viaVerifier],
    ] as const) {
      if (!o.ok && !JWT_ERRORS.has(o.error)) problems.push(`${c.name} / ${api}: crash ${o.error}`);
      else if (c.expect === 'accept' && !o.ok)
        problems.push(`${c.name} / ${api}: expected accept, got ${o.error}`);
      else if (c.expect === 'reject' && o.ok) problems.push(`${c.name} / ${api}: expected reject, accepted`);
      else if (c.expect === 'accept' && o.ok) {
        try {
          assert.deepStrictEqual({ ...(o.value as object) }, c.payload);
        } catch {
          problems.push(`${c.name} / ${api}: accepted with other claims`);
        }
      }
      const same = o.ok === onNode.ok && (o.ok || (!onNode.ok && o.error === onNode.error));
      if (!same)
        problems.push(
          `${c.name} / ${api}: webcrypto ${o.ok ? 'accepted' : o.error}, node:crypto ${onNode.ok ? 'accepted' : onNode.error}`,
        );
    }
  }
  for (const f of nodeOnly) {
    if (f.key === undefined || f.key === null) continue; // no-key forms: covered with '' in the cases
    const o = await run(() => web.decode(f.token, f.key as never, f.options as never));
    if (o.ok && f.expect === 'reject')
      problems.push(`${f.id} / ${f.label}: a Node-only key form accepted a reject case`);
    if (!o.ok && !JWT_ERRORS.has(o.error)) problems.push(`${f.id} / ${f.label}: crash ${o.error}`);
  }
  assert.deepEqual(problems, []);
});
