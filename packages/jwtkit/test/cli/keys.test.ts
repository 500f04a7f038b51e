import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { decode, encode, exportJwk, exportPem, generateKeyPair, jwkThumbprint } from '../../src/index.js';
import { headerOf, run, tempDir } from './_helpers.js';

const tmp = tempDir();
after(() => tmp.cleanup());
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('jwtkit keygen', () => {
  for (const alg of [
    'ES256',
    'ES384',
    'ES512',
    'ES256K',
    'EdDSA',
    'Ed25519',
    'Ed448',
    'RS256',
    'PS256',
  ] as const) {
    test(`${alg}: a private JWK with alg, use and a thumbprint kid that signs verifiable tokens`, async () => {
      const r = await run(['keygen', alg]);
      assert.equal(r.code, 0, r.stderr);
      const jwk = JSON.parse(r.stdout);
      assert.equal(jwk.alg, alg);
      assert.equal(jwk.use, 'sig');
      assert.ok(typeof jwk.d === 'string', 'private');
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
      assert.equal(jwk.kid, jwkThumbprint(pub));
      const token = encode({ sub: 'k' }, jwk, { algorithm: alg });
      assert.equal(decode<{ sub: string }>(token, pub, { algorithms: [alg] }).sub, 'k');
    });
  }

  test('HS256: an oct JWK of 32 random bytes; --format base64url prints just the secret', async () => {
    const r = await run(['keygen', 'HS256', '--kid', 'h1']);
    const jwk = JSON.parse(r.stdout);
    assert.equal(jwk.kty, 'oct');
    assert.equal(Buffer.from(jwk.k, 'base64url').length, 32);
    assert.equal(jwk.kid, 'h1');
    const b = await run(['keygen', 'HS512', '--format', 'base64url']);
    assert.match(b.stdout, /^[A-Za-z0-9_-]{86}\n$/);
    const two = await run(['keygen', 'HS256', '--format', 'base64url']);
    const three = await run(['keygen', 'HS256', '--format', 'base64url']);
    assert.notEqual(two.stdout, three.stdout);
  });

  test('--format pem prints a PKCS#8 private key and the SPKI public key', async () => {
    const r = await run(['keygen', 'ES256', '--format', 'pem']);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n-----BEGIN PUBLIC KEY-----/,
    );
  });

  test('--out writes the private key (mode 600) and the public key next to it; the pair round-trips through encode/verify', async () => {
    const out = tmp.file('es.json');
    const r = await run(['keygen', 'ES256', '--out', out, '--kid', 'k1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const pubPath = tmp.file('es.pub.json');
    assert.ok(existsSync(pubPath));
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const pub = JSON.parse(readFileSync(pubPath, 'utf8'));
    for (const m of PRIVATE) assert.equal(m in pub, false, m);
    assert.equal(pub.kid, 'k1');
    const enc = await run(['encode', '--key', out, 'sub=1']);
    assert.equal(enc.code, 0, enc.stderr);
    assert.deepEqual(headerOf(enc.stdout), { alg: 'ES256', kid: 'k1', typ: 'JWT' });
    const ver = await run(['verify', '--key', pubPath, enc.stdout.trim()]);
    assert.equal(ver.code, 0, ver.stderr);
    // Existing files are kept unless --force.
    const again = await run(['keygen', 'ES256', '--out', out]);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /already exists.*--force/);
    assert.equal((await run(['keygen', 'ES256', '--out', out, '--force'])).code, 0);
  });

  test('pem --out: key.pem and key.pub.pem, usable with --key', async () => {
    const out = tmp.file('rsa.pem');
    assert.equal((await run(['keygen', 'RS256', '--format', 'pem', '--out', out])).code, 0);
    const enc = await run(['encode', '--key', out, 'sub=1']);
    assert.equal(headerOf(enc.stdout).alg, 'RS256', 'RSA key defaults to RS256 for encode');
    const ver = await run(['verify', '--key', tmp.file('rsa.pub.pem'), '--alg', 'RS256', enc.stdout.trim()]);
    assert.equal(ver.code, 0, ver.stderr);
  });

  describe('errors', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['keygen'], 2, /missing argument ALG/],
      [['keygen', 'XX999'], 2, /unknown algorithm/],
      [['keygen', 'none'], 2, /not accepted/],
      [['keygen', 'HS256', '--format', 'pem'], 2, /no PEM form/],
      [['keygen', 'ES256', '--format', 'base64url'], 2, /HMAC/],
      [['keygen', 'ES256', '--format', 'der'], 2, /--format must be/],
      [['keygen', 'RS256', '--bits', '1024'], 2, /--bits/],
      [['keygen', 'ES256', '--bits', '4096'], 2, /RSA/],
      [['keygen', 'ES256', '--format', 'pem', '--kid', 'x'], 2, /--kid only applies/],
      [['keygen', 'ES256', '--out', '/nonexistent-dir/k.json'], 3, /cannot write/],
    ];
    for (const [argv, code, re] of cases) {
      test(argv.join(' '), async () => {
        const r = await run(argv);
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stderr, re);
      });
    }
  });
});

