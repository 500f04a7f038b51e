/**
 * `createRemoteJwks` and `decodeAsync` on the WebCrypto build: the remote key set is fetched with `fetch` only
 * after strict decode and the allowlist passed, with the same limits as on Node (byte limit, https unless
 * allowed, no redirects), and `decodeAsync` is `decode`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as node from '../../src/index.js';
import * as web from '../../src/webcrypto.js';

let server: Server;
let base: string;
let hits = 0;
let body = '';
before(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/jwks' });
      return res.end();
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(10_000) }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('a remote key set verifies on the WebCrypto build, fetched only for a token that passed the allowlist', async () => {
  const kp = node.generateKeyPair('ES256');
  body = JSON.stringify({ keys: [node.exportPublicJwk(kp.publicKey, { kid: 'k1', alg: 'ES256' })] });
  const token = node.encode({ sub: 'x' }, kp.privateKey, { algorithm: 'ES256', keyId: 'k1' });
  const jwks = web.createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' });
  hits = 0;
  await assert.rejects(web.decode(token, jwks, { algorithms: ['RS256'] }), web.InvalidAlgorithmError);
  await assert.rejects(web.decode('not.a.token', jwks, { algorithms: ['ES256'] }), web.DecodeError);
  assert.equal(hits, 0);
  assert.deepEqual(await web.decode(token, jwks, { algorithms: ['ES256'] }), { sub: 'x' });
  assert.deepEqual(await web.decodeAsync(token, jwks, { algorithms: ['ES256'] }), { sub: 'x' });
  assert.equal(hits, 1);
});

test('the same limits: http refused unless allowed, no redirects, the byte limit', async () => {
  const token = node.encode({ a: 1 }, 'k'.repeat(32), { algorithm: 'HS256' });
  const es = node.encode({ a: 1 }, node.generateKeyPair('ES256').privateKey, { algorithm: 'ES256' });
  void token;
  assert.throws(() => web.createRemoteJwks(`${base}/jwks`), web.InvalidOptionsError);
  const redirect = web.createRemoteJwks(`${base}/redirect`, { allowHttp: 'loopback' });
  await assert.rejects(web.decode(es, redirect, { algorithms: ['ES256'] }), web.JwksFetchError);
  const big = web.createRemoteJwks(`${base}/big`, { allowHttp: 'loopback', maxBytes: 1000 });
  await assert.rejects(web.decode(es, big, { algorithms: ['ES256'] }), web.JwksFetchError);
});
