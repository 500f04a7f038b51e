// RFC 8414 metadata that tells the truth: oauth4webapi discovery accepts it, and every claim is derived
// from the running routes (each advertised endpoint answers, each advertised grant / auth method / algorithm
// works, and each candidate that is not advertised is refused), so the document cannot drift.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oauth from 'oauth4webapi';
import { BOB, login, startApp, type TestApp } from './helpers.js';
import { discover, form, ISSUER, registerClient } from './oauth-helpers.js';
import { metadataProbes, type ProbeClient, registerAssertionClient } from './oauth-probes.js';

describe('RFC 8414 authorization server metadata', () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  let probeClient: ProbeClient;
  let assertionKeys: Awaited<ReturnType<typeof registerAssertionClient>>;
  before(async () => {
    t = await startApp({ ISSUER, INTROSPECTION_CLIENTS: 'api-gateway:gw-secret-value-123' });
    const reg = await registerClient(t, { client_id: 'probe-client', scope: 'reports:read reports:write' });
    probeClient = {
      client_id: reg.client_id,
      client_secret: reg.client_secret!,
      scopes: ['reports:read', 'reports:write'],
    };
    assertionKeys = await registerAssertionClient(t);
    as = await discover(t.app);
  });
  after(async () => {
    await t.close();
  });

  test('oauth4webapi discovery accepts it; the required members are there', () => {
    assert.equal(as.issuer, ISSUER);
    assert.equal(as.token_endpoint, `${ISSUER}/oauth/token`);
    assert.equal(as.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
    assert.ok(Array.isArray(as.response_types_supported));
    assert.ok(!as.grant_types_supported?.includes('password'), 'RFC 9700 §2.4: no password grant');
  });

  test('every advertised endpoint is a route of this server (and in the OpenAPI document)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [member, method] of [
      ['token_endpoint', 'post'],
      ['introspection_endpoint', 'post'],
      ['revocation_endpoint', 'post'],
      ['jwks_uri', 'get'],
    ] as const) {
      const url = as[member];
      assert.equal(typeof url, 'string', member);
      const u = new URL(String(url));
      assert.equal(u.origin, ISSUER, member);
      assert.ok(
        doc.paths[u.pathname]?.[method],
        `${member}: ${method.toUpperCase()} ${u.pathname} is a route`,
      );
      const res = await t.app.inject({ method: method === 'get' ? 'GET' : 'POST', url: u.pathname });
      assert.notEqual(res.statusCode, 404, `${member} answers`);
    }
  });

  test('grant_types_supported is exactly the set of grants /oauth/token serves', async () => {
    const candidates = [
      'refresh_token',
      'client_credentials',
      'password',
      'authorization_code',
      'implicit',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ];
    const served: string[] = [];
    for (const g of candidates) {
      const res = await form(t.app, '/oauth/token', { grant_type: g });
      assert.ok(res.statusCode >= 400, `${g} without parameters is refused`);
      if (res.json().error !== 'unsupported_grant_type') served.push(g);
    }
    assert.deepEqual([...(as.grant_types_supported ?? [])].sort(), served.sort());
  });

  test('each advertised auth method, algorithm and scope works; the others are refused', async () => {
    const probes = metadataProbes(t, probeClient, assertionKeys);
    for (const [member, probe] of Object.entries(probes)) {
      const advertised = (as as Record<string, unknown>)[member];
      const claimed = Array.isArray(advertised) ? (advertised as string[]) : [];
      for (const value of probe.candidates) {
        const works = await probe.works(value);
        assert.equal(works, claimed.includes(value), `${member}: ${value} works=${works}`);
      }
      for (const value of claimed) assert.ok(probe.candidates.includes(value), `${member}: ${value} probed`);
    }
  });

  test('access_token_signing_alg_values_supported is the alg of issued tokens', async () => {
    const tok = await login(t.app, BOB);
    const header = JSON.parse(Buffer.from(tok.access_token.split('.')[0]!, 'base64url').toString());
    assert.deepEqual((as as Record<string, unknown>).access_token_signing_alg_values_supported, [header.alg]);
  });
});
