// Schemas once: /openapi.json is the routes' own schemas. Part 1 registers the route plugins again on a
// bare Fastify with its own onRoute hook (not the collector) and compares each route's declared body,
// params, querystring and response schemas with its OpenAPI operation. Part 2 checks that what the
// routes actually answer validates against the response schemas they declare (Ajv, not our code).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import Fastify, { type RouteOptions } from 'fastify';
import { adminRoutes } from '../src/routes/admin.js';
import { authRoutes } from '../src/routes/auth.js';
import { oauthRoutes } from '../src/routes/oauth.js';
import { systemRoutes } from '../src/routes/system.js';
import { tokenRoutes } from '../src/routes/token.js';
import { problemSchema } from '../src/schemas.js';
import { ALICE, bearer, login, startApp } from './helpers.js';

type Doc = { paths: Record<string, Record<string, Record<string, any>>> };

const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI is generated from the routes’ own schemas', () => {
  test('every route’s declared schemas equal its OpenAPI operation', async () => {
    const t = await startApp();
    const probe = Fastify({ logger: false });
    const routes: RouteOptions[] = [];
    try {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
      probe.addHook('onRoute', (r) => {
        if (r.method !== 'HEAD' && r.config?.openapi) routes.push(r);
      });
      const opts = { services: t.services };
      await probe.register(systemRoutes, {
        ...opts,
        openapi: { document: () => ({}) } as never,
        version: '0',
      });
      await probe.register(authRoutes, opts);
      await probe.register(adminRoutes, opts);
      await probe.register(oauthRoutes, opts);
      await probe.register(tokenRoutes, opts);
      await probe.ready();

      const declared = new Set<string>();
      for (const r of routes) {
        const method = String(r.method).toLowerCase();
        const path = openapiPath(r.url);
        const where = `${method} ${path}`;
        declared.add(where);
        const op = doc.paths[path]?.[method];
        assert.ok(op, `OpenAPI lacks ${where}`);
        const schema = (r.schema ?? {}) as Record<string, any>;
        const oauth = path.startsWith('/oauth/');

        // Request body: the route's body schema, under each content type the route accepts.
        if (schema.body) {
          const content = op.requestBody?.content ?? {};
          const types = Object.keys(content).sort();
          const expected = [
            ...(r.config?.formOnly ? [] : ['application/json']),
            ...(r.config?.acceptsForm ? ['application/x-www-form-urlencoded'] : []),
          ].sort();
          assert.deepEqual(types, expected, `${where}: request content types`);
          for (const type of types) assert.deepEqual(content[type].schema, schema.body, `${where}: body`);
        } else assert.equal(op.requestBody, undefined, `${where}: no body declared`);

        // Parameters: one per params/querystring property, with the property's own schema.
        const params = [
          ...Object.entries(schema.params?.properties ?? {}).map(([name, s]) => ({ name, in: 'path', s })),
          ...Object.entries(schema.querystring?.properties ?? {}).map(([name, s]) => ({
            name,
            in: 'query',
            s,
          })),
        ];
        assert.deepEqual(
          (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, s: p.schema })),
          params,
          `${where}: parameters`,
        );

        // Responses: the statuses the route declares, each with the schema it declares; errors carry
        // the problem+json schema (or RFC 6749 §5.2 JSON under /oauth/).
        const responses = r.config!.openapi!.responses ?? { '200': { description: 'OK' } };
        assert.deepEqual(
          Object.keys(op.responses).sort(),
          Object.keys(responses).sort(),
          `${where}: statuses`,
        );
        for (const [status, res] of Object.entries(responses)) {
          const got = op.responses[status] as Record<string, any>;
          assert.equal(got.description, res.description, `${where} ${status}: description`);
          const error = Number(status) >= 400;
          if (error && !oauth) {
            // problem+json; every declared problem schema is the one Problem schema.
            if (res.schema !== undefined) assert.equal(res.schema, problemSchema, `${where} ${status}`);
            const content =
              res.schema === undefined ? undefined : { 'application/problem+json': { schema: res.schema } };
            assert.deepEqual(got.content, content, `${where} ${status}`);
          } else if (error) {
            assert.deepEqual(got.content['application/json'].schema.required, ['error'], where);
          } else if (res.schema === undefined) {
            assert.equal(got.content, undefined, `${where} ${status}: no schema declared`);
          } else {
            assert.deepEqual(
              got.content,
              { 'application/json': { schema: res.schema } },
              `${where} ${status}`,
            );
          }
        }
      }
      // Nothing in the document that no route declares.
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m} ${p}`),
      );
      assert.deepEqual(documented.sort(), [...declared].sort());
      assert.ok(declared.size >= 25, `only ${declared.size} operations`);
    } finally {
      await probe.close();
      await t.close();
    }
  });

  test('what the routes answer validates against their declared response schemas', async () => {
    const t = await startApp();
    try {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
      const ajv = new Ajv({ strict: false, allErrors: true });
      // ajv-formats is CommonJS: its function is the module's default export's `default`.
      (formats as unknown as { default: (a: Ajv) => void }).default(ajv);
      const { access_token, refresh_token } = await login(t.app, ALICE);
      const auth = bearer(access_token);
      const calls: {
        method: 'GET' | 'POST' | 'PATCH';
        url: string;
        path?: string;
        payload?: unknown;
        auth?: boolean;
      }[] = [
        {
          method: 'POST',
          url: '/auth/register',
          payload: { username: 'carol-schema', password: 'carol-pass-long-1' },
        },
        {
          method: 'POST',
          url: '/auth/login',
          payload: { username: 'carol-schema', password: 'carol-pass-long-1' },
        },
        { method: 'POST', url: '/auth/login', payload: { username: 'carol-schema', password: 'wrong' } },
        { method: 'POST', url: '/auth/refresh', payload: { refresh_token } },
        { method: 'POST', url: '/auth/refresh', payload: { refresh_token: 'nope' } },
        { method: 'GET', url: '/me', auth: true },
        { method: 'GET', url: '/me' },
        { method: 'GET', url: '/auth/sessions', auth: true },
        { method: 'GET', url: '/admin/users', auth: true },
        { method: 'GET', url: '/admin/users/101', path: '/admin/users/{id}', auth: true },
        {
          method: 'PATCH',
          url: '/admin/users/102',
          path: '/admin/users/{id}',
          payload: { disabled: false },
          auth: true,
        },
        { method: 'GET', url: '/admin/audit-events?limit=5', path: '/admin/audit-events', auth: true },
        { method: 'GET', url: '/admin/keys', auth: true },
        { method: 'GET', url: '/admin/oauth-clients', auth: true },
        { method: 'POST', url: '/oauth/introspect', payload: { token: access_token }, auth: true },
        { method: 'GET', url: '/.well-known/jwks.json' },
        { method: 'GET', url: '/.well-known/oauth-authorization-server' },
        { method: 'GET', url: '/healthz' },
        { method: 'GET', url: '/readyz' },
        { method: 'POST', url: '/auth/logout-all', auth: true },
      ];
      let checked = 0;
      for (const c of calls) {
        const res = await t.app.inject({
          method: c.method,
          url: c.url,
          ...(c.payload === undefined ? {} : { payload: c.payload as object }),
          ...(c.auth ? { headers: auth } : {}),
        });
        const path = c.path ?? c.url;
        const op = doc.paths[path]?.[c.method.toLowerCase()];
        if (!op) continue; // e.g. GET /admin/users/{id} when no such route exists
        const declared = op.responses[String(res.statusCode)];
        assert.ok(declared, `${c.method} ${c.url} answered ${res.statusCode}, which its OpenAPI entry lacks`);
        const content = declared.content as Record<string, { schema: object }> | undefined;
        if (!content) continue;
        const [type, { schema }] = Object.entries(content)[0]!;
        assert.ok(String(res.headers['content-type']).startsWith(type), `${c.method} ${c.url}: ${type}`);
        const validate = ajv.compile(schema);
        assert.ok(
          validate(res.json()),
          `${c.method} ${c.url} ${res.statusCode}: ${ajv.errorsText(validate.errors)}`,
        );
        checked++;
      }
      assert.ok(checked >= 12, `only ${checked} responses had a schema to check`);
    } finally {
      await t.close();
    }
  });
});
