/** Builds the OpenAPI 3.1 document from the routes' own schemas and `config.openapi` notes. */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { isOAuthPath } from './oauth-errors.js';
import { problemSchema } from './schemas.js';

/** RFC 6749 §5.2 error body. */
const OAUTH_ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    error_description: { type: 'string' },
    error_uri: { type: 'string' },
  },
};

interface Collected {
  method: string;
  url: string;
  schema: RouteOptions['schema'];
  config: RouteOptions['config'];
}

export class OpenApiCollector {
  readonly #routes: Collected[] = [];
  #doc: Record<string, unknown> | null = null;

  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const m of methods) {
        if (m === 'HEAD' || !route.config?.openapi) continue;
        this.#routes.push({
          method: m.toLowerCase(),
          url: route.url,
          schema: route.schema,
          config: route.config,
        });
      }
    });
  }

  document(info: { title: string; version: string; serverUrl: string }): Record<string, unknown> {
    if (this.#doc) return this.#doc;
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.#routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const doc = r.config!.openapi!;
      const schema = (r.schema ?? {}) as Record<string, Record<string, unknown> | undefined>;
      const parameters: unknown[] = [];
      for (const [where, s] of [
        ['path', schema.params],
        ['query', schema.querystring],
      ] as const) {
        const props = (s?.properties ?? {}) as Record<string, unknown>;
        const required = new Set((s?.required as string[] | undefined) ?? []);
        for (const [name, ps] of Object.entries(props)) {
          parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: ps });
        }
      }
      const op: Record<string, unknown> = {
        summary: doc.summary,
        ...(doc.description ? { description: doc.description } : {}),
        ...(doc.tags ? { tags: doc.tags } : {}),
        operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        ...(parameters.length ? { parameters } : {}),
      };
      if (schema.body) {
        const content: Record<string, unknown> = r.config!.formOnly
          ? {}
          : { 'application/json': { schema: schema.body } };
        if (r.config!.acceptsForm) content['application/x-www-form-urlencoded'] = { schema: schema.body };
        op.requestBody = { required: true, content };
      }
      const responses: Record<string, unknown> = {};
      // Errors: RFC 6749 §5.2 JSON under /oauth/ (oauth-errors.ts), problem+json elsewhere.
      const oauthPath = isOAuthPath(r.url);
      for (const [status, res] of Object.entries(doc.responses ?? { '200': { description: 'OK' } })) {
        const error = Number(status) >= 400;
        const type = error && !oauthPath ? 'application/problem+json' : 'application/json';
        const body = error && oauthPath ? OAUTH_ERROR_SCHEMA : res.schema;
        responses[status] = {
          description: res.description,
          ...(body ? { content: { [type]: { schema: body } } } : {}),
        };
      }
      op.responses = responses;
      if (r.config!.auth)
        op.security = [{ bearerAuth: [] }, { dpopAuth: [] }, ...(doc.basicAuth ? [{ basicAuth: [] }] : [])];
      paths[path] ??= {};
      paths[path]![r.method] = op;
    }
    this.#doc = {
      openapi: '3.1.0',
      info: {
        title: info.title,
        version: info.version,
        description:
          'Reference REST auth service built on jwtkit: RFC 9068 access tokens, rotating refresh tokens with reuse detection, RFC 7662 introspection, RFC 7009 revocation. Errors are RFC 9457 problem+json; bearer errors follow RFC 6750.',
      },
      servers: [{ url: info.serverUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          dpopAuth: {
            type: 'http',
            scheme: 'DPoP',
            description: 'RFC 9449: Authorization: DPoP <token> plus a DPoP proof header',
          },
          basicAuth: {
            type: 'http',
            scheme: 'basic',
            description: 'introspection clients (INTROSPECTION_CLIENTS)',
          },
        },
        schemas: { Problem: problemSchema },
      },
      paths,
    };
    return this.#doc;
  }
}

/** A dependency-free documentation page rendering /openapi.json. */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>jwtkit auth service API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;border-radius:4px}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#0a7}.post{color:#06c}.patch{color:#a60}.delete{color:#c33}.lock{color:#888}
</style></head><body>
<h1>jwtkit auth service API</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code>.</p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const root=document.getElementById('ops');root.textContent='';
  const groups={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [m,op] of Object.entries(ops)){
    const tag=(op.tags&&op.tags[0])||'other';(groups[tag]=groups[tag]||[]).push([m,path,op]);}
  for(const [tag,list] of Object.entries(groups)){
    const h=document.createElement('h2');h.textContent=tag;root.appendChild(h);
    for(const [m,path,op] of list){
      const d=document.createElement('details');const s=document.createElement('summary');
      const mm=document.createElement('span');mm.className='m '+m;mm.textContent=m;s.appendChild(mm);
      const c=document.createElement('code');c.textContent=path;s.appendChild(c);
      s.appendChild(document.createTextNode(' '+(op.summary||'')+(op.security?' (requires a bearer token)':'')));d.appendChild(s);
      if(op.description){const p=document.createElement('p');p.textContent=op.description;d.appendChild(p);}
      const body={parameters:op.parameters,requestBody:op.requestBody,responses:op.responses};
      const pre=document.createElement('pre');pre.textContent=JSON.stringify(body,null,2);d.appendChild(pre);
      root.appendChild(d);}}
}).catch(e=>{document.getElementById('ops').textContent='Could not load /openapi.json: '+e});
</script></body></html>`;
