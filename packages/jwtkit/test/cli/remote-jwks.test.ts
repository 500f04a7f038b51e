import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encode, exportJwk, generateKeyPair } from '../../src/index.js';
import { run } from './_helpers.js';

const NOW = 1_700_000_000;
const es = generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...exportJwk(es.publicKey), kid: 'k1', alg: 'ES256' }] });
const token = encode({ sub: 'remote', exp: NOW + 60 }, es.privateKey, { algorithm: 'ES256', keyId: 'k1' });

let server: Server;
let base = '';
let hits = 0;
const hanging = new Set<import('node:http').ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    hits++;
    switch (req.url) {
      case '/jwks.json':
        res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
        return;
      case '/redirect':
        res.writeHead(302, { location: '/jwks.json' }).end();
        return;
      case '/secret-only':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0"}]}');
        return;
      case '/missing':
        res.writeHead(404).end('not found');
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
        return;
      case '/not-a-set':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": "nope"}');
        return;
      case '/huge': {
        // No content-length: the cap must hold while streaming.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        const chunk = `${JSON.stringify({ kty: 'EC', x: 'A'.repeat(1000) })},`;
        for (let i = 0; i < 700; i++) res.write(chunk);
        res.end('{"kty":"EC"}]}');
        return;
      }
      case '/huge-declared':
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(10 * 1024 * 1024),
        });
        res.write('{');
        hanging.add(res);
        return;
      case '/slow':
        hanging.add(res); // never answers
        return;
      default:
        res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('jwtkit verify --jwks URL', () => {
  test('fetches the key set and verifies (alg fixed by the JWKs)', async () => {
    const before = hits;
    const r = await run(['verify', '--jwks', `${base}/jwks.json`, '--now', String(NOW), token]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).sub, 'remote');
    assert.equal(hits, before + 1);
    assert.doesNotMatch(r.stderr, /plain http/, 'loopback http is not warned about');
  });

  const failures: Array<[string, string[], RegExp]> = [
    ['HTTP 404', ['/missing'], /HTTP 404/],
    ['not JSON', ['/html'], /not a JSON object/],
    ['JSON but not a JWKS', ['/not-a-set'], /no "keys" array/],
    ['redirects are not followed', ['/redirect'], /redirect/],
    ['only secret keys', ['/secret-only'], /no usable public keys/],
    ['larger than the cap while streaming', ['/huge'], /larger than/],
    ['declared content-length over the cap', ['/huge-declared'], /larger than/],
    ['timeout', ['/slow', '--jwks-timeout', '300'], /timed out after 300 ms/],
  ];
  for (const [name, [path, ...extra], re] of failures) {
    test(`${name}: exit 3 with one line, no body echoed`, async () => {
      const started = Date.now();
      const r = await run(['verify', '--jwks', `${base}${path}`, ...extra, '--now', String(NOW), token]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /ERR_JWKS_FETCH/);
      assert.doesNotMatch(r.stderr, /login|AAAA/);
      assert.ok(Date.now() - started < 4000, 'no hang');
    });
  }

  test('connection refused: exit 3', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await run([
      'verify',
      '--jwks',
      `http://127.0.0.1:${port}/jwks.json`,
      '--now',
      String(NOW),
      token,
    ]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /could not be fetched.*ECONNREFUSED/);
  });

  test('plain http to a non-loopback host: exit 2 unless --allow-http (no request made)', async () => {
    const r = await run(['verify', '--jwks', 'http://jwks.example.invalid/keys', token]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /plain http.*--allow-http/);
  });

  test('a URL that is not http(s) is read as a file path (exit 3, no such file)', async () => {
    const r = await run(['verify', '--jwks', 'ftp://example.invalid/jwks', token]);
    assert.equal(r.code, 3);
  });
});
