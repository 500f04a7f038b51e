/**
 * What an operator watches: one log line per request, the security-event lines for rate limits, and
 * `/metrics` (Prometheus) off the public surface.
 *
 * - `registerRequestLog`: one `onResponse` hook. The line carries the method, the route *pattern* (never
 *   the URL, which can carry a token or a password in a query), the status, the duration, the request id
 *   and, when authenticated, the user id. Never a header, a body, a token or a secret.
 * - `registerPublicMetrics`: `/metrics` on the public listener only with METRICS_TOKEN as a bearer
 *   credential; without it the route does not exist (404), so nothing tells a scanner it is there.
 * - `startMetricsListener`: the private listener (METRICS_HOST:METRICS_PORT) that serves only `/metrics`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pino from 'pino';
import type { Metrics } from './metrics.js';

const S = pino.symbols;
const CHINDINGS = S.chindingsSym;

/**
 * Fastify's `childLoggerFactory`: builds `request.log` as the default factory does,
 * `logger.child({ reqId }, opts)`, but appends the request id to the child's bindings text itself
 * instead of passing it through pino's redacting stringifier (2-3 us a request with REDACT_PATHS'
 * wildcards, against 0.4 us; bench/FINDINGS.md S5e). The bindings text is what pino writes into every
 * line of the child; `JSON.stringify` of the id is what the redacting stringifier yields for it, since
 * no redact path names `reqId`. Everything the child logs (its own objects) is still redacted. Any other
 * bindings or options, or a pino without that field, take the default path.
 */
export function requestLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: { reqId?: unknown },
  opts: object,
): FastifyBaseLogger {
  const { reqId } = bindings;
  let fast = typeof reqId === 'string';
  for (const key in bindings) if (key !== 'reqId') fast = false;
  for (const _ in opts) fast = false;
  if (!fast) return logger.child(bindings, opts);
  const child = logger.child({}) as FastifyBaseLogger & { [CHINDINGS]?: unknown };
  const text = child[CHINDINGS];
  if (typeof text !== 'string') return logger.child(bindings, opts);
  child[CHINDINGS] = `${text},"reqId":${JSON.stringify(reqId)}`;
  return child;
}

/** What `registerRequestLog` writes the request line with: pino's `child` (what Fastify's `app.log` has). */
interface ChildCapable {
  child(bindings: object, options?: object): FastifyInstance['log'];
}

/**
 * @param logging false when the app has no logger (`buildApp({ logger: false })`) or LOG_LEVEL=silent:
 *   with no metrics either, the hook would only call no-op loggers, so it is not registered at all.
 */
