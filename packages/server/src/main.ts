/** Starts the auth service: `npm start` (demo mode by default). */
import { createServer } from 'node:net';
import { buildApp } from './app.js';
import { gracefulShutdown } from './cluster/shutdown.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createExitWatchdog } from './ops/exit-watchdog.js';
import { LogSink } from './ops/log-sink.js';
import { startMetricsListener } from './ops/observability.js';
import { DEMO_USERS } from './services/index.js';
import { sqlitePath } from './storage/index.js';

/** After the drain, in-flight requests get this long; the exit watchdog kills the process 2 s later. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Errors whose message already tells the operator what to do: printed alone, exit 2. */
const OPERATOR_ERRORS = new Set([
  'DemoDataError',
  'InstanceLeaseError',
  'StorageCorruptError',
  'SecretKeyMismatchError',
]);

/** The `npm run demo` line of the banner: the demo walks this very address (default port or not). */
export function demoCommand(address: string): string {
  return address === 'http://127.0.0.1:3000' ? 'npm run demo' : `JWTKIT_URL=${address} npm run demo`;
}

/** The message for a listen() failure, or null when it is not one we can explain. */
export function listenFailure(err: unknown, config: Pick<Config, 'host' | 'port'>): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${config.port} on ${config.host} is already in use (another jwtkit server, or another program). Stop it, or start this one on another port: PORT=${config.port === 3000 ? 3001 : config.port + 1} npm start`;
  }
  if (code === 'EACCES') {
    return `not allowed to listen on port ${config.port} (ports below 1024 need privileges); choose another, e.g. PORT=3000`;
  }
  if (code === 'EADDRNOTAVAIL') {
    return `HOST=${config.host} is not an address of this machine; use 127.0.0.1 (local only) or 0.0.0.0 (every interface)`;
  }
  return null;
}

/** True when nothing listens on host:port (probed by listening once). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * A second `npm start` usually meets the first one twice: same database (the lease) and same port. Say
 * both, then the two ways out.
 */
export async function leaseMessage(
  leaseError: string,
  config: Pick<Config, 'host' | 'port'>,
): Promise<string> {
  const next = config.port === 3000 ? 3001 : config.port + 1;
  const independent = `PORT=${next} DATABASE_URL=./data/second.sqlite npm start`;
  if (config.port !== 0 && !(await portFree(config.host, config.port))) {
    return `port ${config.port} on ${config.host} is already in use: another jwtkit server is running there on the same database. Stop it, or start a second, independent server with its own port and database: ${independent}. (Several instances serving one database need REDIS_URL.)`;
  }
  return `${leaseError}\nA second, independent server needs its own database and port: ${independent}`;
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`jwtkit server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  // Logs go through a bounded sink that never blocks on stdout (ops/log-sink.ts).
  const logSink = new LogSink(process.stdout, { format: config.logFormat });
  const watchdog = createExitWatchdog();
  let built: Awaited<ReturnType<typeof buildApp>>;
  try {
    built = await buildApp(config, { logStream: logSink, logDropped: () => logSink.stats.dropped });
  } catch (err) {
    if (err instanceof Error && err.name === 'InstanceLeaseError') {
      process.stderr.write(`jwtkit server: ${await leaseMessage(err.message, config)}\n`);
      process.exit(2);
    }
    if (err instanceof Error && OPERATOR_ERRORS.has(err.name)) {
      process.stderr.write(`jwtkit server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { app, drain, metrics } = built;
  // Signal handlers before listening: a SIGTERM right after the banner must drain, not kill.
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    // The hard deadline, from a thread of its own: it holds even if this thread were blocked.
    watchdog.arm(config.shutdownDrainMs + SHUTDOWN_GRACE_MS + 2_000);
    app.log.info({ signal }, 'shutting down');
    // Drain (SHUTDOWN_DRAIN_MS: readiness 503 + Connection: close), then stop accepting, answer in-flight
    // requests, close idle keep-alive sockets, close the storage. Up to 10 s after the drain for that.
    gracefulShutdown(app, drain, { drainMs: config.shutdownDrainMs, graceMs: SHUTDOWN_GRACE_MS }).then(
      (finished) => {
        if (!finished) app.log.warn({}, 'requests still running after 10 s were cut');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    const message = listenFailure(err, config);
    if (message === null) throw err;
    await app.close().catch(() => {});
    process.stderr.write(`jwtkit server: ${message}\n`);
    process.exit(2);
  }

  const db = /^postgres/i.test(config.databaseUrl)
    ? config.databaseUrl.replace(/:[^:@/]*@/, ':***@')
    : sqlitePath(config.databaseUrl, config.baseDir);
  const lines = [
    '',
    `  jwtkit auth service (${config.mode} mode) listening on ${address}`,
    `  database: ${db}   signing: ${config.jwtAlg}   docs: ${address}/docs`,
  ];
  if (config.seedDemoUsers) {
    const alice = DEMO_USERS[0];
    lines.push(
      `  demo users: ${DEMO_USERS.map((u) => `${u.username} / ${u.password} (${u.role})`).join(', ')}`,
      '',
      '  try:',
      `    curl -s -X POST ${address}/auth/login -H 'content-type: application/json' \\`,
      `      -d '{"username":"${alice.username}","password":"${alice.password}"}'`,
      `    ${demoCommand(address)}        # walks login, /me, a 403, refresh, replay detection, logout`,
    );
  }
  if (metrics && config.metricsPort !== undefined) {
    try {
      const m = await startMetricsListener(metrics, config.metricsHost, config.metricsPort);
      app.addHook('onClose', async () => {
        m.server.closeAllConnections();
        await new Promise((r) => m.server.close(r));
      });
      lines.push(`  metrics: ${m.address}/metrics (Prometheus; private listener)`);
    } catch (err) {
      const message = listenFailure(err, { host: config.metricsHost, port: config.metricsPort });
      await app.close().catch(() => {});
      process.stderr.write(`jwtkit server: metrics listener (METRICS_PORT): ${message ?? String(err)}\n`);
      process.exit(2);
    }
  }
  logSink.flush(); // the lines logged so far come before the banner
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

if (process.argv[1] && /main\.(ts|js)$/.test(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `jwtkit server failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