describe('jwtkit jwk', () => {
  const ec = generateKeyPair('ES256');
  const privPem = tmp.file('ec-priv.pem', exportPem(ec.privateKey));
  const pubPem = tmp.file('ec-pub.pem', exportPem(ec.publicKey));
  const pubJwk = exportJwk(ec.publicKey);

  test('PEM to JWK: public stays public; a private PEM gives a private JWK unless --public', async () => {
    const a = JSON.parse((await run(['jwk', pubPem])).stdout);
    assert.deepEqual(a, pubJwk);
    const b = JSON.parse((await run(['jwk', privPem])).stdout);
    assert.equal(typeof b.d, 'string');
    const c = JSON.parse(
      (await run(['jwk', privPem, '--public', '--kid', 'k9', '--alg', 'ES256', '--use', 'sig'])).stdout,
    );
    assert.deepEqual(c, { ...pubJwk, kid: 'k9', alg: 'ES256', use: 'sig' });
  });

  test('--thumbprint prints the RFC 7638 thumbprint, the same for the private and public key', async () => {
    const a = await run(['jwk', pubPem, '--thumbprint']);
    const b = await run(['jwk', privPem, '--thumbprint']);
    assert.equal(a.stdout, `${jwkThumbprint(pubJwk)}\n`);
    assert.equal(a.stdout, b.stdout);
    const sha512 = await run(['jwk', pubPem, '--thumbprint', '--hash', 'sha512']);
    assert.equal(sha512.stdout.trim(), jwkThumbprint(pubJwk, 'sha512'));
    const kid = JSON.parse((await run(['jwk', pubPem, '--kid-thumbprint'])).stdout);
    assert.equal(kid.kid, jwkThumbprint(pubJwk));
  });

  test('RFC 7638 §3.1 example thumbprint', async () => {
    const rfc = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    const f = tmp.file('rfc7638.json', JSON.stringify(rfc));
    const r = await run(['jwk', f, '--thumbprint']);
    assert.equal(r.stdout, 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs\n');
  });

  test('reads stdin with -', async () => {
    const r = await run(['jwk', '-', '--thumbprint'], { stdin: exportPem(ec.publicKey) });
    assert.equal(r.stdout.trim(), jwkThumbprint(pubJwk));
  });

  describe('errors', () => {
    test('missing file: exit 3', async () => {
      const r = await run(['jwk', '/nonexistent.pem']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /no such file/);
    });
    test('not a key: exit 3', async () => {
      const r = await run([
        'jwk',
        tmp.file('junk.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
      ]);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /not a usable key/);
    });
    test('a JWKS: exit 3', async () => {
      const r = await run(['jwk', tmp.file('set.json', JSON.stringify({ keys: [pubJwk] }))]);
      assert.equal(r.code, 3);
    });
    test('no FILE, bad --hash, --public of a secret', async () => {
      assert.equal((await run(['jwk'])).code, 2);
      assert.equal((await run(['jwk', pubPem, '--thumbprint', '--hash', 'md5'])).code, 2);
      const oct = tmp.file(
        'oct.json',
        JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') }),
      );
      assert.equal((await run(['jwk', oct, '--public'])).code, 3);
      assert.equal((await run(['jwk', oct, '--thumbprint'])).code, 0);
    });
  });
});

describe('jwtkit jwks', () => {
  const ec = generateKeyPair('ES256');
  const ed = generateKeyPair('EdDSA');
  const rsa = generateKeyPair('RS256');

  test('builds one public JWKS from PEM, JWK and JWKS files, private parts stripped, kids kept or derived', async () => {
    const a = tmp.file('a.pem', exportPem(ec.privateKey));
    const b = tmp.file(
      'b.json',
      JSON.stringify({
        ...exportJwk(ed.privateKey),
        kid: 'ed-1',
        alg: 'EdDSA',
        use: 'sig',
        key_ops: ['sign'],
      }),
    );
    const c = tmp.file('c.json', JSON.stringify({ keys: [{ ...exportJwk(rsa.privateKey), kid: 'rsa-1' }] }));
    const r = await run(['jwks', a, b, c]);
    assert.equal(r.code, 0, r.stderr);
    const set = JSON.parse(r.stdout);
    assert.equal(set.keys.length, 3);
    for (const k of set.keys) for (const m of PRIVATE) assert.equal(m in k, false, `${k.kid}: ${m}`);
    assert.equal(set.keys[0].kid, jwkThumbprint(exportJwk(ec.publicKey)));
    assert.deepEqual(set.keys[1], { ...exportJwk(ed.publicKey), kid: 'ed-1', alg: 'EdDSA', use: 'sig' });
    assert.equal(set.keys[2].kid, 'rsa-1');
    // The set verifies a token signed by one of the keys.
    const token = encode({ sub: 's', exp: Math.floor(Date.now() / 1000) + 60 }, ed.privateKey, {
      algorithm: 'EdDSA',
      keyId: 'ed-1',
    });
    const jf = tmp.file('set-out.json', r.stdout);
    const v = await run(['verify', '--jwks', jf, '--alg', 'EdDSA', token]);
    assert.equal(v.code, 0, v.stderr);
  });

  test('refuses to publish an HMAC (oct) key', async () => {
    const oct = tmp.file(
      'oct2.json',
      JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url') }),
    );
    const r = await run(['jwks', oct]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /never be published/);
    assert.equal(r.stdout, '');
  });

  test('different keys with the same kid: a warning for each, nothing written, exit 3', async () => {
    const x = tmp.file('x.json', JSON.stringify({ ...exportJwk(ec.publicKey), kid: 'same' }));
    const y = tmp.file('y.json', JSON.stringify({ ...exportJwk(ed.publicKey), kid: 'same' }));
    const z = tmp.file('z.json', JSON.stringify({ ...exportJwk(rsa.publicKey), kid: 'same' }));
    const r = await run(['jwks', x, y, z]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '', 'no set is written');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning:'));
    assert.equal(warnings.length, 2, r.stderr);
    assert.match(
      warnings[0]!,
      /key file ".*y\.json" has kid "same", already used by a different key in key file ".*x\.json"/,
    );
    assert.match(
      warnings[1]!,
      /key file ".*z\.json" has kid "same", already used by a different key in key file ".*x\.json", key file ".*y\.json"/,
    );
    assert.match(
      r.stderr,
      /error: refusing to write a JWKS whose kids collide \(2 keys with a kid already taken\)/,
    );
  });

  test('two PEM files whose thumbprint kids collide are the same key: listed once, with a warning', async () => {
    const p1 = tmp.file('same1.pem', exportPem(ec.privateKey));
    const p2 = tmp.file('same2.pem', exportPem(ec.publicKey));
    const p3 = tmp.file('other.pem', exportPem(ed.publicKey));
    const r = await run(['jwks', p1, p2, p3]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).keys.length, 2);
    assert.match(
      r.stderr,
      /key file ".*same2\.pem" is the same key as key file ".*same1\.pem" .*listed once/,
    );
  });

  test('a JWKS file with a kid collision inside it names the key by position', async () => {
    const set = tmp.file(
      'dupset.json',
      JSON.stringify({
        keys: [
          { ...exportJwk(ec.publicKey), kid: 'k' },
          { ...exportJwk(ed.publicKey), kid: 'k' },
        ],
      }),
    );
    const r = await run(['jwks', set]);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /dupset\.json" key #2 has kid "k", already used by a different key in .*dupset\.json" key #1/,
    );
  });

  test('--kid-thumbprint derives distinct kids for colliding keys', async () => {
    const x = tmp.file('tx.json', JSON.stringify({ ...exportJwk(ec.publicKey), kid: 'same' }));
    const y = tmp.file('ty.json', JSON.stringify({ ...exportJwk(ed.publicKey), kid: 'same' }));
    const r = await run(['jwks', '--kid-thumbprint', x, y]);
    assert.equal(r.code, 0, r.stderr);
    const kids = JSON.parse(r.stdout).keys.map((k: { kid: string }) => k.kid);
    assert.deepEqual(kids, [jwkThumbprint(exportJwk(ec.publicKey)), jwkThumbprint(exportJwk(ed.publicKey))]);
    assert.equal(r.stderr, '');
  });

  test('no FILE: usage error; missing file: exit 3', async () => {
    assert.equal((await run(['jwks'])).code, 2);
    assert.equal((await run(['jwks', '/nonexistent.pem'])).code, 3);
  });
});