export function registerRequestLog(
  app: FastifyInstance,
  metrics: Metrics | null,
  options: { logging?: boolean } = {},
): void {
  if (options.logging === false && metrics === null) return;
  // The request line's fields are fixed (method, route pattern, status, ms, request id, user id, and the
  // event name of a 429): none can hold a header, a body, a query or a token, so it is written by a child
  // logger without redaction. pino's redaction (REDACT_PATHS, wildcards included) stringifies every field
  // of every line through fast-redact: ~5 us a line, the largest per-request cost of logging at info
  // (bench/FINDINGS.md S5c). Every other line (app.log, request.log: errors, audit events, anything that
  // may carry a caller's value) keeps it. The child shares the root's stream, level and base fields.
  const lines = (app.log as unknown as ChildCapable).child({}, { redact: { paths: [] } });
  const write = requestLineWriter(lines);
  // Callback form (no promise per request); a throw still reaches Fastify's hook error handling.
  app.addHook('onResponse', (request, reply, done) => {
    try {
      requestLine(lines, write, request, reply, metrics);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
}

/** The request line's fields, in the order they are written. */
export interface RequestLineFields {
  reqId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  userId?: number | string;
  event?: string;
}

type PinoInternals = Record<symbol, unknown> & { levelVal: number };
type LineWriter = (level: 30 | 40 | 50, fields: RequestLineFields, msg: string) => void;

/** JSON text of a field value, as pino writes it (a non-finite number is null). */
const jsonValue = (v: number | string): string =>
  typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v);

/**
 * The request line written by hand: the text pino's `log.info(fields, msg)` writes (level, time, the
 * bindings, the fields in order, msg; `test/request-line.test.ts` compares the two for generated fields),
 * without pino's generic path (a loop over the object's keys, serializer and redaction lookups per key):
 * ~0.35 us against ~0.95 us a line (bench/FINDINGS.md S5f). Only for a logger configured the way
 * buildApp configures it (no mixin, hooks, formatters of the line, message prefix, serializers or
 * redaction of these fields, a stream without pino's metadata protocol): otherwise null, and the line goes
 * through pino.
 */
export function requestLineWriter(log: unknown): LineWriter | null {
  const p = log as PinoInternals;
  const levels = p[S.lsCacheSym] as Record<number, string> | undefined;
  const serializers = (p[S.serializersSym] ?? {}) as Record<string, unknown>;
  const stringifiers = (p[S.stringifiersSym] ?? {}) as Record<string | symbol, unknown>;
  const formatters = (p[S.formattersSym] ?? {}) as { log?: unknown };
  const hooks = (p[S.hooksSym] ?? {}) as { logMethod?: unknown; streamWrite?: unknown };
  const stream = p[S.streamSym] as { write(s: string): unknown; [k: symbol]: unknown } | undefined;
  const fieldNames = ['reqId', 'method', 'route', 'status', 'ms', 'userId', 'event', 'msg'];
  if (
    levels?.[30] !== '{"level":30' ||
    levels[40] !== '{"level":40' ||
    levels[50] !== '{"level":50' ||
    p[S.endSym] !== '}\n' ||
    p[S.messageKeySym] !== 'msg' ||
    p[S.mixinSym] ||
    p[(S as unknown as Record<string, symbol>).msgPrefixSym as symbol] !== undefined ||
    formatters.log !== undefined ||
    hooks.logMethod !== undefined ||
    hooks.streamWrite !== undefined ||
    stringifiers[S.wildcardFirstSym] !== undefined ||
    fieldNames.some((k) => Object.hasOwn(serializers, k) || Object.hasOwn(stringifiers, k)) ||
    typeof p[S.timeSym] !== 'function' ||
    typeof p[S.chindingsSym] !== 'string' ||
    !stream ||
    typeof stream.write !== 'function' ||
    stream[S.needsMetadataGsym] === true
  )
    return null;
  const time = p[S.timeSym] as () => string;
  return (level, f, msg) => {
    if (level < p.levelVal) return;
    let line = `${levels[level]}${time()}${p[S.chindingsSym] as string},"reqId":${JSON.stringify(f.reqId)},"method":${JSON.stringify(f.method)},"route":${JSON.stringify(f.route)},"status":${jsonValue(f.status)},"ms":${jsonValue(f.ms)}`;
    if (f.userId !== undefined) line += `,"userId":${jsonValue(f.userId)}`;
    if (f.event !== undefined) line += `,"event":${JSON.stringify(f.event)}`;
    stream.write(`${line},"msg":${JSON.stringify(msg)}}\n`);
  };
}

function requestLine(
  log: FastifyInstance['log'],
  write: LineWriter | null,
  request: FastifyRequest,
  reply: FastifyReply,
  metrics: Metrics | null,
): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const status = reply.statusCode;
  const ms = reply.elapsedTime;
  metrics?.observeRequest(request.method, route, status, ms / 1000);
  const userId = request.auth?.user_id;
  // Only these fields, built here: never a spread of anything the request carried.
  const line: RequestLineFields = {
    reqId: request.id, // the label Fastify binds on request.log (its default requestIdLogLabel)
    method: request.method,
    route,
    status,
    ms: Math.round(ms * 100) / 100,
  };
  if (userId !== undefined) line.userId = userId;
  const [level, msg] =
    status === 429
      ? ([40, 'request.rate_limited'] as const)
      : status >= 500
        ? ([50, 'request'] as const)
        : ([30, 'request'] as const);
  if (status === 429) line.event = 'request.rate_limited';
  if (write) write(level, line, msg);
  else if (level === 40) log.warn(line, msg);
  else if (level === 50) log.error(line, msg);
  else log.info(line, msg);
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function registerPublicMetrics(app: FastifyInstance, metrics: Metrics, token: string): void {
  const expected = digest(`Bearer ${token}`);
  app.get('/metrics', async (request, reply) => {
    const presented = digest(request.headers.authorization ?? '');
    if (!timingSafeEqual(presented, expected)) {
      // The same answer as a route that does not exist.
      return reply.code(404).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        code: 'not_found',
      });
    }
    reply.header('cache-control', 'no-store');
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}

/** The private metrics listener. Resolves once listening; `close()` stops it. */
export async function startMetricsListener(
  metrics: Metrics,
  host: string,
  port: number,
): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.text().then(
      (body) =>
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const address =
    typeof a === 'object' && a
      ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
      : String(a);
  return { server, address };
}
