/**
 * The two backends, side by side in Node: node:crypto (`jwtkit`, sync) and WebCrypto (`jwtkit/webcrypto`,
 * async, on Node's globalThis.crypto.subtle). Tokens cross: every algorithm signed on one verifies on the
 * other, and both agree with jose (the oracle) in both directions. Every security rule holds on both,
 * with the same error class. `jwtkit/async` (node:crypto, promises) gives what the sync build gives.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import * as jose from 'jose';
import * as asyncApi from '../../src/async.js';
import * as node from '../../src/index.js';
import * as web from '../../src/webcrypto.js';
import { SEED_TOKEN } from '../core/_helpers.js';

type Alg = node.Algorithm;
const WEB_ALGS: Alg[] = node.ALGORITHMS.filter((a) => a !== 'ES256K' && a !== 'Ed448');

function keysFor(alg: Alg): { sign: node.Jwk; verify: node.Jwk } {
  if (alg.startsWith('HS')) {
    const jwk = node.exportJwk(node.importKey(node.generateSecret(alg), { type: 'secret' }));
    return { sign: jwk, verify: jwk };
  }
  const kp = node.generateKeyPair(alg);
  return { sign: node.exportJwk(kp.privateKey), verify: node.exportPublicJwk(kp.publicKey) };
}

async function errorName(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (e) {
    return (e as Error).name;
  }
}

describe('tokens cross the backends', () => {
  for (const alg of WEB_ALGS) {
    test(`${alg}: node -> webcrypto, webcrypto -> node, jose both ways`, async () => {
      const k = keysFor(alg);
      const claims = { sub: 'alice', n: 1, s: 'é' };
      const fromNode = node.encode(claims, k.sign, { algorithm: alg });
      const fromWeb = await web.encode(claims, k.sign, { algorithm: alg });
      if (alg.startsWith('HS')) assert.equal(fromWeb, fromNode, 'HMAC is deterministic: the same bytes');
      assert.deepEqual(await web.decode(fromNode, k.verify, { algorithms: [alg] }), claims);
      assert.deepEqual(node.decode(fromWeb, k.verify, { algorithms: [alg] }), claims);
      // jose as the oracle: it verifies what each backend signs, and each backend verifies what it signs.
      const joseAlg = alg === 'Ed25519' ? 'EdDSA' : alg;
      const joseKey = await jose.importJWK(k.verify as jose.JWK, joseAlg);
      for (const t of [fromNode, fromWeb]) {
        // jose 6 knows Ed25519 under "EdDSA" only: its header check needs the name it knows.
        if (alg === 'Ed25519') break;
        assert.deepEqual((await jose.jwtVerify(t, joseKey, { algorithms: [alg] })).payload, claims);
      }
      const joseSign = await jose.importJWK(k.sign as jose.JWK, joseAlg);
      const fromJose = await new jose.SignJWT(claims).setProtectedHeader({ alg: joseAlg }).sign(joseSign);
      const allow: Alg[] = [joseAlg as Alg];
      assert.deepEqual(await web.decode(fromJose, k.verify, { algorithms: allow }), claims);
      assert.deepEqual(node.decode(fromJose, k.verify, { algorithms: allow }), claims);
      // A CryptoKey (jose's key type) works on both.
      assert.deepEqual(await web.decode(fromJose, joseKey as CryptoKey, { algorithms: allow }), claims);
    });
  }

  test('jwtkit/async runs on node:crypto and returns what the sync build returns', async () => {
    assert.equal(asyncApi.backend, 'node');
    const k = keysFor('ES256');
    const t = await asyncApi.encode({ a: 1 }, k.sign, { algorithm: 'ES256' });
    assert.deepEqual(node.decode(t, k.verify, { algorithms: ['ES256'] }), { a: 1 });
    assert.deepEqual(await asyncApi.decode(t, k.verify, { algorithms: ['ES256'] }), { a: 1 });
    assert.deepEqual(await asyncApi.createVerifier(k.verify, { algorithms: ['ES256'] })(t), { a: 1 });
    const sign = asyncApi.createSigner(k.sign, { algorithm: 'ES256' });
    assert.deepEqual(node.decode(await sign({ b: 2 }), k.verify, { algorithms: ['ES256'] }), { b: 2 });
    await assert.rejects(asyncApi.decode(t, k.verify, { algorithms: ['RS256'] }), node.InvalidAlgorithmError);
    await assert.rejects(
      asyncApi
        .decode(t, async () => k.verify, { algorithms: ['ES256'] })
        .then(() => {
          throw new Error('resolved');
        }),
      /resolved/,
    );
  });

  test('the seed token verifies with `decode` on both (await works on the sync result too)', async () => {
    const want = { user_id: 101, username: 'alice', role: 'admin' };
    assert.deepEqual(await node.decode(SEED_TOKEN, 'mysecret123', { algorithms: ['HS256'] }), want);
    assert.deepEqual(await web.decode(SEED_TOKEN, 'mysecret123', { algorithms: ['HS256'] }), want);
  });
});

describe('every rule holds on both backends, with the same error class', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const rsa = node.generateKeyPair('RS256');
  const ec = node.generateKeyPair('ES256');
  const ec384 = node.generateKeyPair('ES384');
  const secret = 'k'.repeat(32);
  const rsaPem = node.exportPem(rsa.publicKey);
  const ecJwk = node.exportPublicJwk(ec.publicKey);
  const forge = (header: object, payload: object, sig: Uint8Array | string) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${typeof sig === 'string' ? sig : Buffer.from(sig).toString('base64url')}`;
  const es = node.encode({ a: 1 }, ec.privateKey, { algorithm: 'ES256' });
  const derSig = (() => {
    const raw = Buffer.from(es.split('.')[2]!, 'base64url');
    const int = (b: Buffer) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      const v = b.subarray(i);
      return v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
    };
    const r = int(raw.subarray(0, 32));
    const s = int(raw.subarray(32));
    const body = Buffer.concat([Buffer.from([2, r.length]), r, Buffer.from([2, s.length]), s]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  })();
  const [esHead, esBody] = es.split('.');
  const rs = node.encode({ a: 1 }, rsa.privateKey, { algorithm: 'PS256' });
  const rsShort = `${rs.split('.').slice(0, 2).join('.')}.${Buffer.from(rs.split('.')[2]!, 'base64url').subarray(1).toString('base64url')}`;

  const cases: Array<{ name: string; token: string; key: unknown; options: node.DecodeOptions }> = [
    {
      name: 'a 3-byte HMAC secret',
      token: forge({ alg: 'HS256' }, { a: 1 }, 'x'),
      key: 'abc',
      options: { algorithms: ['HS256'] },
    },
    {
      name: 'an RSA public key (PEM) as an HMAC secret (alg confusion)',
      token: forge({ alg: 'HS256' }, { a: 1 }, 'x'),
      key: rsaPem,
      options: { algorithms: ['HS256'] },
    },
    {
      name: 'a 1024-bit RSA key',
      token: node.encode({ a: 1 }, secret),
      key: node.exportPublicJwk(rsa1024.publicKey),
      options: { algorithms: ['RS256'] },
    },
    {
      name: 'a P-384 key for ES256',
      token: es,
      key: node.exportPublicJwk(ec384.publicKey),
      options: { algorithms: ['ES256'] },
    },
    { name: 'an EC key for RS256', token: es, key: ecJwk, options: { algorithms: ['RS256'] } },
    { name: 'alg not in the allowlist', token: es, key: ecJwk, options: { algorithms: ['RS256', 'HS256'] } },
    {
      name: 'alg none',
      token: forge({ alg: 'none' }, { a: 1 }, ''),
      key: secret,
      options: { algorithms: ['HS256'] },
    },
    {
      name: 'an ECDSA signature in DER',
      token: `${esHead}.${esBody}.${derSig.toString('base64url')}`,
      key: ecJwk,
      options: { algorithms: ['ES256'] },
    },
    {
      name: 'an RSA signature one byte short',
      token: rsShort,
      key: rsaPem,
      options: { algorithms: ['PS256'] },
    },
    { name: 'a good ES256 token', token: es, key: ecJwk, options: { algorithms: ['ES256'] } },
    {
      name: 'crit naming an unknown extension',
      token: node
        .encode({ a: 1 }, secret)
        .replace(/^[^.]+/, Buffer.from('{"alg":"HS256","crit":["x"],"x":1}').toString('base64url')),
      key: secret,
      options: { algorithms: ['HS256'] },
    },
    {
      name: 'an expired token',
      token: node.encode({ exp: 1000 }, secret),
      key: secret,
      options: { algorithms: ['HS256'] },
    },
    {
      name: 'the wrong audience',
      token: node.encode({ aud: 'a' }, secret),
      key: secret,
      options: { algorithms: ['HS256'], audience: 'b' },
    },
    {
      name: 'a token over maxTokenLength',
      token: node.encode({ pad: 'x'.repeat(400) }, secret),
      key: secret,
      options: { algorithms: ['HS256'], maxTokenLength: 200 },
    },
    {
      name: 'non-canonical base64url in the signature',
      token: `${node.encode({ a: 1 }, secret)}=`,
      key: secret,
      options: { algorithms: ['HS256'] },
    },
    {
      name: 'a duplicate member in the payload',
      token: `${node.encode({ a: 1 }, secret).split('.')[0]}.${Buffer.from('{"a":1,"a":2}').toString('base64url')}.x`,
      key: secret,
      options: { algorithms: ['HS256'] },
    },
    { name: 'no allowlist', token: es, key: ecJwk, options: {} as never },
    {
      name: 'an unknown algorithm in the allowlist',
      token: es,
      key: ecJwk,
      options: { algorithms: ['XS256' as never] },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const onNode = await errorName(() => node.decode(c.token, c.key as never, c.options));
      const onWeb = await errorName(() => web.decode(c.token, c.key as never, c.options));
      assert.equal(onWeb, onNode);
      if (c.name !== 'a good ES256 token') assert.notEqual(onNode, 'accepted');
    });
  }

  test('a key or an allowlist WebCrypto cannot run is an UnsupportedAlgorithmError (typed), not a token error', async () => {
    const k = node.generateKeyPair('ES256K');
    const t = node.encode({ a: 1 }, k.privateKey, { algorithm: 'ES256K' });
    await assert.rejects(
      web.decode(t, node.exportPublicJwk(k.publicKey), { algorithms: ['ES256K'] }),
      web.UnsupportedAlgorithmError,
    );
    await assert.rejects(
      web.encode({}, node.exportJwk(k.privateKey), { algorithm: 'ES256K' }),
      web.UnsupportedAlgorithmError,
    );
    const ed448 = node.generateKeyPair('EdDSA', { crv: 'Ed448' });
    const t448 = node.encode({ a: 1 }, ed448.privateKey, { algorithm: 'EdDSA' });
    await assert.rejects(
      web.decode(t448, node.exportPublicJwk(ed448.publicKey), { algorithms: ['EdDSA'] }),
      web.UnsupportedAlgorithmError,
    );
    assert.ok(new web.UnsupportedAlgorithmError('x') instanceof web.InvalidOptionsError);
    assert.ok(!(new web.UnsupportedAlgorithmError('x') instanceof web.InvalidTokenError));
  });
});

describe('encode and createSigner: one code path (issue #18)', () => {
  const secret = 'k'.repeat(48);
  for (const [name, build] of [
    [
      'node',
      (o: node.EncodeOptions) => [node.encode({ a: 1 }, secret, o), node.createSigner(secret, o)({ a: 1 })],
    ],
    [
      'webcrypto',
      async (o: node.EncodeOptions) => [
        await web.encode({ a: 1 }, secret, o),
        await web.createSigner(secret, o)({ a: 1 }),
      ],
    ],
  ] as const) {
    test(`${name}: headers.alg is honoured by both, and a conflict is refused by both`, async () => {
      const [a, b] = await build({ headers: { alg: 'HS384', kid: 'k1' } });
      assert.equal(a, b);
      assert.equal(node.getUnverifiedHeader(a as string).alg, 'HS384');
      await assert.rejects(
        async () => build({ algorithm: 'HS256', headers: { alg: 'HS384' } }),
        node.InvalidOptionsError,
      );
      await assert.rejects(
        async () => build({ algorithm: 'XS256' as never }),
        node.UnsupportedAlgorithmError,
      );
    });
  }
});
