/** Starts the auth service: `npm start` (demo mode by default). */
import { buildApp } from './app.js';
import { gracefulShutdown } from './cluster/shutdown.js';
import { ConfigError, loadConfig } from './config.js';
import { createExitWatchdog } from './ops/exit-watchdog.js';
import { LogSink } from './ops/log-sink.js';
import { DEMO_USERS } from './services/index.js';
import { sqlitePath } from './storage/index.js';

/** Graceful shutdown gets this long; the exit watchdog kills the process 2 s later whatever happens. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

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
  const logSink = new LogSink(process.stdout);
  const watchdog = createExitWatchdog();
  const { app, drain } = await buildApp(config, { logStream: logSink });
  const address = await app.listen({ host: config.host, port: config.port });

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
      '    npm run demo        # walks login, /me, a 403, refresh, replay detection, logout',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    // The hard deadline, from a thread of its own: it holds even if this thread were blocked.
    watchdog.arm(SHUTDOWN_TIMEOUT_MS + 2_000);
    app.log.info({ signal }, 'shutting down');
    // Drain (SHUTDOWN_DRAIN_MS: readiness 503 + Connection: close), then stop accepting and finish in-flight.
    gracefulShutdown(app, drain, { drainMs: config.shutdownDrainMs, timeoutMs: SHUTDOWN_TIMEOUT_MS }).then(
      (finished) => process.exit(finished ? 0 : 1),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `jwtkit server failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
