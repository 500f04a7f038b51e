/**
 * Operator commands on the service's database, run with the same environment as the service:
 *
 *   npm run remove-demo-data -w packages/server     demo accounts, demo passwords, demo-sealed keys
 *   npm run reset-signing-keys -w packages/server   signing keys a lost SECRET_KEY sealed
 *
 * Both refuse to run while an instance serves the database without Redis (the lease), print what they
 * removed, and exit 0 (nothing to do is fine), 1 (failure) or 2 (bad configuration or usage).
 */
import { CLIENT_COMMANDS, runClientCommand, UsageError } from './clients-cli.js';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './domain-errors.js';
import { toProblem } from './error-mapper.js';
import { KEY_BOOTSTRAP_SETTING, removeDemoData } from './services/demo-data.js';
import { InstanceLeaseError } from './services/lease.js';
import { PasswordHasher } from './services/passwords.js';
import { createStorage } from './storage/index.js';

const USAGE =
  'usage: jwtkit-server remove-demo-data | reset-signing-keys | register-client <id> [--scope "a b"] [--audience URL]... [--jwks-file FILE | --jwks-uri URL] | list-clients | delete-client <id>';

export async function runCommand(
  args: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
): Promise<number> {
  const command = args[0];
  const clientCommand = CLIENT_COMMANDS.find((c) => c === command);
  if (command !== 'remove-demo-data' && command !== 'reset-signing-keys' && !clientCommand) {
    out(USAGE);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      out(`jwtkit server: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const storage = createStorage(config.databaseUrl, config.baseDir);
  try {
    await storage.checkIntegrity();
    if (!config.redisUrl && !(await storage.acquireInstanceLease()))
      throw new InstanceLeaseError(storage.leaseDescription);
    await storage.migrate();
    if (clientCommand) {
      try {
        await runClientCommand(clientCommand, args.slice(1), config, storage, out);
      } catch (err) {
        if (err instanceof UsageError) {
          out(`jwtkit server: ${err.message}\n${USAGE}`);
          return 2;
        }
        if (err instanceof DomainError) {
          out(`jwtkit server: ${err.detail}`);
          return toProblem(err).status === 404 ? 1 : 2;
        }
        throw err;
      }
    } else if (command === 'remove-demo-data') {
      const removed = await removeDemoData(storage, new PasswordHasher(config.argon2));
      if (removed.length === 0) out('no demo data found; nothing removed');
      for (const r of removed) out(`removed ${r.what}`);
    } else {
      const keys = await storage.listSigningKeys();
      for (const k of keys) await storage.deleteSigningKey(k.kid);
      await storage.deleteSetting(KEY_BOOTSTRAP_SETTING);
      out(
        keys.length === 0
          ? 'no signing keys stored; nothing removed'
          : `removed ${keys.length} signing key(s): ${keys.map((k) => k.kid).join(', ')}; new keys are created at the next start`,
      );
    }
    return 0;
  } catch (err) {
    out(`jwtkit server: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await storage.close();
  }
}

if (process.argv[1] && /cli\.(ts|js)$/.test(process.argv[1])) {
  runCommand(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`jwtkit server: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
