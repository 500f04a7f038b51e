// oauth4webapi (the oracle) driven against the in-process app: its fetch is routed to app.inject(), so
// the issuer can be an https:// URL without a TLS listener.
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import * as oauth from 'oauth4webapi';
import { ALICE, bearer, login, type TestApp } from './helpers.js';

export const ISSUER = 'https://auth.jwtkit.test';

/** A `fetch` for oauth4webapi's `customFetch` that answers from app.inject(). */
export function injectFetch(app: FastifyInstance): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.text();
    const res = await app.inject({
      method: req.method as 'GET',
      url: url.pathname + url.search,
      headers,
      ...(body === undefined || body === '' ? {} : { payload: body }),
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (v === undefined) continue;
      out.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    }
    const response = new Response(res.statusCode === 204 ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers: out,
    });
    Object.defineProperty(response, 'url', { value: req.url });
    return response;
  }) as typeof fetch;
}

/** Options every oauth4webapi request of a test passes. */
export const requestOptions = (app: FastifyInstance) => ({ [oauth.customFetch]: injectFetch(app) });

/** The server's metadata, through oauth4webapi discovery. */
export async function discover(app: FastifyInstance): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(ISSUER);
  const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...requestOptions(app) });
  return oauth.processDiscoveryResponse(issuer, res);
}

/** An RFC 6749 §5.2 error response: JSON with `error`, no-store. */
export function assertOAuthError(
  res: LightMyRequestResponse,
  status: number,
  error: string,
): Record<string, unknown> {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['cache-control'], 'no-store');
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.equal(body.error, error, res.body);
  if (body.error_description !== undefined) {
    assert.equal(typeof body.error_description, 'string');
    assert.match(String(body.error_description), /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
  }
  assert.ok(!/\bat .+:\d+:\d+\)?/.test(res.body), 'no stack trace in error bodies');
  return body;
}

export const form = (app: FastifyInstance, url: string, params: Record<string, string>, headers = {}) =>
  app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(params).toString(),
  });

/** Registers a machine client through the admin API (as alice, an admin). */
export async function registerClient(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ client_id: string; client_secret?: string; [k: string]: unknown }> {
  const admin = (await login(t.app, ALICE)).access_token;
  const res = await t.app.inject({
    method: 'POST',
    url: '/admin/oauth-clients',
    headers: bearer(admin),
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}
