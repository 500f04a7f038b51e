/**
 * Demo data in a production database: the seeded accounts (alice/bob with their published passwords),
 * any account still using a published demo password, and signing keys sealed with the demo secret
 * (stored in the same database, so those private keys are not secret). Production refuses to start
 * while any is present; `npm run remove-demo-data -w packages/server` removes them.
 */
import type { Storage } from '../storage/types.js';
import type { PasswordHasher } from './passwords.js';
import { deriveKey, unseal } from './secrets.js';

export const DEMO_USERS = [
  { id: 101, username: 'alice', password: 'alice-demo-password', role: 'admin' },
  { id: 102, username: 'bob', password: 'bob-demo-password', role: 'user' },
] as const;

/** The setting demo mode stores its generated instance secret under. */
export const DEMO_SECRET_SETTING = 'demo_secret_key';

/** The setting the first instance claims to create the signing keys (services/keys.ts). */
export const KEY_BOOTSTRAP_SETTING = 'signing_keys_bootstrap';

export const REMOVE_DEMO_COMMAND = 'npm run remove-demo-data -w packages/server';

export interface DemoFinding {
  what: string;
  userId?: number;
  kid?: string;
  setting?: string;
}

/** Every piece of demo data in the database (empty: none). */
export async function findDemoData(storage: Storage, passwords: PasswordHasher): Promise<DemoFinding[]> {
  const found: DemoFinding[] = [];
  const seen = new Set<number>();
  for (const demo of DEMO_USERS) {
    const byId = await storage.getUserById(demo.id);
    if (byId && byId.username === demo.username) {
      found.push({ what: `demo account "${demo.username}" (id ${demo.id}, ${byId.role})`, userId: byId.id });
      seen.add(byId.id);
    }
    const byName = await storage.getUserByUsername(demo.username);
    if (byName && !seen.has(byName.id) && (await passwords.verify(byName.passwordHash, demo.password))) {
      found.push({
        what: `account "${demo.username}" (id ${byName.id}) uses the published demo password`,
        userId: byName.id,
      });
      seen.add(byName.id);
    }
  }
  const demoSecret = await storage.getSetting(DEMO_SECRET_SETTING);
  if (demoSecret !== null) {
    const sealKey = deriveKey(Buffer.from(demoSecret, 'utf8'), 'signing-key-encryption');
    for (const k of await storage.listSigningKeys()) {
      try {
        unseal(sealKey, k.privateKey, k.kid);
        found.push({
          what: `signing key ${k.kid} sealed with the demo secret stored in the database`,
          kid: k.kid,
        });
      } catch {
        // sealed with another secret: not demo data
      }
    }
    found.push({ what: 'the generated demo instance secret', setting: DEMO_SECRET_SETTING });
  }
  return found;
}

/** Removes what `findDemoData` found; returns what it removed. */
export async function removeDemoData(storage: Storage, passwords: PasswordHasher): Promise<DemoFinding[]> {
  const found = await findDemoData(storage, passwords);
  for (const f of found) {
    if (f.userId !== undefined) await storage.deleteUser(f.userId);
    if (f.kid !== undefined) await storage.deleteSigningKey(f.kid);
    if (f.setting !== undefined) await storage.deleteSetting(f.setting);
  }
  // New keys are then created at the next start without waiting for a former bootstrap owner.
  if (found.some((f) => f.kid !== undefined)) await storage.deleteSetting(KEY_BOOTSTRAP_SETTING);
  return found;
}

export class DemoDataError extends Error {
  override readonly name = 'DemoDataError';
  constructor(readonly findings: DemoFinding[]) {
    super(
      `production mode refuses to start on a database that holds demo data:\n  - ${findings
        .map((f) => f.what)
        .join(
          '\n  - ',
        )}\nRemove it with \`${REMOVE_DEMO_COMMAND}\` (run with the same DATABASE_URL and SECRET_KEY), then start again.`,
    );
  }
}
