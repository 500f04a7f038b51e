/**
 * The CLI/config path for machine clients (cli.ts):
 *
 *   jwtkit-server register-client <client_id> [--scope "a b"] [--audience URL]... [--name NAME]
 *                                 [--jwks-file FILE | --jwks-uri URL]
 *   jwtkit-server list-clients
 *   jwtkit-server delete-client <client_id>
 *
 * Without --jwks-file/--jwks-uri the client uses client_secret_basic and its secret is printed once.
 */
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { AuditService } from './services/audit.js';
import type { Services } from './services/index.js';
import { type ClientRegistration, OAuthClientService } from './services/oauth-clients.js';
import type { Storage } from './storage/types.js';

export const CLIENT_COMMANDS = ['register-client', 'list-clients', 'delete-client'] as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseRegisterArgs(args: string[]): ClientRegistration {
  const [id, ...rest] = args;
  if (!id || id.startsWith('--')) throw new UsageError('register-client needs a client_id');
  const reg: ClientRegistration = { client_id: id };
  const audiences: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i]!;
    const value = rest[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--scope') reg.scope = value;
    else if (flag === '--name') reg.name = value;
    else if (flag === '--audience') audiences.push(value);
    else if (flag === '--jwks-uri') reg.jwks_uri = value;
    else if (flag === '--jwks-file') reg.jwks = JSON.parse(readFileSync(value, 'utf8'));
    else throw new UsageError(`unknown option ${flag}`);
  }
  if (audiences.length > 0) reg.audiences = audiences;
  if (reg.jwks !== undefined || reg.jwks_uri !== undefined)
    reg.token_endpoint_auth_method = 'private_key_jwt';
  return reg;
}

export async function runClientCommand(
  command: (typeof CLIENT_COMMANDS)[number],
  args: string[],
  config: Config,
  storage: Storage,
  out: (line: string) => void,
): Promise<void> {
  const clock = Date.now;
  const clients = new OAuthClientService({
    config,
    storage,
    clock,
    audit: new AuditService(storage, clock),
  } as unknown as Services);
  if (command === 'list-clients') {
    const list = await clients.list();
    if (list.length === 0) out('no clients registered');
    for (const c of list)
      out(
        `${c.client_id}\t${c.token_endpoint_auth_method}\tscope="${c.scope}"\taudiences=${c.audiences.join(',')}`,
      );
  } else if (command === 'delete-client') {
    if (!args[0]) throw new UsageError('delete-client needs a client_id');
    await clients.delete(args[0], null, null);
    out(`deleted client ${args[0]}`);
  } else {
    const { client, client_secret } = await clients.register(parseRegisterArgs(args), null, null);
    out(
      `registered client ${client.client_id} (${client.token_endpoint_auth_method}), scope "${client.scope}"`,
    );
    if (client_secret) out(`client_secret: ${client_secret}   (shown once; stored as a SHA-256 digest)`);
  }
}