describe('key files in encode/verify', () => {
  const ec = generateKeyPair('ES256');
  const rsa = generateKeyPair('RS256');
  const set = tmp.file(
    'private-set.json',
    JSON.stringify({
      keys: [
        { ...exportJwk(ec.privateKey), kid: 'ec', alg: 'ES256' },
        { ...exportJwk(rsa.privateKey), kid: 'rsa' },
      ],
    }),
  );

  test('encode --key JWKS picks the key by --kid; without --kid it asks for one', async () => {
    const r = await run(['encode', '--key', set, '--kid', 'ec', 'sub=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(headerOf(r.stdout), { alg: 'ES256', kid: 'ec', typ: 'JWT' });
    const noKid = await run(['encode', '--key', set, 'sub=1']);
    assert.equal(noKid.code, 2);
    assert.match(noKid.stderr, /pick one with --kid/);
    const rsaNoAlg = await run(['encode', '--key', set, '--kid', 'rsa', 'sub=1']);
    assert.equal(rsaNoAlg.code, 2);
    assert.match(rsaNoAlg.stderr, /pass --alg/);
    const rsaAlg = await run(['encode', '--key', set, '--kid', 'rsa', '--alg', 'PS384', 'sub=1']);
    assert.equal(headerOf(rsaAlg.stdout).alg, 'PS384');
  });

  test('verify --jwks with a key that fixes no algorithm needs --alg', async () => {
    const r = await run(['verify', '--jwks', set, 'a.b.c']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pass --alg/);
  });

  test('encode with a public key is a key error (exit 3)', async () => {
    const pub = tmp.file('only-public.pem', exportPem(ec.publicKey));
    const r = await run(['encode', '--key', pub, 'sub=1']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ERR_JWK_INVALID.*private key/);
  });

  test('an oct JWK with "alg" fixes the algorithm for verify; its length rule is enforced', async () => {
    const k = Buffer.alloc(48, 9).toString('base64url');
    const oct = tmp.file('oct-hs384.json', JSON.stringify({ kty: 'oct', k, alg: 'HS384' }));
    const t = await run(['encode', '--key', oct, 'sub=1']);
    assert.equal(headerOf(t.stdout).alg, 'HS384');
    const v = await run(['verify', '--key', oct, t.stdout.trim()]);
    assert.equal(v.code, 0, v.stderr);
    const short = tmp.file('oct-short.json', JSON.stringify({ kty: 'oct', k: 'c2hvcnQ' }));
    const s = await run(['encode', '--key', short, 'sub=1']);
    assert.equal(s.code, 3);
  });
});

describe('encrypted PEM keys', () => {
  const { privateKey, publicKey } = generateKeyPair('ES256');
  const encrypted = privateKey.export({
    format: 'pem',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: 'hunter2',
  }) as string;
  const keyFile = tmp.file('enc.pem', encrypted);
  const pubFile = tmp.file('enc.pub.pem', exportPem(publicKey));

  test('--passphrase-file or JWT_KEY_PASSPHRASE unlocks the key', async () => {
    const pass = tmp.file('pass.txt', 'hunter2\n');
    const a = await run(['encode', '--key', keyFile, '--passphrase-file', pass, 'sub=1']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal((await run(['verify', '--key', pubFile, a.stdout.trim()])).code, 0);
    const b = await run(['encode', '--key', keyFile, 'sub=1'], { env: { JWT_KEY_PASSPHRASE: 'hunter2' } });
    assert.equal(b.code, 0, b.stderr);
  });

  test('no passphrase or a wrong one: exit 3 with a clear reason', async () => {
    const none = await run(['encode', '--key', keyFile, 'sub=1']);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /encrypted key.*JWT_KEY_PASSPHRASE/);
    const wrong = await run(['encode', '--key', keyFile, 'sub=1'], { env: { JWT_KEY_PASSPHRASE: 'nope' } });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /not a usable key/);
    const stray = await run(['encode', '--passphrase-file', '/x', 'sub=1'], {
      env: { JWT_SECRET: 'x'.repeat(32) },
    });
    assert.equal(stray.code, 2);
  });
});
