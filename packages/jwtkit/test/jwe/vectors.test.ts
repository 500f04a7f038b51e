import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  DecodeError,
  decodeEncrypted,
  decryptJwe,
  InvalidOptionsError,
  JwtError,
  type KeyManagementAlgorithm,
} from '../../src/index.js';
import { loadVector, vectorsDir } from '../_vectors.js';
import { printSummary, Tally } from '../conformance/_corpus.js';

/** RFC 7516 Appendix A and RFC 7520 §5-§6, one tally for docs/conformance.md (report.ts runs this file). */
const rfc = new Tally('rfc-jwe');
after(() => printSummary([rfc]));

/** A test body counted in the tally: passed or failed. */
const counted = (id: string, fn: () => void) => () => {
  try {
    fn();
  } catch (e) {
    rfc.fail(id, e instanceof Error ? e.message.split('\n')[0]! : String(e));
    throw e;
  }
  rfc.pass();
};

import { checkWycheproofJwe } from './_wycheproof.js';

const ALL_ENC = CONTENT_ENCRYPTION_ALGORITHMS;
const opts = (alg: string | string[]) => ({
  keyManagementAlgorithms: (Array.isArray(alg) ? alg : [alg]) as KeyManagementAlgorithm[],
  contentEncryptionAlgorithms: ALL_ENC,
});

/**
 * RSA1_5 is refused by default (Bleichenbacher); with `unsafeAllowRsa1_5` this Node.js (>= 20.11) refuses
 * PKCS#1 v1.5 decryption itself (CVE-2023-46809). Both are typed errors; neither decrypts.
 */
function assertRsa15Refused(jwe: unknown, key: unknown) {
  assert.throws(() => decryptJwe(jwe, key as never, opts('RSA1_5')), InvalidOptionsError);
  assert.throws(
    () => decryptJwe(jwe, key as never, { ...opts('RSA1_5'), unsafeAllowRsa1_5: true }),
    (e: unknown) => e instanceof JwtError,
  );
}

describe('RFC 7516 Appendix A', () => {
  const file = loadVector('rfc/rfc7516_jwe_examples.json');
  for (const v of file.vectors) {
    test(
      `${v.id} (${v.section})`,
      counted(v.id, () => {
        const pt = v.plaintext_utf8 as string;
        if (v.id === 'RFC7516-A.2') return assertRsa15Refused(v.compact, v.key);
        if (v.id === 'RFC7516-A.4') {
          // Two recipients: RSA1_5 (refused) and A128KW (kid "7"), which decrypts the general JSON.
          const r = decryptJwe(v.json, v.keys['7'], opts('A128KW'));
          assert.equal(r.plaintext.toString('utf8'), pt);
          assert.equal(r.recipientIndex, 1);
          assert.equal(r.header.kid, '7');
          assert.equal(r.unprotectedHeader?.jku, 'https://server.example.com/keys.jwks');
          assertRsa15Refused(v.json, v.keys['2011-04-29']);
          return;
        }
        const jwe = v.compact ?? v.json;
        const alg = (v.protected_header?.alg ?? 'A128KW') as string;
        const r = decryptJwe(jwe, v.key, opts(alg));
        assert.equal(r.plaintext.toString('utf8'), pt);
      }),
    );
  }
});

describe('RFC 7520 §5 (JWE cookbook)', () => {
  const dir = join(vectorsDir, 'rfc/rfc7520_cookbook/jwe');
  for (const name of readdirSync(dir).sort()) {
    const v = loadVector(`rfc/rfc7520_cookbook/jwe/${name}`);
    test(
      name,
      counted(name, () => {
        const input = v.input;
        const forms = Object.entries(v.output as Record<string, unknown>);
        assert.ok(forms.length > 0);
        if (Array.isArray(input.key)) {
          // §5.13: three recipients; each key decrypts (RSA1_5 refused by policy).
          for (const [i, alg] of (input.alg as string[]).entries()) {
            if (alg === 'RSA1_5') {
              assertRsa15Refused(v.output.json, input.key[i]);
              continue;
            }
            const r = decryptJwe(v.output.json, input.key[i], opts(alg));
            assert.equal(r.plaintext.toString('utf8'), input.plaintext);
            assert.equal(r.recipientIndex, i);
          }
          return;
        }
        const key = input.pwd ?? input.key;
        for (const [form, jwe] of forms) {
          if (input.alg === 'RSA1_5') {
            assertRsa15Refused(jwe, key);
            continue;
          }
          const r = decryptJwe(jwe, key, opts(input.alg));
          assert.equal(r.plaintext.toString('utf8'), input.plaintext, form);
          if (input.aad !== undefined) assert.equal(r.aad?.toString('utf8'), input.aad);
          if (input.zip !== undefined) assert.equal(r.protectedHeader?.zip, 'DEF');
        }
      }),
    );
  }
});

describe('RFC 7520 §6 (nested signature and encryption)', () => {
  const v = loadVector('rfc/rfc7520_cookbook/6.nesting_signatures_and_encryption.json');
  const sigPublic = (({ kty, n, e }) => ({ kty, n, e }))(v.sign.input.key);
  for (const form of ['compact', 'json', 'json_flat'] as const) {
    test(
      `decrypts to the signed JWT (${form})`,
      counted(`RFC 7520 §6 ${form}`, () => {
        const r = decryptJwe(v.encrypt.output[form], v.encrypt.input.key, opts('RSA-OAEP'));
        assert.equal(r.plaintext.toString('latin1'), v.sign.output.compact);
        assert.equal(r.header.cty, 'JWT');
      }),
    );
  }
  test(
    'decodeEncrypted opens it in one call, checking the inner PS256 signature and the claims',
    counted('RFC 7520 §6 decodeEncrypted', () => {
      const claims = decodeEncrypted(v.encrypt.output.compact, v.encrypt.input.key, {
        ...opts('RSA-OAEP'),
        signature: { key: sigPublic, algorithms: ['PS256'] },
        issuer: 'hobbiton.example',
        now: 1300819000,
      });
      assert.equal(claims.iss, 'hobbiton.example');
      assert.equal(claims['http://example.com/is_root'], true);
      // The same token, after its exp: ExpiredSignatureError from the inner claims check.
      assert.throws(
        () =>
          decodeEncrypted(v.encrypt.output.compact, v.encrypt.input.key, {
            ...opts('RSA-OAEP'),
            signature: { key: sigPublic, algorithms: ['PS256'] },
            now: 1300819381,
          }),
        { name: 'ExpiredSignatureError' },
      );
      // Without the signature options, a nested JWT is refused (never returned unverified).
      assert.throws(
        () => decodeEncrypted(v.encrypt.output.compact, v.encrypt.input.key, opts('RSA-OAEP')),
        DecodeError,
      );
    }),
  );
});

describe('Wycheproof json_web_encryption_test.json (rules in _wycheproof.ts)', () => {
  const file = loadVector('wycheproof/json_web_encryption_test.json');
  let count = 0;
  for (const group of file.testGroups) {
    for (const t of group.tests) {
      count++;
      test(`tcId ${t.tcId} ${t.comment} (${t.result})`, () => {
        assert.equal(checkWycheproofJwe(group.private, t), null);
      });
    }
  }
  test('every vector ran', () => assert.equal(count, file.numberOfTests));
});
