/**
 * Builds the Fastify app from a config and injected infrastructure. No listening, no process globals:
 * tests drive it with `app.inject()` or `app.listen({ port: 0 })`; `main.ts` starts it for real.
 */

import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import Fastify, { LogController } from 'fastify';
import { DrainState } from './cluster/shutdown.js';
import type { Config } from './config.js';
import { drainHooks } from './drain-plugin.js';
import { registerHttpBasics, sendProblem, toProblem } from './http.js';
import { OpenApiCollector } from './openapi.js';
import { Metrics } from './ops/metrics.js';
import { registerPublicMetrics, registerRequestLog, requestLoggerFactory } from './ops/observability.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { oauthRoutes } from './routes/oauth.js';
import { systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/token.js';
import type { AuditType } from './services/audit.js';
import { createServices, type Infrastructure, type Services } from './services/index.js';
import { registerWeb } from './web/index.js';

export const VERSION = '0.1.0';

export interface BuildOptions {
  infra?: Infrastructure;
  /** false: no logs. Default: pino at config.logLevel on stdout (or on `logStream`). */
  logger?: boolean;
  logStream?: { write(line: string): unknown };
  /** How many log lines the sink dropped so far (the `jwtkit_log_lines_dropped` gauge). */
  logDropped?: () => number;
}

/** The active key's age and the next key's readiness, for the metrics. */
function keySummary(services: Services): {
  activeSince: number | null;
  nextCreated: number | null;
  minAgeSeconds: number;
} {
  const keys = services.keys.list();
  const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
  const active = keys.find((k) => k.status === 'active');
  const next = keys.find((k) => k.status === 'next');
  return {
    activeSince: time(active?.activated_at ?? active?.created_at),
    nextCreated: time(next?.created_at),
    minAgeSeconds: services.config.keyRotationMinAge,
  };
}

/** Paths pino replaces with "[redacted]" wherever they appear in a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  'current_password',
  'new_password',
  'token',
  'access_token',
  'refresh_token',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  'body',
  '*.body',
];

/** Query values that look secret are never logged. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const out: string[] = [];
  for (const [k] of params)
    out.push(`${encodeURIComponent(k)}=${/token|pass|secret|code|key|auth/i.test(k) ? '[redacted]' : '…'}`);
  return `${url.slice(0, q)}?${out.join('&')}`;
}

export async function buildApp(
  config: Config,
  options: BuildOptions = {},
): Promise<{ app: FastifyInstance; services: Services; drain: DrainState; metrics: Metrics | null }> {
  const logger: FastifyServerOptions['logger'] =
    options.logger === false
      ? false
      : {
          level: config.logLevel,
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          serializers: {
            req: (req: { method?: string; url?: string; ip?: string }) => ({
              method: req.method,
              url: redactUrl(String(req.url ?? '')),
              remoteAddress: req.ip,
            }),
          },
          ...(options.logStream ? { stream: options.logStream } : {}),
        };

  const app = Fastify({
    logger,
    // One line per request, written by ops/observability.ts (not Fastify's two).
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: config.bodyLimit,
    // A hop count trusts exactly that many proxies (proxy-addr: hop 0 is the socket's peer); a list trusts
    // those addresses only; false trusts none. Never every hop (config.ts refuses TRUST_PROXY=true).
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (hops: number) => (_addr: string, i: number) =>
              i < hops
          )(config.trustProxy)
        : config.trustProxy,
    // Requests that reach us on an already-accepted connection while closing are served, not 503'd: the
    // SIGTERM drain (cluster/shutdown.ts) has already told clients to close their connections.
    return503OnClosing: false,
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 256 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    frameworkErrors: (err, _req, reply) => {
      sendProblem(reply, toProblem(err));
    },
    // Malformed HTTP (bad request line, oversized headers...): answer a problem, never a hang.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return;
      const status = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({
        type: 'https://jwtkit.dev/problems/bad_http',
        title: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request',
        status,
        detail: 'The HTTP request is malformed.',
        code: 'bad_http',
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });

  // Metrics only when something can read them (a private listener or a token for the public one).
  const metricsWanted = config.metricsPort !== undefined || config.metricsToken !== undefined;
  let services: Services | undefined;
  const metrics = metricsWanted
    ? new Metrics({
        storageKind: config.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite',
        pingStorage: () => services!.storage.ping(),
        ...(config.redisUrl
          ? { pingRedis: async () => void (await services!.cluster?.link.redis.ping()) }
          : {}),
        keys: () => keySummary(services!),
        verifyCache: () => services!.tokens.verifyCacheStats(),
        ...(options.logDropped ? { logDropped: options.logDropped } : {}),
      })
    : null;
  const infra = metrics
    ? { ...options.infra, auditObserver: (type: AuditType) => metrics.observeAudit(type) }
    : (options.infra ?? {});
  services = await createServices(config, infra, app.log);
  app.addHook('onClose', async () => {
    await services.close();
  });

  const openapi = new OpenApiCollector();
  openapi.attach(app);
  registerHttpBasics(app, { hsts: /^https:\/\//i.test(config.issuer) });
  registerRequestLog(app, metrics, { logging: options.logger !== false && config.logLevel !== 'silent' });
  if (metrics && config.metricsToken !== undefined) registerPublicMetrics(app, metrics, config.metricsToken);
  // Graceful shutdown (main.ts): while draining, /readyz answers 503 and responses close their connection.
  const drain = new DrainState();
  await app.register(drainHooks, { drain });

  await app.register(systemRoutes, { services, openapi, version: VERSION });
  await app.register(authRoutes, { services });
  await app.register(adminRoutes, { services });
  await app.register(oauthRoutes, { services });
  await app.register(tokenRoutes, { services });
  await registerWeb(app);
  await app.ready();
  return { app, services, drain, metrics };
}
