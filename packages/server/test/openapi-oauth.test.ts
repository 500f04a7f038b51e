// The OpenAPI document tells the truth about the OAuth endpoints: /oauth/token takes only
// application/x-www-form-urlencoded (RFC 6749 §3.2; a JSON body is answered 415), errors under /oauth/ are
// RFC 6749 §5.2 application/json (not problem+json), and protected routes list the DPoP scheme too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type TestApp } from './helpers.js';

describe('OpenAPI: OAuth endpoints', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  before(async () => {
    t = await startApp();
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  after(async () => {
    await t.close();
  });

  test('/oauth/token: the request body is form-encoded only, as the route enforces', async () => {
    const op = doc.paths['/oauth/token']?.post as { requestBody: { content: Record<string, unknown> } };
    assert.deepEqual(Object.keys(op.requestBody.content), ['application/x-www-form-urlencoded']);
    const json = await t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials' },
    });
    assert.equal(json.statusCode, 415);
  });

  test('every media type the document lists for an OAuth request body is accepted by the route', async () => {
    for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
      const op = doc.paths[path]?.post as { requestBody: { content: Record<string, unknown> } };
      for (const type of Object.keys(op.requestBody.content)) {
        const payload = type.includes('json') ? JSON.stringify({ token: 'x' }) : 'token=x';
        const res = await t.app.inject({
          method: 'POST',
          url: path,
          headers: { 'content-type': type },
          payload,
        });
        assert.notEqual(res.statusCode, 415, `${path} ${type}`);
      }
    }
  });

  test('errors under /oauth/ are documented as application/json (RFC 6749 §5.2), elsewhere problem+json', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
        for (const [status, r] of Object.entries(responses)) {
          if (Number(status) < 400 || !r.content) continue;
          const types = Object.keys(r.content);
          assert.deepEqual(
            types,
            [path.startsWith('/oauth/') ? 'application/json' : 'application/problem+json'],
            `${path} ${status}`,
          );
        }
      }
    }
  });

  test('protected routes accept Bearer or DPoP', () => {
    assert.deepEqual(doc.components.securitySchemes.dpopAuth, {
      type: 'http',
      scheme: 'DPoP',
      description: 'RFC 9449: Authorization: DPoP <token> plus a DPoP proof header',
    });
    const me = doc.paths['/me']?.get as { security: unknown[] };
    assert.deepEqual(me.security, [{ bearerAuth: [] }, { dpopAuth: [] }]);
  });
});
