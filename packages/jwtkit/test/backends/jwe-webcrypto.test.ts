/**
 * JWE on the WebCrypto build (`jwtkit/webcrypto`, run here on Node's WebCrypto): every alg/enc pair both
 * ways against the Node build and against jose (the oracle), the RFC 7516 / RFC 7520 vectors, the Wycheproof
 * JWE file with the same outcomes as node:crypto, and the JWE security rules (which are the shared
 * pipeline's: the web build must end every hostile input exactly as the Node build does, error class and
 * message).
 */
import assert from 'node:assert/strict';
import {
  createCipheriv,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import * as jose from 'jose';
import * as node from '../../src/index.js';
import * as web from '../../src/webcrypto.js';
import { loadVector, vectorsDir } from '../_vectors.js';
import { type AttackFile, jweReason } from '../conformance/_attack-case.js';
import { loadJson, printSummary, Tally } from '../conformance/_corpus.js';
import { generate } from '../conformance/_generator.js';
import { CEK_BYTES, type Curve, ENCS, ecdhPair, KW_BYTES, rsaPair, secret } from '../jwe/_keys.js';

type Alg = node.KeyManagementAlgorithm;
type Enc = node.ContentEncryptionAlgorithm;
const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const text = new TextDecoder();
const allow = (alg: Alg | Alg[], enc: Enc | readonly Enc[] = node.CONTENT_ENCRYPTION_ALGORITHMS) => ({
  keyManagementAlgorithms: Array.isArray(alg) ? alg : [alg],
  contentEncryptionAlgorithms: (Array.isArray(enc) ? enc : [enc]) as Enc[],
});
const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' }) as Record<string, unknown>;

type Outcome = { ok: true; plaintext: string } | { ok: false; error: string; message: string };
const nodeOutcome = (jwe: unknown, key: unknown, opts: object): Outcome => {
  try {
    return {
      ok: true,
      plaintext: node.decryptJwe(jwe, key as never, opts as never).plaintext.toString('hex'),
    };
  } catch (e) {
    return { ok: false, error: (e as Error).constructor.name, message: (e as Error).message };
  }
};
const webOutcome = async (jwe: unknown, key: unknown, opts: object): Promise<Outcome> => {
  try {
    const r = await web.decryptJwe(jwe, key as never, opts as never);
    return { ok: true, plaintext: Buffer.from(r.plaintext).toString('hex') };
  } catch (e) {
    return { ok: false, error: (e as Error).constructor.name, message: (e as Error).message };
  }
};

/**
 * The corpora on this build, one tally each for docs/conformance.md (report.ts runs this file): the same
 * units as the Node build's tallies (rfc-jwe: one per RFC test; wycheproof-jwe: one per vector;
 * attacks-jwe: one per JWE case).
 */
const tallies = {
  rfc: new Tally('rfc-jwe-web'),
  wycheproof: new Tally('wycheproof-jwe-web'),
  attacks: new Tally('attacks-jwe-web'),
};
after(() => printSummary(Object.values(tallies)));

/** An async test body counted in the RFC tally: passed or failed. */
const countedRfc = (id: string, fn: () => Promise<void>) => async () => {
  try {
    await fn();
  } catch (e) {
    tallies.rfc.fail(id, e instanceof Error ? e.message.split('\n')[0]! : String(e));
    throw e;
  }
  tallies.rfc.pass();
};

// ---------------------------------------------------------------- the cases: every alg the web build runs

interface Case {
  alg: Alg;
  label: string;
  keys: (enc: Enc) => [unknown, unknown];
  direct: boolean;
  jose: boolean;
}
const CASES: Case[] = [];
CASES.push({
  alg: 'dir',
  label: 'dir',
  direct: true,
  jose: true,
  keys: (enc) => {
    const k = secret(CEK_BYTES[enc]!);
    return [k, k];
  },
});
for (const alg of ['A128KW', 'A192KW', 'A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW'] as const) {
  const k = secret(KW_BYTES[alg]!);
  CASES.push({ alg, label: alg, direct: false, jose: true, keys: () => [k, k] });
}
for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'] as const)
  CASES.push({
    alg,
    label: alg,
    direct: false,
    jose: true,
    keys: () => [jwkOf(rsaPair().publicKey), jwkOf(rsaPair().privateKey)],
  });
for (const curve of ['P-256', 'P-384', 'P-521', 'X25519', 'X448'] as Curve[])
  for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'] as const)
    CASES.push({
      alg,
      label: `${alg} ${curve}`,
      direct: alg === 'ECDH-ES',
      jose: curve !== 'X448', // jose 6 has no X448 ECDH
      keys: () => [jwkOf(ecdhPair(curve).publicKey), jwkOf(ecdhPair(curve).privateKey)],
    });
for (const alg of ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'] as const)
  CASES.push({
    alg,
    label: alg,
    direct: false,
    jose: true,
    keys: () => ['correct horse battery', 'correct horse battery'],
  });

const PLAINTEXT = new TextEncoder().encode('{"sub":"web","n":42,"text":"Grüße"}');
const p2cFor = (alg: Alg) => (alg.startsWith('PBES2') ? { p2c: 1000 } : {});

test('the cases cover every key management algorithm but RSA1_5', () => {
  const covered = new Set(CASES.map((c) => c.alg));
  assert.deepEqual(
    node.KEY_MANAGEMENT_ALGORITHMS.filter((a) => !covered.has(a)),
    ['RSA1_5'],
  );
  assert.deepEqual(web.KEY_MANAGEMENT_ALGORITHMS, node.KEY_MANAGEMENT_ALGORITHMS);
  assert.deepEqual(web.CONTENT_ENCRYPTION_ALGORITHMS, node.CONTENT_ENCRYPTION_ALGORITHMS);
});

describe('every alg/enc pair: Node build <-> WebCrypto build, compact and JSON', () => {
  for (const c of CASES) {
    for (const enc of ENCS) {
      test(`${c.label} + ${enc}`, async () => {
        const [encKey, decKey] = c.keys(enc);
        const o = { alg: c.alg, enc, ...p2cFor(c.alg) };
        const opts = allow(c.alg, enc);
        // web -> node, compact
        const wc = await web.encryptJwe(PLAINTEXT, encKey as never, o);
        assert.equal(typeof wc, 'string');
        assert.deepEqual(new Uint8Array(node.decryptJwe(wc, decKey as never, opts).plaintext), PLAINTEXT);
        // node -> web, compact
        const nc = node.encryptJwe(PLAINTEXT, encKey as never, o);
        const r = await web.decryptJwe(nc, decKey as never, opts);
        assert.deepEqual(new Uint8Array(r.plaintext), PLAINTEXT);
        assert.equal(r.header.alg, c.alg);
        // web -> node and node -> web, flattened JSON with aad and unprotected headers
        const jo = {
          ...o,
          serialization: 'flattened' as const,
          unprotectedHeader: { 'x-shared': 1 },
          recipientHeader: { kid: 'k1' },
          aad: 'more data',
        };
        const wf = await web.encryptJwe(PLAINTEXT, encKey as never, jo);
        const nf = node.decryptJwe(wf, decKey as never, opts);
        assert.deepEqual(new Uint8Array(nf.plaintext), PLAINTEXT);
        assert.equal(nf.aad?.toString(), 'more data');
        const rf = await web.decryptJwe(
          node.encryptJwe(PLAINTEXT, encKey as never, jo),
          decKey as never,
          opts,
        );
        assert.deepEqual(new Uint8Array(rf.plaintext), PLAINTEXT);
        assert.equal(text.decode(rf.aad!), 'more data');
        assert.equal(rf.recipientHeader?.kid, 'k1');
        // general JSON, two recipients where the algorithm allows, and zip
        if (!c.direct) {
          const recipients = ['r1', 'r2'].map((kid) => ({
            key: encKey,
            alg: c.alg,
            header: { kid },
            ...p2cFor(c.alg),
          }));
          const wg = await web.encryptJwe(PLAINTEXT, recipients as never, { enc, zip: 'DEF' });
          assert.equal(node.decryptJwe(wg, decKey as never, opts).protectedHeader?.zip, 'DEF');
          assert.deepEqual(new Uint8Array(node.decryptJwe(wg, decKey as never, opts).plaintext), PLAINTEXT);
          const ng = node.encryptJwe(PLAINTEXT, recipients as never, { enc, zip: 'DEF' });
          assert.deepEqual(
            new Uint8Array((await web.decryptJwe(ng, decKey as never, opts)).plaintext),
            PLAINTEXT,
          );
        }
      });
    }
  }
});

describe('every alg/enc pair jose runs: WebCrypto build <-> jose (the oracle)', () => {
  for (const c of CASES.filter((x) => x.jose)) {
    for (const enc of ENCS) {
      test(`${c.label} + ${enc}`, async () => {
        const [encKey, decKey] = c.keys(enc);
        const joseKey = async (k: unknown) =>
          typeof k === 'string'
            ? new TextEncoder().encode(k)
            : k instanceof Uint8Array
              ? k
              : jose.importJWK(k as jose.JWK, c.alg);
        const jo = { keyManagementAlgorithms: [c.alg], contentEncryptionAlgorithms: [enc] };
        // web -> jose
        const t = await web.encryptJwe(PLAINTEXT, encKey as never, { alg: c.alg, enc, ...p2cFor(c.alg) });
        const a = await jose.compactDecrypt(t, await joseKey(decKey), jo);
        assert.deepEqual(new Uint8Array(a.plaintext), PLAINTEXT);
        const f = await web.encryptJwe(PLAINTEXT, encKey as never, {
          alg: c.alg,
          enc,
          serialization: 'flattened',
          aad: 'aad',
          ...p2cFor(c.alg),
        });
        const b = await jose.flattenedDecrypt(f as jose.FlattenedJWE, await joseKey(decKey), jo);
        assert.deepEqual(new Uint8Array(b.plaintext), PLAINTEXT);
        // jose -> web
        const enc1 = new jose.CompactEncrypt(PLAINTEXT).setProtectedHeader({ alg: c.alg, enc });
        if (c.alg.startsWith('PBES2')) enc1.setKeyManagementParameters({ p2c: 1000 });
        const jt = await enc1.encrypt(await joseKey(encKey));
        assert.deepEqual(
          new Uint8Array((await web.decryptJwe(jt, decKey as never, allow(c.alg, enc))).plaintext),
          PLAINTEXT,
        );
        const enc2 = new jose.FlattenedEncrypt(PLAINTEXT)
          .setProtectedHeader({ alg: c.alg, enc })
          .setAdditionalAuthenticatedData(new TextEncoder().encode('aad'));
        if (c.alg.startsWith('PBES2')) enc2.setKeyManagementParameters({ p2c: 1000 });
        const jf = await enc2.encrypt(await joseKey(encKey));
        const r = await web.decryptJwe(jf, decKey as never, allow(c.alg, enc));
        assert.deepEqual(new Uint8Array(r.plaintext), PLAINTEXT);
        assert.equal(text.decode(r.aad!), 'aad');
      });
    }
  }
});

// ---------------------------------------------------------------- RFC vectors

describe('RFC 7516 Appendix A and RFC 7520 §5-§6 on the WebCrypto build', () => {
  const isRsa15Refusal = async (jwe: unknown, key: unknown) => {
    await assert.rejects(web.decryptJwe(jwe, key as never, allow('RSA1_5')), node.InvalidOptionsError);
    await assert.rejects(
      web.decryptJwe(jwe, key as never, { ...allow('RSA1_5'), unsafeAllowRsa1_5: true }),
      node.UnsupportedAlgorithmError,
    );
  };
  const file = loadVector('rfc/rfc7516_jwe_examples.json');
  for (const v of file.vectors) {
    test(
      `${v.id} (${v.section})`,
      countedRfc(v.id, async () => {
        const pt = v.plaintext_utf8 as string;
        if (v.id === 'RFC7516-A.2') return isRsa15Refusal(v.compact, v.key);
        if (v.id === 'RFC7516-A.4') {
          const r = await web.decryptJwe(v.json, v.keys['7'], allow('A128KW'));
          assert.equal(text.decode(r.plaintext), pt);
          assert.equal(r.recipientIndex, 1);
          return isRsa15Refusal(v.json, v.keys['2011-04-29']);
        }
        const r = await web.decryptJwe(
          v.compact ?? v.json,
          v.key,
          allow((v.protected_header?.alg ?? 'A128KW') as Alg),
        );
        assert.equal(text.decode(r.plaintext), pt);
      }),
    );
  }
  const dir = join(vectorsDir, 'rfc/rfc7520_cookbook/jwe');
  for (const name of readdirSync(dir).sort()) {
    test(
      `RFC 7520 ${name}`,
      countedRfc(name, async () => {
        const v = loadVector(`rfc/rfc7520_cookbook/jwe/${name}`);
        const input = v.input;
        if (Array.isArray(input.key)) {
          for (const [i, alg] of (input.alg as string[]).entries()) {
            if (alg === 'RSA1_5') {
              await isRsa15Refusal(v.output.json, input.key[i]);
              continue;
            }
            const r = await web.decryptJwe(v.output.json, input.key[i], allow(alg as Alg));
            assert.equal(text.decode(r.plaintext), input.plaintext);
            assert.equal(r.recipientIndex, i);
          }
          return;
        }
        const key = input.pwd ?? input.key;
        const forms = Object.entries(v.output as Record<string, unknown>);
        assert.ok(forms.length > 0);
        for (const [form, jwe] of forms) {
          if (input.alg === 'RSA1_5') {
            await isRsa15Refusal(jwe, key);
            continue;
          }
          const r = await web.decryptJwe(jwe, key, allow(input.alg));
          assert.equal(text.decode(r.plaintext), input.plaintext, form);
          if (input.aad !== undefined) assert.equal(text.decode(r.aad!), input.aad);
        }
      }),
    );
  }
  // RFC 7520 §6, in the Node build's units (vectors.test.ts): each serialization, then decodeEncrypted.
  const nesting = loadVector('rfc/rfc7520_cookbook/6.nesting_signatures_and_encryption.json');
  for (const form of ['compact', 'json', 'json_flat'] as const) {
    test(
      `RFC 7520 §6 ${form}: the nested JWT decrypts to the signed JWS`,
      countedRfc(`RFC 7520 §6 ${form}`, async () => {
        const v = nesting;
        const r = await web.decryptJwe(v.encrypt.output[form], v.encrypt.input.key, allow('RSA-OAEP'));
        assert.equal(Buffer.from(r.plaintext).toString('latin1'), v.sign.output.compact);
      }),
    );
  }
  test(
    'RFC 7520 §6: decodeEncrypted opens the nested JWT, checking the inner PS256 signature',
    countedRfc('RFC 7520 §6 decodeEncrypted', async () => {
      const v = nesting;
      const sigPublic = (({ kty, n, e }) => ({ kty, n, e }))(v.sign.input.key);
      const claims = await web.decodeEncrypted(v.encrypt.output.compact, v.encrypt.input.key, {
        ...allow('RSA-OAEP'),
        signature: { key: sigPublic, algorithms: ['PS256'] },
        issuer: 'hobbiton.example',
        now: 1300819000,
      });
      assert.equal(claims.iss, 'hobbiton.example');
      await assert.rejects(
        web.decodeEncrypted(v.encrypt.output.compact, v.encrypt.input.key, {
          ...allow('RSA-OAEP'),
          signature: { key: sigPublic, algorithms: ['PS256'] },
          now: 1300819381,
        }),
        { name: 'ExpiredSignatureError' },
      );
      await assert.rejects(
        web.decodeEncrypted(v.encrypt.output.compact, v.encrypt.input.key, allow('RSA-OAEP')),
        node.DecodeError,
      );
    }),
  );
});

// ---------------------------------------------------------------- Wycheproof

test('Wycheproof json_web_encryption_test.json: the WebCrypto build ends every vector as node:crypto does', async () => {
  const file = loadVector('wycheproof/json_web_encryption_test.json');
  const ENC_NAMES = node.CONTENT_ENCRYPTION_ALGORITHMS as readonly string[];
  const differences: string[] = [];
  let compared = 0;
  let decrypted = 0;
  let rsa15 = 0;
  for (const g of file.testGroups) {
    const key = g.private as Record<string, unknown>;
    const keyAlg = String(key.alg);
    const alg = (ENC_NAMES.includes(keyAlg) ? 'dir' : keyAlg) as Alg;
    for (const v of g.tests) {
      const before = differences.length;
      const jwe =
        v.flags.includes('JsonSerialization') && typeof v.jwe === 'string' ? JSON.parse(v.jwe) : v.jwe;
      if (alg === 'RSA1_5') {
        // WebCrypto has no RSAES-PKCS1-v1_5: refused, typed, whatever the vector.
        rsa15++;
        const b = await webOutcome(jwe, key, { ...allow(alg), unsafeAllowRsa1_5: true });
        if (b.ok || b.error !== 'UnsupportedAlgorithmError')
          differences.push(`tcId ${v.tcId}: RSA1_5 ${JSON.stringify(b)}`);
        if (differences.length === before) tallies.wycheproof.pass();
        else tallies.wycheproof.fail(`tcId ${v.tcId}`, differences.at(-1)!);
        continue;
      }
      for (const input of [v.jwe, jwe]) {
        compared++;
        const a = nodeOutcome(input, key, allow(alg));
        const b = await webOutcome(input, key, allow(alg));
        if (JSON.stringify(a) !== JSON.stringify(b))
          differences.push(`tcId ${v.tcId}: node ${JSON.stringify(a)} vs web ${JSON.stringify(b)}`);
        if (b.ok) decrypted++;
        if (b.ok && v.result === 'invalid' && !v.flags.includes('JsonSerialization'))
          differences.push(`tcId ${v.tcId}: labelled invalid, decrypted by the WebCrypto build`);
      }
      if (differences.length === before) tallies.wycheproof.pass();
      else tallies.wycheproof.fail(`tcId ${v.tcId}`, differences.at(-1)!);
    }
  }
  assert.deepEqual(differences, []);
  assert.ok(compared > 200, `only ${compared} compared`);
  assert.ok(decrypted > 20, `only ${decrypted} decrypted`);
  assert.ok(rsa15 > 0);
});

// ---------------------------------------------------------------- the attack corpus' JWE cases

test('attack corpus: every JWE case ends on the WebCrypto build as on node:crypto, and as the corpus expects', async () => {
  const file = loadJson<AttackFile>('attacks/jwt_attack_cases.json');
  const KM = new Set<string>(node.KEY_MANAGEMENT_ALGORITHMS);
  const differences: string[] = [];
  let compared = 0;
  for (const c of file.cases) {
    if (!jweReason(c)) continue;
    const before = differences.length;
    const v = c.verifier ?? {};
    // The recipient's key as evaluateJwe (conformance) configures it: a password, an inline JWK, or the
    // named entry's private JWK with its published markings.
    let key: unknown = v.key;
    if (typeof key === 'string' && key.startsWith('password:')) key = key.slice('password:'.length);
    else if (typeof key === 'string') {
      const entry = file.keys[key] as Record<string, Record<string, unknown> | undefined> | undefined;
      const priv = entry?.private_jwk ?? entry?.public_jwk ?? entry?.jwk;
      const pub = entry?.public_jwk ?? {};
      key = priv && { ...priv, ...(pub.use ? { use: pub.use } : {}), ...(pub.alg ? { alg: pub.alg } : {}) };
    }
    const tokens: unknown[] = [];
    if (typeof c.token === 'string') tokens.push(c.token);
    if (c.generator) tokens.push(generate(c.generator, v, file.keys).token);
    const algs = (v.algorithms ?? []).filter((a: string) => KM.has(a)) as Alg[];
    const opts =
      algs.length > 0
        ? {
            keyManagementAlgorithms: algs,
            contentEncryptionAlgorithms: v.enc ?? node.CONTENT_ENCRYPTION_ALGORITHMS,
          }
        : allow(node.KEY_MANAGEMENT_ALGORITHMS.filter((a) => a !== 'RSA1_5'));
    for (const token of tokens) {
      compared++;
      const a = nodeOutcome(token, key, opts);
      const b = await webOutcome(token, key, opts);
      if (JSON.stringify(a) !== JSON.stringify(b))
        differences.push(
          `${c.id}: node ${JSON.stringify(a).slice(0, 160)} vs web ${JSON.stringify(b).slice(0, 160)}`,
        );
      if (b.ok && c.expected !== 'accept')
        differences.push(`${c.id}: expected reject, the WebCrypto build accepted`);
      if (!b.ok && !Object.hasOwn(node, b.error)) differences.push(`${c.id}: crash ${b.error}`);
    }
    if (differences.length === before) tallies.attacks.pass();
    else tallies.attacks.fail(c.id, differences.at(-1)!);
  }
  assert.deepEqual(differences, []);
  assert.ok(compared >= 5, `only ${compared} JWE cases`);
});

// ---------------------------------------------------------------- security rules (the shared pipeline's)

/** A compact JWE with a header of our choosing (the rest random): for checks that run before any crypto. */
function forged(
  header: Record<string, unknown>,
  ek = randomBytes(40),
  iv = randomBytes(12),
  tag = randomBytes(16),
) {
  return `${b64(JSON.stringify(header))}.${b64(ek)}.${b64(iv)}.${b64(randomBytes(32))}.${b64(tag)}`;
}

/** The web build ends `jwe` exactly as the Node build does (class and message), with `expected`'s class. */
async function same(
  jwe: unknown,
  key: unknown,
  opts: object,
  expected: new (...a: never[]) => Error,
  nodeKey = key,
) {
  const a = nodeOutcome(jwe, nodeKey, opts);
  const b = await webOutcome(jwe, key, opts);
  assert.deepEqual(b, a);
  assert.equal(b.ok, false, 'refused');
  if (!b.ok) assert.equal(b.error, expected.name, b.message);
}

describe('JWE security rules on the WebCrypto build', () => {
  test('both allowlists are required (no default); an alg or enc outside them is refused', async () => {
    const k = secret(32);
    const t = node.encryptJwe('x', k, { alg: 'dir', enc: 'A256GCM' });
    for (const o of [
      undefined,
      {},
      { keyManagementAlgorithms: ['dir'] },
      { contentEncryptionAlgorithms: ['A256GCM'] },
      { keyManagementAlgorithms: [], contentEncryptionAlgorithms: ['A256GCM'] },
    ])
      await assert.rejects(web.decryptJwe(t, k, o as never), node.InvalidOptionsError);
    await assert.rejects(web.decryptJwe(t, k, allow('A256KW', 'A256GCM')), node.JweAlgorithmNotAllowedError);
    await assert.rejects(web.decryptJwe(t, k, allow('dir', 'A128GCM')), node.JweAlgorithmNotAllowedError);
    await assert.rejects(
      web.encryptJwe('x', rsaPair().publicKey, { alg: 'RSA1_5', enc: 'A256GCM' }),
      node.InvalidOptionsError,
    );
    await assert.rejects(
      web.encryptJwe('x', jwkOf(rsaPair().publicKey) as never, {
        alg: 'RSA1_5',
        enc: 'A256GCM',
        unsafeAllowRsa1_5: true,
      }),
      node.UnsupportedAlgorithmError,
    );
    // RSA1_5 encryption with the unsafe flag: refused before the key is read (this one is not even a key).
    await assert.rejects(
      web.encryptJwe('x', 'not a key' as never, { alg: 'RSA1_5', enc: 'A256GCM', unsafeAllowRsa1_5: true }),
      node.UnsupportedAlgorithmError,
    );
    await assert.rejects(
      web.encodeEncrypted({}, 'not a key' as never, {
        alg: 'RSA1_5',
        enc: 'A256GCM',
        unsafeAllowRsa1_5: true,
      }),
      node.UnsupportedAlgorithmError,
    );
    // RSA1_5 in a web allowlist: refused up front by decryptJwe and decodeEncrypted alike.
    for (const decrypt of [web.decryptJwe, web.decodeEncrypted] as const)
      await assert.rejects(
        decrypt(t, k, { ...allow('RSA1_5'), unsafeAllowRsa1_5: true } as never),
        node.UnsupportedAlgorithmError,
      );
  });

  test('the key type is bound to the algorithm family (the same refusals as the Node build)', async () => {
    const t = node.encryptJwe('x', ecdhPair('P-256').publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' });
    const rsaJwk = jwkOf(rsaPair().privateKey);
    await same(t, rsaJwk, allow('ECDH-ES'), node.InvalidKeyError);
    await same(
      t,
      { ...jwkOf(ecdhPair('P-256').privateKey), use: 'sig' },
      allow('ECDH-ES'),
      node.InvalidKeyError,
    );
    await same(
      t,
      { ...jwkOf(ecdhPair('P-256').privateKey), alg: 'ES256' },
      allow('ECDH-ES'),
      node.InvalidKeyError,
    );
    await same(t, jwkOf(ecdhPair('P-256').publicKey), allow('ECDH-ES'), node.InvalidKeyError);
    const ed = generateKeyPairSync('ed25519');
    await same(t, jwkOf(ed.privateKey), allow('ECDH-ES'), node.InvalidKeyError);
    const kw = node.encryptJwe('x', secret(32), { alg: 'A256KW', enc: 'A256GCM' });
    await same(kw, secret(16), allow('A256KW'), node.InvalidKeyError);
    await same(kw, 'a string is a password', allow('A256KW'), node.InvalidKeyError);
    await same(
      kw,
      { kty: 'oct', k: b64(secret(32)), key_ops: ['sign'] },
      allow('A256KW'),
      node.InvalidKeyError,
    );
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const oaep = node.encryptJwe('x', rsaPair().publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    await same(oaep, jwkOf(small.privateKey), allow('RSA-OAEP-256'), node.InvalidKeyError);
    // A signing CryptoKey never decrypts.
    const hmac = await webcrypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, true, [
      'sign',
    ]);
    await assert.rejects(web.decryptJwe(kw, hmac as never, allow('A256KW')), node.InvalidKeyError);
    // The same keys as CryptoKeys decrypt (extractable and not).
    const ec = ecdhPair('P-256');
    const ck = await webcrypto.subtle.importKey(
      'jwk',
      jwkOf(ec.privateKey),
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      ['deriveBits'],
    );
    assert.equal(text.decode((await web.decryptJwe(t, ck as never, allow('ECDH-ES'))).plaintext), 'x');
    // PEM text (PKCS#8 / SPKI) as the JWS build reads it.
    const pem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.equal(text.decode((await web.decryptJwe(t, pem, allow('ECDH-ES'))).plaintext), 'x');
    const spki = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const t2 = await web.encryptJwe('y', spki, { alg: 'ECDH-ES+A128KW', enc: 'A128GCM' });
    assert.equal(node.decryptJwe(t2, ec.privateKey, allow('ECDH-ES+A128KW')).plaintext.toString(), 'y');
  });

  test('ECDH-ES: an epk on another curve, off the curve, of another type or private is refused; apu/apv capped', async () => {
    const { privateKey, publicKey } = ecdhPair('P-256');
    const good = node.encryptJwe('x', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    const header = JSON.parse(Buffer.from(good.split('.')[0]!, 'base64url').toString());
    const offCurve = {
      ...header.epk,
      y: b64(Buffer.from(header.epk.y, 'base64url').map((b: number, i: number) => (i === 31 ? b ^ 1 : b))),
    };
    const priv = jwkOf(privateKey);
    for (const epk of [
      jwkOf(ecdhPair('P-384').publicKey),
      jwkOf(ecdhPair('X25519').publicKey),
      offCurve,
      { ...header.epk, kty: 'OKP' },
      { ...header.epk, d: header.epk.x },
      'string',
      null,
    ])
      await same(forged({ ...header, epk }), priv, allow('ECDH-ES+A256KW'), node.DecodeError);
    await same(
      forged({ ...header, apu: b64(randomBytes(257)) }),
      priv,
      allow('ECDH-ES+A256KW'),
      node.DecodeError,
    );
    // An X25519 low-order point: the one decryption failure.
    const low = forged({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      epk: { kty: 'OKP', crv: 'X25519', x: b64(Buffer.alloc(32)) },
    });
    await same(low, jwkOf(ecdhPair('X25519').privateKey), allow('ECDH-ES+A256KW'), node.JweDecryptionError);
    await assert.rejects(
      web.encryptJwe('x', jwkOf(publicKey) as never, {
        alg: 'ECDH-ES',
        enc: 'A256GCM',
        apv: 'v'.repeat(257),
      }),
      node.InvalidOptionsError,
    );
  });

  test('PBES2: p2c over the cap is refused before any derivation; p2s at least 8 bytes', async () => {
    const pw = 'correct horse battery staple';
    const big = forged({
      alg: 'PBES2-HS256+A128KW',
      enc: 'A256GCM',
      p2s: b64(randomBytes(16)),
      p2c: 2 ** 31 - 1,
    });
    const start = process.hrtime.bigint();
    await same(big, pw, allow('PBES2-HS256+A128KW'), node.DecodeError);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 500, 'refused without deriving');
    const t2 = node.encryptJwe('x', pw, { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 20_000 });
    await same(t2, pw, allow('PBES2-HS256+A128KW'), node.DecodeError);
    const ok = await web.decryptJwe(t2, pw, { ...allow('PBES2-HS256+A128KW'), maxPbes2Count: 20_000 });
    assert.equal(text.decode(ok.plaintext), 'x');
    for (const h of [
      { p2s: b64(randomBytes(7)), p2c: 1000 },
      { p2s: b64(randomBytes(16)) },
      { p2s: b64(randomBytes(16)), p2c: 1.5 },
      { p2c: 1000 },
    ])
      await same(
        forged({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', ...h }),
        pw,
        allow('PBES2-HS256+A128KW'),
        node.DecodeError,
      );
  });

  test('every decryption failure is the same error class and message (CBC: tag first, padding under a valid tag)', async () => {
    const expectSame = async (jwe: unknown, key: unknown, opts: object, nodeKey = key) => {
      await same(jwe, key, opts, node.JweDecryptionError, nodeKey);
      await assert.rejects(web.decryptJwe(jwe, key as never, opts as never), (e: unknown) => {
        assert.ok(e instanceof web.JweDecryptionError);
        assert.equal(e.message, 'JWE decryption failed');
        assert.equal(e.code, 'ERR_JWE_DECRYPTION_FAILED');
        return true;
      });
    };
    const flip = (s: string) => b64(Buffer.from(s, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b)));
    for (const enc of ['A128CBC-HS256', 'A256CBC-HS512', 'A256GCM'] as const) {
      const cek = secret(CEK_BYTES[enc]!);
      const good = node.encryptJwe('hello', cek, { alg: 'dir', enc });
      const [h, ek, iv, ct, tag] = good.split('.') as [string, string, string, string, string];
      await expectSame(`${h}.${ek}.${iv}.${ct}.${flip(tag)}`, cek, allow('dir', enc));
      await expectSame(`${h}.${ek}.${iv}.${flip(ct)}.${tag}`, cek, allow('dir', enc));
      await expectSame(`${h}.${ek}.${flip(iv)}.${ct}.${tag}`, cek, allow('dir', enc));
    }
    // Wrong padding under a right HMAC (we know the CEK): WebCrypto's AES-CBC removes padding itself and
    // rejects; still the one error.
    const cek = secret(32);
    const h = b64(JSON.stringify({ alg: 'dir', enc: 'A128CBC-HS256' }));
    const ivb = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', Buffer.from(cek.subarray(16)), ivb).setAutoPadding(false);
    const badPad = Buffer.concat([c.update(Buffer.alloc(16, 0x11)), c.final()]);
    const aad = Buffer.from(h, 'ascii');
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(aad.length * 8));
    const mac = createHmac('sha256', cek.subarray(0, 16))
      .update(Buffer.concat([aad, ivb, badPad, al]))
      .digest()
      .subarray(0, 16);
    await expectSame(`${h}..${b64(ivb)}.${b64(badPad)}.${b64(mac)}`, cek, allow('dir', 'A128CBC-HS256'));
    // Unwrap failures: another KEK, a flipped wrapped key, a wrapped CEK of the wrong length.
    const kek = secret(32);
    const kw = node.encryptJwe('hello', kek, { alg: 'A256KW', enc: 'A256GCM' });
    await expectSame(kw, secret(32), allow('A256KW'));
    const parts = kw.split('.');
    await expectSame([parts[0], flip(parts[1]!), ...parts.slice(2)].join('.'), kek, allow('A256KW'));
    const w = createCipheriv('id-aes256-wrap', Buffer.from(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const short = Buffer.concat([w.update(randomBytes(16)), w.final()]);
    await expectSame([parts[0], b64(short), ...parts.slice(2)].join('.'), kek, allow('A256KW'));
    // RSA-OAEP garbage and a wrong private key; ECDH with another key; PBES2 wrong password; GCMKW other KEK.
    const oaep = node.encryptJwe('hello', rsaPair().publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    const op = oaep.split('.');
    const rsaJwk = jwkOf(rsaPair().privateKey);
    await expectSame([op[0], b64(randomBytes(256)), ...op.slice(2)].join('.'), rsaJwk, allow('RSA-OAEP-256'));
    await expectSame(
      oaep,
      jwkOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      allow('RSA-OAEP-256'),
    );
    const ecdh = node.encryptJwe('hello', ecdhPair('P-256').publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' });
    await expectSame(
      ecdh,
      jwkOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
      allow('ECDH-ES'),
    );
    const pb = node.encryptJwe('hello', 'pw-one', { alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 1000 });
    await expectSame(pb, 'pw-two', allow('PBES2-HS256+A128KW'));
    const gk = node.encryptJwe('hello', secret(16), { alg: 'A128GCMKW', enc: 'A256GCM' });
    await expectSame(gk, secret(16), allow('A128GCMKW'));
  });

  test('crit, size limits and header rules end as on the Node build', async () => {
    const k = secret(32);
    // A real token (built with node:crypto) with an unknown crit extension: refused after the tag, as on
    // node; accepted when the application names the extension.
    const ph = b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', crit: ['x-unknown'], 'x-unknown': 1 }));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(k), iv);
    cipher.setAAD(Buffer.from(ph, 'ascii'));
    const ct = Buffer.concat([cipher.update('x'), cipher.final()]);
    const critical = `${ph}..${b64(iv)}.${b64(ct)}.${b64(cipher.getAuthTag())}`;
    const critOutcome = await webOutcome(critical, k, allow('dir'));
    assert.deepEqual(critOutcome, nodeOutcome(critical, k, allow('dir')));
    assert.equal(critOutcome.ok, false);
    const named = await web.decryptJwe(critical, k, { ...allow('dir'), crit: ['x-unknown'] });
    assert.equal(text.decode(named.plaintext), 'x');
    await same('a'.repeat(300_000), k, allow('dir'), node.DecodeError);
    await same('a.b.c', k, allow('dir'), node.DecodeError);
    await same(forged({ alg: 'dir', enc: 'A256GCM', b64: false }), k, allow('dir'), node.DecodeError);
    await same(forged({ alg: 'dir', enc: 'A256GCM', zip: 'GZIP' }), k, allow('dir'), node.DecodeError);
  });

  test('zip "DEF": a 64 MiB zip bomb is refused at the limit while streaming, never inflated', async () => {
    const k = secret(32);
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    const ph = b64(JSON.stringify({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }));
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', Buffer.from(k), iv);
    c.setAAD(Buffer.from(ph, 'ascii'));
    const ct = Buffer.concat([c.update(bomb), c.final()]);
    const t = `${ph}..${b64(iv)}.${b64(ct)}.${b64(c.getAuthTag())}`;
    const before = process.memoryUsage().arrayBuffers;
    const start = process.hrtime.bigint();
    await same(t, k, { ...allow('dir'), maxTokenLength: 1e6 }, node.DecodeError);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const grew = process.memoryUsage().arrayBuffers - before;
    assert.ok(ms < 2000, `refused in ${ms} ms`);
    assert.ok(grew < 16 * 1024 * 1024, `array buffers grew by ${grew} bytes`);
    // Within the limit it inflates, to the exact size.
    const r = await web.decryptJwe(t, k, {
      ...allow('dir'),
      maxTokenLength: 1e6,
      maxInflatedLength: 64 * 1024 * 1024,
    });
    assert.equal(r.plaintext.length, 64 * 1024 * 1024);
  });

  test('X448 on a runtime without it (browsers, Deno, workerd): UnsupportedAlgorithmError, both ways', async () => {
    // Node's WebCrypto has X448; a runtime without it answers NotSupportedError, as simulated here.
    const subtle = globalThis.crypto.subtle as unknown as Record<string, unknown>;
    const { importKey, generateKey } = webcrypto.subtle;
    const refuse =
      (real: (...a: never[]) => unknown) =>
      (...args: unknown[]) => {
        const alg = JSON.stringify(
          args.find((a) => typeof a === 'object' && a !== null && 'name' in a) ?? args[0],
        );
        if (alg.includes('X448')) throw new DOMException('Unrecognized algorithm name', 'NotSupportedError');
        return (real as (...a: unknown[]) => unknown).apply(webcrypto.subtle, args);
      };
    subtle.importKey = refuse(importKey as never);
    subtle.generateKey = refuse(generateKey as never);
    try {
      const x = ecdhPair('X448');
      const t = node.encryptJwe('x', x.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' });
      await assert.rejects(
        web.decryptJwe(t, jwkOf(x.privateKey) as never, allow('ECDH-ES')),
        node.UnsupportedAlgorithmError,
      );
      await assert.rejects(
        web.encryptJwe('x', jwkOf(x.publicKey) as never, { alg: 'ECDH-ES', enc: 'A256GCM' }),
        node.UnsupportedAlgorithmError,
      );
    } finally {
      delete subtle.importKey;
      delete subtle.generateKey;
    }
    assert.equal(globalThis.crypto.subtle.importKey, importKey);
  });

  test('encrypted and nested JWTs: encodeEncrypted / decodeEncrypted across builds', async () => {
    const ec = ecdhPair('P-384');
    const sig = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const t = await web.encodeEncrypted({ sub: 'u1' }, jwkOf(ec.publicKey) as never, {
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      expiresIn: '5m',
      sign: { key: jwkOf(sig.privateKey) as never, algorithm: 'ES256' },
    });
    const opts = {
      ...allow('ECDH-ES+A256KW'),
      signature: { key: jwkOf(sig.publicKey) as never, algorithms: ['ES256' as const] },
    };
    assert.equal(node.decodeEncrypted(t, ec.privateKey, opts).sub, 'u1');
    assert.equal((await web.decodeEncrypted(t, jwkOf(ec.privateKey) as never, opts)).sub, 'u1');
    const bare = node.encodeEncrypted({ sub: 'u2', aud: 'api' }, ec.publicKey, {
      alg: 'ECDH-ES',
      enc: 'A128CBC-HS256',
    });
    const full = await web.decodeEncryptedComplete(bare, jwkOf(ec.privateKey) as never, {
      ...allow('ECDH-ES'),
      audience: 'api',
    });
    assert.equal(full.payload.sub, 'u2');
    assert.equal(full.signedHeader, null);
    await assert.rejects(
      web.decodeEncrypted(bare, jwkOf(ec.privateKey) as never, { ...allow('ECDH-ES'), audience: 'other' }),
      node.InvalidAudienceError,
    );
    // An async key resolver (the web build allows one).
    const byKid = await web.decryptJwe(
      node.encryptJwe('k', secret(32).fill(1), { alg: 'A256KW', enc: 'A256GCM', keyId: 'one' }),
      async (h) => (h.kid === 'one' ? new Uint8Array(32).fill(1) : new Uint8Array(32)),
      allow('A256KW'),
    );
    assert.equal(text.decode(byKid.plaintext), 'k');
  });
});

describe('createEncrypter / createDecrypter on the WebCrypto build', () => {
  test('the prepared forms round-trip with the Node build, and refuse as decryptJwe refuses', async () => {
    const key = new Uint8Array(randomBytes(32));
    const options = {
      keyManagementAlgorithms: ['A256KW' as const],
      contentEncryptionAlgorithms: ['A256GCM' as const],
    };
    const seal = web.createEncrypter(key, { alg: 'A256KW', enc: 'A256GCM' });
    const open = web.createDecrypter(key, options);
    const sealed = await seal('web prepared');
    assert.equal(
      Buffer.from(node.decryptJwe(sealed, Buffer.from(key), options).plaintext).toString(),
      'web prepared',
    );
    const fromNode = node.encryptJwe('node made', Buffer.from(key), { alg: 'A256KW', enc: 'A256GCM' });
    assert.equal(new TextDecoder().decode((await open(fromNode)).plaintext), 'node made');
    const parts = fromNode.split('.');
    parts[4] = parts[4]!.startsWith('A') ? `B${parts[4]!.slice(1)}` : `A${parts[4]!.slice(1)}`;
    await assert.rejects(open(parts.join('.')), (e: Error) => e.name === 'JweDecryptionError');
    assert.throws(
      () => web.createDecrypter(key, {} as never),
      (e: Error) => e.name === 'InvalidOptionsError',
    );
    assert.throws(
      () => web.createEncrypter(key, { alg: 'A256KW', enc: 'A256GCM', serialization: 'flattened' } as never),
      (e: Error) => e.name === 'InvalidOptionsError',
    );
  });
});
