import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import * as jose from 'jose';
import { run, tempDir } from '../cli/_helpers.js';

const tmp = tempDir();
after(() => tmp.cleanup());
const x = generateKeyPairSync('x25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const files = {
  xPub: tmp.file('x.pub.json', JSON.stringify(x.publicKey.export({ format: 'jwk' }))),
  xPriv: tmp.file('x.json', JSON.stringify(x.privateKey.export({ format: 'jwk' }))),
  rsaPub: tmp.file('r.pub.pem', rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string),
  rsaPriv: tmp.file('r.pem', rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
  oct: tmp.file(
    'k.json',
    JSON.stringify({ kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'A256KW', use: 'enc' }),
  ),
  sigJwk: tmp.file(
    'sig.json',
    JSON.stringify({ kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256' }),
  ),
  data: tmp.file('data.txt', 'from a file\n'),
};

describe('jwtkit encrypt / decrypt', () => {
  test('X25519 JWK: ECDH-ES+A256KW by default; decrypt allows the ECDH-ES family of that key', async () => {
    const e = await run(['encrypt', '--key', files.xPub, 'hello']);
    assert.equal(e.code, 0, e.stderr);
    const token = e.stdout.trim();
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    assert.equal(header.alg, 'ECDH-ES+A256KW');
    assert.equal(header.enc, 'A256GCM');
    const d = await run(['decrypt', '--key', files.xPriv, token]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'hello');
    // jose agrees.
    const j = await jose.compactDecrypt(token, x.privateKey);
    assert.equal(new TextDecoder().decode(j.plaintext), 'hello');
  });
  test('RSA PEM: encrypt defaults to RSA-OAEP-256; decrypt needs --alg (an RSA key does not fix it)', async () => {
    const e = await run(['encrypt', '--key', files.rsaPub, '--zip', '--claims', '{"sub":"u1"}']);
    assert.equal(e.code, 0, e.stderr);
    const token = e.stdout.trim();
    const none = await run(['decrypt', '--key', files.rsaPriv, token]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /pass --alg/);
    const d = await run(['decrypt', '--key', files.rsaPriv, '--alg', 'RSA-OAEP-256', '--json', token]);
    assert.equal(d.code, 0, d.stderr);
    const out = JSON.parse(d.stdout);
    assert.equal(out.plaintext, '{"sub":"u1"}');
    assert.equal(out.header.typ, 'JWT');
    assert.equal(out.header.zip, 'DEF');
    const wrongAlg = await run(['decrypt', '--key', files.rsaPriv, '--alg', 'RSA-OAEP', token]);
    assert.equal(wrongAlg.code, 1);
    assert.match(wrongAlg.stderr, /ERR_JWE_ALG_NOT_ALLOWED/);
  });
  test('oct JWK, flattened JSON from @FILE, via stdin', async () => {
    const e = await run(['encrypt', '--key', files.oct, '--json', `@${files.data}`]);
    assert.equal(e.code, 0, e.stderr);
    assert.ok(JSON.parse(e.stdout).ciphertext);
    const d = await run(['decrypt', '--key', files.oct, '-'], { stdin: e.stdout });
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'from a file\n');
  });
  test('PBES2 with a password from the environment; a wrong password is exit 1 with the one decryption error', async () => {
    const env = { JWT_SECRET: 'correct horse battery staple' };
    const e = await run(['encrypt', '--alg', 'PBES2-HS512+A256KW', 'pw data'], { env });
    assert.equal(e.code, 0, e.stderr);
    const d = await run(['decrypt', '--alg', 'PBES2-HS512+A256KW', e.stdout.trim()], { env });
    assert.equal(d.stdout, 'pw data');
    const bad = await run(['decrypt', '--alg', 'PBES2-HS512+A256KW', e.stdout.trim()], {
      env: { JWT_SECRET: 'wrong' },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ERR_JWE_DECRYPTION_FAILED: JWE decryption failed/);
  });
  test('a signing JWK never encrypts; a secret needs --alg; RSA1_5 is not offered', async () => {
    const sig = await run(['encrypt', '--key', files.sigJwk, '--alg', 'A256KW', 'x']);
    assert.equal(sig.code, 3);
    assert.match(sig.stderr, /ERR_JWK_INVALID/);
    const noAlg = await run(['encrypt', 'x'], { env: { JWT_SECRET: 'k'.repeat(32) } });
    assert.equal(noAlg.code, 2);
    const rsa15 = await run(['encrypt', '--key', files.rsaPub, '--alg', 'RSA1_5', 'x']);
    assert.equal(rsa15.code, 2);
  });
  test('decode explains a JWE header and its parts without decrypting', async () => {
    const e = await run(['encrypt', '--key', files.xPub, '--kid', 'k1', 'hello']);
    const d = await run(['decode', '--no-color', e.stdout.trim()]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /ECDH-ES\+A256KW: ECDH-ES key agreement/);
    assert.match(d.stdout, /initialization vector 12 bytes/);
    assert.match(d.stdout, /authentication tag\s+16 bytes/);
    assert.match(d.stdout, /epk\): OKP X25519/);
    assert.doesNotMatch(d.stdout, /hello/);
    const j = await run(['decode', '--json', e.stdout.trim()]);
    const parsed = JSON.parse(j.stdout);
    assert.equal(parsed.jwe.alg.name, 'ECDH-ES+A256KW');
    assert.equal(parsed.jwe.parts.length, 5);
    assert.deepEqual(parsed.jwe.problems, []);
    // A wrong-size IV is pointed out.
    const p = e.stdout.trim().split('.');
    p[2] = randomBytes(16).toString('base64url');
    const bad = await run(['decode', '--json', p.join('.')]);
    assert.ok(JSON.parse(bad.stdout).jwe.problems.some((s: string) => /IV is 16 bytes/.test(s)));
  });
});
