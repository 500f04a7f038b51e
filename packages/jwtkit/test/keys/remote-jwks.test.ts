/**
 * createRemoteJwks / decodeAsync against a real HTTP server on 127.0.0.1 (started and stopped here):
 * rotation, cooldown (requests counted), shared in-flight fetch, timeout, oversize, bad JSON, server down,
 * stale-on-error, redirects, URL policy.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createRemoteJwks,
  decode,
  decodeAsync,
  encode,
  exportPublicJwk,
  generateKeyPair,
  InvalidAlgorithmError,
  InvalidOptionsError,
  JwksFetchError,
  JwksNoMatchingKeyError,
} from '../../src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base = '';
let handler: Handler = (_req, res) => res.end('{}');
let hits = 0;
const openResponses = new Set<ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    hits++;
    openResponses.add(res);
    res.on('close', () => openResponses.delete(res));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of openResponses) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  hits = 0;
});

const k1 = generateKeyPair('ES256');
const k2 = generateKeyPair('ES256');
const jwk1 = { ...exportPublicJwk(k1.publicKey), kid: 'k1', alg: 'ES256', use: 'sig' };
const jwk2 = { ...exportPublicJwk(k2.publicKey), kid: 'k2', alg: 'ES256', use: 'sig' };
const token1 = encode({ sub: 'a' }, k1.privateKey, { algorithm: 'ES256', keyId: 'k1' });
const token2 = encode({ sub: 'b' }, k2.privateKey, { algorithm: 'ES256', keyId: 'k2' });

function serveJson(body: unknown, delayMs = 0): Handler {
  return (_req, res) => {
    const send = () => {
      res.setHeader('content-type', 'application/json');
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };
}

/** A manual clock in milliseconds. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createRemoteJwks: URL policy', () => {
  test('https only by default; http needs allowHttp; "loopback" admits loopback hosts only; no credentials', () => {
    assert.doesNotThrow(() => createRemoteJwks('https://issuer.example/jwks.json'));
    assert.throws(() => createRemoteJwks('http://issuer.example/jwks.json'), InvalidOptionsError);
    assert.throws(() => createRemoteJwks(`${base}/jwks`), InvalidOptionsError); // loopback is not implicitly allowed
    assert.doesNotThrow(() => createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' }));
    assert.doesNotThrow(() => createRemoteJwks('http://localhost:1/jwks', { allowHttp: 'loopback' }));
    assert.doesNotThrow(() => createRemoteJwks('http://[::1]:1/jwks', { allowHttp: 'loopback' }));
    assert.throws(
      () => createRemoteJwks('http://10.0.0.1/jwks', { allowHttp: 'loopback' }),
      InvalidOptionsError,
    );
    assert.throws(
      () => createRemoteJwks('http://127.0.0.1.evil.example/jwks', { allowHttp: 'loopback' }),
      InvalidOptionsError,
    );
    assert.doesNotThrow(() => createRemoteJwks('http://issuer.example/jwks', { allowHttp: true }));
    assert.throws(() => createRemoteJwks('file:///etc/passwd', { allowHttp: true }), InvalidOptionsError);
    assert.throws(() => createRemoteJwks('https://user:pw@issuer.example/jwks'), InvalidOptionsError);
    assert.throws(() => createRemoteJwks('not a url'), InvalidOptionsError);
    assert.throws(() => createRemoteJwks('https://issuer.example/', { maxBytes: 0 }), InvalidOptionsError);
  });
});

describe('createRemoteJwks against a local server', () => {
  test('fetches once, caches, picks the key by kid; decode stays sync', async () => {
    handler = serveJson({ keys: [jwk1, jwk2] });
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' });
    assert.equal(jwks.current(), null);
    const key = await jwks.getSigningKey(token1);
    assert.equal(key.kid, 'k1');
    assert.equal(decode(token1, key, { algorithms: ['ES256'] }).sub, 'a');
    assert.equal((await jwks.getSigningKey(token2)).kid, 'k2');
    assert.equal((await jwks.getSigningKeyFromJwt(token2)).kid, 'k2');
    assert.equal(await decodeAsync(token2, jwks, { algorithms: ['ES256'] }).then((c) => c.sub), 'b');
    assert.equal(hits, 1);
    assert.equal(jwks.stats().fetches, 1);
    // The cached set also works with the sync decode.
    assert.equal(decode(token1, jwks.current()!, { algorithms: ['ES256'] }).sub, 'a');
  });

  test('concurrent callers share one in-flight fetch', async () => {
    handler = serveJson({ keys: [jwk1] }, 50);
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' });
    const keys = await Promise.all(Array.from({ length: 25 }, () => jwks.getSigningKey(token1)));
    assert.equal(keys.length, 25);
    assert.ok(keys.every((k) => k.kid === 'k1'));
    assert.equal(hits, 1);
  });

  test('rotation: a new kid triggers one refetch, and the new key verifies', async () => {
    const clock = manualClock();
    handler = serveJson({ keys: [jwk1] });
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback', cooldown: 30, clock: clock.now });
    assert.equal((await jwks.getSigningKey(token1)).kid, 'k1');
    handler = serveJson({ keys: [jwk1, jwk2] }); // the issuer rotates in k2
    clock.advance(31_000);
    assert.equal(await decodeAsync(token2, jwks, { algorithms: ['ES256'] }).then((c) => c.sub), 'b');
    assert.equal(hits, 2);
  });

  test('cooldown: random kids cannot make us hammer the issuer', async () => {
    const clock = manualClock();
    handler = serveJson({ keys: [jwk1] });
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback', cooldown: 30, clock: clock.now });
    await jwks.getKeySet();
    clock.advance(31_000);
    const attempts = Array.from({ length: 50 }, (_, i) =>
      encode({}, k2.privateKey, { algorithm: 'ES256', keyId: `random-${i}` }),
    );
    let refused = 0;
    for (const t of attempts) {
      await assert.rejects(jwks.getSigningKey(t), JwksNoMatchingKeyError);
      refused++;
    }
    assert.equal(refused, 50);
    assert.equal(hits, 2, 'one initial fetch + one unknown-kid refetch within the cooldown');
    clock.advance(31_000);
    await assert.rejects(jwks.getSigningKey(attempts[0]!), JwksNoMatchingKeyError);
    assert.equal(hits, 3, 'after the cooldown, one more refetch');
    // A known kid never refetches.
    await jwks.getSigningKey(token1);
    assert.equal(hits, 3);
  });

  test('max age: an old set is refetched on the next use', async () => {
    const clock = manualClock();
    handler = serveJson({ keys: [jwk1] });
    const jwks = createRemoteJwks(`${base}/jwks`, {
      allowHttp: 'loopback',
      maxAge: 60,
      cooldown: 1,
      clock: clock.now,
    });
    await jwks.getKeySet();
    clock.advance(59_000);
    await jwks.getKeySet();
    assert.equal(hits, 1);
    clock.advance(2_000);
    await jwks.getKeySet();
    assert.equal(hits, 2);
  });

  test('timeout: a server that never answers fails fast with JwksFetchError', async () => {
    handler = () => {}; // never responds
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback', timeout: 0.2 });
    const start = Date.now();
    await assert.rejects(
      jwks.getKeySet(),
      (e: unknown) => e instanceof JwksFetchError && /timed out/.test((e as Error).message),
    );
    assert.ok(Date.now() - start < 3000);
  });

  test('timeout also covers a body that trickles', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    };
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback', timeout: 0.3 });
    await assert.rejects(jwks.getKeySet(), JwksFetchError);
  });

  test('oversize: refused by content-length and while reading a chunked body', async () => {
    handler = serveJson({ keys: [jwk1], padding: 'x'.repeat(100_000) });
    await assert.rejects(
      createRemoteJwks(`${base}/a`, { allowHttp: 'loopback', maxBytes: 10_000 }).getKeySet(),
      /larger than 10000 bytes/,
    );
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
      const chunk = 'x'.repeat(16_384);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && res.write(chunk)) sent++;
        if (sent < 200) res.once('drain', pump);
        else res.end();
      };
      pump();
    };
    await assert.rejects(
      createRemoteJwks(`${base}/b`, { allowHttp: 'loopback', maxBytes: 65_536 }).getKeySet(),
      /larger than 65536 bytes/,
    );
  });

  test('bad documents: not JSON, no keys array, duplicate members, too many keys, HTTP errors', async () => {
    const cases: Array<[Handler, RegExp]> = [
      [serveJson('not json'), /not a JSON object/],
      [serveJson({ nokeys: [] }), /no "keys" array/],
      [serveJson('{"keys":[],"keys":[]}'), /not a JSON object/],
      [serveJson({ keys: Array.from({ length: 5 }, () => jwk1) }), /more than 3 keys/],
      [
        (_q, res) => {
          res.statusCode = 500;
          res.end('oops');
        },
        /HTTP 500/,
      ],
    ];
    for (const [h, message] of cases) {
      handler = h;
      await assert.rejects(
        createRemoteJwks(`${base}/x`, { allowHttp: 'loopback', maxKeys: 3 }).getKeySet(),
        (e: unknown) => e instanceof JwksFetchError && message.test((e as Error).message),
      );
    }
  });

  test('redirects are not followed', async () => {
    let targetHits = 0;
    handler = (req, res) => {
      if (req.url === '/target') {
        targetHits++;
        serveJson({ keys: [jwk1] })(req, res);
        return;
      }
      res.writeHead(302, { location: `${base}/target` });
      res.end();
    };
    await assert.rejects(createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' }).getKeySet(), /redirect/);
    assert.equal(targetHits, 0);
  });

  test('server down: JwksFetchError; the cooldown then limits retries', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const clock = manualClock();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const jwks = createRemoteJwks(`http://127.0.0.1:${port}/jwks`, {
      allowHttp: 'loopback',
      fetch: counting,
      clock: clock.now,
    });
    await assert.rejects(
      jwks.getKeySet(),
      (e: unknown) => e instanceof JwksFetchError && /could not be fetched/.test((e as Error).message),
    );
    await assert.rejects(jwks.getKeySet(), /cooldown/);
    assert.equal(calls, 1);
    clock.advance(31_000);
    await assert.rejects(jwks.getKeySet(), JwksFetchError);
    assert.equal(calls, 2);
  });

  test('stale-on-error: a failed refresh keeps serving the last good set, for a bounded time', async () => {
    const clock = manualClock();
    handler = serveJson({ keys: [jwk1] });
    const jwks = createRemoteJwks(`${base}/jwks`, {
      allowHttp: 'loopback',
      maxAge: 60,
      cooldown: 10,
      staleIfError: 600,
      clock: clock.now,
    });
    await jwks.getKeySet();
    handler = (_q, res) => {
      res.statusCode = 503;
      res.end();
    };
    clock.advance(120_000); // past maxAge: refresh fails, the old set is served
    assert.equal((await jwks.getSigningKey(token1)).kid, 'k1');
    assert.equal(jwks.stats().stale, true);
    assert.equal(jwks.stats().failures, 1);
    clock.advance(300_000);
    assert.equal(await decodeAsync(token1, jwks, { algorithms: ['ES256'] }).then((c) => c.sub), 'a');
    clock.advance(300_000); // now past maxAge + staleIfError
    await assert.rejects(jwks.getSigningKey(token1), JwksFetchError);
    // Recovery: the issuer is back.
    handler = serveJson({ keys: [jwk1] });
    clock.advance(11_000);
    assert.equal((await jwks.getSigningKey(token1)).kid, 'k1');
    assert.equal(jwks.stats().stale, false);
  });

  test('secret (oct) keys and private members are never taken from a URL', async () => {
    const pair = generateKeyPair('ES256');
    const privateJwk = { ...exportPublicJwk(pair.publicKey), d: 'leaked', kid: 'p' };
    handler = serveJson({
      keys: [
        { kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U', kid: 'hs' },
        privateJwk,
        42,
        null,
        { kty: 'X' },
      ],
    });
    const set = await createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' }).getKeySet();
    assert.equal(set.keys.length, 1);
    assert.equal(set.keys[0]!.kid, 'p');
    assert.equal(set.keys[0]!.d, undefined);
    assert.ok(Object.isFrozen(set.keys[0]));
  });
});

describe('decodeAsync', () => {
  test('a token whose algorithm is not allowed, or that is malformed, causes no fetch', async () => {
    handler = serveJson({ keys: [jwk1] });
    const jwks = createRemoteJwks(`${base}/jwks`, { allowHttp: 'loopback' });
    await assert.rejects(decodeAsync(token1, jwks, { algorithms: ['RS256'] }), InvalidAlgorithmError);
    await assert.rejects(decodeAsync('not.a.token', jwks, { algorithms: ['ES256'] }));
    await assert.rejects(decodeAsync(token1, jwks, {} as never), InvalidOptionsError);
    assert.equal(hits, 0);
  });

  test('accepts an async resolver, a sync resolver, a JWKS and a plain key', async () => {
    const asyncResolver = async (h: { kid?: string }) => (h.kid === 'k1' ? k1.publicKey : k2.publicKey);
    assert.equal((await decodeAsync(token1, asyncResolver, { algorithms: ['ES256'] })).sub, 'a');
    assert.equal(
      (await decodeAsync(token2, (h) => (h.kid === 'k2' ? jwk2 : jwk1), { algorithms: ['ES256'] })).sub,
      'b',
    );
    assert.equal(
      (await decodeAsync(token2, async () => ({ keys: [jwk1, jwk2] }), { algorithms: ['ES256'] })).sub,
      'b',
    );
    assert.equal((await decodeAsync(token1, k1.publicKey, { algorithms: ['ES256'] })).sub, 'a');
    await assert.rejects(
      decodeAsync(token1, async () => k2.publicKey, { algorithms: ['ES256'] }),
      /Signature verification failed/,
    );
    await assert.rejects(
      decodeAsync(token1, async () => undefined as never, { algorithms: ['ES256'] }),
      /no key/,
    );
  });
});
