import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import * as jose from 'jose';
import {
  type ContentEncryptionAlgorithm,
  decryptJwe,
  encryptJwe,
  type FlattenedJwe,
  type GeneralJwe,
  type KeyManagementAlgorithm,
} from '../../src/index.js';
import { CEK_BYTES, type Curve, ENCS, ecdhPair, KW_BYTES, rsaPair, secret } from './_keys.js';

// jose is the oracle: every alg/enc pair it supports, both directions, compact, flattened and general JSON.
interface Case {
  alg: KeyManagementAlgorithm;
  label: string;
  /** [encryption key, decryption key] for an enc. */
  keys: (enc: string) => [KeyObject | Uint8Array | string, KeyObject | Uint8Array | string];
  direct?: boolean;
}

const CASES: Case[] = [];
for (const enc of ENCS) void enc;
CASES.push({
  alg: 'dir',
  label: 'dir',
  direct: true,
  keys: (enc) => {
    const k = secret(CEK_BYTES[enc]!);
    return [k, k];
  },
});
for (const alg of ['A128KW', 'A192KW', 'A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW'] as const) {
  const k = secret(KW_BYTES[alg]!);
  CASES.push({ alg, label: alg, keys: () => [k, k] });
}
for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'] as const) {
  CASES.push({ alg, label: alg, keys: () => [rsaPair().publicKey, rsaPair().privateKey] });
}
// jose 6 has no X448 ECDH (its JWK import refuses it): X448 is covered by round trips and by the RFC/
// Wycheproof-independent checks in jwe.test.ts, not by this oracle.
for (const curve of ['P-256', 'P-384', 'P-521', 'X25519'] as Curve[]) {
  for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'] as const) {
    CASES.push({
      alg,
      label: `${alg} ${curve}`,
      direct: alg === 'ECDH-ES',
      keys: () => [ecdhPair(curve).publicKey, ecdhPair(curve).privateKey],
    });
  }
}
for (const alg of ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'] as const) {
  CASES.push({
    alg,
    label: alg,
    keys: () => ['correct horse battery staple', 'correct horse battery staple'],
  });
}

const plaintext = new TextEncoder().encode('{"sub":"interop","n":42,"text":"Grüße"}');
const text = new TextDecoder();

describe('JWE interop with jose (the oracle)', () => {
  for (const c of CASES) {
    for (const enc of ENCS) {
      test(`${c.label} + ${enc}`, async () => {
        const [encKey, decKey] = c.keys(enc);
        const opts = {
          keyManagementAlgorithms: [c.alg],
          contentEncryptionAlgorithms: [enc as ContentEncryptionAlgorithm],
        };
        const joseDec = typeof decKey === 'string' ? new TextEncoder().encode(decKey) : decKey;
        const joseEnc = typeof encKey === 'string' ? new TextEncoder().encode(encKey) : encKey;
        const p2c = c.alg.startsWith('PBES2') ? 2048 : undefined;
        // jose refuses PBES2 unless its allowlist names it.
        const jo = { keyManagementAlgorithms: [c.alg], contentEncryptionAlgorithms: [enc] };

        // ours -> jose, compact
        const compact = encryptJwe(plaintext, encKey, {
          alg: c.alg,
          enc,
          ...(p2c ? { p2c: 2048 } : {}),
        }) as string;
        assert.equal(compact.split('.').length, 5);
        const a = await jose.compactDecrypt(compact, joseDec, jo);
        assert.equal(text.decode(a.plaintext), text.decode(plaintext));
        assert.equal(a.protectedHeader.alg, c.alg);
        assert.equal(a.protectedHeader.enc, enc);

        // ours -> jose, flattened with shared unprotected and per-recipient headers and aad
        const flat = encryptJwe(plaintext, encKey, {
          alg: c.alg,
          enc,
          serialization: 'flattened',
          unprotectedHeader: { 'x-shared': 1 },
          recipientHeader: { kid: 'k1' },
          aad: 'extra authenticated data',
          ...(p2c ? { p2c: 2048 } : {}),
        }) as FlattenedJwe;
        const b = await jose.flattenedDecrypt(flat as jose.FlattenedJWE, joseDec, jo);
        assert.equal(text.decode(b.plaintext), text.decode(plaintext));
        assert.equal(text.decode(b.additionalAuthenticatedData), 'extra authenticated data');

        // ours -> jose, general (two recipients where the algorithm allows)
        const recipients = c.direct
          ? [{ key: encKey, alg: c.alg }]
          : [
              { key: encKey, alg: c.alg, header: { kid: 'r1' } },
              { key: encKey, alg: c.alg, header: { kid: 'r2' } },
            ];
        const general = encryptJwe(
          plaintext,
          recipients.map((r) => ({ ...r, ...(p2c ? { p2c: 2048 } : {}) })),
          { enc },
        ) as GeneralJwe;
        const g = await jose.generalDecrypt(general as jose.GeneralJWE, joseDec, jo);
        assert.equal(text.decode(g.plaintext), text.decode(plaintext));

        // jose -> ours, compact
        const jc = await new jose.CompactEncrypt(plaintext)
          .setProtectedHeader({ alg: c.alg, enc })
          .setKeyManagementParameters(p2c ? { p2c } : {})
          .encrypt(joseEnc);
        const r1 = decryptJwe(jc, decKey, opts);
        assert.equal(text.decode(r1.plaintext), text.decode(plaintext));

        // jose -> ours, flattened with unprotected headers and aad
        const jf = await new jose.FlattenedEncrypt(plaintext)
          .setProtectedHeader({ enc })
          .setSharedUnprotectedHeader({ alg: c.alg })
          .setUnprotectedHeader({ kid: 'from-jose' })
          .setAdditionalAuthenticatedData(new TextEncoder().encode('aad from jose'))
          .setKeyManagementParameters(p2c ? { p2c } : {})
          .encrypt(joseEnc);
        const r2 = decryptJwe(jf, decKey, opts);
        assert.equal(text.decode(r2.plaintext), text.decode(plaintext));
        assert.equal(r2.aad?.toString('utf8'), 'aad from jose');
        assert.equal(r2.header.kid, 'from-jose');

        // jose -> ours, general
        const ge = new jose.GeneralEncrypt(plaintext).setProtectedHeader({ enc });
        ge.addRecipient(joseEnc)
          .setUnprotectedHeader({ alg: c.alg, kid: 'g1' })
          .setKeyManagementParameters(p2c ? { p2c } : {});
        if (!c.direct)
          ge.addRecipient(joseEnc)
            .setUnprotectedHeader({ alg: c.alg, kid: 'g2' })
            .setKeyManagementParameters(p2c ? { p2c } : {});
        const jg = await ge.encrypt();
        const r3 = decryptJwe(jg, decKey, opts);
        assert.equal(text.decode(r3.plaintext), text.decode(plaintext));
      });
    }
  }

  test('zip "DEF" both ways', async () => {
    const k = secret(32);
    const big = 'a'.repeat(5000);
    const t = encryptJwe(big, k, { alg: 'dir', enc: 'A256GCM', zip: 'DEF' }) as string;
    assert.ok(t.length < 1000, 'the plaintext was compressed');
    const j = await jose.compactDecrypt(t, k);
    assert.equal(text.decode(j.plaintext), big);
    assert.equal(j.protectedHeader.zip, 'DEF');
    const jt = await new jose.CompactEncrypt(new TextEncoder().encode(big))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' })
      .encrypt(k);
    const r = decryptJwe(jt, k, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    assert.equal(r.plaintext.toString(), big);
  });
});
